"""Customers and their contacts: create, edit, assign, return to the lead pool."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from core.access import Scope, visible
from core.context import Context
from core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from core.i18n import _
from core.models import Contact, Customer, Region, User
from core.schemas import ContactInput, CustomerCreate, CustomerUpdate
from core.services.base import UnitOfWork, detached, validate, write
from core.services.ownership import move_open_work

CREDIT_FIELDS = {"credit_rating", "credit_limit"}


def get_customer(ctx: Context, customer_id: int) -> Customer:
    """One customer the actor may see (NotFound otherwise, so ids do not leak)."""
    with ctx.reading() as session:
        row = session.scalars(
            sa.select(Customer).where(col(Customer.id) == customer_id, visible(ctx, Customer))
        ).first()
    if row is None:
        raise NotFound(_("This customer does not exist or is not visible to you."))
    return row


def create_customer(ctx: Context, data: CustomerCreate | dict[str, Any]) -> Customer:
    values = validate(CustomerCreate, data, "customer")

    def work(uow: UnitOfWork) -> Customer:
        uow.require("customer.create")
        if values.credit_limit or values.credit_rating:
            uow.require("customer.credit")
        owner_id = _initial_owner(uow, values.owner_id)
        _check_references(uow, values.region_id, owner_id)
        if owner_id is not None and owner_id != ctx.actor.id:
            _require_able_owner(uow, owner_id, None)
        _require_own_region(uow, values.region_id)
        fields = values.model_dump(exclude={"code", "owner_id"})
        customer = Customer(
            **fields,
            owner_id=owner_id,
            code=values.code or _next_code(uow),
            pool_since=None if owner_id else ctx.now(),
        )
        _refuse_duplicate_code(uow, customer.code)
        uow.session.add(customer)
        uow.audit_created(customer)
        uow.after_commit("salesdesk_customer_created", customer=customer)
        return customer

    customer = write(ctx, work)
    return customer


def update_customer(
    ctx: Context,
    customer_id: int,
    data: CustomerUpdate | dict[str, Any],
    expected_version: int | None,
) -> Customer:
    """Change the given fields. ``expected_version`` is the version the user edited."""
    values = validate(CustomerUpdate, data, "customer")
    changes = values.model_dump(exclude_unset=True)

    def work(uow: UnitOfWork) -> Customer:
        only_credit = bool(changes) and set(changes) <= CREDIT_FIELDS
        uow.require("customer.credit" if only_credit else "customer.update")
        if set(changes) & CREDIT_FIELDS:
            uow.require("customer.credit")
        customer = uow.get(Customer, customer_id)
        uow.require_record(Customer, customer_id)
        uow.check_version(customer, expected_version)
        if "region_id" in changes and changes["region_id"] != customer.region_id:
            _check_references(uow, changes["region_id"], None)
            _require_own_region(uow, changes["region_id"])
        applied = uow.apply_changes(customer, changes)
        if applied:
            uow.after_commit("salesdesk_customer_updated", customer=customer, changes=applied)
        return customer

    return write(ctx, work)


def assign_customer(
    ctx: Context, customer_id: int, owner_id: int | None, expected_version: int | None = None
) -> Customer:
    """Give a customer to a rep, or return it to the lead pool (``owner_id=None``).

    Its open deals, open follow-ups and plugins' open records move with it in the same
    transaction; its history stays (``core.services.ownership``)."""

    def work(uow: UnitOfWork) -> Customer:
        customer = uow.get(Customer, customer_id)
        claiming = owner_id == ctx.actor.id and customer.owner_id is None
        if not claiming:
            uow.require("customer.assign")
        else:
            uow.require("customer.update")  # a rep may take a lead from the pool
        uow.require_record(Customer, customer_id)
        uow.check_version(customer, expected_version)
        if owner_id is not None:
            _check_references(uow, None, owner_id)
            _require_assignable(uow, owner_id, customer_id)
        pool_since = None if owner_id else ctx.now()
        before = customer.owner_id
        applied = uow.apply_changes(customer, {"owner_id": owner_id}, action="assign")
        customer.pool_since = pool_since
        move_open_work(uow, customer_id, before, owner_id, "assign")
        if applied:
            uow.after_commit("salesdesk_customer_updated", customer=customer, changes=applied)
        return customer

    return write(ctx, work)


def add_contact(ctx: Context, customer_id: int, data: ContactInput | dict[str, Any]) -> Contact:
    values = validate(ContactInput, data, "contact")

    def work(uow: UnitOfWork) -> Contact:
        uow.require("contact.write")
        uow.get(Customer, customer_id)
        uow.require_record(Customer, customer_id)
        fields = values.model_dump()
        if not _has_contacts(uow, customer_id):
            fields["is_primary"] = True  # the first contact is the one to call
        elif fields["is_primary"]:
            _clear_primary(uow, customer_id, None)
        contact = Contact(customer_id=customer_id, **fields)
        uow.session.add(contact)
        uow.audit_created(contact)
        return contact

    return write(ctx, work)


def update_contact(
    ctx: Context, contact_id: int, data: dict[str, Any], expected_version: int | None
) -> Contact:
    def work(uow: UnitOfWork) -> Contact:
        uow.require("contact.write")
        contact = uow.get(Contact, contact_id)
        uow.require_record(Customer, contact.customer_id)
        uow.check_version(contact, expected_version)
        merged = {
            **ContactInput.model_validate(
                contact.model_dump(include=set(ContactInput.model_fields))
            ).model_dump(),
            **data,
        }
        values = validate(ContactInput, merged, "contact")
        if values.is_primary and not contact.is_primary:
            _clear_primary(uow, contact.customer_id, contact.id)
        uow.apply_changes(contact, values.model_dump())
        return contact

    return write(ctx, work)


def list_contacts(ctx: Context, customer_id: int) -> list[Contact]:
    get_customer(ctx, customer_id)
    with ctx.reading() as session:
        return list(
            session.scalars(
                sa.select(Contact)
                .where(col(Contact.customer_id) == customer_id)
                .order_by(col(Contact.is_primary).desc(), col(Contact.name))
            )
        )


# -- helpers ------------------------------------------------------------------------------


def _has_contacts(uow: UnitOfWork, customer_id: int) -> bool:
    return (
        uow.session.scalar(
            sa.select(col(Contact.id)).where(col(Contact.customer_id) == customer_id).limit(1)
        )
        is not None
    )


def _clear_primary(uow: UnitOfWork, customer_id: int, keep_id: int | None) -> None:
    """One primary contact per customer: the others stop being it (audited)."""
    for other in uow.session.scalars(
        sa.select(Contact).where(
            col(Contact.customer_id) == customer_id, col(Contact.is_primary).is_(True)
        )
    ):
        if other.id != keep_id:
            uow.apply_changes(other, {"is_primary": False})


def _initial_owner(uow: UnitOfWork, requested: int | None) -> int | None:
    """Reps own what they create; others may name an owner or leave it in the pool."""
    grant = uow.ctx.grant
    if requested is None:
        return uow.ctx.actor.id if grant.scope is Scope.OWN else None
    if requested != uow.ctx.actor.id and not grant.has("customer.assign"):
        raise PermissionDenied(_("You may not give customers to other people."))
    return requested


def _require_assignable(uow: UnitOfWork, owner_id: int, customer_id: int | None = None) -> None:
    owner = _require_able_owner(uow, owner_id, customer_id)
    grant = uow.ctx.grant
    if grant.scope is Scope.TEAM and owner_id not in grant.team_ids:
        raise PermissionDenied(_("{name} is not in your team.").format(name=owner.display_name))
    if grant.scope is Scope.REGION and owner.region_id not in grant.region_ids:
        raise PermissionDenied(_("{name} is not in your region.").format(name=owner.display_name))


def _require_able_owner(uow: UnitOfWork, owner_id: int, customer_id: int | None) -> User:
    """The new owner still works here and takes customers: not deactivated, and no plugin
    objects (the funnel refuses a leaving rep whose book was handed over)."""
    owner = uow.session.get(User, owner_id)
    if owner is None:
        raise ValidationFailed([FieldProblem("owner", owner_id, _("an existing user"))], "customer")
    if not owner.active:
        name = owner.display_name or owner.login
        raise ValidationFailed(
            [
                FieldProblem(
                    "owner",
                    name,
                    _(
                        "a rep who is still active: {name} is no longer active (deactivated), give "
                        "the customer to someone else"
                    ).format(name=name),
                )
            ],
            "customer",
        )
    uow.ctx.plugins.call_in_transaction(
        "salesdesk_check_new_owner", uow=uow, customer_id=customer_id, owner=owner
    )
    return owner


def _require_own_region(uow: UnitOfWork, region_id: int | None) -> None:
    """A region-scoped actor may not place a customer outside their region (where they
    would lose sight of it)."""
    grant = uow.ctx.grant
    if grant.scope is Scope.REGION and region_id not in grant.region_ids:
        raise PermissionDenied(_("You may place customers only in your own region."))


def _check_references(uow: UnitOfWork, region_id: int | None, owner_id: int | None) -> None:
    problems: list[FieldProblem] = []
    region = uow.session.get(Region, region_id) if region_id is not None else None
    if region_id is not None and region is None:
        problems.append(FieldProblem("region_id", region_id, "an existing region"))
    elif region is not None and not region.active:  # deactivated: takes nobody new
        problems.append(
            FieldProblem(
                "region_id",
                region.code,
                _("an active region: {code} is deactivated").format(code=region.code),
            )
        )
    if owner_id is not None and uow.session.get(User, owner_id) is None:
        problems.append(FieldProblem("owner_id", owner_id, "an existing user"))
    if problems:
        raise ValidationFailed(problems, "customer")


def _refuse_duplicate_code(uow: UnitOfWork, code: str) -> None:
    taken = uow.session.scalar(sa.select(col(Customer.id)).where(col(Customer.code) == code))
    if taken is not None:
        raise ValidationFailed(
            [FieldProblem("code", code, "a code no other customer has")], "customer"
        )


def _next_code(uow: UnitOfWork) -> str:
    """C + six digits after the highest id. On PostgreSQL concurrent creators take turns
    (a transaction lock, released at commit) so two never compute the same code; SQLite's
    BEGIN IMMEDIATE already makes them."""
    if uow.session.get_bind().dialect.name == "postgresql":
        uow.session.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": "salesdesk-customer-code"},
        )
    highest = uow.session.scalar(sa.select(sa.func.max(Customer.id))) or 0
    candidate = highest + 1
    while uow.session.scalar(
        sa.select(col(Customer.id)).where(col(Customer.code) == f"C{candidate:06d}")
    ):
        candidate += 1
    return f"C{candidate:06d}"


__all__ = [
    "add_contact",
    "assign_customer",
    "create_customer",
    "detached",
    "get_customer",
    "list_contacts",
    "update_contact",
    "update_customer",
]
