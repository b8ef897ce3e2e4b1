"""The due list: what an owner (and their manager) must act on now.

* stalled deals: an open deal longer in its stage than the stage's limit (the same rule
  as the dashboard's "stalled" figure);
* follow-ups: a planned visit (``next_visit``) due today or overdue and not yet followed
  by a visit to that customer (the dashboard's "due today" and "overdue");
* visit interval: an owned customer not visited within its class's interval (the
  strictest ``visit_every_days`` among the stages implying the class);
* idle leads: owned leads on the escalation ladder (see ``pool``).

Every list filters with the reader's record rules: a rep sees their own items, a manager
the team's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from core.access import follow_up_owner, visible, visible_follow_ups
from core.context import Context
from core.models import Activity, Customer, CustomerStatus, Opportunity, User
from plugins.funnel.services.analytics import stalled_condition
from plugins.funnel.services.common import as_utc, is_sqlite, last_follow_up
from plugins.funnel.services.pipeline import open_deals

KINDS = ("stalled", "follow_up", "visit", "lead")
LIMIT = 5000


@dataclass(frozen=True)
class DueItem:
    kind: str  # one of KINDS
    record_id: int  # opportunity id for "stalled", customer id otherwise
    customer_id: int | None
    customer: str
    owner: str  # owner login ("" for none)
    manager: str  # the owner's manager login
    subject: str  # stage, visit purpose, class or ladder step (English; the UI translates)
    due: dt.date
    days_over: int


def due_list(
    ctx: Context, owner: str | None = None, kinds: tuple[str, ...] = KINDS, limit: int = LIMIT
) -> list[DueItem]:
    """Every due item the reader may see (optionally one owner's), most overdue first."""
    items: list[DueItem] = []
    if "stalled" in kinds:
        items += stalled_deals(ctx, owner, limit)
    if "follow_up" in kinds:
        items += overdue_follow_ups(ctx, owner, limit)
    if "visit" in kinds:
        items += visits_due(ctx, owner, limit)
    if "lead" in kinds:
        from plugins.funnel.services.pool import ladder

        items += [step.due_item() for step in ladder(ctx, owner=owner) if step.step]
    return sorted(items, key=lambda i: (-i.days_over, i.kind, i.customer))


def _owner_filter(column: Any, owner: str | None) -> list[Any]:
    if not owner:
        return []
    return [column.in_(sa.select(User.id).where(User.login == owner))]


def _people(session: Any) -> dict[int, tuple[str, str]]:
    """User id -> (login, manager login)."""
    rows = session.execute(sa.select(User.id, User.login, User.manager_id)).all()
    logins = {r[0]: r[1] for r in rows}
    return {r[0]: (r[1], logins.get(r[2], "")) for r in rows}


def stalled_deals(ctx: Context, owner: str | None = None, limit: int = LIMIT) -> list[DueItem]:
    now = ctx.now()
    query = (
        sa.select(
            Opportunity.id,
            Opportunity.funnel,
            Opportunity.stage,
            Opportunity.stage_entered_at,
            Opportunity.owner_id,
            Customer.id,
            Customer.name,
        )
        .join(Customer, Customer.id == Opportunity.customer_id)
        .where(
            *open_deals(ctx), stalled_condition(ctx), *_owner_filter(Opportunity.owner_id, owner)
        )
        .order_by(Opportunity.stage_entered_at)
        .limit(limit)
    )
    with ctx.reading() as session:
        people = _people(session)
        rows = session.execute(query).all()
    out = []
    for opp_id, funnel_id, stage_id, entered, owner_id, cust_id, cust in rows:
        stage = ctx.plugins.funnels.stage(funnel_id, stage_id)
        due = (as_utc(entered) + dt.timedelta(days=stage.max_days)).date()
        login, manager = people.get(owner_id, ("", ""))
        out.append(
            DueItem(
                "stalled",
                opp_id,
                cust_id,
                cust,
                login,
                manager,
                stage_id,
                due,
                (now.date() - due).days,
            )
        )
    return out


def follow_up_conditions(ctx: Context, which: str = "due") -> list[Any]:
    """Planned visits not yet followed by a visit: ``which`` is "due" (today or before),
    "today" or "overdue" (before today), as on the dashboard."""
    today = ctx.today()
    later = aliased(Activity)
    done = sa.exists().where(
        later.customer_id == Activity.customer_id,
        later.date >= Activity.next_visit,
        later.id != Activity.id,
    )
    when = {
        "due": Activity.next_visit <= today,
        "today": Activity.next_visit == today,
        "overdue": Activity.next_visit < today,
    }[which]
    return [when, ~done, visible_follow_ups(ctx)]


def overdue_follow_ups(ctx: Context, owner: str | None = None, limit: int = LIMIT) -> list[DueItem]:
    today = ctx.today()
    query = (
        sa.select(
            Activity.id,
            Activity.customer_id,
            Customer.name,
            follow_up_owner(),
            Activity.purpose,
            Activity.next_visit,
        )
        .outerjoin(Customer, Customer.id == Activity.customer_id)
        .where(*follow_up_conditions(ctx), *_owner_filter(follow_up_owner(), owner))
        .order_by(Activity.next_visit, Activity.id)
        .limit(limit)
    )
    with ctx.reading() as session:
        people = _people(session)
        rows = session.execute(query).all()
    out = []
    for _act_id, cust_id, cust, rep_id, purpose, due in rows:
        login, manager = people.get(rep_id, ("", ""))
        out.append(
            DueItem(
                "follow_up",
                cust_id or 0,
                cust_id,
                cust or "",
                login,
                manager,
                purpose,
                due,
                (today - due).days,
            )
        )
    return out


def visit_conditions(ctx: Context) -> list[Any]:
    """Owned, active customers past their class's visit interval."""
    today = ctx.today()
    last = last_follow_up(today)
    per_class = []
    for cls, every in ctx.plugins.funnels.class_visit_days().items():
        cutoff = today - dt.timedelta(days=every)
        since = dt.datetime.combine(cutoff, dt.time(), dt.UTC)
        per_class.append(
            sa.and_(
                Customer.customer_class == cls,
                sa.or_(last < cutoff, sa.and_(last.is_(None), Customer.created_at < since)),
            )
        )
    return [
        Customer.owner_id.is_not(None),
        Customer.status == CustomerStatus.ACTIVE,
        visible(ctx, Customer),
        sa.or_(*per_class) if per_class else sa.false(),
    ]


def visits_due(ctx: Context, owner: str | None = None, limit: int = LIMIT) -> list[DueItem]:
    today = ctx.today()
    every = ctx.plugins.funnels.class_visit_days()
    last = last_follow_up(today)
    query = (
        sa.select(
            Customer.id,
            Customer.name,
            Customer.owner_id,
            Customer.customer_class,
            last,
            Customer.created_at,
        )
        .where(*visit_conditions(ctx), *_owner_filter(Customer.owner_id, owner))
        .order_by(last, Customer.id)
        .limit(limit)
    )
    with ctx.reading() as session:
        people = _people(session)
        rows = session.execute(query).all()
    out = []
    for cust_id, name, owner_id, cls, last, created in rows:
        base = last or as_utc(created).date()
        due = base + dt.timedelta(days=every[cls])
        login, manager = people.get(owner_id, ("", ""))
        out.append(
            DueItem("visit", cust_id, cust_id, name, login, manager, cls, due, (today - due).days)
        )
    return out


# -- the due list one page at a time, in SQL ---------------------------------------------
#
# The screen shows a page of the list the report has whole: every kind in one UNION ALL
# ordered as ``due_list`` orders (most overdue first, then kind, then customer), with a
# COUNT and LIMIT/OFFSET, so a list of tens of thousands of items is never built in
# Python. Each part keeps the conditions (and record rules) of its kind above.

ORDER = ("anchor", "kind", "customer", "record_id")


def _day(session: Any, value: Any) -> Any:
    """SQL for the (UTC) day of a datetime or date column."""
    if is_sqlite(session):
        return sa.func.date(value)
    return sa.cast(value, sa.Date)


def _days_after(session: Any, day: Any, days: int) -> Any:
    """SQL for ``day`` plus a number of days as a day. The number is a constant: a
    CASE choosing among these per class or stage costs SQLite far less per row than
    one ``date`` whose modifier is formatted per row (``printf``)."""
    if is_sqlite(session):
        return sa.func.date(day, f"{days:+d} days")
    return sa.cast(day, sa.Date) + days


def _latest(session: Any, first: Any, *others: Any) -> Any:
    """SQL for the latest of some days; ``first`` is never NULL, the others may be."""
    parts = [first, *(sa.func.coalesce(o, first) for o in others)]
    return sa.func.max(*parts) if is_sqlite(session) else sa.func.greatest(*parts)


def _stalled_part(ctx: Context, session: Any, owner: str | None) -> Any:
    limits = {
        (f.id, s.id): s.max_days
        for f in ctx.plugins.funnels.funnels.values()
        for s in f.open_stages
        if s.max_days
    }
    entered = _day(session, Opportunity.stage_entered_at)
    anchor = (
        sa.case(
            *[
                (
                    sa.and_(Opportunity.funnel == fid, Opportunity.stage == sid),
                    _days_after(session, entered, days),
                )
                for (fid, sid), days in limits.items()
            ],
            else_=entered,
        )
        if limits
        else entered
    )
    return (
        sa.select(
            anchor.label("anchor"),
            sa.literal("stalled").label("kind"),
            sa.func.coalesce(Customer.name, "").label("customer"),
            Opportunity.id.label("record_id"),
            Customer.id.label("customer_id"),
            Opportunity.owner_id.label("owner_id"),
            Opportunity.stage.label("subject"),
            sa.null().label("line"),
        )
        .join(Customer, Customer.id == Opportunity.customer_id)
        .where(
            *open_deals(ctx), stalled_condition(ctx), *_owner_filter(Opportunity.owner_id, owner)
        )
    )


def _follow_up_part(ctx: Context, session: Any, owner: str | None) -> Any:
    return (
        sa.select(
            _day(session, Activity.next_visit).label("anchor"),
            sa.literal("follow_up").label("kind"),
            sa.func.coalesce(Customer.name, "").label("customer"),
            sa.func.coalesce(Activity.customer_id, 0).label("record_id"),
            Activity.customer_id.label("customer_id"),
            follow_up_owner().label("owner_id"),
            Activity.purpose.label("subject"),
            sa.null().label("line"),
        )
        .outerjoin(Customer, Customer.id == Activity.customer_id)
        .where(*follow_up_conditions(ctx), *_owner_filter(follow_up_owner(), owner))
    )


def _visit_part(ctx: Context, session: Any, owner: str | None) -> Any:
    last = last_follow_up(ctx.today())
    base = sa.func.coalesce(last, _day(session, Customer.created_at))
    every = ctx.plugins.funnels.class_visit_days()
    anchor = (
        sa.case(
            *[
                (Customer.customer_class == cls, _days_after(session, base, days))
                for cls, days in every.items()
            ],
            else_=sa.null(),
        )
        if every
        else sa.null()
    )
    return sa.select(
        anchor.label("anchor"),
        sa.literal("visit").label("kind"),
        Customer.name.label("customer"),
        Customer.id.label("record_id"),
        Customer.id.label("customer_id"),
        Customer.owner_id.label("owner_id"),
        Customer.customer_class.label("subject"),
        sa.null().label("line"),
    ).where(*visit_conditions(ctx), *_owner_filter(Customer.owner_id, owner))


def _lead_part(ctx: Context, session: Any, owner: str | None) -> Any:
    """Idle leads at a step of their ladder, as ``pool.ladder`` finds them: the day they
    are idle since is the anchor (their days over are the days idle)."""
    from plugins.funnel.services import policy, pool

    today = ctx.today()
    reclaim = policy.reclaim_policy(session)
    found = pool.lead_candidates(ctx, session, reclaim, owner).order_by(None).cte("leads")
    if reclaim.product_lines:
        # materialized: each lead's latest deal is looked up once, not once per mention
        # (without product lines there is no look-up to repeat: reading the leads into
        # a table of their own cost more than the day arithmetic done twice)
        found = found.prefix_with("MATERIALIZED")
    since = _latest(
        session,
        _day(session, found.c.created_at),
        _day(session, found.c.event_at),
        _day(session, found.c.audited_at),
        found.c.last,
    )
    # the last day a lead may be idle since to be due: today less its ladder's first
    # step, by product line, then class (as ``ReclaimPolicy.ladder_for``); NULL (never
    # due) for the exempt buying classes and the leads without a ladder
    exempt = [c for c in policy.BOUGHT if c not in reclaim.classes]
    whens: list[Any] = [(found.c.customer_class.in_([str(c) for c in exempt]), sa.null())]
    for line in reclaim.product_lines:
        steps = reclaim.ladder_for("", line)
        if steps is not None:
            whens.append((found.c.line == line, _day_before(today, steps.remind)))
    for cls in reclaim.classes:
        steps = reclaim.ladder_for(str(cls), None)
        if steps is not None:
            whens.append((found.c.customer_class == str(cls), _day_before(today, steps.remind)))
    latest = sa.case(*whens, else_=sa.null())
    return sa.select(
        since.label("anchor"),
        sa.literal("lead").label("kind"),
        found.c.name.label("customer"),
        found.c.id.label("record_id"),
        found.c.id.label("customer_id"),
        found.c.owner_id.label("owner_id"),
        found.c.customer_class.label("subject"),
        found.c.line.label("line"),
    ).where(since <= latest)


def _day_before(today: dt.date, days: int) -> Any:
    return sa.literal(today - dt.timedelta(days=days), sa.Date)


PARTS = {
    "stalled": _stalled_part,
    "follow_up": _follow_up_part,
    "visit": _visit_part,
    "lead": _lead_part,
}


def _union(ctx: Context, session: Any, owner: str | None, kinds: tuple[str, ...]) -> Any:
    parts = [PARTS[kind](ctx, session, owner) for kind in KINDS if kind in kinds]
    return sa.union_all(*parts).subquery("due") if parts else None


def count_due(ctx: Context, owner: str | None = None, kinds: tuple[str, ...] = KINDS) -> int:
    """How many due items the reader may see (optionally one owner's)."""
    with ctx.reading() as session:
        # each part counted by itself, selecting nothing but its conditions need (the
        # union's count worked out every item's due day and customer too)
        counts = [
            sa.select(sa.func.count()).select_from(
                PARTS[kind](ctx, session, owner)
                .with_only_columns(sa.literal(1), maintain_column_froms=True)
                .subquery()
            )
            for kind in KINDS
            if kind in kinds
        ]
        return sum(session.scalar(count) or 0 for count in counts)


def due_page(
    ctx: Context,
    offset: int,
    limit: int,
    owner: str | None = None,
    kinds: tuple[str, ...] = KINDS,
) -> list[DueItem]:
    """One page of the due list, in ``due_list``'s order, read with LIMIT/OFFSET."""
    from plugins.funnel.services import policy, pool

    today = ctx.today()
    with ctx.reading() as session:
        found = _union(ctx, session, owner, kinds)
        if found is None:
            return []
        rows = session.execute(
            sa.select(found)
            .order_by(*[found.c[name] for name in ORDER])
            .offset(offset)
            .limit(limit)
        ).all()
        people = _people(session)
        reclaim = policy.reclaim_policy(session) if any(r.kind == "lead" for r in rows) else None
    out = []
    for row in rows:
        anchor = (
            row.anchor if isinstance(row.anchor, dt.date) else dt.date.fromisoformat(row.anchor)
        )
        login, manager = people.get(row.owner_id, ("", ""))
        subject, due = row.subject, anchor
        if row.kind == "lead" and reclaim is not None:
            steps = reclaim.ladder_for(row.subject, row.line)
            assert steps is not None  # the query keeps only leads with a ladder
            step, _next, next_on = pool.ladder_step(steps, anchor, today)
            subject, due = pool.STEP_SUBJECTS[step], next_on or anchor
        out.append(
            DueItem(
                row.kind,
                row.record_id,
                row.customer_id,
                row.customer or "",
                login,
                manager,
                subject,
                due,
                (today - anchor).days,
            )
        )
    return out
