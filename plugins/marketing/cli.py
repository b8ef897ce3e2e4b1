"""``salesdesk marketing ...``: campaign leads import, budget decisions, status moves and
the call list export, for scripts. Reports run with ``salesdesk report run marketing_...``.

Exit codes: 0 done, 1 refused or failed (the message says why), 2 bad usage.
"""

from __future__ import annotations

from pathlib import Path

import click

from core.i18n import plural, translator
from core.plugin_cli import acting_context as _ctx
from core.plugin_cli import friendly

_ = translator(__file__)  # this plugin's words first


@click.group("marketing")
def marketing() -> None:
    """Campaigns: leads import, budget approval, status, call lists."""


@marketing.command("import-leads")
@click.argument("campaign")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row; write nothing")
@click.pass_context
@friendly
def import_leads_command(
    click_ctx: click.Context, campaign: str, path: Path, dry_run: bool
) -> None:
    """Import a CSV of customers (core columns) as leads of CAMPAIGN into the pool."""
    from plugins.marketing.services.leads import import_leads

    result = import_leads(_ctx(click_ctx), campaign, path, dry_run=dry_run)
    done = (
        plural(result.rows, "{n} lead of {campaign} checked", "{n} leads of {campaign} checked", _)
        if dry_run
        else plural(
            result.rows, "{n} lead of {campaign} imported", "{n} leads of {campaign} imported", _
        )
    )
    click.echo(done.format(n=result.rows, campaign=campaign))


@marketing.command("decide")
@click.argument("campaign")
@click.option("--reject", "note", default=None, help="Reject, with this reason")
@click.pass_context
@friendly
def decide_command(click_ctx: click.Context, campaign: str, note: str | None) -> None:
    """Approve (or --reject) the submitted budget of CAMPAIGN."""
    from plugins.marketing.services import campaigns

    ctx = _ctx(click_ctx)
    row = campaigns.find_campaign(ctx, campaign)
    row = campaigns.decide_budget(ctx, row.id, note is None, note or "", row.version)
    click.echo(f"{row.code}: budget {row.budget_status}")


@marketing.command("status")
@click.argument("campaign")
@click.argument("to_status", type=click.Choice(["running", "finished", "evaluated"]))
@click.pass_context
@friendly
def status_command(click_ctx: click.Context, campaign: str, to_status: str) -> None:
    """Move CAMPAIGN to TO_STATUS (planned -> running -> finished -> evaluated)."""
    from plugins.marketing.services import campaigns

    ctx = _ctx(click_ctx)
    row = campaigns.find_campaign(ctx, campaign)
    click.echo(f"{row.code}: {campaigns.set_status(ctx, row.id, to_status, row.version).status}")


@marketing.command("call-list")
@click.option("--segment", default="", help="Segment code")
@click.option("--campaign", default="", help="Campaign code: its audience")
@click.option(
    "--format", "exporter_id", default="csv", show_default=True, help="Exporter id (csv, xlsx, ...)"
)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True)
@click.pass_context
@friendly
def call_list_command(
    click_ctx: click.Context, segment: str, campaign: str, exporter_id: str, output: Path
) -> None:
    """Export the call list of a segment or of a campaign's audience."""
    from plugins.marketing.services.segments import export_call_list

    written = export_call_list(
        _ctx(click_ctx), exporter_id, output, segment=segment, campaign=campaign
    )
    click.echo(_("written: {path}").format(path=written))


COMMANDS = [marketing]
