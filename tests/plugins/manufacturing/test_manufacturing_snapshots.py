"""Snapshots of the order-to-cash screen (sales orders with open values) in English at
80x24 and Chinese at 120x40. Update after an intended change with
``pytest tests/plugins/manufacturing/test_manufacturing_snapshots.py --snapshot-update``."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from mfg_helpers import line_ids, make_shop

from core.i18n import set_lang


@pytest.fixture
def orders_app(salesdesk_world: Any) -> Iterator[Any]:
    from plugins.manufacturing.services import tenders

    shop = make_shop(salesdesk_world)
    tenders.receive_stock(shop.shipping, shop.flange.id, Decimal("40"))
    first = shop.order((shop.flange, "10", "120.00"), promised_date="2026-03-20")
    shop.order((shop.ring, "4", "300.00"), submit=False)
    (line,) = line_ids(shop.sales, first)
    shop.deliver((line, "4"))

    def build(lang: str) -> Any:
        from tui.app import SalesdeskApp

        set_lang(lang)
        return SalesdeskApp(shop.manager, database_label="demo.db", profile="manufacturing")

    yield build
    set_lang(None)


@pytest.mark.parametrize("salesdesk_backend", ["sqlite"])
@pytest.mark.parametrize(("lang", "size"), [("en", (80, 24)), ("zh_CN", (120, 40))])
def test_orders_screen(
    snap_compare: Any, orders_app: Any, lang: str, size: tuple[int, int]
) -> None:
    """Sales orders: a draft and a submitted order with 6 of 10 still to ship."""
    assert snap_compare(orders_app(lang), terminal_size=size, run_before=open_orders)


async def open_orders(pilot: Any) -> None:
    """Straight to the orders (the Home navigation lists every plugin's views)."""
    from plugins.manufacturing.views import DocumentsScreen

    await pilot.pause()
    await pilot.app.push_screen(DocumentsScreen("order"))
    for _ in range(3):
        await pilot.pause()
