"""Reports: every report of the enabled plugins, a parameter form built from the
report's Params model, a preview (table and chart), drill-down and export."""

from __future__ import annotations

import datetime as dt
import enum
import typing
from typing import Any

import pydantic
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core.errors import ValidationFailed
from core.i18n import _, pick
from tui.base import BaseScreen
from tui.widgets.form import FieldSpec, FormFields


def available_reports(ctx: Any) -> list[Any]:
    from core.reports import report_registry

    return list(report_registry(ctx.plugins).values())


def param_specs(model: type[pydantic.BaseModel]) -> tuple[list[FieldSpec], dict[str, Any]]:
    """One form field per parameter: a Select for enums, literals and booleans."""
    specs, values = [], {}
    for name, info in model.model_fields.items():
        title = info.title or name.replace("_", " ").capitalize()
        choices = _choices(info.annotation)
        placeholder = info.description or ""
        if _is_date(info.annotation):
            # translated here: the joined text would not be found in a catalog
            placeholder = "YYYY-MM-DD" + (f" · {_(placeholder)}" if placeholder else "")
        specs.append(FieldSpec(name, title, choices=choices, placeholder=placeholder))
        default = info.get_default(call_default_factory=True)
        if default is not None and default is not pydantic.fields.PydanticUndefined:
            values[name] = getattr(default, "value", default)
    return specs, values


def _args(annotation: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return tuple(a for a in typing.get_args(annotation) if a is not type(None))
    return (annotation,)


def _choices(annotation: Any) -> list[tuple[str, Any]] | None:
    for arg in _args(annotation):
        if isinstance(arg, type) and issubclass(arg, enum.Enum):
            return [(str(m.value), m.value) for m in arg]
        if typing.get_origin(arg) is typing.Literal:  # business words, e.g. net / gross
            return [(_(str(v)), v) for v in typing.get_args(arg)]
        if arg is bool:
            return [(_("yes"), True), (_("no"), False)]
    return None


def _is_date(annotation: Any) -> bool:
    return any(arg in (dt.date, dt.datetime) for arg in _args(annotation))


class ReportsScreen(BaseScreen):
    TITLE_EN = "Reports"
    DEFAULT_CSS = """
    ReportsScreen #reports-body { height: 1fr; }
    ReportsScreen #report-list { width: 30; height: 1fr; border: round $primary; }
    ReportsScreen #params-box { width: 1fr; height: 1fr; border: round $primary; }
    ReportsScreen #report-about { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("ctrl+r", "run", "Run", id="reports.run", priority=True),
    ]

    def __init__(self, report_id: str | None = None) -> None:
        super().__init__()
        self.report_id = report_id
        self.reports: dict[str, Any] = {}

    def body(self) -> ComposeResult:
        with Horizontal(id="reports-body"):
            listing = OptionList(id="report-list")
            listing.border_title = _("Reports")
            yield listing
            with Vertical(id="params-box") as box:
                box.border_title = _("Parameters")
                yield Static(_("Choose a report; Enter or Ctrl+R runs it."), id="report-about")
                yield Vertical(id="params")

    def on_mount(self) -> None:
        found = self.guard(available_reports, self.ctx) or []
        self.reports = {r.id: r for r in found}
        listing = self.query_one("#report-list", OptionList)
        for category in sorted({getattr(r, "category", "") for r in found}):
            for report in (r for r in found if getattr(r, "category", "") == category):
                listing.add_option(Option(pick(report.title_en, report.title_zh),
                                          id=report.id))
        if not found:
            self.query_one("#report-about", Static).update(
                _("No report is available: enable a plugin that provides reports."))
        if self.report_id in self.reports:
            wanted, self.report_id = self.report_id, None
            listing.highlighted = _index(listing, wanted)
            self._show_params(wanted)
        elif found:
            listing.highlighted = 0  # Enter runs the first report straight away
        listing.focus()

    @on(OptionList.OptionHighlighted, "#report-list")
    def _highlight(self, event: OptionList.OptionHighlighted) -> None:
        self._show_params(event.option.id or "")

    @on(OptionList.OptionSelected, "#report-list")
    def _select(self, event: OptionList.OptionSelected) -> None:
        self._show_params(event.option.id or "")
        self.action_run()

    def _show_params(self, report_id: str) -> None:
        report = self.reports.get(report_id)
        if report is None or (self.report_id == report_id and self.query(FormFields)):
            return
        self.report_id = report_id
        specs, values = param_specs(report.Params)
        box = self.query_one("#params", Vertical)
        box.remove_children()
        box.mount(FormFields(specs, values))
        doc = (report.__doc__ or "").strip().splitlines()
        about = pick(report.title_en, report.title_zh)
        self.query_one("#report-about", Static).update(
            f"[b]{about}[/b]" + (f"\n{doc[0]}" if doc and current_is_en() else "")
            + "\n" + _("Ctrl+R runs it; Tab moves to the parameters."))

    def action_run(self) -> None:
        if not self.report_id or not self.query(FormFields):
            return
        raw = {k: ("" if v is None else v) for k, v in
               self.query_one(FormFields).values().items()}
        self._run(self.report_id, raw)

    @work(thread=True, exclusive=True, group="report-run", exit_on_error=False)
    def _run(self, report_id: str, raw: dict[str, Any]) -> None:
        from core.reports import run_report

        self.app.call_from_thread(self.notify, _("Running…"), timeout=2)
        try:
            result = run_report(self.ctx, report_id, raw)
        except ValidationFailed as exc:
            self.app.call_from_thread(self.query_one(FormFields).show_problems, exc.problems)
            return
        self.app.call_from_thread(self._open_result, report_id, raw, result)

    def _open_result(self, report_id: str, raw: dict[str, Any], result: Any) -> None:
        from tui.screens.report_view import ReportView

        self.app.push_screen(ReportView(report_id, raw, result))


def _index(listing: OptionList, option_id: str) -> int:
    for i in range(listing.option_count):
        if listing.get_option_at_index(i).id == option_id:
            return i
    return 0


def current_is_en() -> bool:
    from core.i18n import current_lang

    return current_lang() == "en"
