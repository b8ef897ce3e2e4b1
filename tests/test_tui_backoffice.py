"""Issue #22, the TUI a back office lives in all day: no crash, no lost typing, no
irreversible step on one key (pilot tests on the fixed TUI world)."""

from __future__ import annotations

from typing import Any

import pytest
from tui_helpers import aio, settle

from core.models import Opportunity


def app_for(ctx: Any, **kw: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", **kw)


def _move_to_funnel(world: Any, deal: Any, funnel: str, stage: str) -> None:
    with world.runtime.db.write_session() as session, session.begin():
        row = session.get(Opportunity, deal.id)
        row.funnel, row.stage = funnel, stage


def _listed(screen: Any) -> set[int]:
    table = screen.query_one("#list")
    return {int(table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(table.row_count)}


# -- 1. the funnel key: board and list show the chosen funnel, no crash -------------------


@aio
async def test_board_switches_funnel(tui_world: dict[str, Any]) -> None:
    from tui.screens.opportunities import OpportunitiesScreen

    deal = tui_world["deals"][2]
    _move_to_funnel(tui_world["world"], deal, "b2b", "solution")
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, OpportunitiesScreen)
        await pilot.press("b")
        await settle(pilot)
        assert len(app.screen.query(".stage")) == 4  # basic: lead .. negotiation
        await pilot.press("f")  # used to raise DuplicateIds ('stage-lead')
        await settle(pilot)
        screen = app.screen
        assert screen.funnel.id == "b2b"
        columns = list(screen.query(".stage"))
        assert [c.name for c in columns] == [f"stage-{s.id}" for s in screen.funnel.open_stages]
        solution = next(c for c in columns if c.name == "stage-solution")
        assert solution.row_count == 1 and sum(c.row_count for c in columns) == 1
        await pilot.press("right")  # moving between the new columns still works
        await pilot.press("f")
        await settle(pilot)
        assert app.is_running and screen.funnel.id != "b2b"


@aio
async def test_list_filters_to_the_chosen_funnel(tui_world: dict[str, Any]) -> None:
    deals = tui_world["deals"]
    _move_to_funnel(tui_world["world"], deals[2], "b2b", "solution")
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        basic = _listed(app.screen)
        assert deals[2].id not in basic and deals[0].id in basic
        await pilot.press("f")
        await settle(pilot)
        assert app.screen.funnel.id == "b2b"
        assert _listed(app.screen) == {deals[2].id}
        assert "1 open deals" in str(app.screen.query_one("#status").render())


@aio
async def test_opening_a_deal_shows_its_funnel(tui_world: dict[str, Any]) -> None:
    deal = tui_world["deals"][2]
    _move_to_funnel(tui_world["world"], deal, "b2b", "solution")
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(120, 30)) as pilot:
        app.open_opportunity(deal.id)
        await settle(pilot)
        assert app.screen.funnel.id == "b2b" and _listed(app.screen) == {deal.id}


# -- 1. an unexpected error: a failed command is a message, a crash exits non-zero --------


@aio
async def test_failed_action_is_a_message(tui_world: dict[str, Any]) -> None:
    from tui.screens.home import HomeScreen

    app = app_for(tui_world["admin"])
    app.crash_on_error = False  # as a person runs it
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        def boom() -> None:
            raise RuntimeError("kaboom")

        app.screen.action_boom = boom  # type: ignore[attr-defined]
        await app.run_action("screen.boom")
        await pilot.pause()
        assert any("kaboom" in n.message for n in app._notifications)
        assert app.is_running and isinstance(app.screen, HomeScreen)
        await pilot.press("2")  # and it still answers keys
        await settle(pilot)
        assert not isinstance(app.screen, HomeScreen)


@aio
async def test_crash_ends_the_app_with_status_1(tui_world: dict[str, Any]) -> None:
    """An error outside an action stops Textual's message loop: the app must not carry on
    half dead, nor end with status 0."""
    app = app_for(tui_world["admin"])
    app.crash_on_error = False
    with pytest.raises(RuntimeError, match="kaboom"):
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)

            def boom() -> None:
                raise RuntimeError("kaboom")

            app.call_later(boom)
            await pilot.pause()
    assert app.return_code == 1


