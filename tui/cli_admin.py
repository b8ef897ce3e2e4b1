"""Admin commands for scripts: ``salesdesk regions|channels|company|products ...``.

Each runs one core service as the person at the keyboard, so the same permission checks
and audit entries apply as in the app. Exit 0 done, 1 refused (the message says why).
Things in use are deactivated, never deleted: there is no delete command.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

import click

from core.errors import SalesdeskError
from core.i18n import _


def _ctx(click_ctx: click.Context) -> Any:
    from tui.cli import runtime_from  # here: tui.cli imports this module

    return runtime_from(click_ctx).context_for()


def _friendly(func: Any) -> Any:
    """A refusal becomes its message and exit code 1, never a traceback (as tui.cli)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SalesdeskError as exc:
            click.echo(f"salesdesk: {exc}", err=True)
            sys.exit(1)

    return wrapper


def _region_id(ctx: Any, code: str | None) -> int | None:
    from core.services.organisation import find_region

    return None if code in (None, "") else find_region(ctx, code).id


def _state(active: bool) -> str:
    return "" if active else "  " + _("(deactivated)")


# -- regions -----------------------------------------------------------------------------


@click.group()
def regions() -> None:
    """The organisation tree: group, regions, offices and branches."""


@regions.command("list")
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated regions.")
@click.pass_context
@_friendly
def regions_list(click_ctx: click.Context, include_inactive: bool) -> None:
    """Show the region tree, indented under each parent."""
    from core.services.organisation import list_regions

    for node in list_regions(_ctx(click_ctx), include_inactive):
        r = node.region
        indent = "  " * node.depth
        click.echo(
            f"{indent}{r.code:<{20 - len(indent)}} {r.name:<24} {_(r.kind)}{_state(r.active)}"
        )


@regions.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The region's name.")
@click.option("--parent", default=None, help="Code of the region it belongs to.")
@click.option("--kind", type=click.Choice(["group", "region", "office"]), default="region")
@click.pass_context
@_friendly
def regions_add(
    click_ctx: click.Context, code: str, name: str, parent: str | None, kind: str
) -> None:
    """Add region CODE under --parent (top level without it)."""
    from core.services.organisation import add_region

    ctx = _ctx(click_ctx)
    region = add_region(
        ctx, {"code": code, "name": name, "kind": kind, "parent_id": _region_id(ctx, parent)}
    )
    click.echo(_("Added region {code} ({name}).").format(code=region.code, name=region.name))


@regions.command("rename")
@click.argument("code")
@click.argument("name")
@click.pass_context
@_friendly
def regions_rename(click_ctx: click.Context, code: str, name: str) -> None:
    """Give region CODE the new NAME."""
    from core.services.organisation import rename_region

    ctx = _ctx(click_ctx)
    region = rename_region(ctx, _region_id(ctx, code) or 0, name)
    click.echo(_("Region {code} is now called {name}.").format(code=code, name=region.name))


@regions.command("move")
@click.argument("code")
@click.option(
    "--under",
    "parent",
    default=None,
    help="Code of the new parent region (omit for the top level).",
)
@click.pass_context
@_friendly
def regions_move(click_ctx: click.Context, code: str, parent: str | None) -> None:
    """Move region CODE, with everything below it, under another region."""
    from core.services.organisation import move_region

    ctx = _ctx(click_ctx)
    move_region(ctx, _region_id(ctx, code) or 0, _region_id(ctx, parent))
    click.echo(
        _(
            "Region {code} moved under {parent}; reports count its past sales under its new region."
        ).format(code=code, parent=parent or _("the top level"))
    )


@regions.command("deactivate")
@click.argument("code")
@click.pass_context
@_friendly
def regions_deactivate(click_ctx: click.Context, code: str) -> None:
    """Deactivate region CODE (kept with its sales, customers and users)."""
    from core.services.organisation import set_region_active

    ctx = _ctx(click_ctx)
    set_region_active(ctx, _region_id(ctx, code) or 0, False)
    click.echo(_("Region {code} is deactivated.").format(code=code))


@regions.command("activate")
@click.argument("code")
@click.pass_context
@_friendly
def regions_activate(click_ctx: click.Context, code: str) -> None:
    """Activate region CODE again."""
    from core.services.organisation import set_region_active

    ctx = _ctx(click_ctx)
    set_region_active(ctx, _region_id(ctx, code) or 0, True)
    click.echo(_("Region {code} is active again.").format(code=code))


