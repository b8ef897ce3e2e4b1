"""The exporter contract: how a report result becomes a file.

An exporter has an id (what ``--format`` names), titles in both languages, a file suffix
and ``write(result, path, *, lang, progress, cancel) -> Path`` (a printed format may also
take ``signoff``: who prepared it and when). Exporters come from the
``salesdesk_exporters`` hook of every enabled plugin (xlsx, csv, html and pdf are the
built-in ``exporters`` plugin). ``export_report`` is what the CLI and the TUI call: it checks the
reader may run reports, writes into a scratch folder beside the target and only renames
the finished files into place, so a cancelled or failed export leaves no half file.

Exported text is neutralised against spreadsheet formula injection (a cell starting with
``=``, ``+``, ``-``, ``@``, tab or carriage return would run as a formula when opened or
edited): ``safe_text`` prefixes an apostrophe for text formats; the xlsx exporter keeps
the text as it is in a string cell with ``quotePrefix`` so it round-trips as text.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from core.errors import NotFound, SalesdeskError
from core.i18n import _, listed, pick

if TYPE_CHECKING:
    from core.context import Context
    from core.plugins import PluginManager
    from core.reports import ReportResult

log = logging.getLogger("salesdesk.exports")
HOOK = "salesdesk_exporters"

ProgressFn = Callable[[int, "int | None"], None]  # (rows written, rows in all or None)
CancelFn = Callable[[], bool]  # True once the user asked to stop
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Signoff:
    """Who prepared a printed form and on which day (the acting user, the context's
    clock). Given to exporters whose ``write`` takes a ``signoff`` keyword."""

    prepared_by: str
    date: dt.date


class ExportCancelled(SalesdeskError):
    """The user stopped the export; nothing was left behind."""


class ExportFailed(SalesdeskError):
    """An exporter raised something unexpected; the traceback is in the log."""


@runtime_checkable
class Exporter(Protocol):
    """What a plugin contributes through ``salesdesk_exporters``.

    ``write`` must write ``path`` (and, for formats with one file per table, siblings in
    the same folder), call ``progress(rows_done, rows_total_or_None)`` now and then, call
    ``check_cancel(cancel)`` as often, and return the main file's path.
    """

    id: str
    title_en: str
    title_zh: str
    suffix: str

    def write(
        self,
        result: ReportResult,
        path: Path,
        *,
        lang: str = "en",
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> Path: ...


# ---------------------------------------------------------------------------------------
# Formula injection
# ---------------------------------------------------------------------------------------


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet treat ``text`` as a formula (or its start)?"""
    return bool(text) and text.startswith(FORMULA_TRIGGERS)


def safe_text(value: Any) -> str:
    """``value`` as text a spreadsheet will not evaluate: formula-like text gets a
    leading apostrophe (Excel and LibreOffice show it as text)."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula_like(text) else text


# ---------------------------------------------------------------------------------------
# Progress and cancelling
# ---------------------------------------------------------------------------------------


def check_cancel(cancel: CancelFn | Any | None) -> None:
    """Raise ExportCancelled when ``cancel`` (a callable or a threading.Event) says so."""
    if cancel is None:
        return
    stop = cancel.is_set() if hasattr(cancel, "is_set") else cancel()
    if stop:
        raise ExportCancelled(_("Export cancelled; no file was written."))


class Ticker:
    """Counts rows; every ``every`` rows reports progress and checks for cancel."""

    def __init__(
        self,
        progress: ProgressFn | None,
        cancel: CancelFn | None,
        total: int | None,
        every: int = 5000,
    ) -> None:
        self.progress, self.cancel, self.total, self.every = progress, cancel, total, every
        self.done = 0
        self._next = every

    def add(self, rows: int = 1) -> None:
        self.done += rows
        if self.done >= self._next:
            self._next = self.done + self.every
            self.tick()

    def tick(self) -> None:
        check_cancel(self.cancel)
        if self.progress is not None:
            self.progress(self.done, self.total)


def total_rows(result: ReportResult) -> int | None:
    """Rows in all tables, when every table knows its count."""
    counts = [t.row_count for t in result.tables]
    return None if any(c is None for c in counts) else sum(c or 0 for c in counts)


# ---------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------


def shape_problems(exporter: object) -> list[str]:
    """Why ``exporter`` cannot be used (empty when it can)."""
    problems = [
        f"missing '{name}'"
        for name in ("id", "title_en", "suffix")
        if not isinstance(getattr(exporter, name, None), str) or not getattr(exporter, name)
    ]
    exporter_id = getattr(exporter, "id", None)
    if isinstance(exporter_id, str) and exporter_id and not ID_PATTERN.match(exporter_id):
        problems.append(f"id '{exporter_id}' must be lower-case letters, digits, - or _")
    suffix = getattr(exporter, "suffix", None)
    if isinstance(suffix, str) and suffix and not suffix.startswith("."):
        problems.append(f"suffix '{suffix}' must start with a dot")
    if not callable(getattr(exporter, "write", None)):
        problems.append("'write' must be callable")
    return problems


def exporter_registry(plugins: PluginManager) -> dict[str, Exporter]:
    """Every valid exporter of the enabled plugins by id, in registration order.

    A bad contribution (wrong shape, duplicate id) is recorded on its plugin, so
    ``salesdesk plugins list`` shows it, and left out; the other exporters stay.
    """
    return plugins.keyed_contributions(HOOK, "exporter", shape_problems)


def get_exporter(plugins: PluginManager, exporter_id: str) -> Exporter:
    exporters = exporter_registry(plugins)
    if exporter_id not in exporters:
        if not exporters:
            raise NotFound(
                _(
                    "There is no export format '{format}': no enabled plugin provides one "
                    "(is the plugin 'exporters' enabled?)."
                ).format(format=exporter_id)
            )
        raise NotFound(
            _("There is no export format '{format}'; the formats are: {known}.").format(
                format=exporter_id, known=listed(exporters)
            )
        )
    return exporters[exporter_id]


# ---------------------------------------------------------------------------------------
# Exporting
# ---------------------------------------------------------------------------------------


def target_path(path: Path | str, exporter: Exporter, result: ReportResult) -> Path:
    """Where the file goes: ``path`` itself, or ``<report id><suffix>`` inside a folder;
    a name without a suffix gets the exporter's."""
    target = Path(path).expanduser()
    if target.is_dir():
        return target / f"{result.report_id}{exporter.suffix}"
    return target if target.suffix else target.with_suffix(exporter.suffix)


