"""``salesdesk report list|show|run``: reports from the shell and from cron.

``report run ID --param k=v ... [--format xlsx -o FILE]`` validates the parameters with
the report's own model, runs it under the caller's record rules and either writes it
through an exporter or prints its tables as aligned text (CJK-aware widths). Exit codes:
0 done, 1 refused or failed (the message says why), 2 bad usage. No prompts.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Any

import click
from rich.cells import cell_len

from core.errors import SalesdeskError
from core.failures import friendly
from core.i18n import _
from core.terminal import clean_cell

WIDTH_SAMPLE = 1000  # rows measured for column widths; later rows stream through


@click.group("report")
def report_group() -> None:
    """List, describe and run reports."""


def _runtime(click_ctx: click.Context) -> Any:
    from tui.cli import runtime_from  # here: tui.cli imports this module

    return runtime_from(click_ctx)


def _fail(exc: SalesdeskError) -> None:
    click.echo(f"salesdesk: {exc}", err=True)
    sys.exit(1)


def _lang(lang: str | None) -> str:
    if lang:
        return lang
    from core.i18n import current_lang

    return current_lang()


@report_group.command("list")
@click.option("--lang", type=click.Choice(["en", "zh_CN"]), default=None)
@click.pass_context
@friendly
def report_list(click_ctx: click.Context, lang: str | None) -> None:
    """Show every report of the enabled plugins; plugin problems go to stderr."""
    from core.reports import registry_errors, report_registry

    try:
        runtime = _runtime(click_ctx)
        reports = report_registry(runtime.plugins)
    except SalesdeskError as exc:
        _fail(exc)
    lang = _lang(lang)
    rows = [(r.id, getattr(r, "category", "") or "", _title(r, lang)) for r in reports.values()]
    _print_rows(("id", "category", "title"), rows, numeric=set())
    for plugin, message in registry_errors(runtime.plugins):
        click.echo(f"salesdesk: plugin {plugin}: {message}", err=True)


def _title(obj: Any, lang: str) -> str:
    zh = getattr(obj, "title_zh", "")
    return zh if lang.startswith("zh") and zh else getattr(obj, "title_en", "")


@report_group.command("show")
@click.argument("report_id")
@click.pass_context
@friendly
def report_show(click_ctx: click.Context, report_id: str) -> None:
    """Show REPORT_ID's parameters (name, type, default, description)."""
    from core.reports import get_report

    try:
        ctx = _runtime(click_ctx).context_for()
        report = get_report(ctx, report_id)
    except SalesdeskError as exc:
        _fail(exc)
    click.echo(f"{report.id}: {report.title_en} / {report.title_zh}")
    rows = []
    for name, field in report.Params.model_fields.items():
        kind = getattr(field.annotation, "__name__", None) or str(field.annotation)
        default = "" if field.is_required() else repr(field.get_default(call_default_factory=True))
        rows.append((name, kind.replace("typing.", ""), default, field.description or ""))
    _print_rows(("parameter", "type", "default", "description"), rows, numeric=set())


@report_group.command("run")
@click.argument("report_id")
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A report parameter (repeatable), e.g. --param as_of=2026-03-31.",
)
@click.option("--format", "-f", "fmt", default=None, help="Exporter id (e.g. xlsx, csv).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write with --format (- for stdout).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "zh_CN"]),
    default=None,
    help="Language of titles (default: SALESDESK_LANG / locale).",
)
@click.pass_context
@friendly
def report_run(
    click_ctx: click.Context,
    report_id: str,
    params: tuple[str, ...],
    fmt: str | None,
    output: Path | None,
    lang: str | None,
) -> None:
    """Run REPORT_ID; print it, or write it with --format FORMAT -o FILE."""
    raw = _parse_params(params)
    if output is not None and fmt is None:
        fmt = output.suffix.lstrip(".") or None
        if fmt is None:
            raise click.UsageError("give --format or an output file with a suffix")
    if fmt is not None and output is None:
        raise click.UsageError("--format needs -o FILE")
    from core.reports import run_report

    if lang is not None:  # the words a report computes (weather, done) follow --lang too
        from core.i18n import set_lang, swap_lang

        before = swap_lang(lang)
        click_ctx.call_on_close(lambda: set_lang(before))
    lang = _lang(lang)
    try:
        ctx = _runtime(click_ctx).context_for()
        result = run_report(ctx, report_id, raw)
        if fmt is None:
            _print_printing(result, lang)
            return
        from core.exports import export_report

        if str(output) == "-":
            _export_to_stdout(ctx, result, fmt, lang)
            return
        written = export_report(ctx, result, fmt, output, lang=lang)
    except SalesdeskError as exc:
        _fail(exc)
    click.echo(_("Wrote {path}").format(path=written))


