"""``salesdesk real-estate ...``: import units from a workbook, list and sign off pending
changes and price lists, for scripts. Exit codes: 0 done, 1 refused or failed."""

from __future__ import annotations

from pathlib import Path

import click

from core.i18n import translator
from core.plugin_cli import acting_context as _ctx
from core.plugin_cli import friendly

_ = translator(__file__)  # this plugin's words first


@click.group("real-estate")
def real_estate() -> None:
    """Units, sign-offs and price lists of the real-estate plugin."""


@real_estate.command("import-units")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
@friendly
def import_units_command(click_ctx: click.Context, path: Path) -> None:
    """Submit every unit of an .xlsx workbook as one change (all rows or none)."""
    from plugins.real_estate.services.masterdata import import_units

    change = import_units(_ctx(click_ctx), path)
    click.echo(
        _("change {id}: {n} unit(s) waiting for sign-off").format(
            id=change.id, n=len(change.payload["units"])
        )
    )


@real_estate.command("pending")
@click.pass_context
@friendly
def pending_command(click_ctx: click.Context) -> None:
    """List changes and price lists waiting for sign-off."""
    from plugins.real_estate.services import masterdata, prices

    ctx = _ctx(click_ctx)
    changes = masterdata.pending_changes(ctx)
    price_lists = prices.price_lists(ctx, status="pending")
    for change in changes:
        click.echo(f"change {change.id}\t{change.summary}")
    for plist in price_lists:
        click.echo(
            f"price-list {plist.id}\tbuilding {plist.building_id} no. {plist.number}\t"
            f"{plist.total_value:,.2f}"
        )
    if not changes and not price_lists:
        click.echo(_("Nothing is waiting for sign-off."), err=True)


@real_estate.command("approve")
@click.argument("kind", type=click.Choice(["change", "price-list"]))
@click.argument("record_id", type=int)
@click.pass_context
@friendly
def approve_command(click_ctx: click.Context, kind: str, record_id: int) -> None:
    """Sign off a change or a price list (a senior marketing manager, not the submitter)."""
    from plugins.real_estate.services import masterdata, prices

    ctx = _ctx(click_ctx)
    if kind == "change":
        masterdata.approve_change(ctx, record_id)
    else:
        prices.approve_price_list(ctx, record_id)
    done = (
        _("change {id} approved by {name}")
        if kind == "change"
        else _("price list {id} approved by {name}")
    )
    click.echo(done.format(id=record_id, name=ctx.actor.display_name or ctx.actor.login))


COMMANDS = [real_estate]
