"""The lead pool: claim, return, rule-based assignment, bulk reassignment and the
escalation ladder that reclaims leads nobody follows up.

Every owner change writes the customer's audit entry (``uow.apply_changes``) and a row
of ``funnel_lead_event`` in the same transaction. Bulk operations are all or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from core.access import Scope, region_subtree, visible
from core.context import Context
from core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from core.i18n import translator
from core.models import (
    AuditEntry,
    CompanySetting,
    Customer,
    CustomerClass,
    CustomerStatus,
    Opportunity,
    Product,
    Region,
    User,
)
from core.services.base import UnitOfWork, write
from core.services.ownership import move_open_work
from plugins.funnel.models import OWNER_CHANGES, Handover, LeadEvent, LeadEventKind
from plugins.funnel.services import policy
from plugins.funnel.services.common import as_utc, last_follow_up
from plugins.funnel.services.due import DueItem

_ = translator(__file__)
K = LeadEventKind
LEAD_CLASSES = (CustomerClass.POTENTIAL,)  # what counts against a rep's cap


def log_event(
    uow: UnitOfWork,
    customer_id: int,
    kind: str,
    from_owner: int | None,
    to_owner: int | None,
    reason: str = "",
    handover_id: int | None = None,
) -> None:
    uow.session.add(
        LeadEvent(
            at=uow.ctx.now(),
            customer_id=customer_id,
            kind=kind,
            from_owner_id=from_owner,
            to_owner_id=to_owner,
            actor_id=uow.ctx.actor.id,
            reason=reason[:500],
            handover_id=handover_id,
        )
    )


def set_owner(
    uow: UnitOfWork,
    customer: Customer,
    owner_id: int | None,
    kind: str,
    reason: str = "",
    handover_id: int | None = None,
    move_deals: bool = True,
) -> None:
    """Give ``customer`` to ``owner_id`` (None: the pool), audited and logged; what the
    previous owner had open on it (deals, planned visits, plugins' open records) moves
    with it, its history stays (``core.services.ownership``)."""
    before = customer.owner_id
    uow.apply_changes(customer, {"owner_id": owner_id}, action=kind)
    customer.pool_since = None if owner_id else uow.ctx.now()
    log_event(uow, customer.id or 0, kind, before, owner_id, reason, handover_id)
    if move_deals:
        move_open_work(uow, customer.id or 0, before, owner_id, kind)


# a field's label where its name in words is not what the screen calls it ("To" is a stage)
TITLES = {"to": "New owner"}


def require_assignable(uow: UnitOfWork, user: User | None, what: str = "owner") -> User:
    """An active user within the actor's team or region (as the core's assign rule)."""
    if user is None:
        raise ValidationFailed(
            [FieldProblem(what, None, "a salesdesk user's user name", title=TITLES.get(what))],
            "lead pool",
        )
    if not user.active:  # by name, as people know a colleague (the core's msgid)
        name = user.display_name or user.login
        raise ValidationFailed(
            [
                FieldProblem(
                    what,
                    name,
                    "an active user: {name} has been deactivated",
                    args={"name": name},
                    title=TITLES.get(what),
                )
            ],
            "lead pool",
        )
    refuse_leaving(uow, user, what)
    grant = uow.ctx.grant
    if grant.scope is Scope.TEAM and user.id not in grant.team_ids:
        raise PermissionDenied(_("{name} is not in your team.").format(name=user.display_name))
    if grant.scope is Scope.REGION and user.region_id not in grant.region_ids:
        raise PermissionDenied(_("{name} is not in your region.").format(name=user.display_name))
    return user


def handed_over_on(session: Any, user_id: int | None) -> dt.date | None:
    """The day the user's book was last handed over (they are leaving), or None."""
    at = session.scalar(sa.select(sa.func.max(Handover.at)).where(Handover.from_user_id == user_id))
    return as_utc(at).date() if at is not None else None


def refuse_leaving(uow: UnitOfWork, user: User, what: str = "owner") -> None:
    """A leaving rep takes no new leads: once their customers were handed over, nothing
    may be given back to them (rules, claims, reassignments, later handovers)."""
    day = handed_over_on(uow.session, user.id)
    if day is not None:
        raise ValidationFailed(
            [
                FieldProblem(
                    what,
                    user.display_name or user.login,
                    _(
                        "a rep who still takes leads: {name}'s customers were handed over on {day} "
                        "and a leaving rep gets no new leads"
                    ).format(name=user.display_name or user.login, day=day.isoformat()),
                    title=TITLES.get(what),
                )
            ],
            "lead pool",
        )


