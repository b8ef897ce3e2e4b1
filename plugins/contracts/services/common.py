"""What every contract service shares: the company's machine and chains, record rules,
the timeline, and the checks each write makes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.access import Scope, visible
from core.company import get_setting
from core.context import Context
from core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from core.models import Customer
from core.services.base import UnitOfWork
from plugins.contracts.chains import CHAINS_KEY, DEFAULT_CHAINS, ChainRule, load_chains
from plugins.contracts.machine import DEFAULT_MACHINE, MACHINE_KEY, Machine, load_machine
from plugins.contracts.models import Contract, Milestone, TimelineEntry

WRITE_PERMISSIONS = ("contract.write", "opportunity.write")
DRAFT_ON_WON_KEY = "contracts.draft_on_won"


def machine_of(session: Session) -> Machine:
    """The company's lifecycle (setting ``contracts.machine``), else the default."""
    return load_machine(get_setting(session, MACHINE_KEY, None) or DEFAULT_MACHINE)


def chains_of(session: Session) -> list[ChainRule]:
    return load_chains(get_setting(session, CHAINS_KEY, None) or DEFAULT_CHAINS)


def contract_visible(ctx: Context) -> sa.ColumnElement[bool]:
    """Contracts of customers the actor sees, plus contracts the actor's team owns."""
    grant = ctx.grant
    if grant.scope is Scope.ALL:
        return sa.true()
    customers = sa.select(Customer.id).where(visible(ctx, Customer))
    owners = grant.team_ids if grant.scope is not Scope.OWN else {grant.user_id}
    return sa.or_(Contract.customer_id.in_(customers), Contract.owner_id.in_(owners))


def require_write(ctx: Context) -> None:
    """Contract paperwork is part of selling: reps and managers (``opportunity.write``) and
    holders of the plugin's ``contract.write`` may do it."""
    if not any(ctx.grant.has(p) for p in WRITE_PERMISSIONS):
        raise PermissionDenied(
            f"{ctx.actor.login} ({', '.join(ctx.actor.roles) or 'no role'})"
            " may not create or change contracts"
        )


def load_for_write(uow: UnitOfWork, contract_id: int, expected_version: int | None) -> Contract:
    """The contract, locked for this transaction (PostgreSQL: FOR UPDATE), visible to the
    actor and at the version the actor saw."""
    contract = uow.session.get(Contract, contract_id, with_for_update=_lock(uow))
    if contract is None:
        raise NotFound(f"contract {contract_id} does not exist")
    uow.loaded.append((Contract, contract_id))
    found = uow.session.execute(
        sa.select(Contract.id).where(Contract.id == contract_id, contract_visible(uow.ctx))
    ).first()
    if found is None:
        raise PermissionDenied(
            f"{uow.ctx.actor.login} may not change contract "
            f"{contract.number}: it is outside their customers or team"
        )
    uow.check_version(contract, expected_version)
    return contract


def _lock(uow: UnitOfWork) -> bool:
    return uow.session.get_bind().dialect.name != "sqlite"


def log(
    uow: UnitOfWork,
    contract: Contract,
    action: str,
    from_stage: str = "",
    to_stage: str = "",
    comment: str = "",
) -> None:
    """A timeline entry plus the audit entry for it (same transaction)."""
    ctx = uow.ctx
    uow.session.add(
        TimelineEntry(
            contract_id=contract.id,
            at=ctx.now(),
            actor_id=ctx.actor.id,
            actor_login=ctx.actor.login,
            action=action,
            from_stage=from_stage,
            to_stage=to_stage,
            comment=comment[:1000],
        )
    )
    uow.audit(
        action,
        Contract.__tablename__,
        contract.id,
        "stage" if to_stage else "",
        from_stage or None,
        to_stage or comment or None,
    )


def set_stage(
    uow: UnitOfWork,
    machine: Machine,
    contract: Contract,
    to_stage: str,
    action: str,
    comment: str = "",
) -> None:
    from_stage = contract.stage
    stage = machine.stage(to_stage)
    contract.stage = to_stage
    contract.status = stage.status if stage else to_stage
    log(uow, contract, action, from_stage, to_stage, comment)


def label(contract: Contract) -> str:
    """How a contract is named in messages: its number and, for amendments, revision."""
    return contract.number + (f" rev. {contract.revision}" if contract.revision > 1 else "")


def refuse(contract: Contract, field: str, value: Any, expected: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, value, expected)], f"contract {label(contract)}")


def milestones_of(session: Session, contract_id: int) -> list[Milestone]:
    return list(
        session.scalars(
            sa.select(Milestone)
            .where(Milestone.contract_id == contract_id)
            .order_by(Milestone.seq, Milestone.id)
        )
    )


def check_milestone_sum(subject: str, amount: Decimal, milestones: list[Any]) -> None:
    """Payment milestones, when given, must add up to the contract amount."""
    if not milestones:
        return
    total = sum((Decimal(m.amount) for m in milestones), Decimal("0"))
    if total != amount:
        raise ValidationFailed(
            [
                FieldProblem(
                    "milestones",
                    f"{total:,.2f}",
                    f"milestone amounts adding up to the contract amount {amount:,.2f}",
                )
            ],
            subject,
        )


def today(ctx: Context) -> dt.date:
    return ctx.today()
