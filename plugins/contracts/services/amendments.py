"""Amendments: a signed contract is never edited; a change is a new version with the same
number and the next revision, linked to the version it amends, with its own approval.
When the amendment is signed it replaces that version. The history lists every version
and shows them side by side."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core.context import Context
from core.i18n import current_lang
from core.models import Customer, User
from core.services.base import UnitOfWork, validate, write
from plugins.contracts.models import Contract
from plugins.contracts.schemas import ContractUpdate
from plugins.contracts.services.common import (
    check_milestone_sum,
    label,
    load_for_write,
    log,
    machine_of,
    milestones_of,
    refuse,
    require_write,
)
from plugins.contracts.services.records import (
    _replace_milestones,
    get_contract,
    milestone_text,
)

COPIED = (
    "title",
    "contract_type",
    "customer_id",
    "opportunity_id",
    "parties",
    "amount",
    "currency",
    "terms",
    "start_date",
    "end_date",
    "owner_id",
    "office",
)
DIFF_FIELDS = (
    "title",
    "contract_type",
    "parties",
    "amount",
    "currency",
    "terms",
    "start_date",
    "end_date",
    "owner",
    "office",
    "milestones",
    "stage",
    "signed_at",
)
# Where a version is in its life, not what it agrees: shown side by side, but not as a
# change an amendment makes (every amendment starts unsigned at the first stage).
LIFECYCLE_FIELDS = ("stage", "signed_at")


def amend(
    ctx: Context,
    contract_id: int,
    data: ContractUpdate | dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Contract:
    """Start an amendment of a signed contract with the changes in ``data``."""
    values = validate(ContractUpdate, data or {}, "amendment")
    changes = values.model_dump(exclude_unset=True)

    def work(uow: UnitOfWork) -> Contract:
        require_write(ctx)
        source = load_for_write(uow, contract_id, expected_version)
        machine = machine_of(uow.session)
        _check_amendable(uow, machine, source)
        new_values = {name: getattr(source, name) for name in COPIED}
        milestones = changes.pop("milestones", None)
        changes.pop("attachments", None)
        if "parties" in changes:
            changes["parties"] = [dict(p) for p in changes["parties"] or []]
        new_values.update(changes)
        if milestones is None:
            milestones = [
                {"due_date": m.due_date, "amount": m.amount, "condition": m.condition}
                for m in milestones_of(uow.session, source.id)
            ]
        check_milestone_sum(
            f"amendment of {label(source)}",
            Decimal(new_values["amount"]),
            [_Amount(m["amount"]) for m in milestones],
        )
        revision = (
            uow.session.scalar(
                sa.select(sa.func.max(Contract.revision)).where(Contract.number == source.number)
            )
            or 1
        )
        initial = machine.role("initial")
        amendment = Contract(
            **new_values,
            number=source.number,
            revision=revision + 1,
            root_id=source.root_id or source.id,
            amends_id=source.id,
            stage=initial,
            status=machine.stage(initial).status,
            created_at=ctx.now(),
            created_by_id=ctx.actor.id,
        )
        uow.session.add(amendment)
        uow.audit_created(amendment)
        _replace_milestones(uow, amendment, milestones)
        log(uow, amendment, "amend", "", initial, f"amends {label(source)}")
        log(uow, source, "amendment", comment=f"amendment {label(amendment)} started")
        return amendment

    return write(ctx, work)


@dataclass
class _Amount:
    amount: Any


def _check_amendable(uow: UnitOfWork, machine: Any, source: Contract) -> None:
    if source.superseded_by_id:
        raise refuse(source, "contract", label(source), "the current version; amend the newest one")
    if not machine.is_locked(source.stage):
        raise refuse(
            source,
            "stage",
            source.stage,
            "a signed contract; one not yet signed is edited directly",
        )
    open_one = uow.session.scalar(
        sa.select(Contract).where(
            Contract.amends_id == source.id, Contract.stage != machine.role("cancelled")
        )
    )
    if open_one is not None:
        raise refuse(
            source,
            "amendment",
            label(open_one),
            "no amendment in progress; finish or cancel that one first",
        )


def versions(ctx: Context, contract_id: int) -> list[Contract]:
    """Every version of the contract, oldest first."""
    contract = get_contract(ctx, contract_id)
    root = contract.root_id or contract.id
    with ctx.reading() as session:
        return list(
            session.scalars(
                sa.select(Contract)
                .where(sa.or_(Contract.id == root, Contract.root_id == root))
                .order_by(Contract.revision, Contract.id)
            )
        )


def field_values(ctx: Context, contract: Contract) -> dict[str, str]:
    """The comparable fields of one version as text a person reads: one entry per payment
    milestone (``milestone 1``, ...) so a changed one is seen without the others, stage
    titles in the reader's language, the owner by name, times to the minute."""
    with ctx.reading() as session:
        milestones = milestones_of(session, contract.id)
        customer = session.get(Customer, contract.customer_id)
        owner = session.get(User, contract.owner_id) if contract.owner_id else None
        machine = machine_of(session)
    values: dict[str, str] = {"customer": customer.name if customer else ""}
    for name in DIFF_FIELDS:
        if name == "milestones":
            for seq, m in enumerate(milestones, start=1):
                values[f"milestone {seq}"] = milestone_text([(m.due_date, m.amount, m.condition)])
        elif name == "parties":
            values[name] = "; ".join(f"{p.get('name')} ({p.get('role')})" for p in contract.parties)
        elif name == "amount":
            values[name] = f"{contract.amount:,.2f}"
        elif name == "owner":
            values[name] = f"{owner.display_name} ({owner.login})" if owner else ""
        elif name == "stage":
            values[name] = machine.title(contract.stage, current_lang())
        elif name == "signed_at":
            values[name] = f"{contract.signed_at:%Y-%m-%d %H:%M}" if contract.signed_at else ""
        else:
            value = getattr(contract, name)
            values[name] = "" if value is None else str(value)
    return values


def _field_names(values: list[dict[str, str]]) -> list[str]:
    """Every field, with as many milestone rows as the version with the most."""
    count = max((sum(1 for n in v if n.startswith("milestone ")) for v in values), default=0)
    names: list[str] = []
    for name in ("customer", *DIFF_FIELDS):
        names += [f"milestone {i}" for i in range(1, count + 1)] if name == "milestones" else [name]
    return names


@dataclass
class VersionTable:
    """Versions side by side: one row per field, one column per revision."""

    revisions: list[str]
    rows: list[tuple[str, list[str], bool]]  # field, value per revision, changed?


def history(ctx: Context, contract_id: int) -> VersionTable:
    found = versions(ctx, contract_id)
    values = [field_values(ctx, c) for c in found]
    rows = []
    for name in _field_names(values):
        cells = [v.get(name, "") for v in values]
        rows.append((name, cells, len(set(cells)) > 1))
    return VersionTable([f"rev. {c.revision}" for c in found], rows)


def diff(ctx: Context, old_id: int, new_id: int) -> list[tuple[str, str, str]]:
    """(field, old, new) for every agreed field that differs between two versions."""
    old = field_values(ctx, get_contract(ctx, old_id))
    new = field_values(ctx, get_contract(ctx, new_id))
    return [
        (name, old.get(name, ""), new.get(name, ""))
        for name in _field_names([old, new])
        if name not in LIFECYCLE_FIELDS and old.get(name, "") != new.get(name, "")
    ]