def user_by_login(uow: UnitOfWork, login: str, what: str = "owner") -> User:
    user = uow.session.scalars(sa.select(User).where(User.login == login)).first()
    if user is None:
        raise ValidationFailed(
            [FieldProblem(what, login, "a salesdesk user's user name", title=TITLES.get(what))],
            "lead pool",
        )
    return user


def lead_counts(session: Any, user_ids: Iterable[int]) -> dict[int, int]:
    ids = list(user_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Customer.owner_id, sa.func.count())
        .where(
            Customer.owner_id.in_(ids),
            Customer.customer_class.in_(LEAD_CLASSES),
            Customer.status == CustomerStatus.ACTIVE,
        )
        .group_by(Customer.owner_id)
    ).all()
    return {owner: n for owner, n in rows}


# -- claim and return --------------------------------------------------------------------


def claim(ctx: Context, customer_id: int, expected_version: int | None = None) -> Customer:
    """A rep takes a lead from the pool (refused at the rep's cap)."""

    def work(uow: UnitOfWork) -> Customer:
        uow.require("customer.update")
        customer = uow.get(Customer, customer_id)
        uow.require_record(Customer, customer_id)
        uow.check_version(customer, expected_version)
        if customer.owner_id is not None:
            raise ValidationFailed(
                [FieldProblem("customer", customer.code, "a lead in the pool; it has an owner")],
                "claim",
            )
        refuse_leaving(uow, uow.session.get(User, ctx.actor.id), "customer")
        cap = _cap_of(uow, ctx.actor.login)
        held = lead_counts(uow.session, [ctx.actor.id or 0]).get(ctx.actor.id or 0, 0)
        if cap is not None and held >= cap:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "cap",
                        held,
                        "fewer than {cap} leads held (the cap the assignment rules set)",
                        args={"cap": cap},
                        title="Leads you hold",
                    )
                ],
                "claim",
            )
        set_owner(uow, customer, ctx.actor.id, K.CLAIM)
        return customer

    return write(ctx, work)


def _cap_of(uow: UnitOfWork, login: str) -> int | None:
    caps = [r.cap for r in policy.rules(uow.session) if login in r.reps and r.cap]
    return min(caps) if caps else None


def return_to_pool(
    ctx: Context, customer_id: int, reason: str, expected_version: int | None = None
) -> Customer:
    """The owner (or their manager) gives a lead back to the pool, saying why."""
    if not reason.strip():
        raise ValidationFailed(
            [FieldProblem("reason", reason, "why the lead goes back")], "return to pool"
        )

    def work(uow: UnitOfWork) -> Customer:
        customer = uow.get(Customer, customer_id)
        uow.require("customer.update" if customer.owner_id == ctx.actor.id else "customer.assign")
        uow.require_record(Customer, customer_id)
        uow.check_version(customer, expected_version)
        if customer.owner_id is None:
            raise ValidationFailed(
                [FieldProblem("customer", customer.code, "an owned customer; it is in the pool")],
                "return to pool",
            )
        set_owner(uow, customer, None, K.RETURN, reason.strip())
        return customer

    return write(ctx, work)


# -- bulk reassignment -------------------------------------------------------------------


def reassign(ctx: Context, customer_ids: list[int], to_login: str, reason: str = "") -> int:
    """Give every listed customer (and its open deals) to one rep, all or nothing.

    Needs ``customer.assign``; every customer must be within the actor's record rules and
    the new owner within their team or region. Returns how many changed owner.
    """
    ids = sorted(set(customer_ids))
    if not ids:
        raise ValidationFailed([FieldProblem("customers", [], "at least one customer")], "reassign")

    def work(uow: UnitOfWork) -> int:
        uow.require("customer.assign")
        target = require_assignable(uow, user_by_login(uow, to_login, "to"), "to")
        rows = {
            c.id: c for c in uow.session.scalars(sa.select(Customer).where(Customer.id.in_(ids)))
        }
        missing = [i for i in ids if i not in rows]
        if missing:
            # ids come from a list on screen or from codes just looked up: none was typed
            raise NotFound(
                _(
                    "Some of the chosen customers no longer exist: "
                    "refresh the list and choose again."
                )
            )
        seen = set(
            uow.session.scalars(
                sa.select(Customer.id).where(Customer.id.in_(ids), visible(ctx, Customer))
            )
        )
        hidden = [i for i in ids if i not in seen]
        if hidden:
            raise PermissionDenied(
                _(
                    "You may not reassign {n} of these customers: they "
                    "are outside your team or region."
                ).format(n=len(hidden))
            )
        changed = 0
        for cid in ids:
            if rows[cid].owner_id != target.id:
                set_owner(uow, rows[cid], target.id, K.ASSIGN, reason or "bulk reassignment")
                changed += 1
        return changed

    return write(ctx, work)


