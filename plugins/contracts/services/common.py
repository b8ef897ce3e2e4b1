"""What every contract service shares: the company's machine and chains, record rules,
the timeline, and the checks each write makes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.access import Scope, role_title, visible
from core.company import get_setting
from core.context import Context
from core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from core.i18n import listed, translator
from core.models import Customer
from core.services.base import UnitOfWork
from plugins.contracts.chains import CHAINS_KEY, DEFAULT_CHAINS, ChainRule, load_chains
from plugins.contracts.machine import DEFAULT_MACHINE, MACHINE_KEY, Machine, load_machine
from plugins.contracts.models import Contract, Milestone, TimelineEntry

_ = translator(__file__)  # this plugin's words first

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
            _("You ({roles}) may not create or change contracts.").format(roles=actor_roles(ctx))
        )


def actor_roles(ctx: Context) -> str:
    """The actor's roles by their titles ("Sales rep", 业务员), for a refusal's "You (...)"."""
    return listed(role_title(ctx.roles, name) for name in ctx.actor.roles) or _("no role")


def load_for_write(uow: UnitOfWork, contract_id: int, expected_version: int | None) -> Contract:
    """The contract, locked for this transaction (PostgreSQL: FOR UPDATE), visible to the
    actor and at the version the actor saw."""
    contract = uow.session.get(Contract, contract_id, with_for_update=_lock(uow))
    if contract is None:
        raise NotFound(_("Contract No. {id} does not exist.").format(id=contract_id))
    uow.loaded.append((Contract, contract_id))
    found = uow.session.execute(
        sa.select(Contract.id).where(Contract.id == contract_id, contract_visible(uow.ctx))
    ).first()
    if found is None:
        raise PermissionDenied(
            _(
                "You may not change contract {number}: it is outside your customers and team."
            ).format(number=contract.number)
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


def shown(contract: Contract) -> str:
    """A contract as a message names it to the reader: "HT-2026-001 rev. 2" (第 2 版).
    ``label`` is the stored form (timeline comments), written in one language."""
    if contract.revision <= 1:
        return contract.number
    return f"{contract.number} " + _("rev. {n}").format(n=contract.revision)


def refuse(
    contract: Contract, field: str, value: Any, expected: str, **args: object
) -> ValidationFailed:
    """``expected`` is the catalogue's English msgid, its ``{placeholders}`` from ``args``."""
    problem = FieldProblem(field, value, expected, args=args or None)
    return ValidationFailed([problem], f"contract {label(contract)}")


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
                    "milestone amounts adding up to the contract amount {amount}",
                    args={"amount": f"{amount:,.2f}"},
                )
            ],
            subject,
        )


def today(ctx: Context) -> dt.date:
    return ctx.today()
