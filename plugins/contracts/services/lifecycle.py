"""Moving a contract through its lifecycle: the company's machine decides which moves are
allowed; control nodes must be signed off before a contract leaves their stage; signing
marks the linked deal won."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from core.access import role_title
from core.context import Context
from core.errors import PermissionDenied, SalesdeskError, field_title
from core.i18n import bracketed, current_lang, listed, pick, translator
from core.services.base import UnitOfWork, write
from plugins.contracts.machine import ControlNode, Machine
from plugins.contracts.models import Attachment, Contract, Signoff
from plugins.contracts.services import approvals
from plugins.contracts.services.common import (
    actor_roles,
    label,
    load_for_write,
    log,
    machine_of,
    milestones_of,
    refuse,
    require_write,
    set_stage,
)

_ = translator(__file__)  # this plugin's words first
logger = logging.getLogger("salesdesk.contracts")


def transition(
    ctx: Context,
    contract_id: int,
    to_stage: str,
    comment: str = "",
    expected_version: int | None = None,
) -> Contract:
    """Move a contract to ``to_stage`` if the machine allows it from where it is.

    Approved and rejected are reached only by decisions (:mod:`approvals`); the approval
    stage starts a new approval round; the cancelled stage needs a reason."""
    signed: list[Contract] = []

    def work(uow: UnitOfWork) -> Contract:
        require_write(ctx)
        contract = load_for_write(uow, contract_id, expected_version)
        machine = machine_of(uow.session)
        _check_move(uow, machine, contract, to_stage, comment)
        roles = machine.roles
        if to_stage == roles["approval"]:
            _check_submittable(uow, contract)
            approvals.start_round(uow, machine, contract, comment.strip())
            return contract
        if to_stage == roles["cancelled"]:
            approvals.void_pending(uow, contract)
            contract.cancel_reason = comment.strip()
        if to_stage == roles["signed"]:
            contract.signed_at = ctx.now()
            signed.append(contract)
        set_stage(uow, machine, contract, to_stage, _action(machine, to_stage), comment.strip())
        if to_stage == roles["signed"] and contract.amends_id:
            _supersede(uow, machine, contract)
        return contract

    contract = write(ctx, work)
    if signed and contract.opportunity_id:
        mark_deal_won(ctx, contract)
    return contract


def submit(
    ctx: Context, contract_id: int, comment: str = "", expected_version: int | None = None
) -> Contract:
    with ctx.reading() as session:
        target = machine_of(session).role("approval")
    return transition(ctx, contract_id, target, comment, expected_version)


def sign(
    ctx: Context, contract_id: int, comment: str = "", expected_version: int | None = None
) -> Contract:
    with ctx.reading() as session:
        target = machine_of(session).role("signed")
    return transition(ctx, contract_id, target, comment, expected_version)


def cancel(
    ctx: Context, contract_id: int, reason: str, expected_version: int | None = None
) -> Contract:
    with ctx.reading() as session:
        target = machine_of(session).role("cancelled")
    return transition(ctx, contract_id, target, reason, expected_version)


def _action(machine: Machine, to_stage: str) -> str:
    named = {v: k for k, v in machine.roles.items()}
    return {"signed": "sign", "cancelled": "cancel"}.get(named.get(to_stage, ""), "move")


def _check_move(
    uow: UnitOfWork, machine: Machine, contract: Contract, to_stage: str, comment: str
) -> None:
    if contract.superseded_by_id:
        raise refuse(
            contract,
            "contract",
            label(contract),
            "the current version; this one was replaced by an amendment",
        )
    allowed = machine.targets(contract.stage)
    if to_stage not in allowed:
        path = _path(machine, contract.stage, to_stage)
        current = _title(machine, contract.stage)
        if not allowed:
            raise refuse(
                contract,
                "stage",
                to_stage,
                "a stage allowed from {current}: none, it is final",
                current=current,
            )
        choices = listed(bracketed(_title(machine, s), s) for s in allowed)
        if len(path) < 2:
            raise refuse(
                contract,
                "stage",
                to_stage,
                "a stage allowed from {current}: {allowed}",
                current=current,
                allowed=choices,
            )
        raise refuse(
            contract,
            "stage",
            to_stage,
            "a stage allowed from {current}: {allowed}; {stage} comes after {path}: move the "
            "contract on to {first} first",
            current=current,
            allowed=choices,
            stage=_title(machine, to_stage),
            path=" -> ".join(_title(machine, s) for s in path[:-1]),
            first=_title(machine, path[0]),
        )
    roles = machine.roles
    if contract.stage == roles["approval"] and to_stage in (roles["approved"], roles["rejected"]):
        raise refuse(
            contract,
            "stage",
            to_stage,
            "a decision of the approval chain: approve or reject the current step",
        )
    if to_stage == roles["cancelled"]:
        if not comment.strip():
            raise refuse(contract, "reason", comment, "why the contract is cancelled")
        return
    if machine.order(to_stage) > machine.order(contract.stage):
        for node in machine.nodes_at(contract.stage):
            _check_node_passed(uow, machine, contract, node)


def _title(machine: Machine, stage: str) -> str:
    """A stage as the reader knows it: its title in their language, never its id."""
    return machine.title(stage, current_lang())


def _path(machine: Machine, start: str, goal: str) -> list[str]:
    """The shortest chain of stages after ``start`` that ends at ``goal`` ([] if none)."""
    came_from: dict[str, str] = {start: ""}
    queue = [start]
    while queue:
        stage = queue.pop(0)
        for nxt in machine.targets(stage):
            if nxt not in came_from:
                came_from[nxt] = stage
                queue.append(nxt)
    if goal not in came_from or goal == start:
        return []
    path = [goal]
    while came_from[path[-1]] != start:
        path.append(came_from[path[-1]])
    return path[::-1]


def _check_node_passed(
    uow: UnitOfWork, machine: Machine, contract: Contract, node: ControlNode
) -> None:
    done = uow.session.scalar(
        sa.select(Signoff.id).where(Signoff.contract_id == contract.id, Signoff.node == node.id)
    )
    if done is None:
        raise refuse(
            contract,
            "control_node",
            node.id,
            "the sign-off of '{node}' by a {role} before leaving {stage}",
            node=pick(node.title_en, node.title_zh),
            role=role_title(uow.ctx.roles, node.role),
            stage=_title(machine, contract.stage),
        )


def _check_submittable(uow: UnitOfWork, contract: Contract) -> None:
    if not contract.parties:
        raise refuse(contract, "parties", [], "at least one party before submission")
    if contract.amount <= 0:
        raise refuse(contract, "amount", contract.amount, "an amount above 0 before submission")


def missing_fields(session: Any, contract: Contract, node: ControlNode) -> list[str]:
    """The node's required fields that are still empty on the contract."""
    missing = []
    for name in node.required_fields:
        if name == "milestones":
            value: Any = milestones_of(session, contract.id)
        elif name == "attachments":
            value = session.scalar(
                sa.select(Attachment.id).where(Attachment.contract_id == contract.id)
            )
        else:
            value = getattr(contract, name)
        if value in (None, "", [], 0):
            missing.append(name)
    return missing