# -- rule-based assignment ---------------------------------------------------------------


@dataclass
class Assignment:
    customer_id: int
    code: str
    name: str
    rule: str | None
    to: str | None  # login, or None when it stays in the pool
    why: str = ""


def auto_assign(
    ctx: Context, customer_ids: list[int] | None = None, dry_run: bool = False
) -> list[Assignment]:
    """Hand pool leads to reps by the assignment rules (round robin, per-rep cap).

    ``customer_ids`` limits it to those leads (e.g. just imported); a dry run computes
    the same answer and writes nothing.
    """

    def work(uow: UnitOfWork) -> list[Assignment]:
        uow.require("customer.assign")
        return _assign(uow, customer_ids, dry_run)

    if dry_run:
        with ctx.db.write_session() as session, session.begin():
            result = work(UnitOfWork(ctx, session))
            session.rollback()
        return result
    return write(ctx, work)


def _assign(uow: UnitOfWork, customer_ids: list[int] | None, dry_run: bool) -> list[Assignment]:
    session, ctx = uow.session, uow.ctx
    rules = policy.rules(session)
    query = sa.select(Customer).where(
        Customer.owner_id.is_(None),
        visible(ctx, Customer),
        Customer.status == CustomerStatus.ACTIVE,
    )
    if customer_ids is not None:
        query = query.where(Customer.id.in_(customer_ids or [0]))
    leads = list(session.scalars(query.order_by(Customer.id)))
    leaving = set(session.scalars(sa.select(Handover.from_user_id)))
    users = {u.login: u for u in session.scalars(sa.select(User)) if u.id not in leaving}
    held = lead_counts(session, [u.id for u in users.values()])
    cursor_row = session.get(CompanySetting, policy.CURSOR_KEY)
    cursor: dict[str, int] = dict(cursor_row.value or {}) if cursor_row else {}
    regions = _region_sets(session, rules)
    out: list[Assignment] = []
    for lead in leads:
        rule = next((r for r in rules if _matches(r, lead, regions)), None)
        if rule is None:
            out.append(
                Assignment(
                    lead.id or 0, lead.code, lead.name, None, None, "no assignment rule matches"
                )
            )
            continue
        rep = _next_rep(rule, users, held, cursor)
        if rep is None:
            out.append(
                Assignment(
                    lead.id or 0,
                    lead.code,
                    lead.name,
                    rule.name,
                    None,
                    "every rep of the rule is at the cap, inactive or leaving",
                )
            )
            continue
        require_assignable(uow, rep)
        held[rep.id or 0] = held.get(rep.id or 0, 0) + 1
        out.append(Assignment(lead.id or 0, lead.code, lead.name, rule.name, rep.login))
        if not dry_run:
            set_owner(uow, lead, rep.id, K.ASSIGN, f"rule {rule.name}")
    if not dry_run and any(a.to for a in out):
        _store_cursor(uow, cursor_row, cursor)
    return out


def _region_sets(session: Any, rules: list[policy.AssignmentRule]) -> dict[str, set[int]]:
    codes = {c for r in rules for c in r.regions}
    found = dict(
        session.execute(
            sa.select(Region.code, Region.id).where(Region.code.in_(codes or {""}))
        ).all()
    )
    unknown = sorted(codes - set(found))
    if unknown:
        raise ValidationFailed(
            [FieldProblem("regions", unknown, "existing region codes")], policy.RULES_KEY
        )
    return {code: region_subtree(session, rid) for code, rid in found.items()}


