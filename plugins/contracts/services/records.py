"""Contracts: create, read, edit, copy; milestones and attachments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core.access import Scope
from core.context import Context
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.i18n import bracketed, translator
from core.models import Customer, Opportunity, Region, User
from core.services.base import UnitOfWork, validate, write
from core.services.numbering import NumberingRule, rule_for
from core.services.numbering import next_number as core_next
from plugins.contracts.models import (
    ApprovalStep,
    Attachment,
    Contract,
    Milestone,
    Signoff,
    TimelineEntry,
)
from plugins.contracts.schemas import APPROVAL_FIELDS, ContractCreate, ContractUpdate
from plugins.contracts.services import approvals
from plugins.contracts.services.common import (
    check_milestone_sum,
    contract_visible,
    label,
    load_for_write,
    log,
    machine_of,
    milestones_of,
    refuse,
    require_write,
)

_ = translator(__file__)  # this plugin's words first

LIST_LIMIT = 1000  # newest first; older contracts are found by searching
DEFAULT_NUMBERING = NumberingRule(prefix="HT", width=5)  # 合同 (HeTong)


def next_number(uow: UnitOfWork, office: str, on: dt.date) -> str:
    """The next contract number (series ``contract``; rule in ``numbering.contract``,
    ``HT`` + year + 5 digits when the company set none)."""
    return core_next(uow, "contract", office=office, on=on, default=DEFAULT_NUMBERING)


def default_office(uow: UnitOfWork, owner_id: int | None) -> str:
    """When the company numbers contracts per office, a contract without one counts in the
    range of its owner's region (its code, or the nearest parent region's that has one)."""
    rule = rule_for(uow.session, "contract", DEFAULT_NUMBERING)
    owner = uow.session.get(User, owner_id) if owner_id else None
    region = uow.session.get(Region, owner.region_id) if owner and owner.region_id else None
    while region is not None and rule.offices:
        if region.code in rule.offices:
            return region.code
        region = uow.session.get(Region, region.parent_id) if region.parent_id else None
    return ""


# -- reading -----------------------------------------------------------------------------


def get_contract(ctx: Context, contract_id: int) -> Contract:
    with ctx.reading() as session:
        row = session.scalars(
            sa.select(Contract).where(Contract.id == contract_id, contract_visible(ctx))
        ).first()
    if row is None:
        raise NotFound(
            _(
                "Contract No. {id} does not exist or is outside the customers and team you may see."
            ).format(id=contract_id)
        )
    return row


@dataclass
class ContractRow:
    id: int
    number: str
    revision: int
    title: str
    customer: str
    amount: Decimal
    currency: str
    stage: str
    status: str
    owner: str
    superseded: bool


def contract_rows(
    ctx: Context, stage: str | None = None, search: str = "", include_superseded: bool = False
) -> list[ContractRow]:
    owner = sa.orm.aliased(User)
    query = (
        sa.select(
            Contract.id,
            Contract.number,
            Contract.revision,
            Contract.title,
            Customer.name,
            Contract.amount,
            Contract.currency,
            Contract.stage,
            Contract.status,
            owner.login,
            Contract.superseded_by_id,
        )
        .join(Customer, Customer.id == Contract.customer_id)
        .outerjoin(owner, owner.id == Contract.owner_id)
        .where(contract_visible(ctx))
    )
    if not include_superseded:
        query = query.where(Contract.superseded_by_id.is_(None))
    if stage:
        query = query.where(Contract.stage == stage)
    if search.strip():
        like = f"%{search.strip()}%"
        query = query.where(
            sa.or_(
                Contract.number.ilike(like), Contract.title.ilike(like), Customer.name.ilike(like)
            )
        )
    with ctx.reading() as session:
        rows = session.execute(query.order_by(Contract.id.desc()).limit(LIST_LIMIT)).all()
    return [ContractRow(*r[:10], r[10] is not None) for r in rows]


@dataclass
class ContractDetail:
    contract: Contract
    customer: str
    milestones: list[Milestone]
    attachments: list[Attachment]
    steps: list[ApprovalStep]
    timeline: list[TimelineEntry]
    signoffs: list[Signoff]
    allowed: list[str] = field(default_factory=list)
    pending_step: ApprovalStep | None = None


def contract_detail(ctx: Context, contract_id: int) -> ContractDetail:
    contract = get_contract(ctx, contract_id)
    with ctx.reading() as session:
        machine = machine_of(session)

        def rows(model: Any, order: Any) -> list[Any]:
            return list(
                session.scalars(
                    sa.select(model).where(model.contract_id == contract_id).order_by(order)
                )
            )

        return ContractDetail(
            contract=contract,
            customer=session.get(Customer, contract.customer_id).name,
            milestones=milestones_of(session, contract_id),
            attachments=rows(Attachment, Attachment.id),
            steps=approvals.steps_of(session, contract_id),
            timeline=rows(TimelineEntry, TimelineEntry.id),
            signoffs=rows(Signoff, Signoff.id),
            allowed=[] if contract.superseded_by_id else machine.targets(contract.stage),
            pending_step=approvals.current_step(session, contract),
        )


# -- writing -----------------------------------------------------------------------------


def create_contract(
    ctx: Context, data: ContractCreate | dict[str, Any], copied_from: int | None = None
) -> Contract:
    values = validate(ContractCreate, data, "contract")
    check_milestone_sum("contract", values.amount, values.milestones)

    def work(uow: UnitOfWork) -> Contract:
        require_write(ctx)
        customer = uow.get(Customer, values.customer_id)
        uow.require_record(Customer, values.customer_id)
        _check_opportunity(uow, values.opportunity_id, customer.id)
        machine = machine_of(uow.session)
        owner_id = values.owner_id or ctx.actor.id
        if ctx.grant.scope is Scope.OWN:
            owner_id = ctx.actor.id
        initial = machine.role("initial")
        office = values.office or default_office(uow, owner_id)
        contract = Contract(
            **values.model_dump(
                exclude={"milestones", "attachments", "owner_id", "parties", "office"}
            ),
            office=office,
            parties=[p.model_dump() for p in values.parties],
            owner_id=owner_id,
            number=next_number(uow, office, ctx.today()),
            stage=initial,
            status=machine.stage(initial).status,
            created_at=ctx.now(),
            created_by_id=ctx.actor.id,
            copied_from_id=copied_from,
        )
        uow.session.add(contract)
        uow.audit_created(contract)
        _replace_milestones(uow, contract, [m.model_dump() for m in values.milestones])
        _add_attachments(uow, contract, [a.model_dump() for a in values.attachments])
        log(
            uow,
            contract,
            "create",
            "",
            initial,
            f"copy of contract {copied_from}" if copied_from else "",
        )
        return contract

    return write(ctx, work)


def update_contract(
    ctx: Context,
    contract_id: int,
    data: ContractUpdate | dict[str, Any],
    expected_version: int | None,
) -> Contract:
    """Edit a contract that is not signed. Changing amount, currency, terms, parties or
    milestones of a submitted or approved contract sends it back for approval."""
    values = validate(ContractUpdate, data, "contract")
    changes = values.model_dump(exclude_unset=True)

    def work(uow: UnitOfWork) -> Contract:
        require_write(ctx)
        contract = load_for_write(uow, contract_id, expected_version)
        machine = machine_of(uow.session)
        refuse_if_read_only(machine, contract)
        milestones = changes.pop("milestones", None)
        attachments = changes.pop("attachments", None)
        if "parties" in changes:
            changes["parties"] = [dict(p) for p in changes["parties"] or []]
        if "opportunity_id" in changes:
            _check_opportunity(uow, changes["opportunity_id"], contract.customer_id)
        amount = changes.get("amount", contract.amount)
        check_milestone_sum(
            f"contract {label(contract)}",
            amount,
            milestones if milestones is not None else milestones_of(uow.session, contract.id),
        )
        applied = set(uow.apply_changes(contract, changes))
        if milestones is not None and _replace_milestones(uow, contract, milestones):
            applied.add("milestones")
        if attachments:
            _add_attachments(uow, contract, attachments)
        if not applied and not attachments:
            return contract
        log(uow, contract, "edit", comment=", ".join(sorted(applied)))
        touched = sorted(applied & APPROVAL_FIELDS)
        if touched and contract.stage in (machine.role("approval"), machine.role("approved")):
            approvals.start_round(
                uow, machine, contract, "back to approval: " + ", ".join(touched) + " changed"
            )
        return contract

    return write(ctx, work)


def copy_contract(ctx: Context, contract_id: int) -> Contract:
    """A new contract with the same content, a new number and a fresh draft: approvals,
    sign-offs and payments are not copied."""
    source = get_contract(ctx, contract_id)
    with ctx.reading() as session:
        milestones = milestones_of(session, contract_id)
        attachments = list(
            session.scalars(sa.select(Attachment).where(Attachment.contract_id == contract_id))
        )
    data = {
        name: getattr(source, name)
        for name in (
            "title",
            "customer_id",
            "opportunity_id",
            "contract_type",
            "parties",
            "amount",
            "currency",
            "terms",
            "start_date",
            "end_date",
            "owner_id",
            "office",
        )
    }
    data["milestones"] = [
        {"due_date": m.due_date, "amount": m.amount, "condition": m.condition} for m in milestones
    ]
    data["attachments"] = [{"ref": a.ref, "title": a.title} for a in attachments]
    return create_contract(ctx, data, copied_from=source.id)


def mark_milestone_paid(
    ctx: Context, milestone_id: int, paid_on: dt.date | None, expected_version: int | None = None
) -> Milestone:
    """Record (or clear) the payment of a milestone; allowed at any stage, it is not a
    change of the contract's terms."""

    def work(uow: UnitOfWork) -> Milestone:
        require_write(ctx)
        milestone = uow.get(Milestone, milestone_id)
        load_for_write(uow, milestone.contract_id, None)
        uow.check_version(milestone, expected_version)
        uow.apply_changes(milestone, {"paid_on": paid_on}, action="paid")
        return milestone

    return write(ctx, work)


