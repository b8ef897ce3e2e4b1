"""Keys typed ahead are never lost (#22): a person types ``n`` and the first letters of
the new record in one go, before the dialog has drawn or given its first field the
focus. Every key reaches the field it was typed for, across Tab, in every dialog or
form opened by a key."""

from __future__ import annotations

import threading
import unicodedata
from typing import Any

import pytest
from tui_helpers import aio, settle

NOTE = (
    "Paid in two parts; the second part follows next week after the buyer's audit. "
    "Call Ms. Zhou before the 20th to confirm the transfer reference, "
    "and copy the sales office in Hangzhou."
)


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)


def key_events(keys: list[str]) -> list[Any]:
    """The Key events a terminal sends for ``keys`` (single characters or key names)."""
    from textual import events
    from textual.keys import _character_to_key

    out = []
    for key in keys:
        name = key
        if len(key) == 1 and not key.isalnum():
            name = _character_to_key(key)
        char: str | None = key if len(key) == 1 else None
        if char is None and name in ("tab", "enter", "backspace"):
            char = {"tab": "\t", "enter": "\r", "backspace": "\x7f"}[name]
        if char is None:
            try:
                char = unicodedata.lookup(name.upper().replace("_", " "))
            except KeyError:
                char = None
        out.append(events.Key(name, char))
    return out


async def burst(pilot: Any, keys: list[str]) -> None:
    """Send every key at once, as a fast typist or a paste into the terminal does: no
    key waits for the screen to catch up with the one before it."""
    app = pilot.app
    for event in key_events(keys):
        event.set_sender(app)
        app._driver.send_message(event)
    await settle(pilot, rounds=5)


def typed(text: str) -> list[str]:
    return list(text)


@aio
async def test_a_key_typed_as_the_dialog_opens_reaches_its_first_field(
    tui_world: dict[str, Any],
) -> None:
    """The issue's case: on Receipts, ``n`` and ``Z`` together: Z is in Customer code."""
    from tui.screens.dialogs import FormDialog

    finance = tui_world["world"].user("qian", "finance")
    app = app_for(finance)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j")
        await settle(pilot)
        await burst(pilot, ["n", "Z"])
        assert isinstance(app.screen, FormDialog)
        assert app.screen.query_one("#f-customer_code").value == "Z"


@aio
async def test_a_200_key_burst_fills_each_field_as_typed(tui_world: dict[str, Any]) -> None:
    """The issue's "done when": ``n``, then 200 characters across four fields with Tab
    between them, all in one burst: each field holds exactly what was typed for it."""
    from tui.screens.dialogs import FormDialog

    finance = tui_world["world"].user("qian", "finance")
    app = app_for(finance)
    wanted = {
        "customer_code": "C00001",
        "amount": "1234.50",
        "reference": "INV-2026-0042/B",
        "note": NOTE,
    }
    keys = ["n", *typed(wanted["customer_code"])]
    keys += ["tab", "tab", *typed(wanted["amount"])]  # past Date (it keeps today)
    keys += ["tab", "tab", *typed(wanted["reference"])]  # past Payment method
    keys += ["tab", *typed(wanted["note"])]
    assert sum(len(v) for v in wanted.values()) >= 200
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j")
        await settle(pilot)
        await burst(pilot, keys)
        form = app.screen
        assert isinstance(form, FormDialog)
        got = {name: form.query_one(f"#f-{name}").value for name in wanted}
        assert got == wanted
        assert form.query_one("#f-date").value == finance.today().isoformat()


@aio
async def test_typing_ahead_into_a_prompt_and_a_full_screen_form(
    tui_world: dict[str, Any],
) -> None:
    """Not only FormDialog: the one-line prompt (Receipts ``f``) and the customer form
    (Customers ``n``, a whole screen) keep the keys typed with the key that opened them."""
    from tui.screens.customer_form import CustomerForm
    from tui.screens.dialogs import PromptDialog

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j")
        await settle(pilot)
        await burst(pilot, ["f", *typed("C00003")])
        assert isinstance(app.screen, PromptDialog)
        assert app.screen.query_one("#prompt-input").value == "C00003"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await burst(pilot, ["n", *typed("Zhou Trading")])
        assert isinstance(app.screen, CustomerForm)
        first = app.screen.focused
        assert first is not None and getattr(first, "value", None) == "Zhou Trading"