def _export_to_stdout(ctx: Any, result: Any, fmt: str, lang: str) -> None:
    """``-o -``: the exported file's bytes on stdout (scripts over ``salesdesk serve``)."""
    import tempfile

    from core.exports import export_report

    with tempfile.TemporaryDirectory(prefix="salesdesk-") as folder:
        written = export_report(ctx, result, fmt, Path(folder) / f"report.{fmt}", lang=lang)
        stdout = click.get_binary_stream("stdout")
        stdout.write(Path(written).read_bytes())
        stdout.flush()


def _parse_params(items: Iterable[str]) -> dict[str, str]:
    raw: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", param_hint="--param")
        raw[name.strip()] = value.strip()
    return raw


# -- text output ----------------------------------------------------------------------------


def _print_printing(result: Any, lang: str) -> None:
    """Print ``result``; rows computed lazily that fail on the way are one sentence."""
    from core.reports import ReportFailed, log

    try:
        _print_result(result, lang)
    except SalesdeskError:
        raise
    except Exception as exc:
        log.exception("report %s failed while printing", result.report_id)
        raise ReportFailed(
            _(
                "Report '{report}' failed while its rows were printed ({kind}: {reason}); the "
                "rows above are incomplete. The plugin that provides it may need fixing"
            ).format(report=result.report_id, kind=type(exc).__name__, reason=exc)
        ) from exc


def _print_result(result: Any, lang: str) -> None:
    from core.reports import TOTAL_EN, TOTAL_ZH, ColumnKind

    click.echo(result.title(lang))
    header = [f"{k}={v}" for k, v in result.params.items() if v is not None]
    stamp = f"{result.generated_at:%Y-%m-%d %H:%M} UTC"
    click.echo("  ".join(filter(None, [result.company_name, stamp, *header])))
    for line in result.caption_lines(lang):
        click.echo(line)
    for table in result.tables:
        click.echo("")
        click.echo(table.title(lang))
        kinds = [c.kind for c in table.columns]
        numeric = {i for i, k in enumerate(kinds) if k not in (ColumnKind.TEXT, ColumnKind.DATE)}
        rows = (tuple(_text(v, kinds[i]) for i, v in enumerate(row)) for row in table.rows)
        totals = None
        if table.totals is not None:
            totals = tuple(_text(v, kinds[i]) for i, v in enumerate(table.totals))
            if totals and totals[0] == TOTAL_EN and lang.startswith("zh"):
                totals = (TOTAL_ZH, *totals[1:])
        _print_rows([c.title(lang) for c in table.columns], rows, numeric, totals)


def _text(value: Any, kind: Any) -> str:
    from core.reports import ColumnKind

    if value is None:
        return ""
    if kind == ColumnKind.PERCENT and isinstance(value, Decimal | float | int):
        return f"{Decimal(value) * 100:,.1f}%"
    if kind == ColumnKind.MONEY and isinstance(value, Decimal | float | int):
        return f"{Decimal(value):,.2f}"
    if isinstance(value, Decimal | float):
        text = f"{Decimal(value):,f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _print_rows(
    header: Iterable[str], rows: Iterable[tuple], numeric: set[int], totals: tuple | None = None
) -> None:
    header = tuple(clean_cell(h) for h in header)
    rows_iter: Iterator[tuple] = iter(rows)
    sample = list(islice(rows_iter, WIDTH_SAMPLE))
    widths = [cell_len(h) for h in header]
    for row in chain(sample, [totals] if totals else []):
        for i, value in enumerate(row):
            widths[i] = max(widths[i], cell_len(clean_cell(value)))

    def line(row: tuple) -> str:
        cells = []
        for i, value in enumerate(row):
            text = clean_cell(value)
            pad = " " * max(0, widths[i] - cell_len(text))
            cells.append(pad + text if i in numeric else text + pad)
        return "  ".join(cells).rstrip()

    click.echo(line(header))
    click.echo("  ".join("-" * w for w in widths))
    for row in chain(sample, rows_iter):
        click.echo(line(row))
    if totals:
        click.echo("  ".join("-" * w for w in widths))
        click.echo(line(totals))