def refuse_if_read_only(machine: Any, contract: Contract) -> None:
    if contract.superseded_by_id:
        raise refuse(
            contract,
            "contract",
            label(contract),
            "the current version; this one was replaced by an amendment",
        )
    if machine.is_locked(contract.stage):
        raise refuse(
            contract,
            "stage",
            contract.stage,
            "a contract not yet signed; a signed contract is read-only: amend it",
        )
    if contract.stage == machine.role("cancelled"):
        raise refuse(contract, "stage", contract.stage, "an open contract; it was cancelled")


def _check_opportunity(uow: UnitOfWork, opportunity_id: int | None, customer_id: int) -> None:
    if opportunity_id is None:
        return
    opp = uow.get(Opportunity, opportunity_id)
    if opp.customer_id != customer_id:
        customer = uow.session.get(Customer, customer_id)  # named as people know it
        raise ValidationFailed(
            [
                FieldProblem(
                    "opportunity_id",
                    opp.title,
                    "a deal of the contract's customer {customer}",
                    args={"customer": customer.name if customer else customer_id},
                )
            ],
            "contract",
        )


def _replace_milestones(
    uow: UnitOfWork, contract: Contract, milestones: list[dict[str, Any]]
) -> bool:
    """Replace the milestones; return whether anything changed (audited as one field)."""
    old = milestones_of(uow.session, contract.id)
    before = [(m.due_date, Decimal(m.amount), m.condition) for m in old]
    after = [(m["due_date"], Decimal(m["amount"]), m.get("condition", "")) for m in milestones]
    if before == after:
        return False
    for row in old:
        uow.session.delete(row)
    for seq, (due, amount, condition) in enumerate(after, start=1):
        uow.session.add(
            Milestone(
                contract_id=contract.id, seq=seq, due_date=due, amount=amount, condition=condition
            )
        )
    uow.audit(
        "update",
        Contract.__tablename__,
        contract.id,
        "milestones",
        milestone_text(before) or None,
        milestone_text(after) or None,
    )
    return True


