"""Home's sales figures come from the summary tables and equal the sales lines' sums, for
every reader's record rules (docs/performance.md, "Home's figures")."""

from __future__ import annotations

from typing import Any

import pytest
from tui_helpers import DAY

from core.services import dashboard


def _from_lines(ctx: Any) -> tuple[Any, ...]:
    today = ctx.today()
    starts = [dashboard.period_start(today, p) for p in ("mtd", "qtd", "ytd")]
    with ctx.reading() as session:
        return dashboard._sales_from_lines(ctx, session, today, starts)


@pytest.mark.parametrize("who", ["admin", "manager", "rep", "rep2"])
def test_sales_to_date_match_the_lines(tui_world: dict[str, Any], who: str) -> None:
    ctx = tui_world[who]
    assert ctx.today() == DAY
    board = dashboard.compute(ctx)
    assert (board.mtd, board.qtd, board.ytd) == _from_lines(ctx)
    assert board.ytd > board.mtd > 0  # the seed has lines this month and before


def test_figures_do_not_read_the_sales_lines(tui_world: dict[str, Any]) -> None:
    """A line the summaries do not hold (written around the import) is not summed: the
    figures are read from the summaries, not from 5 million lines."""
    import sqlalchemy as sa

    from core.models import SalesLine

    ctx = tui_world["admin"]
    before = dashboard.compute(ctx)
    with tui_world["world"].runtime.db.write_session() as session, session.begin():
        line = session.scalars(
            sa.select(SalesLine)
            .where(SalesLine.date <= DAY)
            .order_by(SalesLine.date.desc())
            .limit(1)
        ).one()
        line.amount += 1000
    after = dashboard.compute(ctx)
    assert (after.mtd, after.ytd) == (before.mtd, before.ytd)
    assert _from_lines(ctx)[2] == before.ytd + 1000


@pytest.mark.parametrize("who", ["admin", "rep"])
def test_customer_sales_by_month_match_the_lines(tui_world: dict[str, Any], who: str) -> None:
    """The customer page's months: the summary for a company-wide reader, the lines for a
    rep (the customer x month summary has no rep to apply a rep's rules to)."""
    import sqlalchemy as sa

    from core.models import SalesLine
    from core.services.overview import customer_overview

    ctx = tui_world[who]
    customer = tui_world["customers"][0]
    month = sa.func.substr(sa.cast(SalesLine.date, sa.String), 1, 7)
    with ctx.reading() as session:
        expected = [
            (m, f"{a:.2f}", n)
            for m, a, n in session.execute(
                sa.select(month, sa.func.sum(SalesLine.amount), sa.func.count())
                .where(SalesLine.customer_id == customer.id)
                .group_by(month)
                .order_by(month.desc())
            )
        ]
    got = customer_overview(ctx, customer.id).sales_by_month
    assert [(m, f"{a:.2f}", n) for m, a, n in got] == expected
    assert len(expected) == 3


def _recomputed(ctx: Any) -> dict[str, Any]:
    """Home's deal and follow-up figures worked out in Python from the rows the reader
    may see (their record rules), one deal and one visit at a time."""
    import datetime as dt
    from decimal import Decimal

    import sqlalchemy as sa

    from core.access import visible, visible_follow_ups
    from core.models import Activity, Opportunity
    from core.services.opportunities import probability

    today, now = ctx.today(), ctx.now()
    with ctx.reading() as session:
        deals = list(
            session.scalars(
                sa.select(Opportunity).where(
                    Opportunity.status == "open", visible(ctx, Opportunity)
                )
            )
        )
        planned = list(
            session.scalars(
                sa.select(Activity).where(Activity.next_visit.is_not(None), visible_follow_ups(ctx))
            )
        )
        visits = session.execute(sa.select(Activity.id, Activity.customer_id, Activity.date)).all()

    def stalled(o: Any) -> bool:
        stage = ctx.plugins.funnels.stage(o.funnel, o.stage)
        entered = o.stage_entered_at.replace(tzinfo=o.stage_entered_at.tzinfo or dt.UTC)
        return bool(stage.max_days) and entered < now - dt.timedelta(days=stage.max_days)

    def followed(a: Any) -> bool:
        return any(c == a.customer_id and d >= a.next_visit and i != a.id for i, c, d in visits)

    open_ = [a for a in planned if not followed(a)]
    return {
        "pipeline": sum((Decimal(o.amount) for o in deals), Decimal(0)),
        "weighted": sum(
            (Decimal(o.amount) * Decimal(probability(ctx, o)) for o in deals), Decimal(0)
        ).quantize(Decimal("0.01")),
        "open_deals": len(deals),
        "stalled": sum(map(stalled, deals)),
        "due_today": sum(a.next_visit == today for a in open_),
        "overdue": sum(a.next_visit < today for a in open_),
    }


@pytest.mark.parametrize("who", ["admin", "manager", "rep", "rep2"])
def test_deal_and_follow_up_figures_equal_a_recomputation(
    tui_world: dict[str, Any], who: str
) -> None:
    ctx = tui_world[who]
    board = dashboard.compute(ctx)
    expected = _recomputed(ctx)
    assert {k: getattr(board, k) for k in expected} == expected
    if who == "admin":
        assert board.open_deals and board.stalled and board.overdue  # the seed has some


def test_figures_are_read_in_few_statements(tui_world: dict[str, Any]) -> None:
    """Home's figures cost five reads: the target, sales to date from the summaries (two),
    the open deals once (pipeline, weighted, count, stalled) and the follow-ups once (due
    today, overdue). Pipeline, stalled and the two follow-up figures were four reads."""
    import sqlalchemy as sa

    ctx = tui_world["rep"]
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    engine = tui_world["world"].runtime.db.engine
    dashboard.compute(ctx)  # the reader's team and regions are read once, on first use
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        dashboard.compute(ctx)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) <= 5, reads
