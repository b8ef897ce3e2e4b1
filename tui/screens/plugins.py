"""Plugins (administrators): what is installed, on or off, and what went wrong."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from core.i18n import _, labelled, listed
from tui.base import BaseScreen, report_error

# What each hook a plugin implements gives the user, in business words.
HOOK_TITLES = {
    "funnels": "sales funnels",
    "forms": "forms",
    "reports": "reports",
    "exporters": "export formats",
    "forecasting_methods": "forecasting methods",
    "forecast_drivers": "forecast drivers",
    "roles": "roles",
    "permissions": "permissions",
    "document_series": "document numbering",
    "migrations": "its own tables",
    "translations": "Chinese wording",
    "demo_data": "demo data",
    "cli_commands": "command-line commands",
    "customer_created": "acts on new customers",
    "customer_updated": "acts on customer changes",
    "opportunity_created": "acts on new deals",
    "opportunity_stage_changed": "acts on stage changes",
    "activity_logged": "acts on visits",
    "sales_lines_imported": "acts on imported sales",
    "move_open_records": "takes part in handovers",
    "views": "screens",
}


def hook_title(hook: str) -> str:
    name = hook.removeprefix("salesdesk_")
    return _(HOOK_TITLES[name]) if name in HOOK_TITLES else name


class PluginsScreen(BaseScreen):
    TITLE_EN = "Plugins"
    DEFAULT_CSS = """
    PluginsScreen #plugins { height: 1fr; }
    PluginsScreen #detail { height: auto; max-height: 8; padding: 0 1; }
    """
    BINDINGS = [
        Binding("space", "toggle", "Enable/disable", id="plugins.toggle"),
    ]

    def body(self) -> ComposeResult:
        yield DataTable(id="plugins", cursor_type="row", zebra_stripes=True)
        yield Static("", id="detail")

    def on_mount(self) -> None:
        self.load()
        self.query_one(DataTable).focus()

    def load(self) -> None:
        plugins = self.ctx.plugins
        plugins.roles  # noqa: B018  (contribution hooks run, so their errors are recorded)
        plugins.funnels  # noqa: B018
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(_("Plugin"), _("Version"), _("Origin"), _("State"), _("Error"))
        for info in sorted(plugins.info.values(), key=lambda i: i.name):
            state = (
                _("failed")
                if info.enabled and info.failed
                else _("on")
                if info.enabled and info.loaded
                else _("off")
            )
            table.add_row(
                info.name,
                info.version or "-",
                _(info.origin),
                state,
                (info.last_error or "")[:60],
                key=info.name,
            )

    @on(DataTable.RowHighlighted)
    def _detail(self, event: DataTable.RowHighlighted) -> None:
        info = self.ctx.plugins.info.get(event.row_key.value or "")
        if info is None:
            return
        hooks = listed(hook_title(h) for h in info.hooks) or "-"
        errors = "\n".join(info.errors[-3:]) or info.last_error
        self.query_one("#detail", Static).update(
            f"[b]{info.name}[/b]  {labelled(_('Adds'), hooks)}"
            + (f"\n[red]{errors}[/red]" if errors else "")
        )

    def action_toggle(self) -> None:
        from core.services import company

        table = self.query_one(DataTable)
        if not table.row_count:
            return
        name = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value or ""
        info = self.ctx.plugins.info.get(name)
        if info is None:
            return
        enabled = not info.enabled
        try:
            company.set_plugin_enabled(self.ctx, name, enabled)
        except Exception as exc:
            report_error(self.app, exc)
            return
        info.enabled = enabled
        self.app.notify(
            _("{name} is {state}; restart salesdesk to apply").format(
                name=name, state=_("enabled") if enabled else _("disabled")
            )
        )
        self.load()
