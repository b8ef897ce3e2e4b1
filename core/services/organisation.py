"""The organisation: the region tree, channels and company settings.

Regions form a tree of any depth (group -> region -> office/branch). Who may change what:

* ``masterdata.manage`` (group admin, business operator): the whole tree and every channel;
* ``region.manage_own`` (regional admin): only below their own region. They may add
  regions under it or anywhere below, and rename, move (within their subtree) and
  deactivate the regions strictly below it, plus the channels of their subtree.

A region or channel in use is deactivated, never deleted: sales lines, customers and users
keep pointing at it. A region moves with its whole subtree and can never be moved under
itself or one of its descendants, so the tree has no cycles.

Reports follow one rule (``REGION_RULE_EN``): a sale keeps the office it was made in, and
that office's place in the tree is read today. Moving an office to another region moves
its past sales with it in every report; nothing is recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pydantic
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.access import region_subtree
from core.company import COMPANY_NAME_KEY, TIMEZONE_KEY, get_setting
from core.context import Context, company_zone
from core.errors import FieldProblem, PermissionDenied, ValidationFailed
from core.i18n import _
from core.models import Channel, Region
from core.schemas import ChannelInput, Name, RegionInput
from core.services.base import UnitOfWork, find_coded, list_coded, validate, write
from core.services.company import _store

REGION_RULE_EN = (
    "Regions as organised today: a region counts every office now below it, past sales included."
)
REGION_RULE_ZH = "区域按当前组织结构统计：区域包含现属其下的所有办事处，连同其历史销售。"


# -- regions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionNode:
    """A region with its depth in the tree (0 for a top-level region)."""

    region: Region
    depth: int


def list_regions(ctx: Context, include_inactive: bool = False) -> list[RegionNode]:
    """Every region in tree order (parents before children, siblings by code)."""
    with ctx.reading() as session:
        rows = list(session.scalars(sa.select(Region).order_by(Region.code)))
    children: dict[int | None, list[Region]] = {}
    ids = {r.id for r in rows}
    for row in rows:
        parent = row.parent_id if row.parent_id in ids else None
        children.setdefault(parent, []).append(row)
    out: list[RegionNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in children.get(parent, []):
            if row.active or include_inactive:
                out.append(RegionNode(row, depth))
                walk(row.id, depth + 1)

    walk(None, 0)
    return out


def find_region(ctx: Context, code: str) -> Region:
    return find_coded(ctx, Region, code, _("there is no region with code '{code}'"))


def add_region(ctx: Context, data: RegionInput | dict[str, Any]) -> Region:
    values = _checked(RegionInput, data, _("region"))

    def work(uow: UnitOfWork) -> Region:
        _require_tree(uow, parents=[values.parent_id])
        _refuse_used_code(uow, Region, values.code)
        if values.parent_id is not None:
            _active_parent(uow, values.parent_id)
        row = Region(**values.model_dump())
        uow.session.add(row)
        uow.audit_created(row)
        return row

    return write(ctx, work)


def rename_region(
    ctx: Context, region_id: int, name: str, expected_version: int | None = None
) -> Region:
    new_name = _name(name, _("region"))

    def work(uow: UnitOfWork) -> Region:
        region = uow.get(Region, region_id)
        _require_tree(uow, targets=[region_id])
        uow.check_version(region, expected_version)
        uow.apply_changes(region, {"name": new_name}, action="rename")
        return region

    return write(ctx, work)


def move_region(
    ctx: Context, region_id: int, parent_id: int | None, expected_version: int | None = None
) -> Region:
    """Put a region (with everything below it) under ``parent_id`` (None: top level)."""

    def work(uow: UnitOfWork) -> Region:
        region = uow.get(Region, region_id)
        _require_tree(uow, targets=[region_id], parents=[parent_id])
        uow.check_version(region, expected_version)
        if parent_id is not None:
            parent = _active_parent(uow, parent_id)
            if parent_id in region_subtree(uow.session, region_id):
                raise ValidationFailed(
                    [
                        FieldProblem(
                            _("parent region"),
                            parent.code,
                            _("a region that is not {code} itself nor below it").format(
                                code=region.code
                            ),
                        )
                    ],
                    _("region"),
                )
        uow.apply_changes(region, {"parent_id": parent_id}, action="move")
        return region

    return write(ctx, work)


def set_region_active(ctx: Context, region_id: int, active: bool) -> Region:
    """Deactivate (or reactivate) a region; it is kept with everything that uses it."""

    def work(uow: UnitOfWork) -> Region:
        region = uow.get(Region, region_id)
        _require_tree(uow, targets=[region_id])
        if not active:
            _refuse_active_children(uow, region)
        elif region.parent_id is not None:
            _active_parent(uow, region.parent_id)
        uow.apply_changes(
            region, {"active": active}, action="deactivate" if not active else "activate"
        )
        return region

    return write(ctx, work)


def _refuse_active_children(uow: UnitOfWork, region: Region) -> None:
    below = list(
        uow.session.scalars(
            sa.select(col(Region.code))
            .where(col(Region.parent_id) == region.id, col(Region.active).is_(True))
            .order_by(Region.code)
        )
    )
    if below:
        raise ValidationFailed(
            [
                FieldProblem(
                    _("sub-regions"),
                    ", ".join(below),
                    _("none still active: deactivate or move them first"),
                )
            ],
            _("region"),
        )


def _active_parent(uow: UnitOfWork, parent_id: int) -> Region:
    parent = uow.session.get(Region, parent_id)
    if parent is None or not parent.active:
        raise ValidationFailed(
            [
                FieldProblem(
                    _("parent region"),
                    parent.code if parent else parent_id,
                    _("an existing active region"),
                )
            ],
            _("region"),
        )
    return parent


# -- channels ----------------------------------------------------------------------------


def list_channels(ctx: Context, include_inactive: bool = False) -> list[Channel]:
    return list_coded(ctx, Channel, include_inactive)


def find_channel(ctx: Context, code: str) -> Channel:
    return find_coded(ctx, Channel, code, _("there is no channel with code '{code}'"))


def add_channel(ctx: Context, data: ChannelInput | dict[str, Any]) -> Channel:
    values = _checked(ChannelInput, data, _("channel"))

    def work(uow: UnitOfWork) -> Channel:
        _require_tree(uow, parents=[values.region_id])
        _refuse_used_code(uow, Channel, values.code)
        if values.region_id is not None:
            _active_parent(uow, values.region_id)
        row = Channel(**values.model_dump())
        uow.session.add(row)
        uow.audit_created(row)
        return row

    return write(ctx, work)


def update_channel(
    ctx: Context,
    channel_id: int,
    changes: dict[str, Any],
    expected_version: int | None = None,
    action: str = "update",
) -> Channel:
    """Rename a channel, change its kind, move it to another region, (de)activate it."""

    def work(uow: UnitOfWork) -> Channel:
        channel = uow.get(Channel, channel_id)
        _require_tree(uow, parents=[channel.region_id])
        current = channel.model_dump(include=set(ChannelInput.model_fields))
        values = _checked(ChannelInput, {**current, **changes}, _("channel"))
        if values.region_id != channel.region_id:
            _require_tree(uow, parents=[values.region_id])
            if values.region_id is not None:
                _active_parent(uow, values.region_id)
        uow.check_version(channel, expected_version)
        uow.apply_changes(channel, values.model_dump(exclude={"code"}), action=action)
        return channel

    return write(ctx, work)


# -- permissions -------------------------------------------------------------------------


def _require_tree(
    uow: UnitOfWork,
    targets: list[int] = (),  # type: ignore[assignment]
    parents: list[int | None] = (),  # type: ignore[assignment]
) -> None:
    """Refuse unless the actor may change ``targets`` and place things under ``parents``.

    The whole tree needs ``masterdata.manage``; a regional admin (``region.manage_own``)
    places things anywhere in their subtree and changes regions strictly below their own.
    """
    if uow.ctx.grant.has("masterdata.manage"):
        return
    uow.require("region.manage_own")
    own = uow.ctx.actor.region_id
    subtree = region_subtree(uow.session, own)  # read now: the tree may have grown
    allowed = [t in subtree and t != own for t in targets]
    allowed += [p is not None and p in subtree for p in parents]
    if not all(allowed):
        own_region = uow.session.get(Region, own) if own is not None else None
        own_name = own_region.name if own_region is not None else "-"
        raise PermissionDenied(
            _("{user} may manage only the regions and channels below {region}").format(
                user=uow.ctx.actor.display_name, region=own_name
            )
        )


def _refuse_used_code(uow: UnitOfWork, model: Any, code: str) -> None:
    if uow.session.scalar(sa.select(model.id).where(model.code == code)) is not None:
        raise ValidationFailed(
            [FieldProblem(_("code"), code, _("a code not used already"))],
            _("region") if model is Region else _("channel"),
        )


def _name(name: str, subject: str) -> str:
    class Named(pydantic.BaseModel):
        name: Name

    return _checked(Named, {"name": name}, subject).name


def _labels() -> dict[str, str]:
    """Fields as people call them (read at call time, in the reader's language)."""
    return {
        "code": _("code"),
        "name": _("name"),
        "parent_id": _("parent region"),
        "kind": _("kind"),
        "region_id": _("region"),
        "active": _("active"),
        "currency": _("currency"),
        "fiscal_year_start": _("fiscal year start month"),
        "vat_rate": _("VAT rate"),
        "timezone": _("time zone"),
    }


def _checked(model: type[pydantic.BaseModel], data: Any, subject: str) -> Any:
    """``validate`` with the problems naming business fields, not attribute names."""
    try:
        return validate(model, data, subject)
    except ValidationFailed as exc:
        labels = _labels()
        for problem in exc.problems:
            problem.field = labels.get(problem.field, problem.field)
        raise


# -- company settings --------------------------------------------------------------------

CURRENCY_KEY = "company.currency"
FISCAL_START_KEY = "company.fiscal_year_start"
VAT_RATE_KEY = "company.vat_rate"


class CompanySettings(pydantic.BaseModel):
    """The company's own settings; a report or a new product reads its defaults here."""

    model_config = pydantic.ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = pydantic.Field("", max_length=200)
    currency: str = "CNY"
    fiscal_year_start: int = pydantic.Field(1, ge=1, le=12)
    vat_rate: Decimal = Decimal("0.13")
    timezone: str = ""  # empty: the server machine's own

    @pydantic.field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        if value and company_zone({TIMEZONE_KEY: value}) is None:
            raise ValueError(_("a time zone such as Asia/Shanghai, or empty for the server's own"))
        return value

    @pydantic.field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if len(code) != 3 or not code.isascii() or not code.isalpha():
            raise ValueError(_("a three-letter currency code such as CNY"))
        return code

    @pydantic.field_validator("vat_rate", mode="before")
    @classmethod
    def _rate(cls, value: Any) -> Decimal:
        return vat_rate(value)


def vat_rate(value: Any) -> Decimal:
    """A VAT rate from 0 to below 1 with at most 4 decimals (0.13 is 13 %)."""
    try:
        rate = Decimal(str(value).strip())
    except ArithmeticError:
        rate = Decimal(-1)
    if not rate.is_finite() or not 0 <= rate < 1 or int(rate.as_tuple().exponent) < -4:
        raise ValueError(_("a VAT rate from 0 to below 1, e.g. 0.13 for 13 %"))
    return rate


def percent(rate: Decimal) -> str:
    """0.13 -> '13 %'."""
    return f"{(rate * 100).normalize():f} %"


_KEYS = {
    "name": COMPANY_NAME_KEY,
    "currency": CURRENCY_KEY,
    "fiscal_year_start": FISCAL_START_KEY,
    "vat_rate": VAT_RATE_KEY,
    "timezone": TIMEZONE_KEY,
}


def company_vat_rate(session: Session) -> Decimal:
    """The company's VAT rate, for lines and products that carry none."""
    return Decimal(str(get_setting(session, VAT_RATE_KEY, "0.13")))


def company_settings(ctx: Context) -> CompanySettings:
    defaults = CompanySettings()
    with ctx.reading() as session:
        stored = {field: get_setting(session, key) for field, key in _KEYS.items()}
    return CompanySettings(
        **{k: v if v is not None else getattr(defaults, k) for k, v in stored.items()}
    )


def set_company(ctx: Context, changes: dict[str, Any]) -> CompanySettings:
    """Change some company settings (``settings.manage``); each change is audited."""
    current = company_settings(ctx)
    values = _checked(CompanySettings, {**current.model_dump(), **changes}, _("company"))

    def work(uow: UnitOfWork) -> CompanySettings:
        uow.require("settings.manage")
        for field in changes:
            new = getattr(values, field)
            if new != getattr(current, field):
                _store(uow, _KEYS[field], _stored(new))
        return values

    saved = write(ctx, work)
    for field in changes:  # this process reads them from here (today's date, the zone)
        ctx.plugins.company_settings[_KEYS[field]] = _stored(getattr(saved, field))
    return saved


def _stored(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value
