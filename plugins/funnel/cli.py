"""``salesdesk funnel ...``: the lead pool (import, assign, reclaim from cron, reassign),
handover, the due list and funnel settings, for scripts and cron.

Exit codes: 0 done, 1 refused or failed (the message says why), 2 bad usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from core.i18n import plural, translator
from core.plugin_cli import acting_context as _ctx
from core.plugin_cli import friendly

_ = translator(__file__)  # this plugin's words first


@click.group("funnel")
def funnel() -> None:
    """Lead pool, escalation ladder, handover, due list and funnel settings."""


@funnel.command("reclaim")
@click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing")
@click.pass_context
@friendly
def reclaim_command(click_ctx: click.Context, dry_run: bool) -> None:
    """Run the escalation ladder: remind, tell the manager, return idle leads to the pool.

    Safe to run from cron as often as you like: a second run changes nothing."""
    from plugins.funnel.services.pool import reclaim

    actions = reclaim(_ctx(click_ctx), dry_run=dry_run)
    for a in actions:
        click.echo(
            f"{a.action}\t{a.code}\t{a.name}\towner={a.owner}\tmanager={a.manager}"
            f"\tidle={a.idle_days}d"
        )
    counts = {k: sum(a.action == k for a in actions) for k in ("remind", "manager", "reclaim")}
    done = (
        _("would: remind {remind}, tell manager {manager}, reclaim {reclaim}")
        if dry_run
        else _("did: remind {remind}, tell manager {manager}, reclaim {reclaim}")
    )
    click.echo(done.format(**counts))


@funnel.command("assign")
@click.option("--dry-run", is_flag=True, help="Show who would get which lead")
@click.pass_context
@friendly
def assign_command(click_ctx: click.Context, dry_run: bool) -> None:
    """Hand the pool's leads to reps by the assignment rules (round robin, cap)."""
    from plugins.funnel.services.pool import auto_assign

    _print_assignments(auto_assign(_ctx(click_ctx), dry_run=dry_run), dry_run)


def _print_assignments(rows: list[Any], dry_run: bool) -> None:
    for a in rows:
        click.echo(f"{a.code}\t{a.name}\t{a.to or '(pool)'}\t{a.rule or ''}\t{a.why}")
    given = sum(1 for a in rows if a.to)
    done = (
        _("would assign {given} of {n} lead(s)")
        if dry_run
        else _("assigned {given} of {n} lead(s)")
    )
    click.echo(done.format(given=given, n=len(rows)))


@funnel.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing")
@click.option("--no-assign", is_flag=True, help="Leave the imported leads in the pool")
@click.pass_context
@friendly
def import_command(click_ctx: click.Context, path: str, dry_run: bool, no_assign: bool) -> None:
    """Import leads (CSV or xlsx, customer columns, no owner) into the pool."""
    from plugins.funnel.services.leads import import_leads

    result = import_leads(_ctx(click_ctx), Path(path), dry_run=dry_run, assign=not no_assign)
    done = (
        _("checked {n} lead(s) from {file}") if dry_run else _("imported {n} lead(s) from {file}")
    )
    click.echo(done.format(n=result.rows, file=Path(path).name))
    if result.assignments:
        _print_assignments(result.assignments, dry_run)


@funnel.command("reassign")
@click.argument("codes", nargs=-1, required=True)
@click.option("--to", "to_login", required=True, help="Login of the new owner")
@click.option("--reason", default="", help="Why (kept in the lead log)")
@click.pass_context
@friendly
def reassign_command(
    click_ctx: click.Context, codes: tuple[str, ...], to_login: str, reason: str
) -> None:
    """Give customers (by code) and their open deals to one rep, all or nothing."""
    from plugins.funnel.services.leads import ids_for_codes
    from plugins.funnel.services.pool import reassign

    ctx = _ctx(click_ctx)
    changed = reassign(ctx, ids_for_codes(ctx, list(codes)), to_login, reason)
    click.echo(_("reassigned {n} customer(s) to {login}").format(n=changed, login=to_login))


