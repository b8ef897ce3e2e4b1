"""Users and their SSH keys; open SSH sessions (administrators).

Everyone sees their own keys; whoever manages a user adds and removes theirs (the same
checks as ``salesdesk users add-key``, they live in ``core.services.keys``). Removing a
key ends the sessions opened with it within seconds.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from core.i18n import _
from tui.base import BaseScreen


def _when(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else _("never")


class UsersScreen(BaseScreen):
    TITLE_EN = "Users and keys"
    DEFAULT_CSS = """
    UsersScreen #users { height: 1fr; }
    UsersScreen #keys-title { height: 1; padding: 0 1; color: $text-muted; }
    UsersScreen #keys { height: 8; }
    """
    BINDINGS = [
        Binding("a", "add_key", "Add key", id="users.add_key"),
        Binding("d", "remove_key", "Remove key", id="users.remove_key"),
        Binding("tab", "switch", "Users/keys", id="users.switch", show=False),
        Binding("o", "sessions", "Open sessions", id="users.sessions"),
    ]

    def body(self) -> ComposeResult:
        yield DataTable(id="users", cursor_type="row", zebra_stripes=True)
        yield Static("", id="keys-title")
        yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.load()
        self.query_one("#users", DataTable).focus()

    def load(self) -> None:
        from core.services import users

        table = self.query_one("#users", DataTable)
        table.clear(columns=True)
        table.add_columns(_("Login"), _("Name"), _("Roles"))
        for user in self.guard(users.list_users, self.ctx) or []:
            table.add_row(user.login, user.display_name, ", ".join(user.roles),
                          key=user.login)
        self.show_keys(self.selected_login() or self.ctx.actor.login)

    def selected_login(self) -> str | None:
        table = self.query_one("#users", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value

    @on(DataTable.RowHighlighted, "#users")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value:
            self.show_keys(event.row_key.value)

    def show_keys(self, login: str) -> None:
        from core.services import keys

        table = self.query_one("#keys", DataTable)
        table.clear(columns=True)
        table.add_columns(_("Fingerprint"), _("Comment"), _("Added"), _("By"),
                          _("Last used"))
        found = self.guard(keys.list_keys, self.ctx, login)
        self.query_one("#keys-title", Static).update(
            _("SSH keys of {login}").format(login=login))
        for k in found or []:
            table.add_row(k.fingerprint, k.comment or "-", _when(k.added_at),
                          k.added_by or "-", _when(k.last_used_at), key=k.fingerprint)

    def action_switch(self) -> None:
        users, keys = self.query_one("#users", DataTable), self.query_one("#keys", DataTable)
        (keys if users.has_focus else users).focus()

    def action_add_key(self) -> None:
        from tui.screens.dialogs import PromptDialog

        login = self.selected_login()
        if login is None:
            return

        def chosen(text: str | None) -> None:
            from core.services import keys

            if text and self.guard(keys.add_key, self.ctx, login, text) is not None:
                self.app.notify(_("Key added for {login}").format(login=login))
                self.show_keys(login)

        self.app.push_screen(PromptDialog(
            _("Add an SSH key"), _("Paste the public key (the .pub file's line) of {login}")
            .format(login=login)), chosen)

    def action_remove_key(self) -> None:
        from core.services import keys

        login, table = self.selected_login(), self.query_one("#keys", DataTable)
        if login is None or not table.row_count:
            return
        fingerprint = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        if fingerprint and self.guard(keys.remove_key, self.ctx, login, fingerprint):
            self.app.notify(_("Key removed; sessions opened with it end within seconds"))
            self.show_keys(login)

    def action_sessions(self) -> None:
        self.app.push_screen(SessionsScreen())


class SessionsScreen(BaseScreen):
    TITLE_EN = "Open sessions"
    DEFAULT_CSS = "SessionsScreen #sessions { height: 1fr; }"
    BINDINGS = [
        Binding("e", "end", "End session", id="sessions.end"),
        Binding("f5", "reload", "Refresh", id="sessions.reload"),
    ]

    def body(self) -> ComposeResult:
        yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.action_reload()
        self.query_one(DataTable).focus()

    def action_reload(self) -> None:
        from core.services import sessions

        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(_("User"), _("Kind"), _("From"), _("Node"), _("Since"))
        for s in self.guard(sessions.list_open, self.ctx) or []:
            table.add_row(s.login, _(s.kind), s.client, s.node, _when(s.started_at),
                          key=str(s.id))

    def action_end(self) -> None:
        from core.services import sessions

        table = self.query_one(DataTable)
        if not table.row_count:
            return
        session_id = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        if session_id and self.guard(sessions.request_end, self.ctx, int(session_id)):
            self.app.notify(_("The session ends within seconds"))
            self.action_reload()
