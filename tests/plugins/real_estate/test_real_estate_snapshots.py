"""Snapshots of the sales control board and the price table (English 80x24, Chinese
120x40) on the hand-checked building with a few deals. Update after an intended change
with ``pytest tests/plugins/real_estate/test_real_estate_snapshots.py --snapshot-update``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from re_helpers import make_estate
from tui_helpers import settle

from core.i18n import set_lang
from plugins.real_estate.services import control, payments


@pytest.fixture
def make_app(salesdesk_world: Any) -> Iterator[Callable[..., Any]]:

    estate = make_estate(salesdesk_world)
    deal = control.reserve(estate.control, estate.unit("201"), "张伟", subscribe=True)
    control.sign(estate.control, estate.unit("201"))
    payments.record_payment(estate.finance, deal.id, "deposit", "50000")
    control.reserve(estate.control, estate.unit("102"), "Li Na")
    control.hold(estate.control, estate.unit("202"))

    def build(lang: str, view: str) -> Any:
        from tui.app import SalesdeskApp

        set_lang(lang)
        app = SalesdeskApp(estate.senior, database_label="demo.db", profile="real_estate")
        app._re_view = view  # opened by run_before
        return app

    yield build
    set_lang(None)


async def open_view(pilot: Any) -> None:
    pilot.app.action_section(f"view:real_estate:{pilot.app._re_view}")
    await settle(pilot, rounds=4)
    await pilot.pause(0.3)


@pytest.mark.parametrize("salesdesk_backend", ["sqlite"])
@pytest.mark.parametrize(("lang", "size"), [("en", (80, 24)), ("zh_CN", (120, 40))])
def test_board(snap_compare: Any, make_app: Any, lang: str, size: tuple[int, int]) -> None:
    """Sales control board: floors x units coloured by status, the unit under the cursor."""
    assert snap_compare(make_app(lang, "board"), terminal_size=size, run_before=open_view)


@pytest.mark.parametrize("salesdesk_backend", ["sqlite"])
@pytest.mark.parametrize(("lang", "size"), [("en", (80, 24)), ("zh_CN", (120, 40))])
def test_price_table(snap_compare: Any, make_app: Any, lang: str, size: tuple[int, int]) -> None:
    """Price table: draft prices with live totals and the factors."""
    assert snap_compare(make_app(lang, "prices"), terminal_size=size, run_before=open_view)
