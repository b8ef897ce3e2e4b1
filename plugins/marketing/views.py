"""Screens of the marketing plugin (the only module importing textual): campaigns (list
and detail with budget approval, status, costs and the effect report) and segments (list
and the call list of each, exportable with x in the report view)."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from core.i18n import translator
from plugins.marketing.access import sees_money
from plugins.marketing.services import campaigns
from tui.base import BaseScreen
from tui.format import cell, money
from tui.views import ViewSpec

_ = translator(__file__)  # this plugin's words first

# Stored values -> English titles (translated with _ when shown).
LABELS = {"promotion": "Promotion", "exhibition": "Exhibition", "advertising": "Advertising",
          "call": "Call campaign", "other": "Other", "planned": "Planned",
          "running": "Running", "finished": "Finished", "evaluated": "Evaluated",
          "draft": "Draft", "submitted": "Submitted", "approved": "Approved",
          "rejected": "Rejected", "venue": "Venue", "materials": "Materials",
          "gifts": "Gifts", "staff": "Staff", "travel": "Travel"}


def title(value: str) -> str:
    return _(LABELS.get(value, value))


CAMPAIGN_COLUMNS = [("code", "Code"), ("name", "Campaign"), ("kind", "Campaign type"),
                    ("start", "Start"), ("end", "End"), ("status", "Status"),
                    ("budget_status", "Budget approval"), ("budget", "Budget")]


def call(screen: BaseScreen, fn: Any, *args: Any) -> Any:
    """Run a service call; any refusal (a bad status move, a stale version, a missing
    right) becomes a message on screen, never a crash. None when it was refused."""
    from tui.base import report_error

    try:
        return fn(*args)
    except Exception as exc:  # a SalesdeskError is shown as is; others are also logged
        report_error(screen.app, exc)
    return None


def open_report(screen: BaseScreen, report_id: str, raw: dict[str, Any]) -> None:
    """Run a report and show it in the standard report view (drill-down, chart, export)."""
    from core.reports import run_report
    from tui.screens.report_view import ReportView

    result = call(screen, run_report, screen.ctx, report_id, raw)
    if result is not None:
        screen.app.push_screen(ReportView(report_id, raw, result))


def open_form(screen: BaseScreen, form_id: str) -> None:
    from tui.screens.forms import FormsScreen

    screen.app.push_screen(FormsScreen(form_id))


class CampaignsScreen(BaseScreen):
    TITLE_EN = "Campaigns"
    DEFAULT_CSS = """
    CampaignsScreen DataTable { height: 1fr; }
    CampaignsScreen #hint { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("n", "new", "New", id="marketing.campaigns.new"),
        Binding("e", "effect", "Effect", id="marketing.campaigns.effect"),
        Binding("f5", "refresh", "Refresh", id="marketing.campaigns.refresh", show=False),
    ]

    def body(self) -> ComposeResult:
        yield Static(_("Enter opens a campaign; n plans a new one."), id="hint")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="campaigns")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title in CAMPAIGN_COLUMNS:
            table.add_column(_(title), key=key)
        table.focus()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        show_money = sees_money(self.ctx)
        for c in call(self, campaigns.list_campaigns, self.ctx) or []:
            table.add_row(c.code, c.name, title(c.kind), cell(c.start), cell(c.end),
                          title(c.status), title(c.budget_status),
                          money(c.budget if show_money else None), key=str(c.id))

    def _current(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(key.value or 0)

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(CampaignDetail(int(event.row_key.value or 0)))

    def action_new(self) -> None:
        open_form(self, "marketing.campaign")

    def action_effect(self) -> None:
        current = self._current()
        row = call(self, campaigns.get_campaign, self.ctx, current) if current else None
        if row is not None:
            open_report(self, "marketing_campaign_effect", {"campaign": row.code})


class CampaignDetail(BaseScreen):
    TITLE_EN = "Campaign"
    DEFAULT_CSS = """
    CampaignDetail #facts { height: auto; padding: 0 1; }
    CampaignDetail DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("s", "submit", "Submit budget", id="marketing.campaign.submit"),
        Binding("a", "approve", "Approve", id="marketing.campaign.approve"),
        Binding("r", "reject", "Reject", id="marketing.campaign.reject", show=False),
        Binding("t", "advance", "Next status", id="marketing.campaign.advance"),
        Binding("c", "cost", "Add cost", id="marketing.campaign.cost"),
        Binding("l", "lead", "Add lead", id="marketing.campaign.lead"),
        Binding("e", "effect", "Effect", id="marketing.campaign.effect"),
        Binding("p", "call_list", "Call list", id="marketing.campaign.call_list"),
    ]

    def __init__(self, campaign_id: int) -> None:
        super().__init__()
        self.campaign_id = campaign_id
        self.version: int | None = None
        self.code = ""

    def body(self) -> ComposeResult:
        yield Static("", id="facts")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="costs")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title in (("date", "Date"), ("category", "Category"), ("medium", "Medium"),
                           ("description", "Description"), ("budget", "Budget"),
                           ("actual", "Actual")):
            table.add_column(_(title), key=key)
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        c = call(self, campaigns.get_campaign, self.ctx, self.campaign_id)
        if c is None:
            return
        self.version, self.code = c.version, c.code
        show_money = sees_money(self.ctx)
        budget = f"{c.budget:,.2f}" if show_money else "—"
        target = call(self, campaigns.target_text, self.ctx, c) or ""
        self.query_one("#facts", Static).update(
            f"[b]{c.code}[/b] {c.name}  ·  {title(c.kind)}  ·  {c.start} → {c.end}\n"
            + _("Status") + f": {title(c.status)}  ·  " + _("Budget") + f": {budget} "
            + f"({title(c.budget_status)})\n"
            + _("Target") + f": {target}  ·  " + _("Products")
            + f": {', '.join(c.products) or '—'}  ·  " + _("Channels")
            + f": {', '.join(c.channels) or '—'}")
        table = self.query_one(DataTable)
        table.clear()
        if show_money:
            for line in call(self, campaigns.list_costs, self.ctx, self.campaign_id) or []:
                table.add_row(cell(line.date), title(line.category), line.medium or "—",
                              line.description, money(line.budget), money(line.actual))

    def _do(self, fn: Any, *args: Any) -> None:
        if call(self, fn, self.ctx, self.campaign_id, *args) is not None:
            self.notify(_("Done"), timeout=2)
        self.reload()

    def action_submit(self) -> None:
        self._do(campaigns.submit_budget, self.version)

    def action_approve(self) -> None:
        self._do(campaigns.decide_budget, True, "", self.version)

    def action_reject(self) -> None:
        from tui.screens.dialogs import PromptDialog

        def done(note: str | None) -> None:
            if note:
                self._do(campaigns.decide_budget, False, note, self.version)

        self.app.push_screen(PromptDialog(_("Reject budget"), _("Why?")), done)

    def action_advance(self) -> None:
        self._do(campaigns.advance, self.version)

    def action_cost(self) -> None:
        open_form(self, "marketing.cost")

    def action_lead(self) -> None:
        open_form(self, "marketing.lead")

    def action_effect(self) -> None:
        open_report(self, "marketing_campaign_effect", {"campaign": self.code})

    def action_call_list(self) -> None:
        open_report(self, "marketing_call_list", {"campaign": self.code})


class SegmentsScreen(BaseScreen):
    TITLE_EN = "Segments"
    DEFAULT_CSS = """
    SegmentsScreen DataTable { height: 1fr; }
    SegmentsScreen #hint { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("n", "new", "New", id="marketing.segments.new"),
        Binding("f5", "refresh", "Refresh", id="marketing.segments.refresh", show=False),
    ]

    def body(self) -> ComposeResult:
        yield Static(_("Enter shows the call list (x exports it); n saves a new segment."),
                     id="hint")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="segments")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title in (("code", "Segment"), ("name", "Name"), ("definition", "Definition"),
                           ("customers", "Customers"), ("buyers", "Buying customers"),
                           ("sales", "Sales in window")):
            table.add_column(_(title), key=key)
        table.focus()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        from core.reports import run_report

        table = self.query_one(DataTable)
        table.clear()
        result = call(self, run_report, self.ctx, "marketing_segments", {})
        if result is None:
            return
        for row in result.table("segments").rows:
            table.add_row(row[0], row[1], row[2], cell(row[3]), cell(row[4]), money(row[5]),
                          key=row[0])

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        open_report(self, "marketing_call_list", {"segment": event.row_key.value})

    def action_new(self) -> None:
        open_form(self, "marketing.segment")


def view_specs() -> list[Any]:
    # Segments need no permission: a rep reads them over their own customers.
    return [
        ViewSpec("campaigns", "Campaigns", "促销活动", lambda ctx: CampaignsScreen(), key="m"),
        ViewSpec("segments", "Segments", "客户细分", lambda ctx: SegmentsScreen()),
    ]
