"""Reference data: regions, channels, products, official targets."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, col

from core.context import Context
from core.errors import FieldProblem, ValidationFailed
from core.i18n import _
from core.models import Channel, Product, Region, SalesTarget
from core.schemas import ChannelInput, ProductInput, RegionInput, TargetInput
from core.services.base import UnitOfWork, find_coded, list_coded, validate, write


def add_region(ctx: Context, data: RegionInput | dict[str, Any]) -> Region:
    from core.services.organisation import add_region as add  # the tree's own rules

    return add(ctx, data)


def add_channel(ctx: Context, data: ChannelInput | dict[str, Any]) -> Channel:
    from core.services.organisation import add_channel as add

    return add(ctx, data)


def add_product(ctx: Context, data: ProductInput | dict[str, Any]) -> Product:
    if isinstance(data, dict) and data.get("vat_rate") in (None, ""):
        from core.services.organisation import company_settings

        data = {**data, "vat_rate": company_settings(ctx).vat_rate}  # the company's default
    values = validate(ProductInput, data, "product")
    return _add(ctx, "product.manage", Product, values.model_dump(), values.code)


def update_product(
    ctx: Context, product_id: int, changes: dict[str, Any], expected_version: int | None
) -> Product:
    def work(uow: UnitOfWork) -> Product:
        uow.require("product.manage")
        product = uow.get(Product, product_id)
        uow.check_version(product, expected_version)
        current = product.model_dump(include=set(ProductInput.model_fields))
        values = validate(ProductInput, {**current, **changes}, "product")
        uow.apply_changes(product, values.model_dump())
        return product

    return write(ctx, work)


def set_product_active(ctx: Context, product_id: int, active: bool) -> Product:
    """Deactivate (or reactivate) a product; sold products stay on their sales lines."""

    def work(uow: UnitOfWork) -> Product:
        uow.require("product.manage")
        product = uow.get(Product, product_id)
        uow.apply_changes(
            product, {"active": active}, action="activate" if active else "deactivate"
        )
        return product

    return write(ctx, work)


def list_products(ctx: Context, include_inactive: bool = False) -> list[Product]:
    return list_coded(ctx, Product, include_inactive)


def find_product(ctx: Context, code: str) -> Product:
    return find_coded(ctx, Product, code, _("there is no product with code '{code}'"))


def set_target(ctx: Context, data: TargetInput | dict[str, Any]) -> SalesTarget:
    """Create or replace the official target for a month and one dimension key."""
    return set_targets(ctx, [data])[0]


def set_targets(ctx: Context, items: list[TargetInput | dict[str, Any]]) -> list[SalesTarget]:
    """Create or replace many official targets at once: all of them or none.

    The forecast plugin publishes an approved allocation this way, so a half-published
    allocation can never become the official figures.
    """
    problems: list[FieldProblem] = []
    rows: list[TargetInput] = []
    for number, item in enumerate(items, start=1):
        try:
            rows.append(validate(TargetInput, item, "target"))
        except ValidationFailed as exc:
            problems.extend(
                FieldProblem(p.field, p.value, p.expected, number, p.args) for p in exc.problems
            )
    if problems:
        raise ValidationFailed(problems, "targets")

    def work(uow: UnitOfWork) -> list[SalesTarget]:
        uow.require("target.manage")
        return [_put_target(uow, values) for values in rows]

    return write(ctx, work)


def _put_target(uow: UnitOfWork, values: TargetInput) -> SalesTarget:
    row = uow.session.scalars(
        sa.select(SalesTarget).where(
            col(SalesTarget.month) == values.month,
            col(SalesTarget.dimension) == values.dimension,
            col(SalesTarget.key_id) == values.key_id,
        )
    ).first()
    if row is None:
        row = SalesTarget(**values.model_dump())
        uow.session.add(row)
        uow.audit_created(row)
    else:
        uow.apply_changes(row, {"amount": values.amount})
    return row


def _add(
    ctx: Context, permission: str, model: type[SQLModel], values: dict[str, Any], code: str
) -> Any:
    def work(uow: UnitOfWork) -> Any:
        uow.require(permission)
        code_col = model.code  # type: ignore[attr-defined]
        if uow.session.scalar(sa.select(code_col).where(code_col == code)):
            raise ValidationFailed(
                [FieldProblem("code", code, "a code not used already")], model.__name__.lower()
            )
        row = model(**values)
        uow.session.add(row)
        uow.audit_created(row)
        return row

    return write(ctx, work)