def export_report(
    ctx: Context,
    result: ReportResult,
    exporter_id: str,
    path: Path | str,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    lang: str | None = None,
) -> Path:
    """Write ``result`` with exporter ``exporter_id``; return the main file written.

    Refuses a reader without ``report.run``. The exporter writes into a scratch folder in
    the target's folder; the files are renamed into place only when it finished, so a
    cancel or a failure leaves nothing behind (and an older file of the same name stays).
    """
    from core.reports import require_reports

    require_reports(ctx)
    exporter = get_exporter(ctx.plugins, exporter_id)
    if lang is None:
        from core.i18n import current_lang

        lang = current_lang()
    final = target_path(path, exporter, result)
    if not final.parent.is_dir():
        raise NotFound(
            _("Cannot export to {path}: the folder {folder} does not exist.").format(
                path=final, folder=final.parent
            )
        )
    scratch = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent))
    try:
        signoff = Signoff(ctx.actor.display_name or ctx.actor.login, ctx.today())
        written = _write(exporter, result, scratch / final.name, lang, progress, cancel, signoff)
        check_cancel(cancel)
        return _move_into_place(scratch, final.parent, written)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def takes_signoff(exporter: Exporter) -> bool:
    try:
        return "signoff" in inspect.signature(exporter.write).parameters
    except (TypeError, ValueError):
        return False


def _write(
    exporter: Exporter,
    result: ReportResult,
    path: Path,
    lang: str,
    progress: ProgressFn | None,
    cancel: CancelFn | None,
    signoff: Signoff,
) -> Path:
    extra = {"signoff": signoff} if takes_signoff(exporter) else {}
    try:
        written = Path(
            exporter.write(result, path, lang=lang, progress=progress, cancel=cancel, **extra)
        )
    except SalesdeskError:
        raise
    except OSError as exc:
        raise ExportFailed(
            _("Could not write {file}: {reason}").format(file=path.name, reason=exc.strerror or exc)
        ) from exc
    except Exception as exc:
        log.exception("exporter %s failed", exporter.id)
        raise ExportFailed(
            _("Export as {format} failed (the details are in the log): {detail}").format(
                format=_format_title(exporter), detail=f"{type(exc).__name__}: {exc}"
            )
        ) from exc
    if written.parent != path.parent or not written.is_file():
        raise ExportFailed(
            _(
                "Export as {format} did not write {file}; the plugin that provides it may "
                "need fixing."
            ).format(format=_format_title(exporter), file=path.name)
        )
    return written


def _format_title(exporter: Exporter) -> str:
    """An export format as the reader picks it ("Excel workbook (.xlsx)")."""
    return pick(exporter.title_en, getattr(exporter, "title_zh", "") or "")


def _move_into_place(scratch: Path, folder: Path, main: Path) -> Path:
    """Rename every finished file (not the exporter's hidden scratch files) into place."""
    for item in sorted(scratch.iterdir()):
        if item.is_file() and not item.name.startswith("."):
            item.replace(folder / item.name)
    return folder / main.name
