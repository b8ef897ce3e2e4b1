"""The Users and keys screen (key 9): everyone sees their own SSH keys; an admin adds
and removes keys and ends open SSH sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from serve_helpers import make_key
from tui_helpers import aio, keep_errors, settle

from core.services import keys
from core.services import sessions as records


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    app = SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)
    app.shown_errors = keep_errors(app)
    return app


def cells(table: Any) -> list[tuple[str, ...]]:
    return [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


@aio
async def test_a_rep_sees_only_their_own_keys(tui_world: dict[str, Any], tmp_path: Path) -> None:
    rep, rep2, admin = tui_world["rep"], tui_world["rep2"], tui_world["admin"]
    mine = keys.add_key(admin, rep.actor.login, make_key(tmp_path, "mine")[1])
    keys.add_key(admin, rep2.actor.login, make_key(tmp_path, "theirs")[1])
    async with app_for(rep).run_test(size=(100, 30)) as pilot:
        await pilot.press("9")
        await settle(pilot)
        screen = pilot.app.screen
        assert [row[0] for row in cells(screen.query_one("#users"))] == [rep.actor.login]
        assert [row[0] for row in cells(screen.query_one("#keys"))] == [mine.fingerprint]
        await pilot.press("d")  # a rep may not remove even their own key
        await settle(pilot)
        assert [row[0] for row in cells(screen.query_one("#keys"))] == [mine.fingerprint]


@aio
async def test_admin_adds_and_removes_a_key(tui_world: dict[str, Any], tmp_path: Path) -> None:
    admin, rep = tui_world["admin"], tui_world["rep"]
    public = make_key(tmp_path, "new")[1]
    async with app_for(admin).run_test(size=(100, 30)) as pilot:
        await pilot.press("9")
        await settle(pilot)
        screen = pilot.app.screen
        users = screen.query_one("#users")
        users.move_cursor(row=[r[0] for r in cells(users)].index(rep.actor.login))
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        pilot.app.screen.query_one("Input").value = public.strip()
        await pilot.press("enter")
        await settle(pilot)
        (added,) = keys.list_keys(admin, rep.actor.login)
        assert [r[0] for r in cells(screen.query_one("#keys"))] == [added.fingerprint]
        await pilot.press("tab", "d")
        await settle(pilot)
        assert keys.list_keys(admin, rep.actor.login) == []
        assert cells(screen.query_one("#keys")) == []


@aio
async def test_admin_ends_an_open_session(tui_world: dict[str, Any], tmp_path: Path) -> None:
    admin, rep = tui_world["admin"], tui_world["rep"]
    row = keys.add_key(admin, rep.actor.login, make_key(tmp_path, "k")[1])
    owner = records.key_owner(admin.db, row.fingerprint)
    session_id, _secret = records.record_start(
        admin.db, owner, fingerprint=row.fingerprint, client="10.0.0.5:5000", node="n1", kind="app"
    )
    async with app_for(admin).run_test(size=(100, 30)) as pilot:
        await pilot.press("9", "o")
        await settle(pilot)
        table = pilot.app.screen.query_one("#sessions")
        assert cells(table)[0][:3] == (rep.actor.login, "app", "10.0.0.5:5000")
        await pilot.press("e")
        await settle(pilot)
    ending = records.to_end(admin.db, "n1", [session_id])
    assert {sid: why.words() for sid, why in ending.items()} == {session_id: "ended by Admin"}
    assert ending[session_id].words("zh_CN") == "已被Admin结束"


# -- users: add, change role/region/manager, deactivate (#17.2) --------------------------


def select_user(screen: Any, login: str) -> None:
    users = screen.query_one("#users")
    users.move_cursor(row=[r[0] for r in cells(users)].index(login))


def audit_actions(admin: Any, login: str) -> list[tuple[str, str]]:
    import sqlalchemy as sa

    from core.models import AuditEntry
    from core.services.users import find_user

    user_id = str(find_user(admin, login).id)
    with admin.reading() as session:
        rows = session.execute(
            sa.select(AuditEntry.action, AuditEntry.field).where(
                AuditEntry.entity_id == user_id, AuditEntry.entity.contains("user")
            )
        )
        return [(a, f) for a, f in rows]


def errors(app: Any) -> list[str]:
    """The error notifications the app has shown, in order."""
    return list(app.shown_errors)


@aio
async def test_admin_adds_a_user_and_changes_role_region_and_manager(
    tui_world: dict[str, Any],
) -> None:
    from core.services.users import find_user

    admin, manager, world = tui_world["admin"], tui_world["manager"], tui_world["world"]
    north = world.region("SOUTH", name="South 华南")
    app = app_for(admin)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("9")
        await settle(pilot)
        screen = pilot.app.screen
        await pilot.press("n")
        await settle(pilot)
        form = pilot.app.screen
        form.query_one("#f-login").value = "chen"
        form.query_one("#f-display_name").value = "Chen Jing"
        form.query_one("#f-roles").select("sales_rep")
        form.query_one("#f-region_id").value = tui_world["east"].id
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen, errors(app)
        row = next(r for r in cells(screen.query_one("#users")) if r[0] == "chen")
        assert row[2] == "Sales rep"  # the role's title, not its id
        assert find_user(admin, "chen").roles == ["sales_rep"]

        select_user(screen, "chen")
        await pilot.press("e")
        await settle(pilot)
        form = pilot.app.screen
        form.query_one("#f-roles").deselect("sales_rep")
        form.query_one("#f-roles").select("sales_manager")
        form.query_one("#f-region_id").value = north.id
        form.query_one("#f-manager_id").value = manager.actor.id
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen, errors(app)
    chen = find_user(admin, "chen")
    assert (chen.roles, chen.region_id, chen.manager_id) == (
        ["sales_manager"],
        north.id,
        manager.actor.id,
    )
    actions = audit_actions(admin, "chen")
    assert ("set-role", "roles") in actions
    assert {("update", "region_id"), ("update", "manager_id")} <= set(actions)
    assert not errors(app)


@aio
async def test_regional_admin_is_refused_a_company_wide_role(tui_world: dict[str, Any]) -> None:
    from core.services.users import find_user

    world = tui_world["world"]
    regional = world.user("sun", "regional_admin", region="EAST")
    rep = tui_world["rep"]
    app = app_for(regional)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("9")
        await settle(pilot)
        screen = pilot.app.screen
        select_user(screen, rep.actor.login)
        await pilot.press("e")
        await settle(pilot)
        form = pilot.app.screen
        form.query_one("#f-roles").deselect("sales_rep")
        form.query_one("#f-roles").select("finance")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is form  # still open: nothing saved
        (refusal,) = errors(app)
        assert refusal == (
            "You may not grant Finance: a regional administrator grants only roles "
            "limited to their own region; ask a group administrator."
        )
    assert find_user(tui_world["admin"], rep.actor.login).roles == ["sales_rep"]


@aio
async def test_a_rep_sees_no_user_administration(tui_world: dict[str, Any]) -> None:
    from tui.screens.dialogs import KeysDialog

    rep = tui_world["rep"]
    async with app_for(rep).run_test(size=(120, 40)) as pilot:
        await pilot.press("9")
        await settle(pilot)
        screen = pilot.app.screen
        await pilot.press("n", "e", "x")
        await settle(pilot)
        assert pilot.app.screen is screen  # no form, no question
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(pilot.app.screen, KeysDialog)
        actions = [r[1] for r in pilot.app.screen.rows]
        for hidden in (
            "New user",
            "Change role, region, manager",
            "Deactivate user",
            "Add key",
            "Remove key",
            "Open sessions",
        ):
            assert hidden not in actions


@aio
async def test_deactivation_asks_first_and_enter_alone_cancels(tui_world: dict[str, Any]) -> None:
    from core.services.users import find_user
    from tui.screens.dialogs import ConfirmDialog

    admin, rep = tui_world["admin"], tui_world["rep"]
    async with app_for(admin).run_test(size=(120, 40)) as pilot:
        await pilot.press("9")
        await settle(pilot)
        screen = pilot.app.screen
        select_user(screen, rep.actor.login)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert find_user(admin, rep.actor.login).active
        await pilot.press("x", "right", "enter")
        await settle(pilot)
        assert not find_user(admin, rep.actor.login).active
        assert rep.actor.login not in [r[0] for r in cells(screen.query_one("#users"))]
    assert ("deactivate", "active") in audit_actions(admin, rep.actor.login)


@aio
async def test_user_administration_speaks_chinese(tui_world: dict[str, Any]) -> None:
    from core.i18n import set_lang
    from tui.screens.dialogs import ConfirmDialog

    set_lang("zh_CN")
    admin, rep = tui_world["admin"], tui_world["rep"]
    async with app_for(admin).run_test(size=(120, 40)) as pilot:
        await pilot.press("9")
        await settle(pilot)
        screen = pilot.app.screen
        row = next(r for r in cells(screen.query_one("#users")) if r[0] == rep.actor.login)
        assert row[2] == "业务员"
        select_user(screen, rep.actor.login)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        question = str(pilot.app.screen.query_one("#confirm-question").render())
        assert question.startswith("停用") and "李雷 Li Lei" in question
        await pilot.press("escape", "e")
        await settle(pilot)
        labels = [str(label.render()) for label in pilot.app.screen.query("Label")]
        assert "角色" in labels and "区域" in labels


@aio
async def test_a_refusal_is_one_sentence_in_chinese(tui_world: dict[str, Any]) -> None:
    from core.i18n import set_lang

    set_lang("zh_CN")
    regional = tui_world["world"].user("sun", "regional_admin", region="EAST")
    app = app_for(regional)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("9")
        await settle(pilot)
        screen = pilot.app.screen
        select_user(screen, tui_world["rep"].actor.login)
        await pilot.press("e")
        await settle(pilot)
        form = pilot.app.screen
        # only the regional admin's own region (and below) is offered
        region_ids = [v for _t, v in form.query_one("#f-region_id")._options]
        assert tui_world["east"].id in region_ids and len(region_ids) == 2  # blank + EAST
        form.query_one("#f-roles").select("executive")
        await pilot.press("ctrl+s")
        await settle(pilot)
        (refusal,) = errors(app)
        assert refusal.startswith("您无权授予高层") and "区域管理员" in refusal
        assert "sun" not in refusal.lower() and "executive" not in refusal


def ticked(form: Any) -> set[str]:
    return set(form.query_one("#f-roles").selected)


@aio
async def test_a_user_holds_several_roles_round_trip(tui_world: dict[str, Any]) -> None:
    """Roles are ticked in a list: a sales manager who also approves credit keeps both,
    and the form shows what the user holds when opened again."""
    from core.services.users import find_user
    from tui.screens.users import UserDialog

    admin = tui_world["admin"]
    app = app_for(admin)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("9")
        await settle(pilot)
        screen = pilot.app.screen
        await pilot.press("n")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, UserDialog) and ticked(form) == set()
        form.query_one("#f-login").value = "chen"
        form.query_one("#f-display_name").value = "Chen Jing"
        form.query_one("#f-region_id").value = tui_world["east"].id
        form.query_one("#f-roles").focus()
        await pilot.press("space", "down", "space")  # keyboard: tick two roles
        await settle(pilot)
        first_two = {name for _t, name in form.role_choices[:2]}
        assert ticked(form) == first_two
        form.query_one("#f-roles").deselect_all()
        form.query_one("#f-roles").select("sales_manager")
        form.query_one("#f-roles").select("finance")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen, errors(app)
        assert set(find_user(admin, "chen").roles) == {"sales_manager", "finance"}
        row = next(r for r in cells(screen.query_one("#users")) if r[0] == "chen")
        assert set(row[2].split(", ")) == {"Sales manager", "Finance"}

        select_user(screen, "chen")
        await pilot.press("e")
        await settle(pilot)
        form = pilot.app.screen
        assert ticked(form) == {"sales_manager", "finance"}
        form.query_one("#f-roles").deselect("finance")
        form.query_one("#f-roles").select("business_operator")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen, errors(app)
        select_user(screen, "chen")
        await pilot.press("e")
        await settle(pilot)
        assert ticked(pilot.app.screen) == {"sales_manager", "business_operator"}
        pilot.app.screen.query_one("#f-roles").deselect_all()  # none: refused
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "at least one role" in str(pilot.app.screen.query_one("#form-message").render())
    assert set(find_user(admin, "chen").roles) == {"sales_manager", "business_operator"}
    assert [a for a in audit_actions(admin, "chen") if a[0] == "set-role"] == [
        ("set-role", "roles")
    ]


@aio
async def test_a_granter_cannot_tick_a_role_beyond_their_own_scope(
    tui_world: dict[str, Any],
) -> None:
    """A regional admin may give a rep a second role within their region, never a
    company-wide one (nor an administrator's): the whole change is refused."""
    from core.services.users import find_user

    world = tui_world["world"]
    regional = world.user("sun", "regional_admin", region="EAST")
    rep = tui_world["rep"]
    app = app_for(regional)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("9")
        await settle(pilot)
        screen = pilot.app.screen
        for beyond in ("finance", "regional_admin"):
            select_user(screen, rep.actor.login)
            await pilot.press("e")
            await settle(pilot)
            form = pilot.app.screen
            form.query_one("#f-roles").select("sales_manager")
            form.query_one("#f-roles").select(beyond)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert pilot.app.screen is form  # refused: still open, nothing saved
            assert find_user(tui_world["admin"], rep.actor.login).roles == ["sales_rep"]
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("right", "enter")  # discard the ticks
            await settle(pilot)
            assert pilot.app.screen is screen
        select_user(screen, rep.actor.login)
        await pilot.press("e")
        await settle(pilot)
        pilot.app.screen.query_one("#f-roles").select("sales_manager")  # within the region
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen, errors(app)
    assert find_user(tui_world["admin"], rep.actor.login).roles == ["sales_manager", "sales_rep"]
    refusals = errors(app)
    assert len(refusals) == 2 and all("may not grant" in r for r in refusals)


@aio
async def test_changing_roles_keeps_a_since_deactivated_region(tui_world: dict[str, Any]) -> None:
    from core.services import organisation
    from core.services.users import find_user

    admin, world = tui_world["admin"], tui_world["world"]
    west = world.region("WEST", name="West 华西")
    world.user("chen", "sales_rep", region="WEST")
    organisation.set_region_active(admin, west.id, False)
    app = app_for(admin)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("9")
        await settle(pilot)
        screen = pilot.app.screen
        select_user(screen, "chen")
        await pilot.press("e")
        await settle(pilot)
        form = pilot.app.screen
        assert form.query_one("#f-region_id").value == west.id  # shown, marked
        form.query_one("#f-roles").select("sales_manager")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen, errors(app)
    chen = find_user(admin, "chen")
    assert (set(chen.roles), chen.region_id) == ({"sales_rep", "sales_manager"}, west.id)


@aio
async def test_users_is_filled_as_it_opens_with_what_was_read_from_when_it_was_made(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The users and the first one's keys are read from when the screen is made; read by
    the time it is mounted, they are in its first frame and no worker reads them again
    (filled from a worker, they came two frames later: Users opened in 123 ms on
    large). Read in Chinese, the roles are in Chinese."""
    from concurrent.futures import Future

    from textual.widgets import DataTable

    from core.i18n import set_lang
    from tui.screens import users as users_screen

    def at_once(fetch: Any) -> Future[Any]:
        done: Future[Any] = Future()
        done.set_result(fetch())
        return done

    loads: list[str] = []
    read_then = users_screen.UsersScreen.read_then

    def noted(self: Any, *args: Any, **kwargs: Any) -> Any:
        loads.append(kwargs.get("group", ""))
        return read_then(self, *args, **kwargs)

    mounted: list[tuple[int, str | None]] = []
    on_mount = users_screen.UsersScreen.on_mount

    def counted(self: Any) -> None:
        on_mount(self)
        mounted.append((self.query_one("#users", DataTable).row_count, self._keys_of))

    monkeypatch.setattr(users_screen, "read_now", at_once)
    monkeypatch.setattr(users_screen.UsersScreen, "read_then", noted)
    monkeypatch.setattr(users_screen.UsersScreen, "on_mount", counted)
    set_lang("zh_CN")
    admin, rep = tui_world["admin"], tui_world["rep"]
    try:
        async with app_for(admin).run_test(size=(120, 40)) as pilot:
            await pilot.press("9")
            await settle(pilot)
            screen = pilot.app.screen
            table = screen.query_one("#users", DataTable)
            assert mounted == [(table.row_count, str(table.get_row_at(0)[0]))], mounted
            assert loads == [], loads
            row = next(r for r in cells(table) if r[0] == rep.actor.login)
            assert row[2] == "业务员"
            assert screen.query_one("#keys", DataTable).columns
            assert pilot.app.focused is table
    finally:
        set_lang("en")
