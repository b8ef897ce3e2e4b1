"""The daily report (销售日报表): log today's visits from a keyboard grid, see tomorrow's
planned visits; a manager also sees the team's day and the ranking."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.widgets import DataTable, Input, Label, Select, Static, TabbedContent, TabPane

from core.access import Scope
from core.errors import FieldProblem, ValidationFailed
from core.i18n import _
from core.models import User, VisitCustomerType, VisitPurpose
from core.services import activities, lists
from core.services.overview import names_of, team_day
from tui.base import BaseScreen
from tui.format import cell, fit_columns, label, money

ENTRY = ["customer", "visit_time", "purpose", "customer_type", "result", "next_visit",
         "notes", "weather"]


class DailyScreen(BaseScreen):
    TITLE_EN = "Daily report"
    DEFAULT_CSS = """
    DailyScreen #entry { grid-size: 4 4; grid-columns: 10 1fr 10 1fr; height: 4;
        padding: 0 1; grid-gutter: 0 1; }
    DailyScreen #entry Label { color: $text-muted; }
    DailyScreen #entry-error { color: $text-error; height: auto; padding: 0 1; }
    DailyScreen TabbedContent, DailyScreen ContentSwitcher, DailyScreen TabPane {
        height: 1fr; }
    DailyScreen DataTable { height: 1fr; }
    DailyScreen .caption { height: 1; padding: 0 1; text-style: bold; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Log visit", id="daily.save", priority=True),
        Binding("ctrl+n", "new_row", "New row", id="daily.new_row", show=False),
        Binding("ctrl+d", "pick_day", "Day", id="daily.day", priority=True),
        Binding("ctrl+t", "toggle_team", "Team/mine", id="daily.team", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.day: dt.date | None = None

    def body(self) -> ComposeResult:
        manager = self.ctx.grant.scope is not Scope.OWN
        with TabbedContent(id="tabs"):
            with TabPane(_("My day"), id="tab-mine"):
                yield Static("", id="day-title", classes="caption")
                with Grid(id="entry"):
                    yield Label(_("Customer"))
                    yield Input(id="e-customer", placeholder=_("code or name"), compact=True)
                    yield Label(_("Time"))
                    yield Input(id="e-visit_time", placeholder="09:30", compact=True)
                    yield Label(_("Purpose"))
                    yield Select([(label(p), p.value) for p in VisitPurpose], compact=True,
                                 id="e-purpose", value=VisitPurpose.DEVELOPMENT.value,
                                 allow_blank=False)
                    yield Label(_("Type"))
                    yield Select([(label(t), t.value) for t in VisitCustomerType],
                                 compact=True, id="e-customer_type", allow_blank=False,
                                 value=VisitCustomerType.EXISTING.value)
                    yield Label(_("Result"))
                    yield Input(id="e-result", compact=True)
                    yield Label(_("Next visit"))
                    yield Input(id="e-next_visit", placeholder="YYYY-MM-DD", compact=True)
                    yield Label(_("Notes"))
                    yield Input(id="e-notes", compact=True)
                    yield Label(_("Weather"))
                    yield Input(id="e-weather", compact=True)
                yield Static("", id="entry-error")
                yield DataTable(id="today", cursor_type="row", zebra_stripes=True)
                yield Static(_("Planned for the next day"), classes="caption")
                yield DataTable(id="tomorrow", cursor_type="row")
            if manager:
                with TabPane(_("Team"), id="tab-team"):
                    yield Static(_("Ranking (sales, then visits)"), classes="caption")
                    yield DataTable(id="ranking", cursor_type="row")
                    yield Static(_("Team visits"), classes="caption")
                    yield DataTable(id="team", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.day = self.ctx.today()
        self.refresh_day()
        self.query_one("#e-customer", Input).focus()

    def on_screen_resume(self) -> None:
        if self.day is not None:
            self.refresh_day()

    # -- showing the day ---------------------------------------------------------------

    def refresh_day(self) -> None:
        day = self.day or self.ctx.today()
        self.query_one("#day-title", Static).update(
            _("Visits on {day}").format(day=day.isoformat()) + "  ·  "
            + _("Ctrl+S logs the visit"))
        team = bool(self.query("#ranking"))
        self.read_then(lambda: self._read_day(day, team), self._show_day, group="day")

    def _read_day(self, day: dt.date, team: bool) -> dict[str, list[tuple[Any, ...]]]:
        """In a worker: the day's rows for each table (the team's too for a manager)."""
        ctx = self.ctx
        mine = activities.visits_on(ctx, day, ctx.actor.id)
        planned = activities.planned_visits(ctx, day + dt.timedelta(days=1))
        customers = names_of(ctx, None, {a.customer_id for a in mine + planned
                                         if a.customer_id})
        found = {
            "today": [(a.visit_time, customers.get(a.customer_id or 0, ""), a.purpose,
                       a.customer_type, a.result, a.next_visit) for a in mine],
            "tomorrow": [(customers.get(a.customer_id or 0, ""), a.date, a.purpose, a.result)
                         for a in planned]}
        if team:
            found["ranking"] = [(str(rank), rep.name, money(rep.sales), cell(rep.visits),
                                 cell(rep.orders), cell(rep.planned))
                                for rank, rep in enumerate(team_day(ctx, day), 1)]
            visits = activities.visits_on(ctx, day)
            reps = names_of(ctx, User, {a.rep_id for a in visits})
            customers = names_of(ctx, None, {a.customer_id for a in visits if a.customer_id})
            found["team"] = [(reps.get(a.rep_id, ""), a.visit_time,
                              customers.get(a.customer_id or 0, ""), a.purpose, a.result,
                              a.next_visit) for a in visits]
        return found

    def _show_day(self, found: dict[str, list[tuple[Any, ...]]]) -> None:
        self._fill("#today", ["Time", "Customer", "Purpose", "Type", "Result", "Next"],
                   found["today"])
        self._fill("#tomorrow", ["Customer", "Last visit", "Purpose", "Result"],
                   found["tomorrow"])
        if "ranking" in found and self.query("#ranking"):
            table = self.query_one("#ranking", DataTable)
            table.clear(columns=True)
            fit_columns(table, ["#", _("Rep"), _("Sales"), _("Visits"), _("Orders"),
                                _("Planned")], found["ranking"])
            for row_cells in found["ranking"]:
                table.add_row(*row_cells)
            self._fill("#team", ["Rep", "Time", "Customer", "Purpose", "Result", "Next"],
                       found["team"])

    def _fill(self, selector: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        table = self.query_one(selector, DataTable)
        table.clear(columns=True)
        cells = [tuple(cell(v) for v in row) for row in rows]
        fit_columns(table, [_(c) for c in columns], cells)
        for row_cells in cells:
            table.add_row(*row_cells)

    # -- logging a visit ---------------------------------------------------------------

    def typed(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in ENTRY:
            widget = self.query_one(f"#e-{name}")
            values[name] = widget.value if isinstance(widget, Input | Select) else None
        return values

    def unsaved_input(self) -> bool:
        """A visit typed but not logged (asked about on quitting; the section is kept,
        so switching away loses nothing)."""
        return any(self.query_one(f"#e-{name}", Input).value.strip()
                   for name in ("customer", "visit_time", "result", "next_visit", "notes"))

    def action_save(self) -> None:
        values = self.typed()
        error = self.query_one("#entry-error", Static)
        problems: list[FieldProblem] = []
        customer_id = self._resolve_customer(str(values.pop("customer") or ""), problems)
        data = {k: v for k, v in values.items() if v not in ("", None)}
        data.update(date=self.day, customer_id=customer_id)
        if problems:
            self._show_problems(problems)
            return
        try:
            saved = self.guard(activities.log_visit, self.ctx, data)
        except ValidationFailed as exc:
            self._show_problems(exc.problems)
            return
        if saved is None:
            return
        error.update("")
        for name in ("customer", "visit_time", "result", "next_visit", "notes"):
            self.query_one(f"#e-{name}", Input).value = ""
        self.app.notify(_("Visit logged"))
        self.refresh_day()
        self.call_after_refresh(self.query_one("#e-customer", Input).focus)

    def _resolve_customer(self, text: str, problems: list[FieldProblem]) -> int | None:
        text = text.strip()
        if not text:
            return None
        found = lists.find_customer_by_code(self.ctx, text)
        if found is not None:
            return found
        matches = lists.customer_choices(self.ctx, text, 5)
        if len(matches) == 1:
            return matches[0][0]
        what = (_("no customer matches") if not matches else
                _("{n} customers match: {names}").format(
                    n=len(matches), names=", ".join(m[1] for m in matches[:3])))
        problems.append(FieldProblem("customer", text, what))
        return None

    def _show_problems(self, problems: list[FieldProblem]) -> None:
        titles = {"customer": _("Customer"), "visit_time": _("Time"), "result": _("Result"),
                  "next_visit": _("Next visit"), "notes": _("Notes"), "weather": _("Weather"),
                  "customer_id": _("Customer"), "purpose": _("Purpose")}
        lines = [f"{titles.get(p.field, p.field)}: '{p.value}' — {_('expected')} {p.expected}"
                 for p in problems]
        self.query_one("#entry-error", Static).update("\n".join(lines))
        first = problems[0].field.replace("customer_id", "customer")
        if self.query(f"#e-{first}"):
            self.query_one(f"#e-{first}").focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id and event.input.id.startswith("e-"):
            self.action_save()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_team":
            return bool(self.query("#ranking"))  # managers only
        return True

    def action_toggle_team(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "tab-mine" if tabs.active == "tab-team" else "tab-team"
        target = "#ranking" if tabs.active == "tab-team" else "#e-customer"
        self.query_one(target).focus()

    def action_new_row(self) -> None:
        self.query_one("#e-customer", Input).focus()

    def action_pick_day(self) -> None:
        from tui.screens.dialogs import PromptDialog

        def chosen(text: str | None) -> None:
            if not text:
                return
            try:
                self.day = dt.date.fromisoformat(text.strip())
            except ValueError:
                self.app.notify(_("expected a date like 2026-03-16"), severity="warning")
                return
            self.refresh_day()

        self.app.push_screen(PromptDialog(_("Show another day"), _("Date (YYYY-MM-DD)"),
                                          (self.day or self.ctx.today()).isoformat()), chosen)
