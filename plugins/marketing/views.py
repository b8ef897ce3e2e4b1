"""Screens of the marketing plugin (the only module importing textual): campaigns (list
and detail with budget approval, status, costs and the effect report) and segments (list
and the call list of each, exportable with x in the report view)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from core.i18n import bracketed, labelled, translator
from plugins.marketing.access import sees_money
from plugins.marketing.services import campaigns
from tui.base import BaseScreen, report_error
from tui.format import cell, fit_columns, money
from tui.views import ViewSpec

_ = translator(__file__)  # this plugin's words first

# Stored values -> English titles (translated with _ when shown).
LABELS = {
    "promotion": "Promotion",
    "exhibition": "Exhibition",
    "advertising": "Advertising",
    "call": "Call campaign",
    "other": "Other",
    "planned": "Planned",
    "running": "Running",
    "finished": "Finished",
    "evaluated": "Evaluated",
    "draft": "Draft",
    "submitted": "Submitted",
    "approved": "Approved",
    "rejected": "Rejected",
    "venue": "Venue",
    "materials": "Materials",
    "gifts": "Gifts",
    "staff": "Staff",
    "travel": "Travel",
    # media of a cost line ("exhibition", "phone" and "other" as above)
    "tv": "TV",
    "radio": "Radio",
    "print": "Print",
    "online": "Online",
    "outdoor": "Outdoor",
    "phone": "Phone",
    "direct_mail": "Direct mail",
}


def title(value: str) -> str:
    return _(LABELS.get(value, value))


# Status, approval and budget right after the name: at 80 columns they are what a
# planner and an approver look for, and the dates and type scroll in after them.
CAMPAIGN_COLUMNS = [
    ("code", "Code"),
    ("name", "Campaign"),
    ("status", "Status"),
    ("budget_status", "Budget approval"),
    ("budget", "Budget"),
    ("start", "Start"),
    ("end", "End"),
    ("kind", "Campaign type"),
]


def open_report(screen: BaseScreen, report_id: str, raw: dict[str, Any]) -> None:
    """Run a report and show it in the standard report view (drill-down, chart, export)."""
    from core.reports import run_report
    from tui.screens.report_view import ReportView

    screen.read_then(  # run in a worker; a refusal is reported there
        lambda: run_report(screen.ctx, report_id, raw),
        lambda result: screen.app.push_screen(ReportView(report_id, raw, result)),
        group="open-report",
    )


def open_form(screen: BaseScreen, form_id: str) -> None:
    """Open the entry form, or say why not: the Forms screen would otherwise silently
    show its first form to a user who may not fill this one in."""
    from core.forms import forms_for
    from tui.screens.forms import FormsScreen

    def opened(offered: set[str]) -> None:
        if form_id not in offered:
            screen.notify(
                _("Your role may not fill in this form."), title=_("Not done"), severity="warning"
            )
            return
        screen.app.push_screen(FormsScreen(form_id))

    # the forms are read in a worker (their modules are imported the first time); the
    # keys typed meanwhile wait for the form
    screen.read_then(
        lambda: {form.id for form in forms_for(screen.ctx)},
        opened,
        group="open-form",
        hold_keys=True,
    )


def may(screen: BaseScreen, permission: str) -> bool:
    return bool(screen.ctx.grant.has(permission))


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
        hint = (
            _("Enter opens a campaign; n plans a new one.")
            if may(self, "marketing.plan")
            else _("Enter opens a campaign; e shows its effect.")
        )
        yield Static(hint, id="hint")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="campaigns")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # keys that would only be refused are not shown
        if action == "new" and not may(self, "marketing.plan"):
            return False
        return super().check_action(action, parameters)

    # shown in the campaign's page: left out at 80 columns, where every other column,
    # the end date too, then fits (it was cut: "2")
    NARROW_DROPS = ("start", "kind")

    def on_mount(self) -> None:
        narrow = self.app.size.width < 100
        self.shown_columns = [
            c for c in CAMPAIGN_COLUMNS if not (narrow and c[0] in self.NARROW_DROPS)
        ]
        table = self.query_one(DataTable)
        table.focus()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        self.read_then(lambda: campaigns.list_campaigns(self.ctx), self._show, group="campaigns")

    def _show(self, found: list[Any]) -> None:
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        show_money = sees_money(self.ctx)
        keys = [key for key, _title in self.shown_columns]
        rows = []
        for c in found:
            values = {
                "code": c.code,
                "name": c.name,
                "status": title(c.status),
                "budget_status": title(c.budget_status),
                "budget": money(c.budget if show_money else None),
                "start": cell(c.start),
                "end": cell(c.end),
                "kind": title(c.kind),
            }
            rows.append(tuple(values[key] for key in keys))
        fit_columns(table, [_(t) for _key, t in self.shown_columns], rows, keys=keys)
        for c, row in zip(found, rows, strict=True):
            table.add_row(*row, key=str(c.id))
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))

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
        if current:  # its code is read in a worker, then the report runs in another
            self.read_then(
                lambda: campaigns.get_campaign(self.ctx, current),
                lambda row: open_report(self, "marketing_campaign_effect", {"campaign": row.code}),
                group="campaign",
            )


class CampaignDetail(BaseScreen):
    TITLE_EN = "Campaign"
    DEFAULT_CSS = """
    CampaignDetail #facts { height: auto; padding: 0 1; }
    CampaignDetail #cost-note { height: auto; padding: 0 1; color: $text-muted; }
    CampaignDetail DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("s", "submit", "Submit", id="marketing.campaign.submit"),
        Binding("a", "approve", "Approve", id="marketing.campaign.approve"),
        Binding("r", "reject", "Reject", id="marketing.campaign.reject"),
        Binding("t", "advance", "Advance", id="marketing.campaign.advance"),
        Binding("c", "cost", "Cost+", id="marketing.campaign.cost"),
        Binding("l", "lead", "Lead+", id="marketing.campaign.lead"),
        Binding("e", "effect", "Effect", id="marketing.campaign.effect"),
        Binding("p", "call_list", "Call list", id="marketing.campaign.call_list"),
    ]

    def __init__(self, campaign_id: int) -> None:
        super().__init__()
        self.campaign_id = campaign_id
        self.version: int | None = None
        self.code = ""
        self.status = ""
        self.budget_status = ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Only the keys this user can use on the campaign as it stands are shown, so the
        # footer fits 80 columns; while a budget waits for this user's decision, the
        # decision keys take the place of Cost+ and Lead+. The services check every move.
        if action in self.ALLOWED and not self.ALLOWED[action](self):
            return False
        return super().check_action(action, parameters)

    def _can_submit(self) -> bool:
        return may(self, "marketing.plan") and self.budget_status in ("draft", "rejected")

    def _can_decide(self) -> bool:
        return may(self, "marketing.approve") and self.budget_status == "submitted"

    def _can_advance(self) -> bool:
        if not may(self, "marketing.plan") or self.status == "evaluated":
            return False
        return self.status != "planned" or self.budget_status == "approved"

    def _can_cost(self) -> bool:
        return may(self, "marketing.plan") and self.status != "evaluated" and not self._can_decide()

    def _can_lead(self) -> bool:
        return may(self, "customer.create") and not self._can_decide()

    ALLOWED: ClassVar[dict[str, Callable[[CampaignDetail], bool]]] = {
        "submit": _can_submit,
        "approve": _can_decide,
        "reject": _can_decide,
        "advance": _can_advance,
        "cost": _can_cost,
        "lead": _can_lead,
    }

    def body(self) -> ComposeResult:
        yield Static("", id="facts")
        yield Static("", id="cost-note")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="costs")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title in (
            ("date", "Date"),
            ("category", "Category"),
            ("medium", "Medium"),
            ("description", "Description"),
            ("budget", "Budget"),
            ("actual", "Actual"),
        ):
            table.add_column(_(title), key=key)
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """The campaign, its target and cost lines are read in a worker, then shown."""
        if self.version is None:
            self.query_one("#facts", Static).update(_("Loading…"))
        show_money = sees_money(self.ctx)

        def read() -> tuple[Any, str, list[Any]]:
            c = campaigns.get_campaign(self.ctx, self.campaign_id)
            target = campaigns.target_text(self.ctx, c) or ""
            lines = campaigns.list_costs(self.ctx, self.campaign_id) if show_money else []
            return c, target, lines or []

        self.read_then(read, lambda found: self._show(*found, show_money), group="campaign")

    def _show(self, c: Any, target: str, lines: list[Any], show_money: bool) -> None:
        self.version, self.code = c.version, c.code
        self.status, self.budget_status = c.status, c.budget_status
        self.refresh_bindings()
        budget = f"{c.budget:,.2f}" if show_money else "—"
        self.query_one("#facts", Static).update(
            f"[b]{c.code}[/b] {c.name}  ·  {title(c.kind)}  ·  {c.start} → {c.end}\n"
            + f"{labelled(_('Status'), title(c.status))}  ·  "
            + labelled(_("Budget"), bracketed(budget, title(c.budget_status)))
            + "\n"
            + f"{labelled(_('Target'), target)}  ·  "
            + f"{labelled(_('Products'), ', '.join(c.products) or '—')}  ·  "
            + labelled(_("Channels"), ", ".join(c.channels) or "—")
        )
        table = self.query_one(DataTable)
        table.clear()
        table.display = show_money
        for line in lines:
            table.add_row(
                cell(line.date),
                title(line.category),
                title(line.medium or "—"),
                line.description,
                money(line.budget),
                money(line.actual),
            )
        self.query_one("#cost-note", Static).update(self._cost_note(show_money, lines))

    def _cost_note(self, show_money: bool, lines: list[Any]) -> str:
        """What the cost table shows, or why it is empty or hidden."""
        if not show_money:
            return _("Budgets and costs are shown to marketing staff and executives.")
        if not lines:
            return (
                _("No cost lines yet; c records one.") if self._can_cost() else _("No cost lines.")
            )
        budget = sum((line.budget for line in lines), Decimal(0))
        actual = sum((line.actual for line in lines), Decimal(0))
        return (
            f"{labelled(_('Cost lines'), len(lines))}  ·  "
            f"{labelled(_('Budget'), f'{budget:,.2f}')}  ·  "
            + labelled(_("Actual"), f"{actual:,.2f}")
        )

    def _do(self, fn: Any, *args: Any) -> None:
        """A step in a thread worker (one at a time), then the campaign read again."""

        def done(result: Any) -> None:
            if result is not None:
                self.notify(_("Done"), timeout=2)
            self.reload()

        def failed(exc: BaseException) -> None:
            report_error(self.app, exc)
            self.reload()

        self.write_then(lambda: fn(self.ctx, self.campaign_id, *args), done, failed=failed)

    def action_submit(self) -> None:
        self._do(campaigns.submit_budget, self.version)

    def action_approve(self) -> None:
        self.read_then(
            lambda: campaigns.get_campaign(self.ctx, self.campaign_id),
            self._ask_approve,
            group="approve",
        )

    def _ask_approve(self, c: Any) -> None:
        from tui.screens.dialogs import confirm

        confirm(
            self.app,
            _("Approve the budget"),
            _(
                'Approve the budget of campaign {code} "{name}", {budget}? The campaign '
                "may then start and spend it."
            ).format(code=c.code, name=c.name, budget=f"{c.budget:,.2f}"),
            _("Approve"),
            lambda: self._do(campaigns.decide_budget, True, "", self.version),
        )

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
        hint = (
            _("Enter shows the call list (x exports it); n saves a new segment.")
            if may(self, "marketing.segment")
            else _("Enter shows the call list (x exports it).")
        )
        yield Static(hint, id="hint")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="segments")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new" and not may(self, "marketing.segment"):
            return False
        return super().check_action(action, parameters)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title in (
            ("code", "Segment"),
            ("name", "Name"),
            ("definition", "Definition"),
            ("customers", "Customers"),
            ("buyers", "Buying customers"),
            ("sales", "Sales in window"),
        ):
            table.add_column(_(title), key=key)
        table.focus()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        from core.reports import run_report

        self.read_then(
            lambda: run_report(self.ctx, "marketing_segments", {}), self._show, group="segments"
        )

    def _show(self, result: Any) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for row in result.table("segments").rows:
            table.add_row(
                row[0], row[1], row[2], cell(row[3]), cell(row[4]), money(row[5]), key=row[0]
            )

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