# -- channels ----------------------------------------------------------------------------


@click.group()
def channels() -> None:
    """Sales channels and distributors."""


@channels.command("list")
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated channels.")
@click.pass_context
@_friendly
def channels_list(click_ctx: click.Context, include_inactive: bool) -> None:
    """List channels."""
    from core.services.organisation import list_channels, list_regions

    ctx = _ctx(click_ctx)
    names = {n.region.id: n.region.code for n in list_regions(ctx, True)}
    for ch in list_channels(ctx, include_inactive):
        click.echo(
            f"{ch.code:<16} {ch.name:<24} {ch.kind:<12} "
            f"{names.get(ch.region_id, '-')}{_state(ch.active)}"
        )


@channels.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--kind", default="direct", help="direct, distributor, retail, online...")
@click.option("--region", default=None, help="Code of the region it serves.")
@click.pass_context
@_friendly
def channels_add(
    click_ctx: click.Context, code: str, name: str, kind: str, region: str | None
) -> None:
    """Add channel CODE."""
    from core.services.organisation import add_channel

    ctx = _ctx(click_ctx)
    ch = add_channel(
        ctx, {"code": code, "name": name, "kind": kind, "region_id": _region_id(ctx, region)}
    )
    click.echo(_("Added channel {code} ({name}).").format(code=ch.code, name=ch.name))


@channels.command("set")
@click.argument("code")
@click.option("--name", default=None)
@click.option("--kind", default=None)
@click.option("--region", default=None, help="Code of the region it serves.")
@click.pass_context
@_friendly
def channels_set(
    click_ctx: click.Context, code: str, name: str | None, kind: str | None, region: str | None
) -> None:
    """Rename channel CODE, change its kind or move it to another region."""
    from core.services.organisation import find_channel, update_channel

    ctx = _ctx(click_ctx)
    changes: dict[str, Any] = {k: v for k, v in (("name", name), ("kind", kind)) if v}
    if region is not None:
        changes["region_id"] = _region_id(ctx, region)
    update_channel(ctx, find_channel(ctx, code).id, changes)
    click.echo(_("Channel {code} is changed.").format(code=code))


@channels.command("deactivate")
@click.argument("code")
@click.pass_context
@_friendly
def channels_deactivate(click_ctx: click.Context, code: str) -> None:
    """Deactivate channel CODE (kept on its sales lines)."""
    from core.services.organisation import find_channel, update_channel

    ctx = _ctx(click_ctx)
    update_channel(ctx, find_channel(ctx, code).id, {"active": False}, action="deactivate")
    click.echo(_("Channel {code} is deactivated.").format(code=code))


# -- company -----------------------------------------------------------------------------


@click.group()
def company() -> None:
    """Company settings: name, currency, fiscal year, VAT rate, time zone, numbering."""


@company.command("show")
@click.pass_context
@_friendly
def company_show(click_ctx: click.Context) -> None:
    """Show the company settings."""
    from core.services.organisation import company_settings, percent

    s = company_settings(_ctx(click_ctx))
    for label, value in (
        (_("Name"), s.name or "-"),
        (_("Currency"), s.currency),
        (_("Fiscal year starts in month"), s.fiscal_year_start),
        (_("Default VAT rate"), percent(s.vat_rate)),
        (_("Time zone"), s.timezone or _("the server's own")),
    ):
        click.echo(f"{label}: {value}")


@company.command("set")
@click.option("--name", default=None)
@click.option("--currency", default=None, help="Three-letter code, e.g. CNY.")
@click.option("--fiscal-year-start", type=int, default=None, help="Month 1-12.")
@click.option("--vat-rate", default=None, help="Default VAT rate, e.g. 0.13 for 13 %.")
@click.option(
    "--timezone",
    default=None,
    help="Where the company works, e.g. Asia/Shanghai: what today's date is ('' = the server's).",
)
@click.pass_context
@_friendly
def company_set(
    click_ctx: click.Context,
    name: str | None,
    currency: str | None,
    fiscal_year_start: int | None,
    vat_rate: str | None,
    timezone: str | None,
) -> None:
    """Change company settings (only the options given)."""
    from core.services.organisation import set_company

    changes = {
        k: v
        for k, v in (
            ("name", name),
            ("currency", currency),
            ("fiscal_year_start", fiscal_year_start),
            ("vat_rate", vat_rate),
            ("timezone", timezone),
        )
        if v is not None
    }
    if not changes:
        raise click.UsageError(_("give at least one setting to change"))
    set_company(_ctx(click_ctx), changes)
    click.echo(_("Company settings saved."))