@aio
async def test_keys_typed_while_a_dialog_is_read_reach_its_fields(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dialog whose choices are read first, in a worker (Users ``n``: the roles,
    regions and managers): the login and name typed right after ``n``, before the read
    is done, land in the dialog's fields, exactly as typed. Before, they went to the list
    underneath (its ``o`` opened the open sessions) and the dialog came up empty."""
    from core.services import organisation
    from tui.screens.users import UserDialog, UsersScreen

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("9")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        gate = threading.Event()
        list_regions = organisation.list_regions

        def held(*args: Any, **kwargs: Any) -> Any:
            gate.wait(5)
            return list_regions(*args, **kwargs)

        monkeypatch.setattr(organisation, "list_regions", held)
        for event in key_events(["n", *typed("zhou.min"), "tab", *typed("Zhou Min")]):
            event.set_sender(app)
            app._driver.send_message(event)
        for _ in range(5):
            await pilot.pause()
        underneath = app.screen  # the choices are still being read
        gate.set()
        await settle(pilot, rounds=5)
        dialog = app.screen
        assert underneath is not dialog and isinstance(underneath, UsersScreen)
        assert isinstance(dialog, UserDialog)
        assert dialog.query_one("#f-login").value == "zhou.min"
        assert dialog.query_one("#f-display_name").value == "Zhou Min"


@pytest.mark.parametrize(
    ("key", "module", "name", "listing"),
    [
        ("5", "tui.screens.reports", "available_reports", "#report-list"),
        ("7", "core.forms", "forms_for", "#form-list"),
    ],
)
@aio
async def test_keys_typed_while_a_list_is_read_move_in_it(
    tui_world: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    module: str,
    name: str,
    listing: str,
) -> None:
    """Reports (5) and Forms (7) read their list in a worker: the arrows typed right
    after the key, before the list came, went to the empty list and were lost; they
    move in it once it is there."""
    import importlib

    from textual.widgets import OptionList

    target = importlib.import_module(module)
    read = getattr(target, name)
    gate = threading.Event()

    def held(*args: Any, **kwargs: Any) -> Any:
        gate.wait(5)
        return read(*args, **kwargs)

    monkeypatch.setattr(target, name, held)
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for event in key_events([key, "down", "down"]):
            event.set_sender(app)
            app._driver.send_message(event)
        for _ in range(5):
            await pilot.pause()
        gate.set()
        await settle(pilot, rounds=5)
        options = app.screen.query_one(listing, OptionList)
        enabled = [
            i for i in range(options.option_count) if not options.get_option_at_index(i).disabled
        ]
        assert len(enabled) >= 3
        assert options.highlighted == enabled[2], (options.highlighted, enabled)


@aio
async def test_tab_typed_while_reports_are_read_reaches_the_parameters(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``5`` and Tab typed at once: the Tab waited for the list but not for the first
    report's parameters, found nothing to move to, and the date typed next ran as
    section keys (2: Customers, 4: Daily)."""
    from textual.widgets import Input

    from tui.screens import reports

    read = reports.available_reports
    gate = threading.Event()

    def held(*args: Any, **kwargs: Any) -> Any:
        gate.wait(5)
        return read(*args, **kwargs)

    monkeypatch.setattr(reports, "available_reports", held)
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for event in key_events(["5", "tab"]):
            event.set_sender(app)
            app._driver.send_message(event)
        for _ in range(5):
            await pilot.pause()
        gate.set()
        await settle(pilot, rounds=5)
        assert isinstance(app.screen, reports.ReportsScreen)
        focused = app.screen.focused
        assert isinstance(focused, Input), focused
        assert app.screen.query_one("#params") in focused.ancestors
