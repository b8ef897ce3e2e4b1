"""``salesdesk forecast`` and ``salesdesk targets allocate|adjust|revise|approve|show``."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from typing import Any

import click

from core.i18n import translator
from core.plugin_cli import acting_context as _ctx
from core.plugin_cli import friendly

_ = translator(__file__)  # this plugin's words first


def _export(ctx: Any, report_id: str, params: dict[str, Any], path: str) -> None:
    from core.exports import export_report
    from core.reports import run_report

    written = export_report(ctx, run_report(ctx, report_id, params), "xlsx", path)
    click.echo(_("written: {path}").format(path=written))


@click.command("forecast")
@click.option(
    "--by",
    default="company",
    show_default=True,
    help="company, or a comma list of product, region, channel, rep",
)
@click.option("--horizon", default=12, show_default=True, type=int, help="Periods ahead")
@click.option(
    "--method",
    default="auto",
    show_default=True,
    help="auto (backtest per series) or a method id (see --list-methods)",
)
@click.option("--freq", default="month", show_default=True, type=click.Choice(["month", "week"]))
@click.option(
    "--reconcile",
    default=None,
    type=click.Choice(["bottom_up", "top_down"]),
    help="How the cut adds up to the company (default: setting forecast.reconcile, else bottom_up)",
)
@click.option("--processes", default=None, type=int, help="Worker processes (default: cores)")
@click.option(
    "--xlsx",
    "xlsx",
    default=None,
    type=click.Path(dir_okay=False),
    help="Also write the company forecast and every series' method to xlsx",
)
@click.option("--list-methods", is_flag=True, help="List the forecasting methods and exit")
@click.pass_context
@friendly
def forecast_command(
    click_ctx: click.Context,
    by: str,
    horizon: int,
    method: str,
    freq: str,
    reconcile: str | None,
    processes: int | None,
    xlsx: str | None,
    list_methods: bool,
) -> None:
    """Forecast sales by a cut, store the run, print a summary."""
    from plugins.forecast.services.forecasting import method_registry, run_forecast

    ctx = _ctx(click_ctx)
    if list_methods:
        for m in method_registry(ctx).values():
            click.echo(f"{m.id}\t{m.title}")
        return
    bar: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = click.progressbar(length=total, label="forecasting", file=sys.stderr)
            bar["bar"].__enter__()
            bar["done"] = 0
        bar["bar"].update(done - bar["done"])
        bar["done"] = done

    try:
        summary = run_forecast(
            ctx,
            by,
            horizon=horizon,
            method=method,
            freq=freq,
            processes=processes,
            progress=progress,
            reconcile_how=reconcile,
        )
    finally:
        if "bar" in bar:
            bar["bar"].__exit__(None, None, None)
    used = ", ".join(f"{k} {v}" for k, v in sorted(summary.methods.items()))
    click.echo(
        f"forecast run {summary.run_id}: {summary.series} series in "
        f"{summary.seconds:.1f} s; methods: {used}; short series: {summary.short}"
    )
    click.echo(
        _("see it: {command}").format(
            command=f"salesdesk report run forecast -p run={summary.run_id}"
        )
    )
    if xlsx:
        _export(ctx, "forecast", {"run": summary.run_id}, xlsx)


@click.group("targets")
def targets_group() -> None:
    """Target allocation (指标分摊): allocate, adjust, revise, approve, show."""


@targets_group.command("allocate")
@click.option(
    "--period",
    "period_kind",
    default="year",
    show_default=True,
    type=click.Choice(["year", "quarter", "month"]),
)
@click.option(
    "--start",
    "start",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Any day in the period, e.g. 2026-01-01",
)
@click.option(
    "--by", "dimension", required=True, type=click.Choice(["product", "region", "channel", "rep"])
)
@click.option("--total", required=True, help="Total target of the period (money)")
@click.option(
    "--basis",
    default="ytd",
    show_default=True,
    type=click.Choice(["mtd", "qtd", "ytd", "forecast"]),
    help="Share of sales MTD/QTD/YTD, or of a forecast of the period",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Date the MTD/QTD/YTD basis runs to (default: today)",
)
@click.option("--note", default="")
@click.pass_context
@friendly
def allocate_command(
    click_ctx: click.Context,
    period_kind: str,
    start: dt.datetime,
    dimension: str,
    total: str,
    basis: str,
    as_of: dt.datetime | None,
    note: str,
) -> None:
    """Draft an allocation of a total target by share of sales."""
    from plugins.forecast.services.targets import create_allocation

    ctx = _ctx(click_ctx)
    view = create_allocation(
        ctx,
        period_kind=period_kind,
        period_start=start.date(),
        dimension=dimension,
        total=total,
        basis=basis,
        as_of=as_of.date() if as_of else None,
        note=note,
    )
    _print(view)


@targets_group.command("adjust")
@click.argument("allocation_id", type=int)
@click.argument("changes", nargs=-1, required=True)
@click.pass_context
@friendly
def adjust_command(click_ctx: click.Context, allocation_id: int, changes: tuple[str, ...]) -> None:
    """Set adjustments as CODE=PCT (e.g. N=+10 S=-5); the rest is rebalanced."""
    from core.errors import FieldProblem, ValidationFailed
    from plugins.forecast.services.targets import get_allocation, set_adjustments

    ctx = _ctx(click_ctx)
    view = get_allocation(ctx, allocation_id)
    by_code = {ln.code: ln.key_id for ln in view.lines}
    pcts: dict[int, Decimal] = {}
    problems = []
    for change in changes:
        code, _sep, pct = change.partition("=")
        try:
            pcts[by_code[code]] = Decimal(pct)
        except (KeyError, ArithmeticError):
            problems.append(
                FieldProblem("change", change, "CODE=PCT with a code of this allocation")
            )
    if problems:
        raise ValidationFailed(problems, f"allocation {allocation_id}")
    _print(set_adjustments(ctx, allocation_id, pcts, view.allocation.version))


@targets_group.command("revise")
@click.argument("allocation_id", type=int)
@click.option("--total", default=None, help="New total (default: the same)")
@click.option("--note", default="")
@click.pass_context
@friendly
def revise_command(
    click_ctx: click.Context, allocation_id: int, total: str | None, note: str
) -> None:
    """Start a new draft revision from an allocation (its history stays)."""
    from plugins.forecast.services.targets import revise_allocation

    _print(revise_allocation(_ctx(click_ctx), allocation_id, total, note))


@targets_group.command("approve")
@click.argument("allocation_id", type=int)
@click.option(
    "--phasing",
    default=None,
    type=click.Choice(["seasonal", "forecast", "flat"]),
    help="How the months share each target: last year's monthly shares "
    "(default), the forecast's seasonal profile, or flat",
)
@click.pass_context
@friendly
def approve_command(click_ctx: click.Context, allocation_id: int, phasing: str | None) -> None:
    """Approve a draft (a manager who did not draft it): it becomes the official targets."""
    from plugins.forecast.services.targets import approve_allocation, get_allocation

    ctx = _ctx(click_ctx)
    view = get_allocation(ctx, allocation_id)
    _print(approve_allocation(ctx, allocation_id, view.allocation.version, phasing))


@targets_group.command("show")
@click.argument("allocation_id", type=int, required=False)
@click.option("--xlsx", "xlsx", default=None, type=click.Path(dir_okay=False))
@click.pass_context
@friendly
def show_command(click_ctx: click.Context, allocation_id: int | None, xlsx: str | None) -> None:
    """List allocations, or show one with its lines."""
    from plugins.forecast.services.targets import get_allocation, list_allocations

    ctx = _ctx(click_ctx)
    if allocation_id is None:
        for a in list_allocations(ctx):
            click.echo(
                f"{a.id}\t{a.period_kind} {a.period_start}\t{a.dimension}\t"
                f"r{a.revision}\t{a.status}\t{a.total:,.2f}\t{a.basis}"
            )
        return
    _print(get_allocation(ctx, allocation_id))
    if xlsx:
        _export(ctx, "target_allocation", {"allocation": allocation_id}, xlsx)


def _print(view: Any) -> None:
    a = view.allocation
    click.echo(
        f"allocation {a.id}: {a.period_kind} {a.period_start}..{a.period_end} by "
        f"{a.dimension}, revision {a.revision}, {a.status}, total {a.total:,.2f} "
        f"(basis {a.basis} to {a.basis_as_of})"
    )
    for ln in view.lines:
        click.echo(
            f"  {ln.code}\t{ln.label}\tbasis {ln.basis_amount:,.2f}\t"
            f"share {ln.share * 100:.2f}%\tadj {ln.adjustment_pct:+.2f}%\t"
            f"{ln.amount:,.2f}"
        )
    click.echo(f"  total\t{sum(ln.amount for ln in view.lines):,.2f}")


@click.command("forecast-override")
@click.argument("run_id", type=int)
@click.argument("series")
@click.argument("changes", nargs=-1, required=True)
@click.option("--reason", required=True, help="Why the forecast is changed (kept and audited)")
@click.pass_context
@friendly
def override_command(
    click_ctx: click.Context, run_id: int, series: str, changes: tuple[str, ...], reason: str
) -> None:
    """Replace a stored forecast for some months, as YYYY-MM=AMOUNT (e.g. 2026-04=90000);
    SERIES is the series code as listed by the forecast report ("" for the company).
    Whether the overrides helped: salesdesk report run forecast_value_added -p run=ID."""
    from core.errors import FieldProblem, ValidationFailed
    from plugins.forecast.services.overrides import override_forecast

    parsed: dict[dt.date, Decimal] = {}
    problems = []
    for change in changes:
        month, _sep, amount = change.partition("=")
        try:
            parsed[dt.date.fromisoformat(f"{month}-01")] = Decimal(amount)
        except (ValueError, ArithmeticError):
            problems.append(FieldProblem("change", change, "YYYY-MM=AMOUNT"))
    if problems:
        raise ValidationFailed(problems, "forecast override")
    rows = override_forecast(_ctx(click_ctx), run_id, series, parsed, reason)
    for row in rows:
        click.echo(f"{row.period:%Y-%m}\tstatistical {row.statistical}\tfinal {row.final}")


COMMANDS = (forecast_command, override_command, targets_group)
