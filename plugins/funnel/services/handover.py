"""Handover (离职交接): a leaving rep's customers, open deals, open follow-ups and target
shares move to one or more successors in one transaction.

``preview`` shows what would move (and the deals about to close, with their contacts, for
an in-person handover); ``hand_over`` does it, all or nothing, with no batch limit. History
stays with the records: stage changes, visits and audit entries keep their authors; only
the owner of what is still open changes. Customers move through the core's
``core.services.ownership.move_open_work`` (as a reassignment does), so plugins move their
own open records too; a planned visit moves as a plan (``follow_up_rep_id``), never by
rewriting who made the visit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from core.access import Scope, follow_up_owner
from core.context import Context
from core.errors import FieldProblem, PermissionDenied, ValidationFailed
from core.i18n import translator
from core.models import (
    Activity,
    Contact,
    Customer,
    CustomerClass,
    Opportunity,
    OpportunityStatus,
    SalesTarget,
    User,
)
from core.report_kit import CENT
from core.services.base import UnitOfWork, write
from core.services.ownership import move_deal, move_follow_up, move_open_work, open_follow_up
from plugins.funnel.models import Handover, LeadEventKind
from plugins.funnel.services.pool import log_event, require_assignable, user_by_login

_ = translator(__file__)


@dataclass
class HandoverPlan:
    leaving: str
    successors: list[str]
    customers: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, code, name, to
    deals: list[tuple[int, str, str, str, Decimal, str]] = field(default_factory=list)
    follow_ups: list[tuple[int, str, dt.date, str]] = field(default_factory=list)
    targets: list[tuple[dt.date, Decimal, dict[str, Decimal]]] = field(default_factory=list)
    closing: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    # closing: deal id, deal, customer, successor, contacts ("name phone; ...")


def preview(
    ctx: Context, leaving: str, successors: list[str], assignment: Mapping[int, str] | None = None
) -> HandoverPlan:
    """What ``hand_over`` would move; checks the same permissions, writes nothing."""
    with ctx.db.write_session() as session, session.begin():
        plan = _plan(UnitOfWork(ctx, session), leaving, successors, assignment)
        session.rollback()
    return plan


def hand_over(
    ctx: Context,
    leaving: str,
    successors: list[str],
    assignment: Mapping[int, str] | None = None,
    note: str = "",
) -> Handover:
    """Move the leaving rep's book to ``successors``; all or nothing."""

    def work(uow: UnitOfWork) -> Handover:
        plan = _plan(uow, leaving, successors, assignment)
        return _apply(uow, plan, note)

    return write(ctx, work)


def _check(uow: UnitOfWork, leaving: str, successors: list[str]) -> tuple[User, dict[str, User]]:
    uow.require("customer.assign")
    if not successors:
        raise ValidationFailed(
            [FieldProblem("successors", [], "at least one successor")], "handover"
        )
    rep = user_by_login(uow, leaving, "leaving")
    if leaving in successors:  # named as people know them, not by login
        problem = FieldProblem("successors", rep.display_name, "someone other than the leaving rep")
        raise ValidationFailed([problem], "handover")
    grant = uow.ctx.grant
    if (
        grant.scope is Scope.OWN
        or (grant.scope is Scope.TEAM and rep.id not in grant.team_ids)
        or (grant.scope is Scope.REGION and rep.region_id not in grant.region_ids)
    ):
        raise PermissionDenied(
            _(
                "You may not hand over {name}'s customers: {name} is outside your team or region."
            ).format(name=rep.display_name)
        )
    if rep.id == uow.ctx.actor.id:
        raise PermissionDenied(_("You may not hand over your own customers; your manager does."))
    found = {
        login: require_assignable(uow, user_by_login(uow, login, "successors"), "successors")
        for login in successors
    }
    return rep, found


def _plan(
    uow: UnitOfWork, leaving: str, successors: list[str], assignment: Mapping[int, str] | None
) -> HandoverPlan:
    rep, users = _check(uow, leaving, successors)
    session = uow.session
    plan = HandoverPlan(leaving, list(successors))
    chosen = dict(assignment or {})
    bad = sorted({v for v in chosen.values() if v not in users})
    if bad:
        raise ValidationFailed(
            [FieldProblem("assignment", bad, "one of the successors")], "handover"
        )
    turn = iter(range(10**9))
    owner_of: dict[int, str] = {}

    def successor(customer_id: int) -> str:
        if customer_id not in owner_of:
            owner_of[customer_id] = (
                chosen.get(customer_id) or successors[next(turn) % len(successors)]
            )
        return owner_of[customer_id]

    for cid, code, name in session.execute(
        sa.select(Customer.id, Customer.code, Customer.name)
        .where(Customer.owner_id == rep.id)
        .order_by(Customer.id)
    ):
        plan.customers.append((cid, code, name, successor(cid)))
    cust = aliased(Customer)
    deals = session.execute(
        sa.select(
            Opportunity.id,
            Opportunity.title,
            cust.name,
            Opportunity.stage,
            Opportunity.amount,
            Opportunity.customer_id,
            Opportunity.funnel,
        )
        .join(cust, cust.id == Opportunity.customer_id)
        .where(Opportunity.owner_id == rep.id, Opportunity.status == OpportunityStatus.OPEN)
        .order_by(Opportunity.customer_id, Opportunity.id)
    ).all()
    for did, title, cname, stage, amount, cid, funnel in deals:
        to = successor(cid)
        plan.deals.append((did, title, cname, stage, Decimal(amount), to))
        spec = uow.ctx.plugins.funnels.stage(funnel, stage)
        if spec is not None and spec.customer_class == CustomerClass.CLOSING:
            plan.closing.append((did, title, cname, to, _contacts(session, cid)))
    for aid, cname, due, cid in _open_follow_ups(session, rep.id or 0):
        plan.follow_ups.append((aid, cname or "", due, successor(cid) if cid else successors[0]))
    plan.targets = _target_split(session, rep.id or 0, uow.ctx.today(), successors)
    if plan.targets:
        uow.require("target.manage")
    return plan


