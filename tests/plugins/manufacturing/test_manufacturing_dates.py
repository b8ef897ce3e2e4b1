"""Order-to-cash facts the business cannot have (issue #16, item 19): an invoice dated
before its delivery, and stock on hand below zero in the production plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from mfg_helpers import line_ids

from core.errors import ValidationFailed
from core.i18n import set_lang
from core.reports import run_report
from plugins.manufacturing.models import Stock
from plugins.manufacturing.services import documents, posting, tenders

D = Decimal


@pytest.fixture
def zh() -> Iterator[None]:
    set_lang("zh_CN")
    yield
    set_lang(None)


def _delivered(shop: Any) -> Any:
    shop.stock_up()
    (line,) = line_ids(shop.sales, shop.order((shop.flange, "10", "120.00")))
    return shop.deliver((line, "4"))


def test_an_invoice_dated_before_its_delivery_is_refused(shop: Any) -> None:
    delivery = _delivered(shop)
    day = delivery.doc_date
    with pytest.raises(
        ValidationFailed,
        match=rf"on or after {day}, when delivery "
        rf"{delivery.number} shipped",
    ) as refused:
        documents.invoice_deliveries(shop.finance, [delivery.id], on=day - dt.timedelta(days=1))
    assert refused.value.problems[0].field == "doc_date"
    invoice = documents.invoice_deliveries(shop.finance, [delivery.id], on=day)
    assert invoice.doc_date == day and invoice.amount == D("480.00")


def test_a_delivery_ships_only_what_is_in_stock(shop: Any) -> None:
    tenders.receive_stock(shop.shipping, shop.flange.id, D("3"))
    (line,) = line_ids(shop.sales, shop.order((shop.flange, "10", "120.00")))
    draft = shop.deliver((line, "4"), submit=False)
    with pytest.raises(ValidationFailed, match="at most 3 of Forged flange, the stock on hand"):
        posting.submit(shop.shipping, draft.id)
    with shop.sales.reading() as session:
        assert session.get(Stock, shop.flange.id).on_hand == D("3")
    shop.deliver((line, "3"))  # what is there ships
    plan = run_report(shop.sales, "mfg_order_backlog", {}).table("plan")
    (flange,) = plan.rows
    assert flange[4] == D("0") and flange[5] == D("7")  # nothing on hand, 7 to produce
    tenders.receive_stock(shop.shipping, shop.flange.id, D("1"))
    with pytest.raises(ValidationFailed, match="at most 1 of Forged flange"):
        posting.submit(shop.shipping, draft.id)  # the draft's 4 against 1 on hand


def test_date_and_stock_refusals_read_in_chinese(shop: Any, zh: None) -> None:
    delivery = _delivered(shop)
    with pytest.raises(ValidationFailed) as refused:
        documents.invoice_deliveries(
            shop.finance, [delivery.id], on=delivery.doc_date - dt.timedelta(days=1)
        )
    assert "发票只开已发货的货物" in refused.value.problems[0].expected
    (line,) = line_ids(shop.sales, shop.order((shop.ring, "500", "300.00")))
    with pytest.raises(ValidationFailed) as refused:
        shop.deliver((line, "200"))
    assert "请先登记完工入库" in refused.value.problems[0].expected