@funnel.command("handover")
@click.argument("leaving")
@click.option(
    "--to", "successors", multiple=True, required=True, help="Successor login (repeat for several)"
)
@click.option("--preview", is_flag=True, help="Show what would move; change nothing")
@click.option("--note", default="", help="Kept with the handover")
@click.pass_context
@friendly
def handover_command(
    click_ctx: click.Context, leaving: str, successors: tuple[str, ...], preview: bool, note: str
) -> None:
    """Hand a leaving rep's customers, open deals, follow-ups and targets to successors."""
    from plugins.funnel.services import handover

    ctx = _ctx(click_ctx)
    plan = handover.preview(ctx, leaving, list(successors))
    click.echo(
        _(
            "customers {customers}, open deals {deals}, open follow-ups {follow_ups}, "
            "target months {targets}"
        ).format(
            customers=len(plan.customers),
            deals=len(plan.deals),
            follow_ups=len(plan.follow_ups),
            targets=len(plan.targets),
        )
    )
    for did, title, cust, to, contacts in plan.closing:
        click.echo(
            _("about to close: #{id} {title} ({customer}) -> {to}; contacts: {contacts}").format(
                id=did, title=title, customer=cust, to=to, contacts=contacts
            )
        )
    if preview:
        return
    record = handover.hand_over(ctx, leaving, list(successors), note=note)
    click.echo(
        _("handover {id} done: report with '{command}'").format(
            id=record.id, command=f"salesdesk report run funnel.handover -p handover={record.id}"
        )
    )


@funnel.command("due")
@click.option("--owner", default=None, help="Only this owner's items")
@click.pass_context
@friendly
def due_command(click_ctx: click.Context, owner: str | None) -> None:
    """Stalled deals, overdue follow-ups, visits past their interval, idle leads."""
    from plugins.funnel.services.due import due_list

    items = due_list(_ctx(click_ctx), owner)
    for i in items:
        click.echo(
            f"{i.kind}\t{i.customer}\t{i.owner}\t{i.manager}\t{i.subject}\t{i.due}\t{i.days_over}"
        )
    click.echo(_("{n} item(s) due").format(n=len(items)))


@funnel.command("set-stage")
@click.argument("funnel_id")
@click.argument("stage")
@click.option("--probability", default=None, help="Win probability, 0..1")
@click.option("--max-days", type=int, default=None, help="Days before a deal is stalled")
@click.option("--visit-days", type=int, default=None, help="Visit every N days")
@click.option("--respond-hours", type=int, default=None, help="Respond within H hours")
@click.pass_context
@friendly
def set_stage_command(
    click_ctx: click.Context,
    funnel_id: str,
    stage: str,
    probability: str | None,
    max_days: int | None,
    visit_days: int | None,
    respond_hours: int | None,
) -> None:
    """Adjust one stage of a funnel in the company settings (no code)."""
    from plugins.funnel.services.funnels import current_overrides, set_override

    ctx = _ctx(click_ctx)
    override = current_overrides(ctx).get(funnel_id, {})
    values = override.setdefault("stages", {}).setdefault(stage, {})
    for key, value in (
        ("probability", probability),
        ("max_days", max_days),
        ("visit_every_days", visit_days),
        ("respond_within_hours", respond_hours),
    ):
        if value is not None:
            values[key] = value
    changed = set_override(ctx, funnel_id, override)
    s = changed.stage(stage)
    click.echo(
        f"{funnel_id}.{stage}: probability {s.probability}, max days {s.max_days}, "
        f"visit every {s.visit_every_days} days, respond within "
        f"{s.respond_within_hours} h"
    )