def milestone_text(items: list[tuple[Any, Any, str]]) -> str:
    return "; ".join(
        f"{due} {Decimal(amount):,.2f}" + (f" {cond}" if cond else "")
        for due, amount, cond in items
    )


def _add_attachments(
    uow: UnitOfWork, contract: Contract, attachments: list[dict[str, Any]]
) -> None:
    for item in attachments:
        row = Attachment(
            contract_id=contract.id,
            ref=item["ref"],
            title=item.get("title", ""),
            added_at=uow.ctx.now(),
            added_by_id=uow.ctx.actor.id,
        )
        uow.session.add(row)
        uow.audit("attach", Contract.__tablename__, contract.id, "attachment", None, row.ref)


def customer_choices(ctx: Context, limit: int = 500) -> list[tuple[str, int]]:
    """(name, id) of customers the actor may make contracts for, by name."""
    from core.access import visible

    with ctx.reading() as session:
        return [
            (bracketed(name, code), cid)
            for cid, name, code in session.execute(
                sa.select(Customer.id, Customer.name, Customer.code)
                .where(visible(ctx, Customer))
                .order_by(Customer.name)
                .limit(limit)
            )
        ]


def add_attachment(ctx: Context, contract_id: int, ref: str, title: str = "") -> Attachment:
    """Attach a document by path or reference. Allowed on signed contracts too (the signed
    scan is filed after signing): an attachment does not change the agreed terms."""
    from plugins.contracts.schemas import AttachmentIn

    item = validate(AttachmentIn, {"ref": ref.strip(), "title": title}, "attachment")

    def work(uow: UnitOfWork) -> Attachment:
        require_write(ctx)
        contract = load_for_write(uow, contract_id, None)
        if contract.stage == machine_of(uow.session).role("cancelled"):
            raise refuse(contract, "stage", contract.stage, "an open contract")
        _add_attachments(uow, contract, [item.model_dump()])
        log(uow, contract, "attach", comment=item.ref)
        uow.session.flush()
        return uow.session.scalars(
            sa.select(Attachment)
            .where(Attachment.contract_id == contract.id)
            .order_by(Attachment.id.desc())
        ).first()

    return write(ctx, work)


def save_entry(ctx: Context, entry: Any) -> str:
    """Save the Forms screen's "New contract" entry (customer named by its code)."""
    from core.access import visible

    with ctx.reading() as session:
        customer_id = session.scalar(
            sa.select(Customer.id).where(
                Customer.code == entry.customer_code.strip(), visible(ctx, Customer)
            )
        )
    if customer_id is None:
        raise ValidationFailed(
            [
                FieldProblem(
                    "customer_code", entry.customer_code, "the code of a customer you can see"
                )
            ],
            "contract",
        )
    data = entry.model_dump(exclude={"customer_code"})
    data = {k: v for k, v in data.items() if v not in ("", None)}
    contract = create_contract(ctx, {**data, "customer_id": customer_id})
    return _("Contract {number} created").format(number=contract.number)