def _matches(rule: policy.AssignmentRule, lead: Customer, regions: dict[str, set[int]]) -> bool:
    if rule.industries and lead.industry.casefold() not in {i.casefold() for i in rule.industries}:
        return False
    if rule.sizes and lead.size not in rule.sizes:
        return False
    return not rule.regions or any(lead.region_id in regions[c] for c in rule.regions)


def _next_rep(
    rule: policy.AssignmentRule,
    users: dict[str, User],
    held: dict[int, int],
    cursor: dict[str, int],
) -> User | None:
    """The rep after the rule's last one who is active and below the cap."""
    start = cursor.get(rule.name, -1)
    n = len(rule.reps)
    for step in range(1, n + 1):
        index = (start + step) % n
        rep = users.get(rule.reps[index])
        if rep is None or not rep.active:
            continue
        if rule.cap is not None and held.get(rep.id or 0, 0) >= rule.cap:
            continue
        cursor[rule.name] = index
        return rep
    return None


def _store_cursor(uow: UnitOfWork, row: CompanySetting | None, cursor: dict[str, int]) -> None:
    if row is None:
        uow.session.add(CompanySetting(key=policy.CURSOR_KEY, value=cursor))
        uow.audit("create", "company_setting", policy.CURSOR_KEY, "value", None, cursor)
    elif row.value != cursor:
        uow.audit("update", "company_setting", policy.CURSOR_KEY, "value", row.value, cursor)
        row.value = dict(cursor)


# -- the escalation ladder ---------------------------------------------------------------


STEPS = ("", "remind", "manager", "reclaim")


@dataclass
class LadderStep:
    customer_id: int
    code: str
    name: str
    owner_id: int
    owner: str
    manager: str
    since: dt.date  # owned or last followed up since
    idle_days: int
    step: str  # "", "remind", "manager" or "reclaim"
    next_step: str
    next_on: dt.date | None
    done: set[str] = field(default_factory=set)  # steps already taken since ``since``

    def due_item(self) -> DueItem:
        subject = STEP_SUBJECTS[self.step]
        due = self.next_on or self.since
        return DueItem(
            "lead",
            self.customer_id,
            self.customer_id,
            self.name,
            self.owner,
            self.manager,
            subject,
            due,
            self.idle_days,
        )


def ladder(ctx: Context, owner: str | None = None) -> list[LadderStep]:
    """Owned leads idle long enough for a step of their ladder, with the steps taken."""
    with ctx.reading() as session:
        reclaim = policy.reclaim_policy(session)
        return _ladder(ctx, session, reclaim, owner)


def _ownership_start() -> tuple[Any, Any]:
    """Per customer, the latest owner change to an owner (lead events, by customer and
    new owner) and the latest audited change of its owner: grouped once and joined,
    not looked up lead by lead (two correlated look-ups for each of 20,000 leads were
    about a fifth of the due list's query on large)."""
    event = (
        sa.select(
            LeadEvent.customer_id, LeadEvent.to_owner_id, sa.func.max(LeadEvent.at).label("at")
        )
        .where(LeadEvent.kind.in_(OWNER_CHANGES))
        .group_by(LeadEvent.customer_id, LeadEvent.to_owner_id)
        .subquery("owner_event")
    )
    audited = (
        sa.select(AuditEntry.entity_id, sa.func.max(AuditEntry.at).label("at"))
        .where(AuditEntry.entity == "customer", AuditEntry.field == "owner_id")
        .group_by(AuditEntry.entity_id)
        .subquery("owner_audit")
    )
    return event, audited