def sign_off(
    ctx: Context,
    contract_id: int,
    node_id: str,
    comment: str = "",
    expected_version: int | None = None,
) -> Signoff:
    """Pass a control node of the contract's current stage: the actor must hold the node's
    role, and the node's required fields must be filled in."""

    def work(uow: UnitOfWork) -> Signoff:
        contract = load_for_write(uow, contract_id, expected_version)
        machine = machine_of(uow.session)
        node = next((n for n in machine.nodes_at(contract.stage) if n.id == node_id), None)
        if node is None:
            here = [
                bracketed(pick(n.title_en, n.title_zh), n.id)
                for n in machine.nodes_at(contract.stage)
            ]
            raise refuse(
                contract,
                "control_node",
                node_id,
                "a control node of stage {stage}: {nodes}"
                if here
                else "a control node of the current stage; {stage} has none",
                stage=_title(machine, contract.stage),
                nodes=listed(here),
            )
        if node.role not in ctx.actor.roles or ctx.grant.read_only:
            raise PermissionDenied(
                _("'{node}' needs the role {role}; you ({roles}) may not sign it off.").format(
                    node=pick(node.title_en, node.title_zh),
                    role=role_title(ctx.roles, node.role),
                    roles=actor_roles(ctx),
                )
            )
        missing = missing_fields(uow.session, contract, node)
        if missing:
            raise refuse(
                contract,
                "required_fields",
                listed(field_title(name) for name in missing),
                "these fields filled in before '{node}' is signed off",
                node=pick(node.title_en, node.title_zh),
            )
        if (
            uow.session.scalar(
                sa.select(Signoff.id).where(
                    Signoff.contract_id == contract.id, Signoff.node == node.id
                )
            )
            is not None
        ):
            raise refuse(contract, "control_node", node.id, "a node not signed off already")
        row = Signoff(
            contract_id=contract.id,
            node=node.id,
            role=node.role,
            user_id=ctx.actor.id,
            login=ctx.actor.login,
            at=ctx.now(),
            comment=comment.strip(),
        )
        uow.session.add(row)
        log(
            uow,
            contract,
            "signoff",
            comment=f"{node.title_en}" + (f": {comment.strip()}" if comment.strip() else ""),
        )
        return row

    return write(ctx, work)


def _supersede(uow: UnitOfWork, machine: Machine, amendment: Contract) -> None:
    """A signed amendment replaces the version it amends; it carries on at the stage the
    old version had reached (planning, execution, ...)."""
    old = uow.session.get(Contract, amendment.amends_id, with_for_update=True)
    if old.stage == machine.role("cancelled") or old.superseded_by_id:
        raise refuse(
            amendment,
            "amends",
            label(old),
            "a version still in force; it was cancelled or replaced meanwhile",
        )
    old.superseded_by_id = amendment.id
    uow.audit("supersede", Contract.__tablename__, old.id, "superseded_by_id", None, amendment.id)
    log(uow, old, "superseded", comment=f"replaced by {label(amendment)}")
    if machine.order(old.stage) > machine.order(amendment.stage) and machine.is_locked(old.stage):
        set_stage(
            uow, machine, amendment, old.stage, "continue", f"continues {label(old)} at {old.stage}"
        )


def mark_deal_won(ctx: Context, contract: Contract) -> None:
    """The linked deal is won when its contract is signed (through the core service, with
    the signer's permissions). A refusal is noted on the contract's timeline, never lost."""
    from core.services import opportunities

    try:
        opp = opportunities.get_opportunity(ctx, contract.opportunity_id)
        if opp.status == "open":
            opportunities.win(ctx, opp.id, reason=f"contract {label(contract)} signed")
    except SalesdeskError as exc:
        logger.warning(
            "contract %s signed; deal %s not marked won: %s",
            label(contract),
            contract.opportunity_id,
            exc,
        )
        _note(ctx, contract.id, f"deal {contract.opportunity_id} not marked won: {exc}")


def _note(ctx: Context, contract_id: int, text: str) -> None:
    def work(uow: UnitOfWork) -> None:
        contract = uow.session.get(Contract, contract_id)
        log(uow, contract, "note", comment=text)

    write(ctx, work)