@funnel.command("remove-stage")
@click.argument("funnel_id")
@click.argument("stage")
@click.option("--map-to", default=None, help="Stage that takes the stage's open deals")
@click.pass_context
@friendly
def remove_stage_command(
    click_ctx: click.Context, funnel_id: str, stage: str, map_to: str | None
) -> None:
    """Remove a stage from a funnel; its open deals must be mapped or it is refused."""
    from plugins.funnel.services.funnels import current_overrides, set_override

    ctx = _ctx(click_ctx)
    override = current_overrides(ctx).get(funnel_id, {})
    override["remove"] = sorted(set(override.get("remove", [])) | {stage})
    set_override(ctx, funnel_id, override, {stage: map_to} if map_to else None)
    click.echo(
        f"stage {stage} removed from {funnel_id}"
        + (f"; its open deals moved to {map_to}" if map_to else "")
    )


@funnel.command("check")
@click.pass_context
@friendly
def check_command(click_ctx: click.Context) -> None:
    """List open deals in stages their funnel no longer has (exit 1 when any)."""
    from plugins.funnel.services.funnels import orphans

    ctx = _ctx(click_ctx)
    ctx.plugins.funnels  # noqa: B018
    for problem in ctx.plugins.funnels.problems:
        click.echo(_("setting problem: {problem}").format(problem=problem))
    found = orphans(ctx)
    for o in found:
        hint = (
            _("move them with 'salesdesk funnel map {funnel} {stage} STAGE'")
            if o.known_funnel
            else _("their funnel is not loaded (is its plugin switched off?)")
        ).format(funnel=o.funnel, stage=o.stage)
        deals = plural(o.deals, "{n} open deal", "{n} open deals", _).format(n=o.deals)
        where = f"{o.funnel}.{o.stage}"
        click.echo(_("{where}: {deals}; {hint}").format(where=where, deals=deals, hint=hint))
    if found:
        sys.exit(1)
    click.echo(_("every open deal is in a stage of a loaded funnel"))


@funnel.command("map")
@click.argument("funnel_id")
@click.argument("from_stage")
@click.argument("to_stage")
@click.pass_context
@friendly
def map_command(click_ctx: click.Context, funnel_id: str, from_stage: str, to_stage: str) -> None:
    """Move open deals out of a stage their funnel no longer has."""
    from plugins.funnel.services.funnels import map_orphans

    moved = map_orphans(_ctx(click_ctx), funnel_id, from_stage, to_stage)
    click.echo(
        _("moved {n} deal(s) from {from_stage} to {to_stage}").format(
            n=moved, from_stage=from_stage, to_stage=to_stage
        )
    )


@funnel.command("rules")
@click.argument("path", type=click.Path(exists=True, dir_okay=False), required=False)
@click.option(
    "--reclaim",
    "reclaim_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="JSON file with the escalation ladder (funnel.reclaim)",
)
@click.pass_context
@friendly
def rules_command(click_ctx: click.Context, path: str | None, reclaim_file: str | None) -> None:
    """Show, or set from a JSON file, the assignment rules and the reclaim ladder."""
    from core.company import get_setting
    from plugins.funnel.services.leads import set_reclaim_policy, set_rules
    from plugins.funnel.services.policy import RECLAIM_KEY, RULES_KEY

    ctx = _ctx(click_ctx)
    if path:
        set_rules(ctx, _json(path))
    if reclaim_file:
        set_reclaim_policy(ctx, _json(reclaim_file))
    with ctx.reading() as session:
        shown = {
            RULES_KEY: get_setting(session, RULES_KEY, []),
            RECLAIM_KEY: get_setting(session, RECLAIM_KEY, {}),
        }
    click.echo(json.dumps(shown, ensure_ascii=False, indent=2))


def _json(path: str) -> Any:
    from core.errors import FieldProblem, ValidationFailed

    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError:
        problem = FieldProblem(
            "file", path, "a file that exists and that you may read", title="Rules file"
        )
    except json.JSONDecodeError as exc:  # where it breaks, not the parser's English
        problem = FieldProblem(
            "file",
            path,
            "a JSON file: the text at line {line}, column {column} is not valid JSON",
            args={"line": exc.lineno, "column": exc.colno},
            title="Rules file",
        )
    except ValueError:  # not UTF-8
        problem = FieldProblem("file", path, "a JSON file saved as UTF-8 text", title="Rules file")
    raise ValidationFailed([problem], "funnel rules")
