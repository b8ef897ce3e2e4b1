"""Reports: every report of the enabled plugins, a parameter form built from the
report's Params model, a preview (table and chart), drill-down and export."""

from __future__ import annotations

import datetime as dt
import enum
import typing
from typing import Any

import pydantic
from rich.text import Text
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
            return [(choice_title(m.value), m.value) for m in arg]
        if typing.get_origin(arg) is typing.Literal:
            return [(choice_title(v), v) for v in typing.get_args(arg)]
        if arg is bool:
            return [(_("yes"), True), (_("no"), False)]
    return None


def choice_title(value: Any) -> str:
    """A choice as the reader says it ("small" is 小): the labels the tables use, else the
    value's own words through the catalogues; a code the catalogues lack shows as is."""
    from tui.format import LABELS, label

    text = str(value)
    if text in LABELS:
        return label(text)
    if _(text) != text:  # a choice the catalogues carry as it is spelt (net, gross)
        return _(text)
    words = text.replace("_", " ").capitalize()
    shown = _(words)
    return shown if shown != words else text


def _is_date(annotation: Any) -> bool:
    return any(arg in (dt.date, dt.datetime) for arg in _args(annotation))


# The reports' areas, in the order the list shows them: the daily work first, then each
# plugin's. An area not named here (a third-party plugin's) follows, titled by its id.
AREAS = {
    "daily": "Daily work",
    "performance": "Performance",
    "statistics": "Sales statistics",
    "customers": "Customers",
    "products": "Products",
    "sales": "Sales",
    "funnel": "Funnel and pipeline",
    "forecast": "Forecast and targets",
    "contracts": "Contracts",
    "marketing": "Marketing",
    "manufacturing": "Manufacturing",
    "real_estate": "Real estate",
}


def area_title(category: str) -> str:
    return _(AREAS.get(category) or category.replace("_", " ").capitalize() or "Other")


def _area_order(category: str) -> tuple[int, str]:
    order = list(AREAS)
    return (order.index(category) if category in order else len(order), category)