def _contacts(session: Session, customer_id: int) -> str:
    rows = session.execute(
        sa.select(Contact.name, Contact.phone)
        .where(Contact.customer_id == customer_id)
        .order_by(Contact.is_primary.desc(), Contact.name)
    ).all()
    return "; ".join(f"{n} {p}".strip() for n, p in rows)


def _open_follow_ups(session: Session, rep_id: int) -> list[tuple]:
    """The planned visits the rep is to make, not yet followed by a visit to that
    customer (the visits they were planned on stay the rep's: history)."""
    return [
        tuple(r)
        for r in session.execute(
            sa.select(Activity.id, Customer.name, Activity.next_visit, Activity.customer_id)
            .outerjoin(Customer, Customer.id == Activity.customer_id)
            .where(follow_up_owner() == rep_id, open_follow_up())
            .order_by(Activity.next_visit, Activity.id)
        )
    ]


def _target_split(
    session: Session, rep_id: int, today: dt.date, successors: list[str]
) -> list[tuple[dt.date, Decimal, dict[str, Decimal]]]:
    """The rep's targets from this month on, split evenly (cents to the first)."""
    rows = session.execute(
        sa.select(SalesTarget.month, SalesTarget.amount)
        .where(
            SalesTarget.dimension == "rep",
            SalesTarget.key_id == rep_id,
            SalesTarget.month >= today.replace(day=1),
            SalesTarget.amount != 0,
        )
        .order_by(SalesTarget.month)
    ).all()
    out = []
    for month, amount in rows:
        amount = Decimal(amount)
        share = (amount / len(successors)).quantize(CENT, rounding="ROUND_DOWN")
        split = {login: share for login in successors}
        split[successors[0]] += amount - share * len(successors)
        out.append((month, amount, split))
    return out


def _apply(uow: UnitOfWork, plan: HandoverPlan, note: str) -> Handover:
    session, ctx = uow.session, uow.ctx
    users = {login: user_by_login(uow, login) for login in plan.successors}
    leaving = user_by_login(uow, plan.leaving)
    record = Handover(
        at=ctx.now(),
        from_user_id=leaving.id or 0,
        actor_id=ctx.actor.id,
        successors=plan.successors,
        customers=len(plan.customers),
        opportunities=len(plan.deals),
        follow_ups=len(plan.follow_ups),
        targets=len(plan.targets),
        note=note[:500],
    )
    session.add(record)
    uow.audit_created(record)
    for cid, _code, _name, to in plan.customers:
        customer = uow.get(Customer, cid)
        before = customer.owner_id
        uow.apply_changes(customer, {"owner_id": users[to].id}, action="handover")
        log_event(
            uow,
            cid,
            LeadEventKind.HANDOVER,
            before,
            users[to].id,
            f"handover {record.id}",
            record.id,
        )
        move_open_work(uow, cid, before, users[to].id, "handover")
    # What the rep had open on customers owned by others moves on its own.
    for did, *_rest, to in plan.deals:
        deal = uow.get(Opportunity, did)
        if deal.owner_id == leaving.id:
            move_deal(uow, deal, users[to].id or 0, "handover")
    for aid, _cust, _due, to in plan.follow_ups:
        visit = uow.get(Activity, aid)
        if (visit.follow_up_rep_id or visit.rep_id) == leaving.id:
            move_follow_up(uow, visit, users[to].id or 0, "handover")
    for month, _amount, split in plan.targets:
        _move_target(uow, leaving.id or 0, month, {users[k].id or 0: v for k, v in split.items()})
    return record


def _move_target(uow: UnitOfWork, from_id: int, month: dt.date, split: dict[int, Decimal]) -> None:
    session = uow.session
    row = session.scalars(
        sa.select(SalesTarget).where(
            SalesTarget.month == month,
            SalesTarget.dimension == "rep",
            SalesTarget.key_id == from_id,
        )
    ).one()
    for user_id, share in split.items():
        target = session.scalars(
            sa.select(SalesTarget).where(
                SalesTarget.month == month,
                SalesTarget.dimension == "rep",
                SalesTarget.key_id == user_id,
            )
        ).first()
        if target is None:
            target = SalesTarget(month=month, dimension="rep", key_id=user_id, amount=share)
            session.add(target)
            uow.audit_created(target)
        else:
            uow.apply_changes(target, {"amount": Decimal(target.amount) + share}, action="handover")
    uow.apply_changes(row, {"amount": Decimal("0.00")}, action="handover")


def handovers(ctx: Context, limit: int = 200) -> list[tuple[Handover, str]]:
    """Recent handovers (with the leaving rep's login) of reps the reader may see."""
    from core.access import visible

    with ctx.reading() as session:
        rows = session.execute(
            sa.select(Handover, User.login)
            .join(User, User.id == Handover.from_user_id)
            .where(visible(ctx, User))
            .order_by(Handover.id.desc())
            .limit(limit)
        ).all()
    return [(h, login) for h, login in rows]


def people_names(ctx: Context, logins: list[str]) -> dict[str, str]:
    """Each login's person as the screens name them (their full name; the login only for
    an account with no name), for the handover report's people."""
    with ctx.reading() as session:
        rows = session.execute(
            sa.select(User.login, User.display_name).where(User.login.in_(set(logins)))
        ).all()
    found = {login: name or login for login, name in rows}
    return {login: found.get(login, login) for login in logins}
