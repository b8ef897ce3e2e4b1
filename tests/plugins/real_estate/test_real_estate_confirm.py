"""Marking a unit sold (``o`` on the sales control board) asks first, naming the unit,
the buyer and the price: one key never closes a sale by accident."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from re_helpers import make_estate
from tui_helpers import aio, settle

from core.i18n import set_lang
from plugins.real_estate.models import Unit


@pytest.fixture
def office(salesdesk_world: Any) -> Iterator[Any]:

    set_lang("en")
    yield make_estate(salesdesk_world)
    set_lang(None)


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_sold_asks_first(office: Any) -> None:
    from plugins.real_estate.services import control
    from tui.app import SalesdeskApp
    from tui.screens.dialogs import ConfirmDialog

    unit_id = office.unit("201")
    control.reserve(office.control, unit_id, "张伟", "13800000000", subscribe=True)
    control.sign(office.control, unit_id)
    app = SalesdeskApp(
        office.control, database_label="test.db", profile="real_estate", load_dashboard=False
    )
    messages: list[str] = []
    app.notify = lambda message, **kw: messages.append(str(message))  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        app.action_section("view:real_estate:board")
        await settle(pilot)
        board = app.screen
        board.query_one("#board").move_cursor(row=0, column=1)
        await settle(pilot)
        assert board.selected().unit_no == "201"
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        question = str(app.screen.query_one("#confirm-question").render())
        assert "201" in question and "张伟" in question
        await pilot.press("enter")  # Cancel has the focus
        await settle(pilot)
        assert app.screen is board and not messages  # nothing was tried
        await pilot.press("o", "right", "enter")
        await settle(pilot)
        assert any("still owes" in m for m in messages)  # the service was asked
    with office.world.runtime.db.read_session() as session:
        assert session.get(Unit, unit_id).status == "signed"
