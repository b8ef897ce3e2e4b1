"""The daily report (销售日报表): the day's header (weather, and the region among the
reporter's own) once, then each visit with its start and end time and the amounts ordered
and collected; Enter on a visit brings it back into the form to change, Delete removes it
(asked first); the plan for the next day and how this day's plan was kept; a manager also
sees the team's day and the ranking of the reps. Ctrl+F opens the printable form."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.widgets import DataTable, Input, Label, Select, Static, TabbedContent, TabPane

from core.access import Scope
from core.errors import Conflict, FieldProblem, ValidationFailed
from core.i18n import _, labelled, plural
from core.models import Activity, User, VisitCustomerType, VisitPurpose, Weather
from core.services import activities, customers, daily, lists
from core.services.base import data_version
from core.services.overview import names_of
from tui.base import BaseScreen, Freshness
from tui.format import cell, fit_columns, label, money
from tui.widgets.compact import compact
from tui.widgets.later_pane import LaterPane

VISIT_INPUTS = (
    "customer",
    "contact",
    "visit_time",
    "end_time",
    "result",
    "order_amount",
    "collection_amount",
    "next_visit",
    "notes",
)
VISIT_SELECTS = ("purpose", "customer_type")
ESSENTIAL = 5  # the visits' columns always on screen: time, customer, purpose, amounts
PLAN_INPUTS = ("p-customer", "p-date", "p-notes")
AMOUNTS = ("order_amount", "collection_amount")
RANK_BY: tuple[daily.RankBy, ...] = ("visits", "orders", "collections")
RANK_TITLES = {
    "visits": "Ranking by visits",
    "orders": "Ranking by order amount",
    "collections": "Ranking by amount collected",
}
TITLES = {
    "customer": "Customer",
    "contact": "Person met",
    "contact_id": "Person met",
    "visit_time": "Start",
    "end_time": "End",
    "result": "Result",
    "next_visit": "Next visit",
    "notes": "Notes",
    "weather": "Weather",
    "region_id": "Region",
    "customer_id": "Customer",
    "purpose": "Purpose",
    "order_amount": "Ordered",
    "collection_amount": "Collected",
    "date": "Date",
    "p-customer": "Customer",
    "p-date": "Date",
    "p-notes": "Notes",
}


@dataclass
class DayData:
    """What the screen shows of one day, read in a worker."""

    header: Any
    region: str
    region_id: int | None
    regions: list[tuple[int, str]]
    mine: list[Any]
    tomorrow: list[daily.PlanCheck]
    today_plan: list[daily.PlanCheck]
    customers: dict[int, str]
    ranking: list[daily.RepDay] | None = None
    team: list[Any] = field(default_factory=list)
    rep_names: dict[int, str] = field(default_factory=dict)


class DailyScreen(BaseScreen):
    TITLE_EN = "Daily report"
    # Typing lands in the visit form from the first key, even before the day has loaded:
    # on the region or weather list a digit would switch sections.
    AUTO_FOCUS = "#e-customer"
    DEFAULT_CSS = """
    DailyScreen #head { grid-size: 4 1; grid-columns: 10 1fr 10 1fr; height: 1;
        padding: 0 1; grid-gutter: 0 1; }
    DailyScreen #entry, DailyScreen #plan-entry { grid-size: 4; grid-columns: 10 1fr 10 1fr;
        height: 6; padding: 0 1; grid-gutter: 0 1; }
    DailyScreen #plan-entry { height: 2; }
    DailyScreen Grid Label { color: $text-muted; }
    DailyScreen .error { color: $text-error; height: auto; max-height: 3; padding: 0 1;
        display: none; }
    DailyScreen .error.shown { display: block; }
    DailyScreen TabbedContent, DailyScreen ContentSwitcher, DailyScreen TabPane {
        height: 1fr; }
    DailyScreen DataTable { height: 1fr; }
    DailyScreen .caption { height: 1; padding: 0 1; text-style: bold; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="daily.save", priority=True),
        Binding("ctrl+n", "new_row", "New row", id="daily.new_row", show=False),
        Binding("ctrl+d", "pick_day", "Day", id="daily.day", priority=True),
        Binding("ctrl+l", "plans", "Plans", id="daily.plans", priority=True),
        Binding("ctrl+t", "toggle_team", "Team/mine", id="daily.team", priority=True),
        Binding("ctrl+o", "rank_by", "Rank by", id="daily.rank_by", show=False),
        Binding("ctrl+f", "print_form", "Daily form", id="daily.form", priority=True),
        Binding(
            "ctrl+w",
            "print_form('rep_weekly_visits')",
            "Weekly report",
            id="daily.weekly",
            show=False,
        ),
        Binding("delete", "remove", "Remove", id="daily.remove", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.day: dt.date | None = None
        self.data: DayData | None = None
        self.rank_by: daily.RankBy = "visits"
        self.editing: Any = None  # the visit loaded into the form to change
        self.loaded: dict[str, Any] = {}  # the form as loaded: what counts as unsaved
        self._team_data: DayData | None = None  # read, not drawn yet (its tab is hidden)
        self._resumed = False  # shown before (see on_screen_resume)
        self.freshness = Freshness()  # of the day shown

    def body(self) -> ComposeResult:
        manager = self.ctx.grant.scope is not Scope.OWN
        with TabbedContent(id="tabs"):
            with TabPane(_("My day"), id="tab-mine"):
                yield Static("", id="day-title", classes="caption")
                with Grid(id="head"):  # the weather stays one Shift+Tab from the customer
                    yield Label(_("Region"))
                    yield compact(
                        Select([], id="e-region", allow_blank=True, prompt=_("not entered"))
                    )
                    yield Label(_("Weather"))
                    yield compact(
                        Select(
                            [(label(w), w.value) for w in Weather],
                            id="e-weather",
                            prompt=_("not entered"),
                        )
                    )
                with Grid(id="entry"):
                    yield from self._visit_fields()
                yield Static("", id="entry-error", classes="error")
                yield DataTable(id="today", cursor_type="row", zebra_stripes=True)
            # the other tabs are made the first time they are shown (_open_pane): a
            # quarter of the screen's widgets, composed and styled unseen as it opened
            yield LaterPane(_("Plans"), self._plans_pane, id="tab-plans")
            if manager:
                yield LaterPane(_("Team"), self._team_pane, id="tab-team")

    def _plans_pane(self) -> ComposeResult:
        yield Static("", id="plan-title", classes="caption")
        with Grid(id="plan-entry"):
            yield from self._plan_fields()
        yield Static("", id="plan-error", classes="error")
        yield DataTable(id="tomorrow", cursor_type="row")
        yield Static("", id="done-title", classes="caption")
        yield DataTable(id="plan-done", cursor_type="row")

    def _team_pane(self) -> ComposeResult:
        yield Static("", id="rank-title", classes="caption")
        yield DataTable(id="ranking", cursor_type="row")
        yield Static(_("Team visits"), classes="caption")
        yield DataTable(id="team", cursor_type="row", zebra_stripes=True)

    def _visit_fields(self) -> ComposeResult:
        yield Label(_("Customer"))
        yield compact(Input(id="e-customer", placeholder=_("code or name")))
        yield Label(_("Person met"))
        yield compact(Input(id="e-contact", placeholder=_("whom you met")))
        yield Label(_("Purpose"))
        yield _purpose_choice("e-purpose")
        yield Label(_("Type"))
        yield compact(
            Select(
                [(label(t), t.value) for t in VisitCustomerType],
                id="e-customer_type",
                allow_blank=False,
                value=VisitCustomerType.EXISTING.value,
            )
        )
        yield Label(_("Start"))
        yield compact(Input(id="e-visit_time", placeholder="09:30"))
        yield Label(_("End"))
        yield compact(Input(id="e-end_time", placeholder="10:30"))
        yield Label(_("Result"))
        yield compact(Input(id="e-result"))
        yield Label(_("Next visit"))
        yield compact(Input(id="e-next_visit", placeholder="YYYY-MM-DD"))
        yield Label(_("Ordered"))
        yield compact(Input(id="e-order_amount", placeholder="0.00"))
        yield Label(_("Collected"))
        yield compact(Input(id="e-collection_amount", placeholder="0.00"))
        yield Label(_("Notes"))
        yield compact(Input(id="e-notes"))

    def _plan_fields(self) -> ComposeResult:
        yield Label(_("Customer"))
        yield compact(Input(id="e-p-customer", placeholder=_("code or name")))
        yield Label(_("Purpose"))
        yield _purpose_choice("e-p-purpose")
        yield Label(_("Date"))
        yield compact(Input(id="e-p-date", placeholder=_("the next day")))
        yield Label(_("Notes"))
        yield compact(Input(id="e-p-notes"))

    def on_mount(self) -> None:
        self.day = self.ctx.today()
        self.refresh_day()

    def on_screen_resume(self) -> None:  # BaseScreen's handler runs too (Textual's MRO)
        # coming back: read the day again. Not when first shown: on_mount has just
        # started reading it (read twice, the day was also drawn twice as it opened), or,
        # built ahead (SalesdeskApp._build_ahead), read it while the user was on Home:
        # read again then only if something was written since, after the frame
        if self.day is not None and self._resumed:
            self.refresh_day()
        elif self.data is not None:
            self.call_after_refresh(self._check_fresh)
        self._resumed = True

    @work(thread=True, exclusive=True, group="daily-fresh", exit_on_error=False)
    def _check_fresh(self) -> None:
        today = self.ctx.today()
        if self.day != today or not self.freshness.holds(data_version(self.ctx)):
            self.app.call_from_thread(self._read_today, today)

    def _read_today(self, today: dt.date) -> None:
        self.day = today
        self.refresh_day()

    # -- showing the day ---------------------------------------------------------------

    def refresh_day(self) -> None:
        self._load(self.day or self.ctx.today(), self.rank_by)

    @work(thread=True, exclusive=True, group="daily-load", exit_on_error=False)
    def _load(self, day: dt.date, rank_by: daily.RankBy) -> None:
        me = self.ctx.actor.id
        # the data version first: a write during the read makes the next check read again
        self.freshness.read(data_version(self.ctx), time.monotonic())
        header, region = daily.header_of(self.ctx, me, day)
        region_id = header.region_id if header else self.ctx.actor.region_id
        mine = activities.visits_on(self.ctx, day, me)
        tomorrow = daily.plan_vs_done(self.ctx, day + dt.timedelta(days=1), me)
        regions = daily.header_regions(self.ctx)
        if region_id is not None and region_id not in dict(regions):
            regions.append((region_id, region))  # the day's, though no longer the rep's
        data = DayData(
            header,
            region,
            region_id,
            regions,
            mine,
            tomorrow,
            daily.plan_vs_done(self.ctx, day, me),
            {},
        )
        if self.ctx.grant.scope is not Scope.OWN:
            data.ranking = daily.day_ranking(self.ctx, day, rank_by)
            data.team = activities.visits_on(self.ctx, day)
            data.rep_names = names_of(self.ctx, User, {a.rep_id for a in data.team})
        wanted = {a.customer_id for a in mine + data.team if a.customer_id}
        wanted |= {p.customer_id for p in data.tomorrow + data.today_plan}
        data.customers = names_of(self.ctx, None, wanted)
        self.app.call_from_thread(self.show, day, data)

    def show(self, day: dt.date, data: DayData) -> None:
        self.data = data
        no_weather = data.header is None or not data.header.weather
        self.query_one("#day-title", Static).update(
            _("Visits on {day}").format(day=day.isoformat())
            + "  ·  "
            + (
                _("Weather not entered: Shift+Tab")
                if no_weather
                else _("Enter on a visit changes it; Delete removes it")
                if data.mine
                else _("Ctrl+S saves the day's weather and the visit")
            )
        )
        region = self.query_one("#e-region", Select)
        region.set_options([(name, rid) for rid, name in data.regions])
        region.value = data.region_id if data.region_id in dict(data.regions) else Select.NULL
        weather = self.query_one("#e-weather", Select)
        saved = data.header.weather if data.header and data.header.weather else None
        weather.value = saved if saved else Select.NULL
        self._show_visits(data)
        if self.editing is not None:
            self._edit_title()
        if self._made("tab-plans"):  # else drawn when the tab is first shown
            self._show_plans(day, data)
        if data.ranking is not None:
            # the team's tables are filled when their tab is shown (few open it, and
            # filling them hidden held the UI thread 0.1-0.25 s as the day opened)
            self._team_data = data
            if self.query_one(TabbedContent).active == "tab-team" and self._made("tab-team"):
                self._show_pending_team()
        self._first_focus(data)
        self.lay_out_ahead()  # (when built ahead)

    def _show_visits(self, data: DayData) -> None:
        """The essential columns first, the customer's narrowed so they fit the width
        (80 columns included); the result and the next visit follow, scrolled to."""
        names = data.customers
        columns = ["Time", "Customer", "Purpose", "Ordered", "Collected", "Result", "Next"]
        rows = [
            (
                _span(a),
                names.get(a.customer_id or 0, ""),
                label(a.purpose),
                money(a.order_amount),
                money(a.collection_amount),
                a.result,
                a.next_visit,
            )
            for a in data.mine
        ]
        table = self.query_one("#today", DataTable)
        self._fill("#today", columns, rows)
        room = (table.scrollable_content_region.width or self.app.size.width) - 2
        cols = list(table.columns.values())[:ESSENTIAL]
        used = sum(c.width + 2 * table.cell_padding for c in cols)
        customer = cols[1]
        if used > room:
            customer.width = max(len(customer.label), customer.width - (used - room))
            customer.auto_width = False
            table.refresh()

    def _first_focus(self, data: DayData) -> None:
        """The customer field: typing lands there, never on a key that leaves the screen
        (the weather, entered once a day, is one Shift+Tab back)."""
        focused = self.app.focused
        if focused is not None and focused.id and focused.id.startswith("e-"):
            return
        if self.query_one(TabbedContent).active == "tab-mine":
            self.query_one("#e-customer").focus()

    def _show_plans(self, day: dt.date, data: DayData) -> None:
        tomorrow = day + dt.timedelta(days=1)
        names = data.customers
        self.query_one("#plan-title", Static).update(
            _("Plan for {day}").format(day=tomorrow.isoformat())
            + "  ·  "
            + _("Ctrl+S adds the visit to the plan; Delete removes a plan line")
        )
        self._fill(
            "#tomorrow",
            ["Customer", "Purpose", "Notes", "Source"],
            [
                (
                    names.get(p.customer_id, ""),
                    label(p.purpose),
                    p.notes,
                    _("plan") if p.plan_id else _("visit of {day}").format(day=p.planned_on),
                )
                for p in data.tomorrow
            ],
        )
        done = sum(1 for p in data.today_plan if p.done)
        self.query_one("#done-title", Static).update(
            _("Plan for {day}: {done} of {planned} visits made").format(
                day=day.isoformat(), done=done, planned=len(data.today_plan)
            )
        )
        self._fill(
            "#plan-done",
            ["Customer", "Purpose", "Planned on", "Done?"],
            [
                (
                    names.get(p.customer_id, ""),
                    label(p.purpose),
                    p.planned_on,
                    _("done") if p.done else _("not done"),
                )
                for p in data.today_plan
            ],
        )

    @on(TabbedContent.TabActivated, "#tabs")
    async def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            await self._open_pane(event.pane.id)

    def _made(self, pane_id: str) -> bool:
        """Whether the tab's content is there (see LaterPane)."""
        found = self.query(f"#{pane_id}")
        pane = found.first() if found else None
        return pane is not None and (not isinstance(pane, LaterPane) or pane.made)

    async def _open_pane(self, pane_id: str) -> None:
        """The tab's content made, if it was not yet, and filled with the day read."""
        pane = self.query_one(f"#{pane_id}")
        made_now = isinstance(pane, LaterPane) and not pane.made and await pane.make()
        if made_now and pane_id == "tab-plans" and self.data is not None:
            self._show_plans(self.day or self.ctx.today(), self.data)
        if pane_id == "tab-team":
            self._show_pending_team()

    def _show_pending_team(self) -> None:
        data, self._team_data = self._team_data, None
        if data is not None:
            self._show_team(data)

    def _show_team(self, data: DayData) -> None:
        self.query_one("#rank-title", Static).update(
            _(RANK_TITLES[self.rank_by]) + "  ·  " + _("Ctrl+O ranks by another figure")
        )
        ranking = data.ranking or []
        table = self.query_one("#ranking", DataTable)
        table.clear(columns=True)
        cells = [
            (
                str(rank),
                rep.name,
                cell(rep.visits),
                money(rep.order_amount),
                money(rep.collection_amount),
                money(rep.sales),
                f"{rep.done}/{rep.planned}",
            )
            for rank, rep in enumerate(ranking, 1)
        ]
        fit_columns(
            table,
            ["#", _("Rep"), _("Visits"), _("Ordered"), _("Collected"), _("Sales"), _("Plan done")],
            cells,
        )
        for row_cells in cells:
            table.add_row(*row_cells)
        self._fill(
            "#team",
            ["Rep", "Time", "Customer", "Purpose", "Result", "Ordered", "Collected"],
            [
                (
                    data.rep_names.get(a.rep_id, ""),
                    _span(a),
                    data.customers.get(a.customer_id or 0, ""),
                    label(a.purpose),
                    a.result,
                    money(a.order_amount),
                    money(a.collection_amount),
                )
                for a in data.team
            ],
        )

    def _fill(self, selector: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        table = self.query_one(selector, DataTable)
        table.clear(columns=True)
        cells = [tuple(cell(v) for v in row) for row in rows]
        fit_columns(table, [_(c) for c in columns], cells)
        for row_cells in cells:
            table.add_row(*row_cells)

    # -- saving ------------------------------------------------------------------------

    def _text(self, name: str) -> str:
        """What is typed in a field ("" in a tab not shown yet: nothing typed there)."""
        found = self.query(f"#e-{name}")
        return found.first(Input).value.strip() if found else ""

    def typed_visit(self) -> dict[str, Any]:
        values: dict[str, Any] = {name: self._text(name) for name in VISIT_INPUTS}
        for name in AMOUNTS:  # "12,000.50" as people write it
            values[name] = values[name].replace(",", "").replace("，", "")
        for name in ("purpose", "customer_type"):
            values[name] = self.query_one(f"#e-{name}", Select).value
        return values

    def weather_changed(self) -> bool:
        chosen = self.query_one("#e-weather", Select).value
        header = self.data.header if self.data else None
        saved = header.weather if header and header.weather else None
        return chosen is not Select.NULL and chosen != saved

    def region_changed(self) -> bool:
        chosen = self.query_one("#e-region", Select).value
        return self.data is not None and chosen is not Select.NULL and chosen != self.data.region_id

    def visit_changes(self) -> dict[str, Any]:
        """The visit's fields that differ from the form as loaded (all typed ones when
        the form holds a new visit)."""
        typed = self.typed_visit()
        if self.editing is None:
            return {k: v for k, v in typed.items() if k in VISIT_INPUTS and v}
        return {k: v for k, v in typed.items() if v != self.loaded.get(k)}

    def unsaved_input(self) -> bool:
        """A visit or a plan typed or changed but not saved, or the day's weather or region
        changed (asked about on quitting; the section is kept, so switching away loses
        nothing)."""
        return (
            bool(self.visit_changes())
            or any(self._text(name) for name in PLAN_INPUTS)
            or self.weather_changed()
            or self.region_changed()
        )

    def action_save(self) -> None:
        tabs = self.query_one(TabbedContent)
        if tabs.active == "tab-plans":
            self._save_plan(self.day or self.ctx.today(), self._typed_plan())
        elif tabs.active == "tab-mine":
            self._save_mine()

    def _save_mine(self, version: int | None = None, header_version: int | None = None) -> None:
        """The day's header when changed, then the visit typed (new) or changed; the
        versions given override those read (keeping mine after a conflict)."""
        header = self.data.header if self.data else None
        if header_version is None and header is not None:
            header_version = header.version
        head: dict[str, Any] = {}
        if self.weather_changed():
            head["weather"] = self.query_one("#e-weather", Select).value
        if self.region_changed():
            head["region_id"] = self.query_one("#e-region", Select).value
        editing = self.editing
        self._save_day(
            self.day or self.ctx.today(),
            self.typed_visit(),
            self.visit_changes(),
            head,
            header_version,
            editing,
            version if version is not None else getattr(editing, "version", None),
        )

    @work(thread=True, exclusive=True, group="daily-save", exit_on_error=False)
    def _save_day(
        self,
        day: dt.date,
        visit: dict[str, Any],
        changed: dict[str, Any],
        head: dict[str, Any],
        header_version: int | None,
        editing: Any,
        version: int | None,
    ) -> None:
        try:
            if head:
                daily.save_header(self.ctx, {"date": day, **head}, header_version)
            if changed:
                self._write_visit(day, visit, changed, editing, version)
        except ValidationFailed as exc:
            self.app.call_from_thread(self._show_problems, "#entry-error", exc.problems)
            return
        except Conflict as exc:
            self.app.call_from_thread(self._conflict, exc)
            return
        message = (
            _("Visit changed")
            if changed and editing is not None
            else _("Visit logged")
            if changed
            else _("The day's header saved")
        )
        self.app.call_from_thread(self._saved, "#entry-error", VISIT_INPUTS, "#e-customer", message)

    def _write_visit(
        self,
        day: dt.date,
        visit: dict[str, Any],
        changed: dict[str, Any],
        editing: Any,
        version: int | None,
    ) -> None:
        problems: list[FieldProblem] = []
        customer_id = _resolve_customer(self.ctx, visit.pop("customer"), "customer", problems)
        contact_id = _resolve_contact(self.ctx, customer_id, visit.pop("contact"), problems)
        if problems:
            raise ValidationFailed(problems, "visit")
        if editing is None:
            data = {k: v for k, v in visit.items() if v not in ("", None)}
            activities.log_visit(
                self.ctx,
                {**data, "date": day, "contact_id": contact_id, "customer_id": customer_id},
            )
            return
        # only what was changed here: a change saved meanwhile by someone else stays
        data = {
            k: (v if v != "" or k in ("result", "notes") else None)
            for k, v in visit.items()
            if k in changed
        }
        if "customer" in changed or "contact" in changed:
            data.update(customer_id=customer_id, contact_id=contact_id)
        activities.update_visit(self.ctx, editing.id, data, version)

    def _conflict(self, exc: Conflict) -> None:
        from tui.screens.dialogs import ConflictDialog

        on_visit = exc.entity == Activity.__tablename__

        def resolve(choice: str | None) -> None:
            if choice == "keep" and on_visit:
                self._save_mine(version=exc.current_version)
            elif choice == "keep":  # the day's header (weather, region)
                self._save_mine(header_version=exc.current_version)
            elif choice == "reload" and on_visit and self.editing is not None:
                self._load_visit(self.editing.id)
            elif choice == "reload":
                self.refresh_day()
            # None: back to the form, everything still typed

        self.app.push_screen(ConflictDialog(exc), resolve)

    def _typed_plan(self) -> dict[str, Any]:
        return {
            "customer": self._text("p-customer"),
            "date": self._text("p-date"),
            "notes": self._text("p-notes"),
            "purpose": self.query_one("#e-p-purpose", Select).value,
        }

    @work(thread=True, exclusive=True, group="daily-save", exit_on_error=False)
    def _save_plan(self, day: dt.date, plan: dict[str, Any]) -> None:
        problems: list[FieldProblem] = []
        customer_id = _resolve_customer(self.ctx, plan.pop("customer"), "p-customer", problems)
        if not problems and customer_id is None:
            problems.append(FieldProblem("p-customer", "", _("a customer to visit")))
        try:
            if problems:
                raise ValidationFailed(problems, "visit plan")
            daily.plan_visit(
                self.ctx,
                {
                    **{k: v for k, v in plan.items() if v},
                    "planned_on": day,
                    "customer_id": customer_id,
                },
            )
        except ValidationFailed as exc:
            self.app.call_from_thread(self._show_problems, "#plan-error", exc.problems)
            return
        self.app.call_from_thread(
            self._saved, "#plan-error", PLAN_INPUTS, "#e-p-customer", _("Visit planned")
        )

    def _saved(self, error: str, cleared: tuple[str, ...], focus: str, message: str) -> None:
        self._error(error, "")
        for name in cleared:
            self.query_one(f"#e-{name}", Input).value = ""
        if error == "#entry-error":
            self._reset_visit_form()
        self.app.notify(message)
        self.refresh_day()
        self.call_after_refresh(self.query_one(focus).focus)

    def _show_problems(self, where: str, problems: list[FieldProblem]) -> None:
        plan = where == "#plan-error"
        lines = [
            labelled(_(TITLES.get(p.field, p.field)), f"'{p.value}'")
            + f" — {_('expected')} {p.expected_text()}"
            for p in problems
        ]
        self._error(where, "\n".join(lines))
        first = {"customer_id": "customer"}.get(problems[0].field, problems[0].field)
        if plan and not first.startswith("p-"):
            first = {"customer": "p-customer"}.get(first, f"p-{first}")
        if self.query(f"#e-{first}"):
            self.query_one(f"#e-{first}").focus()

    def _error(self, where: str, text: str) -> None:
        """Shown only when there is something to say: the visits keep the line."""
        shown = self.query_one(where, Static)
        shown.update(text)
        shown.set_class(bool(text), "shown")

    # -- changing a logged visit ---------------------------------------------------------

    @on(DataTable.RowSelected, "#today")
    def _visit_chosen(self, event: DataTable.RowSelected) -> None:
        if self.data is None or not self.data.mine:
            return
        visit = self.data.mine[min(event.cursor_row, len(self.data.mine) - 1)]
        if self.unsaved_input():
            self.app.notify(_("Save or clear the visit being typed first"), severity="warning")
            return
        self._load_visit(visit.id)

    @work(thread=True, exclusive=True, group="daily-visit", exit_on_error=False)
    def _load_visit(self, visit_id: int) -> None:
        found = [
            a
            for a in activities.visits_on(self.ctx, self.day or self.ctx.today())
            if a.id == visit_id
        ]
        if not found:
            return
        visit = found[0]
        code = contact = ""
        if visit.customer_id is not None:
            code = customers.get_customer(self.ctx, visit.customer_id).code
            contact = next(
                (
                    c.name
                    for c in customers.list_contacts(self.ctx, visit.customer_id)
                    if c.id == visit.contact_id
                ),
                "",
            )
        self.app.call_from_thread(self._into_form, visit, code, contact)

    def _into_form(self, visit: Any, code: str, contact: str) -> None:
        values = {
            "customer": code,
            "contact": contact,
            "visit_time": _clock(visit.visit_time),
            "end_time": _clock(visit.end_time),
            "result": visit.result or "",
            "next_visit": _iso(visit.next_visit),
            "order_amount": _amount(visit.order_amount),
            "collection_amount": _amount(visit.collection_amount),
            "notes": visit.notes or "",
            "purpose": _value(visit.purpose),
            "customer_type": _value(visit.customer_type),
        }
        for name in VISIT_INPUTS:
            self.query_one(f"#e-{name}", Input).value = values[name]
        for name in VISIT_SELECTS:
            self.query_one(f"#e-{name}", Select).value = values[name]
        self.editing, self.loaded = visit, self.typed_visit()
        self._error("#entry-error", "")
        self._edit_title()
        self.query_one("#e-customer").focus()

    def _edit_title(self) -> None:
        day = (self.day or self.ctx.today()).isoformat()
        if self.editing is not None:  # no date: the keys must fit 80 columns
            name = self.data.customers.get(self.editing.customer_id or 0, "") if self.data else ""
            text = _("Changing the visit to {name}: Ctrl+S saves, Ctrl+N a new one").format(
                name=name
            )
        else:
            text = (
                _("Visits on {day}").format(day=day)
                + "  ·  "
                + _("Enter on a visit changes it; Delete removes it")
            )
        self.query_one("#day-title", Static).update(text)

    def _reset_visit_form(self) -> None:
        self.editing, self.loaded = None, {}
        self.query_one("#e-purpose", Select).value = VisitPurpose.DEVELOPMENT.value
        self.query_one("#e-customer_type", Select).value = VisitCustomerType.EXISTING.value

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id and event.input.id.startswith("e-"):
            self.action_save()

    # -- plans, the team, the form -------------------------------------------------------

    async def action_plans(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "tab-mine" if tabs.active == "tab-plans" else "tab-plans"
        await self._open_pane(tabs.active)
        # focused now, not after the keys typed meanwhile (they wait for this action)
        self.set_focus(
            self.query_one("#e-p-customer" if tabs.active == "tab-plans" else "#e-customer")
        )

    def action_remove(self) -> None:
        """Delete on a visit row removes the visit, on a plan line the plan (asked first)."""
        if self.data is not None and self.app.focused is self.query_one("#today"):
            self._remove_visit(self.data)
        else:
            self._remove_plan()

    def _remove_visit(self, data: DayData) -> None:
        from tui.screens.dialogs import confirm

        if not data.mine:
            return
        table = self.query_one("#today", DataTable)
        visit = data.mine[min(table.cursor_row, len(data.mine) - 1)]
        name = data.customers.get(visit.customer_id or 0, "")
        confirm(
            self.app,
            _("Delete the visit?"),
            _("The visit to {name} at {time} will be removed from the day's report.").format(
                name=name or "—", time=_span(visit) or "—"
            ),
            _("Delete"),
            lambda: self._delete_visit(visit.id),
        )

    @work(thread=True, group="daily-save", exit_on_error=False)
    def _delete_visit(self, visit_id: int) -> None:
        activities.delete_visit(self.ctx, visit_id)
        self.app.call_from_thread(self._visit_deleted, visit_id)

    def _visit_deleted(self, visit_id: int) -> None:
        if self.editing is not None and self.editing.id == visit_id:
            for name in VISIT_INPUTS:
                self.query_one(f"#e-{name}", Input).value = ""
            self._reset_visit_form()
        self.app.notify(_("Visit deleted"))
        self.refresh_day()

    def _remove_plan(self) -> None:
        from tui.screens.dialogs import confirm

        if not self._made("tab-plans"):
            return
        table = self.query_one("#tomorrow", DataTable)
        if self.data is None or self.app.focused is not table or not self.data.tomorrow:
            return
        plan = self.data.tomorrow[min(table.cursor_row, len(self.data.tomorrow) - 1)]
        name = self.data.customers.get(plan.customer_id, "")
        if plan.plan_id is None:
            self.app.notify(
                _(
                    "{name} is planned by a visit's next-visit date; change the visit to move it"
                ).format(name=name),
                severity="warning",
            )
            return
        confirm(
            self.app,
            _("Remove the plan line?"),
            _("{name} will no longer be planned for {day}.").format(
                name=name, day=(self.day or self.ctx.today()) + dt.timedelta(days=1)
            ),
            _("Remove"),
            lambda: self._remove(plan.plan_id),
        )

    @work(thread=True, group="daily-save", exit_on_error=False)
    def _remove(self, plan_id: int) -> None:
        daily.remove_plan(self.ctx, plan_id)
        self.app.call_from_thread(self.refresh_day)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_team", "rank_by"):
            # managers only (as ``body``): a DOM query here, asked for every binding at
            # each refresh of the footer, cost the opening about 0.1 s
            return self.app.ready and self.ctx.grant.scope is not Scope.OWN
        return True

    async def action_toggle_team(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "tab-mine" if tabs.active == "tab-team" else "tab-team"
        await self._open_pane(tabs.active)
        target = "#ranking" if tabs.active == "tab-team" else "#e-customer"
        self.set_focus(self.query_one(target))

    def action_rank_by(self) -> None:
        self.rank_by = RANK_BY[(RANK_BY.index(self.rank_by) + 1) % len(RANK_BY)]
        self.refresh_day()

    def action_new_row(self) -> None:
        """A new visit; leaving a visit being changed asks first when it was changed."""
        from tui.screens.dialogs import confirm

        def fresh() -> None:
            for name in VISIT_INPUTS:
                self.query_one(f"#e-{name}", Input).value = ""
            self._reset_visit_form()
            self._edit_title()
            self.query_one("#e-customer", Input).focus()

        if self.editing is not None and self.visit_changes():
            confirm(
                self.app,
                _("Discard the changes?"),
                _("The changes to this visit are not saved."),
                _("Discard"),
                fresh,
            )
        elif self.editing is not None:
            fresh()
        else:
            self.query_one("#e-customer", Input).focus()

    def action_print_form(self, report_id: str = "daily_visit_form") -> None:
        """The printable form of the day: the reader's own, or on the team tab the rep
        under the ranking's cursor."""
        self._open_form(report_id, (self.day or self.ctx.today()).isoformat(), self._ranked_rep())

    def _ranked_rep(self) -> str:
        if (
            self.query_one(TabbedContent).active != "tab-team"
            or not self._made("tab-team")
            or self.data is None
            or not self.data.ranking
        ):
            return ""
        table = self.query_one("#ranking", DataTable)
        return self.data.ranking[min(table.cursor_row, len(self.data.ranking) - 1)].login

    @work(thread=True, exclusive=True, group="daily-form", exit_on_error=False)
    def _open_form(self, report_id: str, day: str, rep: str) -> None:
        from core.reports import run_report

        raw = {"as_of": day, "rep": rep}
        result = run_report(self.ctx, report_id, raw)
        self.app.call_from_thread(self._push_form, report_id, raw, result)

    def _push_form(self, report_id: str, raw: dict[str, Any], result: Any) -> None:
        from tui.screens.report_view import ReportView

        self.app.push_screen(ReportView(report_id, raw, result))

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

        self.app.push_screen(
            PromptDialog(
                _("Show another day"),
                _("Date (YYYY-MM-DD)"),
                (self.day or self.ctx.today()).isoformat(),
            ),
            chosen,
        )


def _span(visit: Any) -> str:
    """09:00–10:30, or the start alone."""
    start = visit.visit_time.strftime("%H:%M") if visit.visit_time else ""
    end = visit.end_time.strftime("%H:%M") if visit.end_time else ""
    return f"{start}–{end}" if end else start


def _clock(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _value(choice: Any) -> str:
    return str(getattr(choice, "value", choice))


def _amount(value: Any) -> str:
    """An amount as typed into the form: blank when nothing."""
    return f"{value:.2f}" if value else ""


def _resolve_contact(
    ctx: Any, customer_id: int | None, text: str, problems: list[FieldProblem]
) -> int | None:
    """One of the customer's contacts whose name holds the text typed."""
    text = text.strip()
    if not text or problems:
        return None
    if customer_id is None:
        problems.append(FieldProblem("contact", text, _("a customer first, then its contact")))
        return None
    found = [
        c for c in customers.list_contacts(ctx, customer_id) if text.casefold() in c.name.casefold()
    ]
    exact = [c for c in found if c.name.casefold() == text.casefold()]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0].id
    problems.append(
        FieldProblem(
            "contact",
            text,
            _("no contact of this customer matches")
            if not found
            else plural(
                len(found), "{n} contact matches: {names}", "{n} contacts match: {names}"
            ).format(n=len(found), names=", ".join(c.name for c in found[:3])),
        )
    )
    return None


def _resolve_customer(
    ctx: Any, text: str, field_name: str, problems: list[FieldProblem]
) -> int | None:
    """A customer from its code, or from a name matching exactly one customer."""
    text = text.strip()
    if not text:
        return None
    found = lists.find_customer_by_code(ctx, text)
    if found is not None:
        return found
    matches = lists.customer_choices(ctx, text, 5)
    if len(matches) == 1:
        return matches[0][0]
    what = (
        _("no customer matches")
        if not matches
        else plural(
            len(matches), "{n} customer matches: {names}", "{n} customers match: {names}"
        ).format(n=len(matches), names=", ".join(m[1] for m in matches[:3]))
    )
    problems.append(FieldProblem(field_name, text, what))
    return None


def _purpose_choice(field_id: str) -> Select[str]:
    """A visit's purpose, development first: the visit's form and the plan's."""
    return compact(
        Select(
            [(label(p), p.value) for p in VisitPurpose],
            id=field_id,
            value=VisitPurpose.DEVELOPMENT.value,
            allow_blank=False,
        )
    )
