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