def _latest_line(session: Any) -> Any:
    return (
        sa.select(Product.category)
        .join(Opportunity, Opportunity.product_id == Product.id)
        .where(Opportunity.customer_id == Customer.id)
        .order_by(Opportunity.created_at.desc(), Opportunity.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def lead_candidates(
    ctx: Context, session: Any, reclaim: policy.ReclaimPolicy, owner: str | None
) -> Any:
    """The owned leads that may be idle long enough for a step of their ladder: each with
    its class, last follow-up, creation, latest owner change (event and audit) and the
    product line of its latest deal. Which step (if any) is decided from these."""
    today = ctx.today()
    cutoff = today - dt.timedelta(days=reclaim.shortest)
    event, audited = _ownership_start()
    classes = [str(c) for c in reclaim.classes]
    subject = Customer.customer_class.in_(classes or [""])
    # the latest deal's product line decides the ladder only when a line has one
    line: Any = sa.cast(sa.null(), sa.String)
    if reclaim.product_lines:  # else no need to look up every customer's latest deal
        line = _latest_line(session)
        subject = sa.or_(subject, line.in_(list(reclaim.product_lines)))
    last = last_follow_up(today)
    query = (
        sa.select(
            Customer.id,
            Customer.code,
            Customer.name,
            Customer.owner_id,
            Customer.customer_class,
            last.label("last"),
            Customer.created_at,
            event.c.at.label("event_at"),
            audited.c.at.label("audited_at"),
            line.label("line"),
        )
        .select_from(Customer)
        .outerjoin(
            event,
            sa.and_(event.c.customer_id == Customer.id, event.c.to_owner_id == Customer.owner_id),
        )
        .outerjoin(audited, audited.c.entity_id == sa.cast(Customer.id, sa.String))
        .where(
            Customer.owner_id.is_not(None),
            Customer.status == CustomerStatus.ACTIVE,
            visible(ctx, Customer),
            subject,
            sa.or_(last.is_(None), last <= cutoff),
        )
        .order_by(Customer.id)
    )
    if owner:
        query = query.where(Customer.owner_id.in_(sa.select(User.id).where(User.login == owner)))
    return query


STEP_SUBJECTS = {
    "remind": "idle lead: reminder",
    "manager": "idle lead: manager told",
    "reclaim": "idle lead: returns to the pool",
}


def ladder_step(
    steps: policy.Ladder, since: dt.date, today: dt.date
) -> tuple[str, str, dt.date | None]:
    """A lead idle since ``since``: its step ("" when none yet), the next step and when."""
    idle = (today - since).days
    if idle < steps.remind:
        return "", "remind", since + dt.timedelta(days=steps.remind)
    step = "reclaim" if idle >= steps.reclaim else "manager" if idle >= steps.manager else "remind"
    nxt = {
        "remind": ("manager", steps.manager),
        "manager": ("reclaim", steps.reclaim),
        "reclaim": ("", None),
    }[step]
    return step, nxt[0], since + dt.timedelta(days=nxt[1]) if nxt[1] else None


def _ladder(
    ctx: Context, session: Any, reclaim: policy.ReclaimPolicy, owner: str | None
) -> list[LadderStep]:
    today = ctx.today()
    query = lead_candidates(ctx, session, reclaim, owner)
    people = {
        u.id: (u.login, u.manager_id)
        for u in session.execute(sa.select(User.id, User.login, User.manager_id))
    }
    out: list[LadderStep] = []
    ladders: dict[tuple[Any, Any], policy.Ladder | None] = {}  # one per class and line:
    for cid, code, name, owner_id, cls, last, created, ev, au, line in session.execute(query):
        if (cls, line) not in ladders:  # not one validated model per lead (20,000 on large)
            ladders[cls, line] = reclaim.ladder_for(cls, line)
        steps = ladders[cls, line]
        if steps is None:
            continue
        starts = [as_utc(created).date()] + [as_utc(x).date() for x in (ev, au) if x]
        since = max([*starts, last] if last else starts)
        step, next_step, next_on = ladder_step(steps, since, today)
        if not step:
            continue
        login, manager_id = people.get(owner_id, ("", None))
        out.append(
            LadderStep(
                cid,
                code,
                name,
                owner_id,
                login,
                people.get(manager_id, ("", None))[0],
                since,
                (today - since).days,
                step,
                next_step,
                next_on,
            )
        )
    _mark_done(session, out)
    return out


def _mark_done(session: Any, steps: list[LadderStep]) -> None:
    """Which reminders and escalations were already logged since each lead's ``since``."""
    by_id = {s.customer_id: s for s in steps}
    ids = list(by_id)
    for chunk in range(0, len(ids), 900):
        part = ids[chunk : chunk + 900]
        rows = session.execute(
            sa.select(
                LeadEvent.customer_id, LeadEvent.kind, LeadEvent.at, LeadEvent.from_owner_id
            ).where(LeadEvent.customer_id.in_(part), LeadEvent.kind.in_((K.REMIND, K.ESCALATE)))
        )
        for cid, kind, at, owner_id in rows:
            step = by_id[cid]
            if owner_id == step.owner_id and as_utc(at).date() >= step.since:
                step.done.add("remind" if kind == K.REMIND else "manager")


@dataclass
class ReclaimAction:
    customer_id: int
    code: str
    name: str
    owner: str
    manager: str
    idle_days: int
    action: str  # "remind", "manager" or "reclaim"


def reclaim(ctx: Context, dry_run: bool = False) -> list[ReclaimAction]:
    """Run the escalation ladder once: remind owners, tell managers, return leads to the
    pool. Safe from cron: a step already taken since the lead's last follow-up is not
    taken again, and a reclaimed lead is in the pool, so a second run changes nothing."""

    def work(uow: UnitOfWork) -> list[ReclaimAction]:
        uow.require("customer.assign")
        reclaim_policy = policy.reclaim_policy(uow.session)
        actions = []
        for step in _ladder(ctx, uow.session, reclaim_policy, None):
            action = _action(step)
            if action is None:
                continue
            actions.append(
                ReclaimAction(
                    step.customer_id,
                    step.code,
                    step.name,
                    step.owner,
                    step.manager,
                    step.idle_days,
                    action,
                )
            )
            if dry_run:
                continue
            if action == "reclaim":
                customer = uow.get(Customer, step.customer_id)
                set_owner(
                    uow, customer, None, K.RECLAIM, f"not followed up for {step.idle_days} days"
                )
            else:
                kind = K.REMIND if action == "remind" else K.ESCALATE
                log_event(
                    uow,
                    step.customer_id,
                    kind,
                    step.owner_id,
                    step.owner_id,
                    f"not followed up for {step.idle_days} days",
                )
                uow.audit(
                    kind,
                    "customer",
                    step.customer_id,
                    "funnel.ladder",
                    None,
                    f"{action} {step.owner} after {step.idle_days} days",
                )
        return actions

    if dry_run:
        with ctx.db.read_session() as session:
            return work(UnitOfWork(ctx, session))
    return write(ctx, work)


def _action(step: LadderStep) -> str | None:
    if step.step == "reclaim":
        return "reclaim"
    if step.step == "manager" and "manager" not in step.done:
        return "manager"
    if step.step == "remind" and "remind" not in step.done:
        return "remind"
    return None


def lead_history(ctx: Context, customer_id: int) -> list[LeadEvent]:
    """The pool history of one visible customer, oldest first."""
    with ctx.reading() as session:
        if (
            session.scalar(
                sa.select(Customer.id).where(Customer.id == customer_id, visible(ctx, Customer))
            )
            is None
        ):
            raise NotFound(_("This customer no longer exists or you may not see it."))
        return list(
            session.scalars(
                sa.select(LeadEvent)
                .where(LeadEvent.customer_id == customer_id)
                .order_by(LeadEvent.at, LeadEvent.id)
            )
        )


@dataclass
class PoolLead:
    customer_id: int
    code: str
    name: str
    industry: str
    region: str
    size: str
    source: str
    pool_since: dt.datetime | None
    version: int
    region_name: str = ""  # what people call the region (the code is for files)


def _pool_conditions(ctx: Context) -> list[Any]:
    return [
        Customer.owner_id.is_(None),
        Customer.status == CustomerStatus.ACTIVE,
        visible(ctx, Customer),
    ]


def pool_leads(ctx: Context, limit: int = 1000, offset: int = 0) -> list[PoolLead]:
    """Leads in the pool (no owner), the longest waiting first (a page of them)."""
    query = (
        sa.select(
            Customer.id,
            Customer.code,
            Customer.name,
            Customer.industry,
            Region.code,
            Customer.size,
            Customer.source,
            Customer.pool_since,
            Customer.version,
            Region.name,
        )
        .outerjoin(Region, Region.id == Customer.region_id)
        .where(*_pool_conditions(ctx))
        .order_by(Customer.pool_since, Customer.id)
        .offset(offset)
        .limit(limit)
    )
    with ctx.reading() as session:
        return [
            PoolLead(r[0], r[1], r[2], r[3], r[4] or "", r[5], r[6], r[7], r[8], r[9] or "")
            for r in session.execute(query)
        ]


def count_pool(ctx: Context) -> int:
    """How many leads the reader may see in the pool."""
    query = sa.select(sa.func.count()).select_from(Customer).where(*_pool_conditions(ctx))
    with ctx.reading() as session:
        return session.scalar(query) or 0
