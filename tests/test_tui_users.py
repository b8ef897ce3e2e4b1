"""The Users and keys screen (key 9): everyone sees their own SSH keys; an admin adds
and removes keys and ends open SSH sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from serve_helpers import make_key
from tui_helpers import aio, settle

from core.services import keys
from core.services import sessions as records


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard",
                        load_dashboard=False)


def cells(table: Any) -> list[tuple[str, ...]]:
    return [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


@aio
async def test_a_rep_sees_only_their_own_keys(tui_world: dict[str, Any],
                                              tmp_path: Path) -> None:
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
async def test_admin_adds_and_removes_a_key(tui_world: dict[str, Any],
                                            tmp_path: Path) -> None:
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
    session_id, _secret = records.record_start(admin.db, owner, fingerprint=row.fingerprint,
                                               client="10.0.0.5:5000", node="n1", kind="app")
    async with app_for(admin).run_test(size=(100, 30)) as pilot:
        await pilot.press("9", "o")
        await settle(pilot)
        table = pilot.app.screen.query_one("#sessions")
        assert cells(table)[0][:3] == (rep.actor.login, "app", "10.0.0.5:5000")
        await pilot.press("e")
        await settle(pilot)
    assert records.to_end(admin.db, "n1", [session_id]) == {session_id: "ended by admin"}
