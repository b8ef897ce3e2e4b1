"""Import: sales lines, customers, products, receipts, regions, channels or users from a
CSV or xlsx file, all or nothing, through ``core.services.importing.import_file`` (the
kinds of ``salesdesk import``). The import runs in a worker thread with a progress bar;
``k`` cancels it (nothing is written). Every bad row is listed with its row, column,
value and what was expected."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Checkbox, DataTable, Input, ProgressBar, Select, Static
from textual.worker import get_current_worker

from core.errors import SalesdeskError
from core.i18n import _, plural
from tui.base import BaseScreen, report_error
from tui.widgets.tickbox import TickBox


def _kinds(grant: Any = None) -> list[tuple[str, str]]:
    """What may be imported, as the CLI's ``salesdesk import`` offers it; with ``grant``
    only the kinds its holder may import."""
    from core.services.importing import PERMISSIONS

    kinds = [
        (_("Sales lines"), "sales_lines"),
        (_("Customers"), "customers"),
        (_("Products"), "products"),
        (_("Receipts"), "receipts"),
        (_("Regions"), "regions"),
        (_("Channels"), "channels"),
        (_("Users"), "users"),
    ]
    return [
        (title, kind)
        for title, kind in kinds
        if grant is None or all(grant.has(p) for p in PERMISSIONS[kind])
    ]


def column_text(column: str) -> str:
    """A problem's column by its business name in the reader's language ("Customer
    code", 客户编码, for customer_code); a column the import does not know as the file
    names it; a problem of a whole row says so."""
    from core.errors import field_title
    from core.i18n import catalog
    from core.services.import_rows import ROW

    if column == ROW:
        return _("(whole row)")
    words = column.removesuffix("_id").replace("_", " ")
    if words[:1].upper() + words[1:] in catalog("zh_CN"):  # a field with a business name
        return field_title(column)
    return column


def _problem_columns() -> list[tuple[str, str]]:
    return [
        ("row", _("Row")),
        ("column", _("Column")),
        ("value", _("Value")),
        ("expected", _("Expected")),
    ]


class ImportScreen(BaseScreen):
    TITLE_EN = "Import"
    DEFAULT_CSS = """
    ImportScreen #import-about { height: auto; padding: 0 1; color: $text-muted; }
    ImportScreen #import-form { height: auto; padding: 0 1; }
    ImportScreen #import-kind { width: 20; }
    ImportScreen #import-path { width: 1fr; }
    ImportScreen #import-check { width: auto; }
    ImportScreen #import-progress { height: 1; padding: 0 1; }
    ImportScreen #import-status { height: auto; padding: 0 1; }
    ImportScreen #import-status.-error { color: $error; }
    ImportScreen #import-problems { height: 1fr; }
    """
    BINDINGS = [
        Binding("ctrl+r", "start", "Import", id="import.start", priority=True),
        Binding("k", "cancel_import", "Cancel import", id="import.cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self.cancel = threading.Event()

    def body(self) -> ComposeResult:
        yield Static(
            _(
                "A CSV or xlsx file is imported all or nothing: every bad row is "
                "listed and nothing is written until the whole file is right. "
                "Ctrl+R starts; tick 'Check only' to validate without writing."
            ),
            id="import-about",
        )
        with Horizontal(id="import-form"):
            kinds = _kinds(self.ctx.grant) or _kinds()
            yield Select(
                kinds, value=kinds[0][1], allow_blank=False, id="import-kind", compact=True
            )
            yield Input(placeholder=_("File path (.csv or .xlsx)"), id="import-path", compact=True)
            yield TickBox(_("Check only"), id="import-check", compact=True)
        yield ProgressBar(total=100, show_eta=False, id="import-progress")
        yield Static("", id="import-status")
        problems: DataTable[Any] = DataTable(
            cursor_type="row", zebra_stripes=True, id="import-problems"
        )
        yield problems

    def on_mount(self) -> None:
        table = self.query_one("#import-problems", DataTable)
        for key, title in _problem_columns():
            table.add_column(title, key=key)
        self.query_one("#import-path", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_import":
            return self.running  # shown only while an import runs
        if action == "start":
            return not self.running
        return super().check_action(action, parameters)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_start()

    # -- running --------------------------------------------------------------------------

    def action_start(self) -> None:
        raw = self.query_one("#import-path", Input).value.strip()
        if self.running:
            return
        if not raw:
            self._status(_("Type the path of the file to import."), error=True)
            return
        from core.served import user_path

        try:  # over SSH: only a file of the user's own folder on the server
            path = user_path(raw)
        except SalesdeskError as exc:
            self._status(str(exc), error=True)
            return
        kind = str(self.query_one("#import-kind", Select).value)
        dry_run = self.query_one("#import-check", Checkbox).value
        self.query_one("#import-problems", DataTable).clear()
        self._set_running(True)
        self._status(_("Reading {name}…").format(name=path.name))
        self._run(kind, path, dry_run)

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.cancel = threading.Event() if running else self.cancel
        for widget_id in ("#import-kind", "#import-path", "#import-check"):
            self.query_one(widget_id).disabled = running
        self.query_one("#import-progress", ProgressBar).update(total=100, progress=0)
        if running:
            self.query_one("#import-problems", DataTable).focus()  # k reaches the screen
        else:
            self.query_one("#import-path", Input).focus()
        self.refresh_bindings()

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _run(self, kind: str, path: Path, dry_run: bool) -> None:
        from core.services.importing import import_file

        worker = get_current_worker()

        def progress(done: int, total: int | None) -> None:
            if worker.is_cancelled:
                self.cancel.set()
            self.app.call_from_thread(self._progress, done, total)

        try:
            result = import_file(
                self.ctx, kind, path, dry_run=dry_run, progress=progress, cancel=self.cancel
            )
        except Exception as exc:  # shown on the screen; the worker itself never fails
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._done, result)

    def _progress(self, done: int, total: int | None) -> None:
        bar = self.query_one("#import-progress", ProgressBar)
        if total:
            bar.update(total=total, progress=min(done, total))
        self._status(_("{done} rows read").format(done=f"{done:,}"))

    def _done(self, result: Any) -> None:
        self._set_running(False)
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=max(result.rows, 1), progress=max(result.rows, 1))
        if result.dry_run:
            text = plural(
                result.rows,
                "{name}: {rows} row checked, no problems; nothing was written (check only).",
                "{name}: {rows} rows checked, no problems; nothing was written (check only).",
            )
        else:
            text = plural(
                result.rows,
                "{name}: {rows} row imported in {seconds:.1f} s.",
                "{name}: {rows} rows imported in {seconds:.1f} s.",
            )
        self._status(
            text.format(name=result.file_name, rows=f"{result.rows:,}", seconds=result.seconds)
        )

    def _failed(self, exc: BaseException) -> None:
        from core.services.importing import ImportCancelled, ImportRefused

        self._set_running(False)
        if isinstance(exc, ImportCancelled):
            self._status(_("Import cancelled; nothing was written."), error=True)
        elif isinstance(exc, ImportRefused):
            self._show_problems(exc)
        elif isinstance(exc, SalesdeskError):
            self._status(str(exc), error=True)
        else:
            self._status(_("Unexpected error (logged)"), error=True)
            report_error(self.app, exc)

    def _show_problems(self, refused: Any) -> None:
        table = self.query_one("#import-problems", DataTable)
        for problem in refused.problems:
            value = problem.value if isinstance(problem.value, str) else repr(problem.value)
            table.add_row(
                "" if problem.row is None else str(problem.row),
                column_text(problem.field),
                value[:60],
                problem.expected_text(),
            )
        shown = (
            _(" (the first {n} are listed)").format(n=len(refused.problems))
            if refused.total > len(refused.problems)
            else ""
        )
        self._status(
            _("{total} problem(s) in {rows} row(s); nothing was imported.").format(
                total=refused.total, rows=refused.bad_rows
            )
            + shown,
            error=True,
        )

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#import-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    def action_cancel_import(self) -> None:
        if self.running:
            self.cancel.set()
            self._status(_("Cancelling…"))