class ReportsScreen(BaseScreen):
    TITLE_EN = "Reports"
    MAIN_WIDGET = "#report-list"  # Escape in a parameter comes back to the list
    DEFAULT_CSS = """
    ReportsScreen #reports-body { height: 1fr; }
    /* the scroll bar's room kept: the reports, added in one go before it shows, are
       measured (wrapped) at the width they are drawn in */
    ReportsScreen #report-list { width: 30; height: 1fr; border: round $primary;
        scrollbar-gutter: stable; }
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
        self._composed_with: list[Any] | None = None  # the reports listed as composed

    def body(self) -> ComposeResult:
        # The reports, once the app has read them (it does while Home is shown), are
        # listed and the chosen one's parameters composed here: the screen's first frame
        # shows them, rather than a "Loading…" frame, a worker and a second layout.
        known = getattr(self.app, "known_reports", None)
        self._composed_with = known
        report = None
        if known is not None:
            self.reports = {r.id: r for r in known}
            self.report_id = self._wanted(known)
            report = self.reports.get(self.report_id or "")
        with Horizontal(id="reports-body"):
            listing = OptionList(id="report-list")
            listing.border_title = _("Reports")
            if known:
                # added, not given to the constructor: that highlights the first report
                # (a message that would show its parameters before the wanted one's)
                listing.add_options(_options(known))
                listing.highlighted = _index(listing, self.report_id or "")
            yield listing
            with Vertical(id="params-box") as box:
                box.border_title = _("Parameters")
                yield Static(self._about(report, known), id="report-about")
                with Vertical(id="params"):
                    if report is not None:
                        yield FormFields(*param_specs(report.Params))

    def on_mount(self) -> None:
        """The reports are listed once read in a worker (the plugins' report modules are
        imported the first time: seconds on a cold start); "Loading…" until then. Read
        ahead by the app, they were listed as the screen was composed."""
        self.query_one("#report-list", OptionList).focus()
        if self._composed_with is not None:
            return
        self.query_one("#report-about", Static).update(_("Loading…"))
        # the arrows and Enter typed meanwhile are for the list: kept until it is there
        self.read_then(
            lambda: available_reports(self.ctx), self._list, group="reports", hold_keys=True
        )

    def _wanted(self, found: list[Any]) -> str | None:
        """The report asked for, else the one this user ran last, else the first listed."""
        ids = {r.id for r in found}
        for wanted in (self.report_id, self.app.last_report):
            if wanted in ids:
                return wanted
        return _first_report_id(found)

    def _about(self, report: Any, found: list[Any] | None) -> str:
        if report is not None:
            doc = (report.__doc__ or "").strip().splitlines()
            return (
                f"[b]{pick(report.title_en, report.title_zh)}[/b]"
                + (f"\n{doc[0]}" if doc and current_is_en() else "")
                + "\n"
                + _("Ctrl+R runs it; Tab moves to the parameters.")
            )
        if found is not None and not found:
            return _("No report is available: enable a plugin that provides reports.")
        return _("Choose a report; Enter or Ctrl+R runs it.")

    async def _list(self, found: list[Any]) -> None:
        self.query_one("#report-about", Static).update(self._about(None, found))
        self.reports = {r.id: r for r in found}
        listing = self.query_one("#report-list", OptionList)
        # in one go: each add_option asks for a layout, sizes the lines and the scroll
        # range again and redraws (about 60 reports and headings one by one: 0.1 s of
        # the UI thread's CPU as Reports opened on large)
        listing.add_options(_options(found))
        wanted = self._wanted(found)
        self.report_id = None
        mounting = None
        if wanted is not None:
            listing.highlighted = _index(listing, wanted)
            mounting = self._show_params(wanted)
        listing.focus()
        if mounting is not None:  # the keys typed ahead (Tab) are for these fields
            await mounting

    @on(OptionList.OptionHighlighted, "#report-list")
    def _highlight(self, event: OptionList.OptionHighlighted) -> None:
        self._show_params(event.option.id or "")

    @on(OptionList.OptionSelected, "#report-list")
    def _select(self, event: OptionList.OptionSelected) -> None:
        self._show_params(event.option.id or "")
        self.action_run()

    def _show_params(self, report_id: str) -> Any:
        """Show the report's parameters; returns their mounting (None when already
        shown): keys typed ahead (Tab) wait for it."""
        report = self.reports.get(report_id)
        if report is None or (self.report_id == report_id and self.query(FormFields)):
            return None
        self.report_id = report_id
        specs, values = param_specs(report.Params)
        box = self.query_one("#params", Vertical)
        box.remove_children()
        mounting = box.mount(FormFields(specs, values))
        self.query_one("#report-about", Static).update(self._about(report, None))
        return mounting

    def action_run(self) -> None:
        if not self.report_id or not self.query(FormFields):
            return
        self.app.last_report = self.report_id  # Reports reopens at it
        raw = {k: ("" if v is None else v) for k, v in self.query_one(FormFields).values().items()}
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


def _options(found: list[Any]) -> list[Option]:
    """The reports by area, each area under a heading the cursor passes over."""
    options: list[Option] = []
    for category in sorted({getattr(r, "category", "") for r in found}, key=_area_order):
        options.append(
            Option(
                Text(area_title(category), style="bold underline"),
                id=f"area:{category}",
                disabled=True,
            )
        )
        for report in (r for r in found if getattr(r, "category", "") == category):
            options.append(Option(pick(report.title_en, report.title_zh), id=report.id))
    return options


def _first_report_id(found: list[Any]) -> str | None:
    """The first report as listed (the areas in their order)."""
    ordered = sorted(found, key=lambda r: _area_order(getattr(r, "category", "")))
    return ordered[0].id if ordered else None


def _index(listing: OptionList, option_id: str) -> int:
    for i in range(listing.option_count):
        if listing.get_option_at_index(i).id == option_id:
            return i
    return 0


def current_is_en() -> bool:
    from core.i18n import current_lang

    return current_lang() == "en"
