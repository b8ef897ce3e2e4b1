"""Admin (administrators): the region tree, channels and company settings, by keyboard.

Everything goes through ``core.services.organisation``, so a regional admin sees the
whole tree but changes only their own subtree, and every change is audited. Nothing is
deleted: ``d`` deactivates (and activates again).
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from core.errors import SalesdeskError
from core.i18n import _, current_lang
from tui.base import BaseScreen, read_now, report_error
from tui.screens.dialogs import FormDialog, PromptDialog
from tui.widgets.form import FieldSpec
from tui.widgets.later_pane import LaterPane

KINDS = [("Group", "group"), ("Region", "region"), ("Office / branch", "office")]
# a channel's kind as people say it (the service keeps the code; another kind shows as is)
CHANNEL_KINDS = [
    ("Direct", "direct"),
    ("Distributor", "distributor"),
    ("Retail", "retail"),
    ("Online", "online"),
]


class AdminScreen(BaseScreen):
    TITLE_EN = "Admin"
    # The regions' table from the start: given to the first focusable widget (the tabs)
    # and then moved to the table, the focus restyled the tabs twice, rebuilt the footer
    # and drew the whole screen once more as Admin opened.
    AUTO_FOCUS = "#regions"
    DEFAULT_CSS = """
    AdminScreen TabbedContent, AdminScreen ContentSwitcher, AdminScreen TabPane {
        height: 1fr; }
    AdminScreen DataTable { height: 1fr; }
    AdminScreen #admin-hint { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("n", "new", "New", id="admin.new"),
        Binding("r", "rename", "Rename", id="admin.rename"),
        Binding("m", "move", "Move", id="admin.move"),
        Binding("d", "toggle_active", "Deactivate/activate", id="admin.toggle"),
        Binding("e", "edit_company", "Company settings", id="admin.company"),
        Binding("o", "numbering", "Numbering offices", id="admin.numbering"),
        Binding("w", "setup", "Set-up guide", id="admin.setup"),
    ]
    codes: dict[int, str] = {}  # region id -> code, once read (load)

    def __init__(self) -> None:
        super().__init__()
        # what the tabs show, read from when the screen is made (in the first frame when
        # read by the time it is mounted: filled from a worker, it came two frames later)
        ctx = self.ctx
        self._ahead: Future[Found] | None = read_now(lambda: _read(ctx))
        self._found: Found | None = None  # the last read, for the tabs made later

    def body(self) -> ComposeResult:
        from core.services.organisation import REGION_RULE_EN, REGION_RULE_ZH

        zh = current_lang() == "zh_CN"
        yield Static(REGION_RULE_ZH if zh else REGION_RULE_EN, id="admin-hint")
        with TabbedContent(id="admin-tabs"):
            with TabPane(_("Regions"), id="tab-regions"):
                yield DataTable(id="regions", cursor_type="row", zebra_stripes=True)
            # the channels and the company settings are made the first time their tab is
            # shown (_tab_shown): composed and styled unseen, they were a third of the
            # widgets Admin opened with
            yield LaterPane(_("Channels"), self._channels_pane, id="tab-channels")
            yield LaterPane(_("Company"), self._company_pane, id="tab-company")

    def _channels_pane(self) -> ComposeResult:
        yield DataTable(id="channels", cursor_type="row", zebra_stripes=True)

    def _company_pane(self) -> ComposeResult:
        yield DataTable(id="company", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            self.show_read(ahead, lambda found: self._show(*found), group="organisation")
        else:
            self.load()
        self.query_one("#regions", DataTable).focus()

    @on(TabbedContent.TabActivated, "#admin-tabs")
    async def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()  # the footer shows only the keys that act on this tab
        pane = event.pane
        if isinstance(pane, LaterPane) and not pane.made and await pane.make():
            self._fill(pane.id or "")  # with what was read, if it is in yet

    # -- showing -------------------------------------------------------------------------

    def load(self) -> None:
        ctx = self.ctx
        self.read_then(lambda: _read(ctx), lambda found: self._show(*found), group="organisation")

    def _show(
        self, regions: list[Any], channels: list[Any], s: Any, numbering: dict[str, Any]
    ) -> None:
        self._found = (regions, channels, s, numbering)
        self.codes = {n.region.id: n.region.code for n in regions}
        for pane in ("tab-regions", "tab-channels", "tab-company"):
            self._fill(pane)

    def _fill(self, pane_id: str) -> None:
        """The tab's table filled with what was read last, if the tab is made."""
        from core.services import organisation as org

        if self._found is None or not self._made(pane_id):
            return
        regions, channels, s, numbering = self._found
        if pane_id == "tab-regions":
            table = self._table("regions", _("Code"), _("Name"), _("Kind"), _("State"))
            for node in regions:
                r = node.region
                table.add_row(
                    "  " * node.depth + r.code,
                    r.name,
                    _(dict(KINDS_BY_VALUE).get(r.kind, r.kind)),
                    _state(r.active),
                    key=str(r.id),
                )
        elif pane_id == "tab-channels":
            table = self._table(
                "channels", _("Code"), _("Name"), _("Kind"), _("Region"), _("State")
            )
            for ch in channels:
                table.add_row(
                    ch.code,
                    ch.name,
                    channel_kind_title(ch.kind),
                    self.codes.get(ch.region_id, "-"),
                    _state(ch.active),
                    key=str(ch.id),
                )
        elif pane_id == "tab-company":
            table = self._table("company", _("Setting"), _("Value"))
            for label, value in (
                (_("Name"), s.name or "-"),
                (_("Currency"), s.currency),
                (_("Fiscal year starts in month"), str(s.fiscal_year_start)),
                (_("Default VAT rate"), org.percent(s.vat_rate)),
                (_("Time zone"), s.timezone or _("the server's own")),
            ):
                table.add_row(label, value)
            from core.services.numbering import series_titles

            titles = series_titles(self.ctx.plugins)
            for series, rule in numbering.items():
                table.add_row(
                    _("Numbering of {series}").format(series=titles.get(series, series)),
                    numbering_text(rule),
                    key=f"numbering:{series}",
                )

    def _made(self, pane_id: str) -> bool:
        """Whether the tab's content is there (see LaterPane)."""
        pane = self.query_one(f"#{pane_id}")
        return not isinstance(pane, LaterPane) or pane.made

    def _table(self, table_id: str, *columns: str) -> DataTable[Any]:
        """The table emptied; the cursor goes back to the same record once it is filled
        (a moved region changes its place in the tree)."""
        table: DataTable[Any] = self.query_one(f"#{table_id}", DataTable)
        keep = self._selected(table_id) if table_id != "company" else None
        table.clear(columns=True)
        table.add_columns(*columns)

        def restore() -> None:
            keys = [k.value for k in table.rows]
            if keep is not None and str(keep) in keys:
                table.move_cursor(row=keys.index(str(keep)))

        table.call_after_refresh(restore)
        return table

    def _try(self, fn: Any, *args: Any) -> Any:
        """Run a service call; a refusal (a bad move, a conflict) becomes a message."""
        try:
            return fn(*args)
        except SalesdeskError as exc:
            report_error(self.app, exc)
            return None

    def _tab(self) -> str:
        return self.query_one(TabbedContent).active.removeprefix("tab-")

    def _selected(self, table_id: str) -> int | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return int(key) if key else None

    def _done(self, message: str) -> None:
        self.load()
        self.app.notify(message)

    # -- actions -------------------------------------------------------------------------

    def action_new(self) -> None:
        from core.services import organisation as org

        if self._tab() == "channels":
            specs = [
                FieldSpec("code", "Code"),
                FieldSpec("name", "Name"),
                FieldSpec("kind", "Kind", choices=[(_(t), v) for t, v in CHANNEL_KINDS]),
                FieldSpec("region", "Region", placeholder="region code"),
            ]

            def add_channel(v: dict[str, Any]) -> Any:
                return org.add_channel(
                    self.ctx,
                    {
                        "code": v["code"],
                        "name": v["name"],
                        "kind": v["kind"] or "direct",
                        "region_id": self._region_id(v["region"]),
                    },
                )

            self.app.push_screen(
                FormDialog(_("New channel"), specs, {}, add_channel),
                lambda r: r and self._done(_("Channel saved.")),
            )
            return
        parent = self.codes.get(self._selected("regions") or 0, "")
        specs = [
            FieldSpec("code", "Code"),
            FieldSpec("name", "Name"),
            FieldSpec("kind", "Kind", choices=[(_(t), v) for t, v in KINDS]),
            FieldSpec("parent", "Parent region", placeholder="region code"),
        ]

        def add_region(v: dict[str, Any]) -> Any:
            return org.add_region(
                self.ctx,
                {
                    "code": v["code"],
                    "name": v["name"],
                    "kind": v["kind"] or "region",
                    "parent_id": self._region_id(v["parent"]),
                },
            )

        self.app.push_screen(
            FormDialog(_("New region"), specs, {"parent": parent, "kind": "office"}, add_region),
            lambda r: r and self._done(_("Region saved.")),
        )

    def action_rename(self) -> None:
        from core.services import organisation as org

        tab = self._tab()
        record_id = self._selected(tab) if tab in ("regions", "channels") else None
        if record_id is None:
            return

        def rename(name: str | None) -> None:
            if not name:
                return
            if tab == "regions":
                done = self._try(org.rename_region, self.ctx, record_id, name)
            else:
                done = self._try(
                    org.update_channel, self.ctx, record_id, {"name": name}, None, "rename"
                )
            if done is not None:
                self._done(_("Renamed."))

        self.app.push_screen(PromptDialog(_("Rename"), _("New name:")), rename)

    def action_move(self) -> None:
        from core.services import organisation as org

        tab = self._tab()
        record_id = self._selected(tab) if tab in ("regions", "channels") else None
        if record_id is None:
            return

        def move(code: str | None) -> None:
            if code is None:
                return
            parent = self._try(self._region_id, code)
            if parent is None and code.strip():
                return
            if tab == "regions":
                done = self._try(org.move_region, self.ctx, record_id, parent)
            else:
                done = self._try(
                    org.update_channel, self.ctx, record_id, {"region_id": parent}, None, "move"
                )
            if done is not None:
                self._done(_("Moved; reports count past sales under the new region."))

        prompt = (
            _("Code of the new parent region (empty: top level):")
            if tab == "regions"
            else _("Code of the channel's region (empty: company-wide):")
        )
        self.app.push_screen(PromptDialog(_("Move"), prompt), move)

    def action_toggle_active(self) -> None:
        from core.models import Channel, Region
        from core.services import organisation as org

        tab = self._tab()
        record_id = self._selected(tab) if tab in ("regions", "channels") else None
        if record_id is None:
            return
        with self.ctx.reading() as session:
            row = session.get(Region if tab == "regions" else Channel, record_id)
        if row is None:
            return
        if tab == "regions":
            done = self._try(org.set_region_active, self.ctx, record_id, not row.active)
        else:
            done = self._try(
                org.update_channel,
                self.ctx,
                record_id,
                {"active": not row.active},
                None,
                "activate" if not row.active else "deactivate",
            )
        if done is not None:
            self._done(_("Activated.") if not row.active else _("Deactivated."))

    def action_edit_company(self) -> None:
        from core.services import organisation as org

        s = org.company_settings(self.ctx)
        specs = [
            FieldSpec("name", "Name"),
            FieldSpec("currency", "Currency"),
            FieldSpec("fiscal_year_start", "Fiscal year starts in month"),
            FieldSpec("vat_rate", "Default VAT rate", placeholder="0.13"),
            FieldSpec("timezone", "Time zone", placeholder="Asia/Shanghai; empty: the server's"),
        ]
        values = {k: str(v) for k, v in s.model_dump().items()}
        self.app.push_screen(
            FormDialog(
                _("Company settings"),
                specs,
                values,
                lambda v: org.set_company(self.ctx, {k: x for k, x in v.items() if x != values[k]}),
            ),
            lambda r: r and self._done(_("Company settings saved.")),
        )

    def action_numbering(self) -> None:
        """How a document series is numbered, with each office's own range (编号规则):
        the selected series on the Company tab, else a new one."""
        from core.services.numbering import (
            NumberingRule,
            parse_offices,
            series_named,
            series_titles,
            set_rule,
        )

        series = ""
        found = self.query("#company")  # made when its tab was first shown
        table = found.first(DataTable) if found else None
        if self._tab() == "company" and table is not None and table.row_count:
            key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value or ""
            series = key.removeprefix("numbering:") if key.startswith("numbering:") else ""
        # the rules as the Company tab read them (not read again on the UI thread)
        rule = (self._found[3] if self._found else {}).get(series) or NumberingRule()
        plugins = self.ctx.plugins
        titles = series_titles(plugins)
        known = list(titles.values())  # an example the reader knows by name
        example = _("e.g. {series}").format(series=known[0]) if known else ""
        specs = [
            FieldSpec("series", "Document series", placeholder=example),
            FieldSpec("prefix", "Prefix"),
            FieldSpec("width", "Digits"),
            FieldSpec("offices", "Offices", placeholder="SH=1, BJ=20001"),
        ]
        values = {
            "series": titles.get(series, series) if series else "",
            "prefix": rule.prefix,
            "width": str(rule.width),
            "offices": ", ".join(f"{o}={n}" for o, n in rule.offices.items()),
        }

        def save(v: dict[str, Any]) -> Any:
            name = series_named(plugins, v["series"] or "")
            if not name:
                from core.errors import FieldProblem, ValidationFailed

                raise ValidationFailed(
                    [FieldProblem("series", "", _("the name of a document series"))], _("numbering")
                )
            return set_rule(
                self.ctx,
                name,
                {
                    "prefix": (v["prefix"] or "").strip(),
                    "width": (v["width"] or "5").strip(),
                    "offices": parse_offices(v["offices"] or ""),
                },
            )

        self.app.push_screen(
            FormDialog(
                _("Numbering of {series}").format(series=values["series"])
                if series
                else _("Numbering offices"),
                specs,
                values,
                save,
            ),
            lambda r: r and self._done(_("Numbering saved.")),
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Each key is offered (in the footer and under ?) and acts only on the tab it
        acts on: False hides it, and Textual then does not run it either."""
        if action in RECORD_ACTIONS:  # regions and channels: not on the Company tab
            return self._shown_tab() in ("regions", "channels")
        if action not in COMPANY_ACTIONS:
            return True
        if self._shown_tab() != "company":
            return False
        if action == "numbering":  # a company setting: hidden from who may not change it
            return self.ctx.grant.has("settings.manage")
        if action == "setup":  # the group admin's, like the guide itself
            from core.services.setup import may_set_up

            return may_set_up(self.ctx)
        return True

    def _shown_tab(self) -> str:
        """The tab shown, "" before the tabs are there."""
        found = self.query("#admin-tabs")
        return found.first(TabbedContent).active.removeprefix("tab-") if found else ""

    def action_setup(self) -> None:
        from tui.screens.setup import reopen

        reopen(self.app)

    def _region_id(self, code: str | None) -> int | None:
        from core.services.organisation import find_region

        code = (code or "").strip()
        return find_region(self.ctx, code).id if code else None


KINDS_BY_VALUE = [(v, t) for t, v in KINDS]
# the keys that add, rename, move or (de)activate a region or a channel
RECORD_ACTIONS = frozenset({"new", "rename", "move", "toggle_active"})
# the keys of the Company tab: its settings, the numbering of documents, the set-up guide
COMPANY_ACTIONS = frozenset({"edit_company", "numbering", "setup"})
# what Admin's tabs show: the region tree, the channels, the company settings and the
# numbering rules (those who may not read them get none)
Found = tuple[list[Any], list[Any], Any, dict[str, Any]]


def _read(ctx: Any) -> Found:
    from core.services import organisation as org
    from core.services.numbering import list_rules

    try:
        rules = list_rules(ctx)
    except SalesdeskError:  # numbering is shown only to those who may read it
        rules = {}
    return (
        org.list_regions(ctx, include_inactive=True),
        org.list_channels(ctx, include_inactive=True),
        org.company_settings(ctx),
        rules,
    )


def channel_kind_title(kind: str) -> str:
    """A channel's kind in the reader's language ("经销商" for distributor)."""
    return next((_(title) for title, value in CHANNEL_KINDS if value == kind), kind)


def numbering_text(rule: Any) -> str:
    """ "FQ, 5 digits; SH from 1, BJ from 20001" (no offices: one company-wide range)."""
    head = _("{prefix}, {width} digits").format(prefix=rule.prefix or "—", width=rule.width)
    if not rule.offices:
        return head + "; " + _("one range for the whole company")
    return (
        head
        + "; "
        + ", ".join(
            _("{office} from {first}").format(office=o, first=n)
            for o, n in sorted(rule.offices.items(), key=lambda item: item[1])
        )
    )


def _state(active: bool) -> str:
    return _("active") if active else _("deactivated")