def test_run_app_exits_non_zero_after_a_crash(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.app import SalesdeskApp, run_app

    def crashed(self: Any) -> None:
        self._return_code = 1  # what Textual leaves after an unhandled exception

    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")
    monkeypatch.setattr(SalesdeskApp, "run", crashed)
    with pytest.raises(SystemExit) as exit_info:
        run_app(tui_world["world"].runtime)
    assert exit_info.value.code == 1


# -- 2. typed input: a burst of keys lands where it was typed -----------------------------


def _burst(app: Any, text_by_field: list[str]) -> None:
    """Post every key at once, as a paste or typeahead over a slow link delivers them:
    each field's text, then Tab to the next (nothing awaited in between)."""
    from textual import events
    from textual.keys import _character_to_key

    keys: list[tuple[str, str | None]] = []
    for i, text in enumerate(text_by_field):
        if i:
            keys.append(("tab", "\t"))
        keys.extend((_character_to_key(c) if not c.isalnum() else c, c) for c in text)
    for key, char in keys:
        event = events.Key(key, char)
        event.set_sender(app)
        app.post_message(event)


BURST = [
    "Zhang Wei 张伟 (purchasing, second floor, east gate)",
    "Head Buyer / 采购经理 & deputy plant manager (forgings)",
    "+86 21 5555 0123 ext. 4567, mobile 138 0000 1111",
    "zhang.wei+orders@shanghai-precision-forging.example.cn",
]


@aio
async def test_a_burst_of_keys_lands_in_the_fields_it_was_typed_for(
    tui_world: dict[str, Any],
) -> None:
    from tui.screens.dialogs import FormDialog
    from tui.widgets.form import FormFields

    assert len("\t".join(BURST)) >= 200
    app = app_for(tui_world["rep"])
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_customer(tui_world["customers"][0].id)
        await settle(pilot)
        await pilot.press("c")  # a new contact: name, title, phone, email
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        _burst(app, BURST)
        await settle(pilot, rounds=6)
        values = app.screen.query_one(FormFields).values()
        assert [values[f] for f in ("name", "title", "phone", "email")] == BURST


@aio
async def test_a_paste_right_after_tab_lands_in_the_next_field(tui_world: dict[str, Any]) -> None:
    from textual import events

    from tui.widgets.form import FormFields

    app = app_for(tui_world["rep"])
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_customer(tui_world["customers"][0].id)
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        _burst(app, ["Li", ""])  # Li, Tab
        paste = events.Paste("Head Buyer")
        paste.set_sender(app)
        app.post_message(paste)
        _burst(app, ["", "12"])  # Tab, 12
        await settle(pilot, rounds=6)
        values = app.screen.query_one(FormFields).values()
        assert (values["name"], values["title"], values["phone"]) == ("Li", "Head Buyer", "12")


# -- 2. typed input is not thrown away without asking -------------------------------------


async def _half_filled_customer(pilot: Any) -> Any:
    """Customers, New, a name typed, then Tab to the Region choice (a key there is a
    command, not text)."""
    from textual.widgets import Select

    from tui.screens.customer_form import CustomerForm

    await pilot.press("2")
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomerForm)
    await pilot.press(*"Zhang", *["tab"] * 5)  # past phone, address, code and industry
    await pilot.pause()
    assert isinstance(pilot.app.focused, Select) and pilot.app.focused.id == "f-region_id"
    return pilot.app.screen


@aio
async def test_quit_from_a_half_filled_form_asks_first(tui_world: dict[str, Any]) -> None:
    from tui.screens.dialogs import ConfirmDialog

    app = app_for(tui_world["rep"])
    async with app.run_test(size=(100, 30)) as pilot:
        form = await _half_filled_customer(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ConfirmDialog)
        assert "New customer" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("enter")  # Cancel has the focus: back to the form
        await pilot.pause()
        assert app.screen is form and form.query_one("#f-name").value == "Zhang"
        await pilot.press("q", "right", "enter")  # the Discard button, deliberately
        await settle(pilot)
        assert app.return_code == 0  # quit, cleanly


@aio
async def test_escape_or_another_section_from_a_dirty_form_asks(tui_world: dict[str, Any]) -> None:
    from tui.screens.customer_form import CustomerForm
    from tui.screens.dialogs import ConfirmDialog
    from tui.screens.opportunities import OpportunitiesScreen

    app = app_for(tui_world["rep"])
    async with app.run_test(size=(100, 30)) as pilot:
        form = await _half_filled_customer(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")  # Escape on the question keeps the form
        await pilot.pause()
        assert app.screen is form
        await pilot.press("3")  # Opportunities, from the Region choice
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert isinstance(app.screen, OpportunitiesScreen)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, CustomerForm)
        await pilot.press("escape")  # nothing typed: leaves at once
        await pilot.pause()
        assert not isinstance(app.screen, CustomerForm | ConfirmDialog)


@aio
async def test_closing_a_dialog_with_typing_asks(tui_world: dict[str, Any]) -> None:
    from tui.screens.dialogs import ConfirmDialog, FormDialog

    app = app_for(tui_world["rep"])
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_customer(tui_world["customers"][0].id)
        await settle(pilot)
        await pilot.press("c", *"Li Na")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("escape", "right", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, FormDialog | ConfirmDialog)


# -- 3. the one confirmation: the reader's language, user text as typed -------------------


@aio
async def test_confirmation_speaks_the_readers_language(tui_world: dict[str, Any]) -> None:
    from core.i18n import set_lang
    from tui.screens.dialogs import ConfirmDialog, confirm

    set_lang("zh_CN")
    done: list[str] = []
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        confirm(
            app,
            "签订合同 [b]C-1[/b]",
            "与 Acme [/b] 签订?",
            "签订",
            lambda: done.append("signed"),
            columns=["客户"],
            rows=[("Acme [/b]",)],
        )
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert str(dialog.query_one("#confirm-question").render()) == "与 Acme [/b] 签订?"
        assert str(dialog.query_one("#confirm-rows").get_row_at(0)[0]) == "Acme [/b]"
        buttons = [str(b.label) for b in dialog.query("Button")]
        assert buttons == ["取消", "签订"] and app.focused.id == "cancel"
        assert "Esc 取消" in str(dialog.query_one(".keys").render())
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert done == [] and not isinstance(app.screen, ConfirmDialog)


@aio
async def test_a_visit_being_typed_is_kept_across_sections_and_asked_about_on_quit(
    tui_world: dict[str, Any],
) -> None:
    from tui.screens.daily import DailyScreen
    from tui.screens.dialogs import ConfirmDialog

    app = app_for(tui_world["rep"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        daily = app.screen
        assert isinstance(daily, DailyScreen)
        await pilot.press(*"C00001", "escape")  # the kept section: back to Home, no question
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmDialog | DailyScreen)
        await pilot.press("4")
        await settle(pilot)
        assert app.screen is daily and daily.query_one("#e-customer").value == "C00001"
        await app.run_action("quit")  # (q would be typed into the field)
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and app.return_code is None