@company.command("numbering")
@click.argument("series")
@click.option("--prefix", default="", help="Letters before the year, e.g. HT.")
@click.option("--width", type=int, default=5, help="Digits of the sequence.")
@click.option(
    "--office",
    "offices",
    multiple=True,
    help="OFFICE=FIRST: the office's range starts at FIRST (repeatable).",
)
@click.pass_context
@_friendly
def company_numbering(
    click_ctx: click.Context, series: str, prefix: str, width: int, offices: tuple[str, ...]
) -> None:
    """Set how documents of SERIES are numbered, with each office's own range."""
    from core.services.numbering import series_named, series_title, set_rule

    ctx = _ctx(click_ctx)
    series = series_named(ctx.plugins, series)  # "送货单" or "delivery notes" as well as its id
    ranges: dict[str, int] = {}
    for item in offices:
        office, _sep, first = item.partition("=")
        if not office or not first.strip().isdigit():
            raise click.BadParameter(_("write OFFICE=FIRST, e.g. SH=1"), param_hint="--office")
        ranges[office.strip()] = int(first)
    set_rule(ctx, series, {"prefix": prefix, "width": width, "offices": ranges})
    click.echo(_("Numbering of {series} saved.").format(series=series_title(ctx.plugins, series)))


# -- products ----------------------------------------------------------------------------


@click.group()
def products() -> None:
    """Products: code, name, unit, category, list price, VAT rate."""


@products.command("list")
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated products.")
@click.pass_context
@_friendly
def products_list(click_ctx: click.Context, include_inactive: bool) -> None:
    """List products."""
    from core.services.masterdata import list_products
    from core.services.organisation import percent

    for p in list_products(_ctx(click_ctx), include_inactive):
        click.echo(
            f"{p.code:<16} {p.name:<24} {p.unit:<6} {p.category:<12} "
            f"{p.list_price:>12} {percent(p.vat_rate)}{_state(p.active)}"
        )


def _product_options(func: Any) -> Any:
    for option in reversed(
        (
            click.option("--name", default=None),
            click.option("--unit", default=None, help="e.g. pcs, kg, set."),
            click.option("--category", default=None),
            click.option("--price", "list_price", default=None, help="List price, e.g. 1280.00."),
            click.option("--vat-rate", default=None, help="e.g. 0.13 for 13 %."),
        )
    ):
        func = option(func)
    return func


@products.command("add")
@click.argument("code")
@_product_options
@click.pass_context
@_friendly
def products_add(click_ctx: click.Context, code: str, **values: Any) -> None:
    """Add product CODE (VAT rate defaults to the company's)."""
    from core.services.masterdata import add_product

    ctx = _ctx(click_ctx)
    data = {k: v for k, v in values.items() if v is not None}
    if "name" not in data:
        raise click.UsageError(_("a new product needs --name"))
    product = add_product(ctx, {"code": code, **data})
    click.echo(_("Added product {code} ({name}).").format(code=product.code, name=product.name))


@products.command("set")
@click.argument("code")
@_product_options
@click.pass_context
@_friendly
def products_set(click_ctx: click.Context, code: str, **values: Any) -> None:
    """Change product CODE (only the options given)."""
    from core.services.masterdata import find_product, update_product

    ctx = _ctx(click_ctx)
    product = find_product(ctx, code)
    update_product(
        ctx, product.id or 0, {k: v for k, v in values.items() if v is not None}, product.version
    )
    click.echo(_("Product {code} is changed.").format(code=code))


@products.command("deactivate")
@click.argument("code")
@click.pass_context
@_friendly
def products_deactivate(click_ctx: click.Context, code: str) -> None:
    """Deactivate product CODE (kept on its sales lines; no longer offered)."""
    from core.services.masterdata import find_product, set_product_active

    ctx = _ctx(click_ctx)
    set_product_active(ctx, find_product(ctx, code).id or 0, False)
    click.echo(_("Product {code} is deactivated.").format(code=code))


ADMIN_GROUPS = (regions, channels, company, products)


def register_admin(group: click.Group) -> None:
    from tui.cli_receipts import receipts  # it builds on this module's helpers

    for command in (*ADMIN_GROUPS, receipts):
        group.add_command(command)
