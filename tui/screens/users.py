"""Users and their SSH keys; open SSH sessions (administrators).

Everyone sees their own keys; whoever manages a user adds and removes theirs (the same
checks as ``salesdesk users add-key``, they live in ``core.services.keys``). Removing a
key ends the sessions opened with it within seconds. Administrators also add users, change
their roles (several may be ticked), region and manager, and deactivate them, through
``core.services.users``: a regional administrator manages only their own region and
below, and grants nothing wider.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label, SelectionList, Static

from core.i18n import _, listed, pick
from tui.base import BaseScreen, read_now, report_error
from tui.screens.dialogs import FormDialog
from tui.widgets.tickbox import TickList

# the users (login, name, roles), whose keys come with them, and those keys (or why not)
UsersRead = tuple[list[tuple[str, str, str]], str, Any]
# Keys only an administrator (group or regional) can use; hidden from everyone else.
MANAGING = {"add_user", "edit_user", "deactivate", "add_key", "remove_key", "sessions"}


def role_titles(ctx: Any, roles: list[str]) -> str:
    """The roles' titles in the reader's language, listed."""
    known = ctx.roles.roles
    return listed(pick(known[r].title_en, known[r].title_zh) if r in known else r for r in roles)


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
        Binding("n", "add_user", "New user", id="users.add"),
        Binding("e", "edit_user", "Change role, region, manager", id="users.edit"),
        Binding("x", "deactivate", "Deactivate user", id="users.deactivate"),
        Binding("a", "add_key", "Add key", id="users.add_key"),
        Binding("d", "remove_key", "Remove key", id="users.remove_key"),
        Binding("tab", "switch", "Users/keys", id="users.switch", show=False),
        Binding("o", "sessions", "Open sessions", id="users.sessions"),
    ]

    _keys_of: str | None = None  # whose keys are shown

    def __init__(self) -> None:
        super().__init__()
        # the users and the first one's keys, read from when the screen is made: in its
        # first frame when read by the time it is mounted (filled from a worker, they
        # came two frames later)
        self._ahead: Future[UsersRead] | None = read_now(self._reader(None))

    def body(self) -> ComposeResult:
        yield DataTable(id="users", cursor_type="row", zebra_stripes=True)
        yield Static("", id="keys-title")
        yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            self.show_read(ahead, lambda read: self._show_users(*read), group="users")
        else:
            self.load()
        self.query_one("#users", DataTable).focus()

    def load(self) -> None:
        """The users, and the keys of the one the cursor will be on, in one read (the keys
        read in a second worker once the users were drawn was a second wait for the UI
        thread before the screen showed its data)."""
        fetch = self._reader(self.selected_login())
        self.read_then(fetch, lambda read: self._show_users(*read), group="users")

    def _reader(self, keep: str | None) -> Callable[[], UsersRead]:
        """What reads the users, and the keys of ``keep`` (else the first user's)."""
        from core.services import keys, users

        ctx = self.ctx  # here: in the reading thread, a screen not mounted yet has no app

        def fetch() -> UsersRead:
            rows = [
                (u.login, u.display_name, role_titles(ctx, u.roles)) for u in users.list_users(ctx)
            ]
            logins = [row[0] for row in rows]
            login = keep if keep in logins else (logins[0] if logins else ctx.actor.login)
            try:
                found: Any = keys.list_keys(ctx, login)
            except Exception as exc:  # reported when shown; the users are shown anyway
                found = exc
            return rows, login, found

        return fetch

    def _show_users(self, rows: list[tuple[str, str, str]], login: str, found: Any) -> None:
        table = self.query_one("#users", DataTable)
        table.clear(columns=True)
        table.add_columns(_("Login"), _("Name"), _("Roles"))
        for user_login, name, roles in rows:
            table.add_row(user_login, name, roles, key=user_login)
        logins = [row[0] for row in rows]
        if login in logins:
            table.move_cursor(row=logins.index(login))
        if isinstance(found, Exception):
            report_error(self.app, found)
            found = []
        self._show_keys(login, found)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MANAGING:
            grant = self.ctx.grant
            return grant.has("user.manage") or grant.has("user.manage_region")
        return True

    def selected_login(self) -> str | None:
        table = self.query_one("#users", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value

    @on(DataTable.RowHighlighted, "#users")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        # (the cursor set as the users are drawn lands on the user whose keys came
        # with them: not read again)
        login = event.row_key.value
        if login and login == self.selected_login() and login != self._keys_of:
            self.show_keys(login)  # (an event from a row the cursor has left: ignored)

    def show_keys(self, login: str) -> None:
        from core.services import keys

        self.read_then(
            lambda: keys.list_keys(self.ctx, login),
            lambda found: self._show_keys(login, found),
            group="keys",
        )

    def _show_keys(self, login: str, found: list[Any]) -> None:
        self._keys_of = login
        table = self.query_one("#keys", DataTable)
        table.clear(columns=True)
        table.add_columns(_("Fingerprint"), _("Comment"), _("Added"), _("By"), _("Last used"))
        self.query_one("#keys-title", Static).update(_("SSH keys of {login}").format(login=login))
        for k in found or []:
            table.add_row(
                k.fingerprint,
                k.comment or "-",
                _when(k.added_at),
                k.added_by or "-",
                _when(k.last_used_at),
                key=k.fingerprint,
            )

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

            if not text:
                return

            def added(_key: Any) -> None:
                self.app.notify(_("Key added for {login}").format(login=login))
                self.show_keys(login)

            self.write_then(lambda: keys.add_key(self.ctx, login, text), added)

        self.app.push_screen(
            PromptDialog(
                _("Add an SSH key"),
                _("Paste the public key (the .pub file's line) of {login}").format(login=login),
            ),
            chosen,
        )

    def action_remove_key(self) -> None:
        from core.services import keys

        login, table = self.selected_login(), self.query_one("#keys", DataTable)
        if login is None or not table.row_count:
            return
        fingerprint = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        if not fingerprint:
            return

        def removed(done: Any) -> None:
            if done:
                self.app.notify(_("Key removed; sessions opened with it end within seconds"))
                self.show_keys(login)

        self.write_then(lambda: keys.remove_key(self.ctx, login, fingerprint), removed)

    def action_sessions(self) -> None:
        self.app.push_screen(SessionsScreen())

    # -- users -----------------------------------------------------------------------------

    def _choices(self) -> dict[str, list[tuple[str, Any]]]:
        """Role titles, regions and possible managers, named as the reader knows them."""
        from core.services import organisation, users

        known = self.ctx.roles.roles
        roles = sorted(
            ((pick(spec.title_en, spec.title_zh), name) for name, spec in known.items()),
            key=lambda c: c[0],
        )
        grant = self.ctx.grant
        # a regional administrator places users only inside their own region and below
        regions = [
            ("  " * n.depth + n.region.name, n.region.id)
            for n in organisation.list_regions(self.ctx)
            if grant.has("user.manage") or n.region.id in grant.region_ids
        ]
        managers = [(u.display_name, u.id) for u in users.list_users(self.ctx)]
        return {"roles": roles, "region_id": regions, "manager_id": managers}

    def _keep_inactive(
        self, choices: dict[str, list[tuple[str, Any]]], current: dict[str, Any]
    ) -> None:
        """A since-deactivated region or manager of the user is still offered (marked),
        so saving other changes keeps it rather than clearing it."""
        from core.services import organisation, users

        names = {
            "region_id": {
                n.region.id: n.region.name for n in organisation.list_regions(self.ctx, True)
            },
            "manager_id": {u.id: u.display_name for u in users.list_users(self.ctx, True)},
        }
        for field, value in current.items():
            if value is not None and value not in {v for _t, v in choices[field]}:
                label = f"{names[field].get(value, value)} {_('(deactivated)')}"
                choices[field].append((label, value))

    def _done(self, message: str) -> None:
        self.app.notify(message)
        self.load()

    def _place_specs(self, choices: dict[str, list[tuple[str, Any]]]) -> list[Any]:
        from tui.widgets.form import FieldSpec

        return [
            FieldSpec(name, title, choices=choices[name])
            for name, title in (("region_id", "Region"), ("manager_id", "Manager"))
        ]

    def action_add_user(self) -> None:

        self.read_then(self._choices, self._add_dialog, group="choices", hold_keys=True)

    def _add_dialog(self, choices: dict[str, list[tuple[str, Any]]]) -> None:
        from core.services import users
        from tui.widgets.form import FieldSpec

        specs = [
            FieldSpec("login", "Login"),
            FieldSpec("display_name", "Name"),
            FieldSpec("email", "Email"),
            *self._place_specs(choices),
        ]

        def add(v: dict[str, Any]) -> Any:
            return users.add_user(self.ctx, v)

        self.app.push_screen(
            UserDialog(_("New user"), specs, {}, choices["roles"], [], add),
            lambda r: r and self._done(_("User added.")),
        )

    def action_edit_user(self) -> None:
        from core.services import users

        login = self.selected_login()
        if not login:
            return

        def read() -> tuple[Any, dict[str, list[tuple[str, Any]]]]:
            user = users.find_user(self.ctx, login)
            choices = self._choices()
            self._keep_inactive(
                choices, {"region_id": user.region_id, "manager_id": user.manager_id}
            )
            return user, choices

        self.read_then(
            read, lambda found: self._edit_dialog(*found), group="choices", hold_keys=True
        )

    def _edit_dialog(self, user: Any, choices: dict[str, list[tuple[str, Any]]]) -> None:
        from core.services import users
        from tui.widgets.form import FieldSpec

        before = {
            "email": user.email or "",
            "region_id": user.region_id,
            "manager_id": user.manager_id,
        }

        def change(v: dict[str, Any]) -> bool:
            # the roles first: a refused grant leaves region and manager as they were
            if set(v["roles"]) != set(user.roles):
                users.set_roles(self.ctx, user.login, v["roles"])
            typed = {**v, "email": v.get("email") or ""}
            moved = {k: typed[k] for k in before if typed[k] != before[k]}
            if moved:
                users.update_user(self.ctx, user.login, moved)
            return True

        self.app.push_screen(
            UserDialog(
                _("Change {name}").format(name=user.display_name),
                [FieldSpec("email", "Email"), *self._place_specs(choices)],
                before,
                choices["roles"],
                list(user.roles),
                change,
            ),
            lambda r: r and self._done(_("User changed.")),
        )

    def action_deactivate(self) -> None:
        from core.services import users

        login = self.selected_login()
        if login:
            self.read_then(
                lambda: users.find_user(self.ctx, login), self._ask_deactivate, group="choices"
            )

    def _ask_deactivate(self, user: Any) -> None:
        from core.services import users
        from tui.screens.dialogs import confirm

        def deactivate() -> None:
            self.write_then(
                lambda: users.deactivate(self.ctx, user.login),
                lambda _r: self._done(
                    _("{name} can no longer sign in.").format(name=user.display_name)
                ),
            )

        confirm(
            self.app,
            _("Deactivate user"),
            _("Deactivate {name}? They can no longer sign in; their records stay.").format(
                name=user.display_name
            ),
            _("Deactivate"),
            deactivate,
        )


class UserDialog(FormDialog):
    """A user's fields and their roles, ticked in a list: a user may hold several roles
    (a manager who also approves credit). The services decide what the granter may give:
    a grant never exceeds the granter's own scope."""

    DEFAULT_CSS = (
        FormDialog.DEFAULT_CSS.replace("FormDialog", "UserDialog")
        + """
    UserDialog #roles-title { color: $text-muted; }
    UserDialog SelectionList { height: auto; max-height: 7; border: none; padding: 0 1; }
    """
    )

    def __init__(
        self,
        title: str,
        specs: list[Any],
        values: dict[str, Any],
        roles: list[tuple[str, str]],
        held: list[str],
        submit: Any,
    ) -> None:
        super().__init__(title, specs, values, submit)
        self.role_choices, self.held = roles, list(held)

    def compose(self) -> ComposeResult:
        from tui.widgets.form import FormFields

        with Vertical():
            yield Label(self.title_text, classes="title")
            yield FormFields(self.specs, self.values)
            yield Label(_("Roles"), id="roles-title")
            yield TickList(
                *[(title, name, name in self.held) for title, name in self.role_choices],
                id="f-roles",
            )
            yield Static(
                _("Space ticks or unticks a role. Ctrl+S saves, Escape cancels."), classes="keys"
            )

    def roles(self) -> list[str]:
        """The ticked roles, in the list's order."""
        ticked = set(self.query_one("#f-roles", SelectionList).selected)
        return [name for _title, name in self.role_choices if name in ticked]

    def unsaved_input(self) -> bool:
        return super().unsaved_input() or set(self.roles()) != set(self.held)

    def typed(self) -> dict[str, Any]:
        return {**super().typed(), "roles": self.roles()}


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

        def show(found: list[Any]) -> None:
            table = self.query_one(DataTable)
            table.clear(columns=True)
            table.add_columns(_("User"), _("Kind"), _("From"), _("Node"), _("Since"))
            for s in found:
                table.add_row(
                    s.login, _(s.kind), s.client, s.node, _when(s.started_at), key=str(s.id)
                )

        self.read_then(lambda: sessions.list_open(self.ctx), show, group="sessions")

    def action_end(self) -> None:
        from core.services import sessions

        table = self.query_one(DataTable)
        if not table.row_count:
            return
        session_id = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        if not session_id:
            return

        def ended(done: Any) -> None:
            if done:
                self.app.notify(_("The session ends within seconds"))
                self.action_reload()

        self.write_then(lambda: sessions.request_end(self.ctx, int(session_id)), ended)
