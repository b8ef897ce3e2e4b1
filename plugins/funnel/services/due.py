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
from plugins.funnel.services.common import as_utc, last_follow_up
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
