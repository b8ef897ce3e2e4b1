"""Approvals: a round of steps per submission, decided in order by holders of each step's
role. Nobody approves a contract they created, requested or own, or two steps of one
round: a manager who drafts a contract for a rep is as interested as the rep."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import flag_modified

from core.access import role_title
from core.context import Context
from core.errors import Conflict, PermissionDenied
from core.i18n import translator
from core.models import User
from core.services.base import UnitOfWork, write
from plugins.contracts.chains import chain_for
from plugins.contracts.machine import Machine
from plugins.contracts.models import ApprovalStep, Contract
from plugins.contracts.services.common import (
    actor_roles,
    chains_of,
    contract_visible,
    load_for_write,
    log,
    machine_of,
    refuse,
    set_stage,
    shown,
)

_ = translator(__file__)  # this plugin's words first

PENDING, APPROVED, REJECTED, VOID = "pending", "approved", "rejected", "void"


class AlreadyDecided(Conflict):
    """Someone decided this step first (two approvers at once): nothing was changed."""

    def __init__(self, contract: Contract, step: ApprovalStep, who: str | None = None) -> None:
        who = who or step.decided_by_login
        super().__init__(
            "contracts_contract",
            contract.id,
            step.decided_by_login,
            step.decided_at,
            contract.version,
            thing=("contract", "合同"),
            changed_by_name=who,
        )
        if step.status == VOID:
            text = _(
                "Approval step {seq} of contract {number} was withdrawn: the contract was "
                "changed, sent back or cancelled since you opened it; your decision was not "
                "recorded."
            )
        elif step.decided_at is not None:
            text = _(
                "Approval step {seq} of contract {number} was already {decision} by {who} at "
                "{when}; your decision was not recorded."
            )
        else:
            text = _(
                "Approval step {seq} of contract {number} was already {decision} by {who}; "
                "your decision was not recorded."
            )
        decision = _("approved") if step.status == APPROVED else _("rejected")
        when = f"{step.decided_at:%Y-%m-%d %H:%M}" if step.decided_at else ""
        self.args = (
            text.format(
                seq=step.seq, number=shown(contract), decision=decision, who=who, when=when
            ),
        )

    def __str__(self) -> str:
        return str(self.args[0])


def start_round(uow: UnitOfWork, machine: Machine, contract: Contract, reason: str) -> None:
    """Void any open steps, build the chain for the contract's type and amount, and put the
    contract in the approval stage with the actor as requester."""
    void_pending(uow, contract)
    chain = chain_for(chains_of(uow.session), contract.contract_type, contract.amount)
    contract.approval_round += 1
    contract.requested_by_id = uow.ctx.actor.id
    contract.submitted_at = uow.ctx.now()
    for seq, role in enumerate(chain, start=1):
        uow.session.add(
            ApprovalStep(contract_id=contract.id, round=contract.approval_round, seq=seq, role=role)
        )
    uow.audit(
        "submit",
        Contract.__tablename__,
        contract.id,
        "approval_round",
        None,
        f"{contract.approval_round}: {' -> '.join(chain) or 'no approval needed'}",
    )
    target = machine.role("approval") if chain else machine.role("approved")
    if contract.stage == target:
        log(uow, contract, "resubmit", contract.stage, target, reason)
    else:
        set_stage(uow, machine, contract, target, "submit", reason)


def void_pending(uow: UnitOfWork, contract: Contract) -> None:
    for step in uow.session.scalars(
        sa.select(ApprovalStep).where(
            ApprovalStep.contract_id == contract.id, ApprovalStep.status == PENDING
        )
    ):
        step.status = VOID
        uow.audit("void", ApprovalStep.__tablename__, step.id, "status", PENDING, VOID)


def steps_of(session: Any, contract_id: int, round_: int | None = None) -> list[ApprovalStep]:
    query = sa.select(ApprovalStep).where(ApprovalStep.contract_id == contract_id)
    if round_ is not None:
        query = query.where(ApprovalStep.round == round_)
    return list(session.scalars(query.order_by(ApprovalStep.round, ApprovalStep.seq)))


def current_step(session: Any, contract: Contract) -> ApprovalStep | None:
    return next(
        (s for s in steps_of(session, contract.id, contract.approval_round) if s.status == PENDING),
        None,
    )


def approve(
    ctx: Context,
    contract_id: int,
    comment: str = "",
    step_id: int | None = None,
    expected_version: int | None = None,
) -> Contract:
    """Approve the current step; the last approval moves the contract to approved."""
    return write(
        ctx, lambda uow: _decide(uow, contract_id, APPROVED, comment, step_id, expected_version)
    )


def reject(
    ctx: Context,
    contract_id: int,
    comment: str,
    step_id: int | None = None,
    expected_version: int | None = None,
) -> Contract:
    """Reject at the current step (a comment saying why is required)."""
    return write(
        ctx, lambda uow: _decide(uow, contract_id, REJECTED, comment, step_id, expected_version)
    )


def _decide(
    uow: UnitOfWork,
    contract_id: int,
    decision: str,
    comment: str,
    step_id: int | None,
    expected_version: int | None,
) -> Contract:
    contract = load_for_write(uow, contract_id, None)  # locked: deciders queue here
    machine = machine_of(uow.session)
    _refuse_decided(uow, contract, step_id)
    if contract.stage != machine.role("approval"):
        raise refuse(contract, "stage", contract.stage, "a contract waiting for approval")
    step = current_step(uow.session, contract)
    if step is None:
        raise refuse(contract, "approval", None, "a pending approval step")
    uow.check_version(contract, expected_version)
    _check_approver(uow, contract, step)
    if decision == REJECTED and not comment.strip():
        raise refuse(contract, "comment", comment, "the reason for rejecting")
    step.status, step.comment = decision, comment.strip()
    step.decided_by_id, step.decided_by_login = uow.ctx.actor.id, uow.ctx.actor.login
    step.decided_at = uow.ctx.now()
    uow.audit(decision, ApprovalStep.__tablename__, step.id, "status", PENDING, decision)
    text = f"step {step.seq} ({step.role})" + (f": {step.comment}" if step.comment else "")
    if decision == REJECTED:
        void_pending(uow, contract)
        set_stage(uow, machine, contract, machine.role("rejected"), "reject", text)
    elif current_step(uow.session, contract) is None:
        set_stage(uow, machine, contract, machine.role("approved"), "approve", text)
    else:
        log(uow, contract, "approve", comment=text)
        # A mid-chain decision changes no column of the contract; flag one so its version
        # still counts up and a screen opened before it sees that it is stale.
        flag_modified(contract, "approval_round")
    return contract


def _refuse_decided(uow: UnitOfWork, contract: Contract, step_id: int | None) -> None:
    if step_id is None:
        return
    step = uow.session.get(ApprovalStep, step_id)
    if step is None or step.contract_id != contract.id:
        raise refuse(contract, "step", step_id, "an approval step of this contract")
    if step.status != PENDING:
        name = (
            uow.session.scalar(sa.select(User.display_name).where(User.id == step.decided_by_id))
            if step.decided_by_id
            else None
        )
        raise AlreadyDecided(contract, step, name)


def _check_approver(uow: UnitOfWork, contract: Contract, step: ApprovalStep) -> None:
    actor = uow.ctx.actor
    number = shown(contract)
    if actor.id in (contract.requested_by_id, contract.owner_id, contract.created_by_id):
        raise PermissionDenied(
            _(
                "You created, requested or own contract {number}, so you may not approve or "
                "reject it; another approver must decide."
            ).format(number=number)
        )
    if step.role not in actor.roles or uow.ctx.grant.read_only:
        raise PermissionDenied(
            _(
                "Step {seq} of contract {number} needs the role {role}; you ({roles}) may not "
                "decide it."
            ).format(
                seq=step.seq,
                number=number,
                role=role_title(uow.ctx.roles, step.role),
                roles=actor_roles(uow.ctx),
            )
        )
    earlier = [
        s
        for s in steps_of(uow.session, contract.id, contract.approval_round)
        if s.decided_by_id == actor.id and s.status == APPROVED
    ]
    if earlier:
        raise PermissionDenied(
            _(
                "You already approved step {earlier} of contract {number}; step {seq} needs "
                "another person."
            ).format(earlier=earlier[0].seq, number=number, seq=step.seq)
        )


def waiting_query(ctx: Context) -> sa.Select[Any]:
    """(contract, step) pairs whose current step the actor may decide."""
    earlier = aliased(ApprovalStep)
    lower_pending = (
        sa.select(earlier.id)
        .where(
            earlier.contract_id == ApprovalStep.contract_id,
            earlier.round == ApprovalStep.round,
            earlier.status == PENDING,
            earlier.seq < ApprovalStep.seq,
        )
        .exists()
    )
    actor = ctx.actor
    return (
        sa.select(Contract, ApprovalStep)
        .join(ApprovalStep, ApprovalStep.contract_id == Contract.id)
        .where(
            ApprovalStep.status == PENDING,
            ApprovalStep.round == Contract.approval_round,
            ApprovalStep.role.in_(list(actor.roles) or [""]),
            ~lower_pending,
            sa.or_(Contract.requested_by_id.is_(None), Contract.requested_by_id != actor.id),
            sa.or_(Contract.owner_id.is_(None), Contract.owner_id != actor.id),
            sa.or_(Contract.created_by_id.is_(None), Contract.created_by_id != actor.id),
            contract_visible(ctx),
        )
        .order_by(Contract.submitted_at, Contract.id)
    )


def waiting_for_me(ctx: Context) -> list[tuple[Contract, ApprovalStep]]:
    with ctx.reading() as session:
        return [(c, s) for c, s in session.execute(waiting_query(ctx)).all()]
