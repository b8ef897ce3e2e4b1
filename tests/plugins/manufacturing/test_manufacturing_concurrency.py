"""Writes at the same time: numbers through the manufacturing services (prefix + year +
per-office ranges, none issued twice) and deliveries racing for one order line."""

from __future__ import annotations

import threading
from typing import Any

from core.services.company import set_setting
from plugins.manufacturing.services import documents, tenders

THREADS = 4
EACH = 5


def test_quote_numbers_follow_the_office_ranges(shop: Any) -> None:
    set_setting(
        shop.world.admin,
        "numbering.mfg_quote",
        {"prefix": "FQ", "width": 5, "offices": {"SH": 1, "TJ": 20001}},
    )
    project = tenders.register_project(
        shop.sales,
        {
            "customer_id": shop.customer.id,
            "contact": "王工",
            "specs": "DN200 PN16 flanges",
            "quantity": "200",
            "office": "SH",
        },
    )
    assert project.number == "FQ2600001"
    quote = documents.create_quote(
        shop.sales,
        {
            "customer_id": shop.customer.id,
            "project_id": project.id,
            "office": "SH",
            "lines": [{"product_id": shop.flange.id, "quantity": "200", "unit_price": "118"}],
        },
    )
    assert quote.number == project.number  # the project's first quote carries its number
    tianjin = documents.create_quote(
        shop.sales,
        {
            "customer_id": shop.customer.id,
            "office": "TJ",
            "lines": [{"product_id": shop.flange.id, "quantity": "1", "unit_price": "118"}],
        },
    )
    assert tianjin.number == "FQ2620001"


def test_a_series_without_office_ranges_is_company_wide(shop: Any) -> None:
    made = [
        documents.create_order(
            shop.sales,
            {
                "customer_id": shop.customer.id,
                "office": office,
                "lines": [{"product_id": shop.flange.id, "quantity": "1", "unit_price": "1"}],
            },
        ).number
        for office in ("SH", "TJ", "")
    ]
    assert made == ["SO2600001", "SO2600002", "SO2600003"]


def test_concurrent_orders_never_share_a_number(shop: Any) -> None:
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def create() -> None:
        try:
            start.wait()
            for _ in range(EACH):
                numbers.append(
                    documents.create_order(
                        shop.sales,
                        {
                            "customer_id": shop.customer.id,
                            "lines": [
                                {"product_id": shop.flange.id, "quantity": "1", "unit_price": "1"}
                            ],
                        },
                    ).number
                )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(numbers) == len(set(numbers)) == THREADS * EACH
    assert sorted(numbers) == [f"SO26{n:05d}" for n in range(1, THREADS * EACH + 1)]


def test_racing_deliveries_cannot_over_ship(shop: Any) -> None:
    """Two clerks submit 6 each against an order line of 10 at once: one is refused."""
    from mfg_helpers import line_ids

    from core.errors import ValidationFailed
    from plugins.manufacturing.services import balances, posting

    shop.stock_up()
    (line,) = line_ids(shop.sales, shop.order((shop.flange, "10", "120.00")))
    drafts = [shop.deliver((line, "6"), submit=False) for _ in range(2)]
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def submit(doc_id: int) -> None:
        start.wait()
        try:
            posting.submit(shop.shipping, doc_id)
            outcomes.append("ok")
        except ValidationFailed:
            outcomes.append("refused")

    threads = [threading.Thread(target=submit, args=(d.id,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    with shop.sales.reading() as session:
        assert balances.shipped(session, [line])[line] == 6


def test_racing_orders_cannot_both_use_the_last_credit(shop: Any) -> None:
    """Each order fits the credit limit alone, not both: one needs finance approval."""
    from core.errors import PermissionDenied
    from core.services import customers
    from plugins.manufacturing.services import posting

    customers.update_customer(shop.finance, shop.customer.id, {"credit_limit": "1000.00"}, None)
    drafts = [shop.order((shop.flange, "5", "120.00"), submit=False) for _ in range(2)]
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def submit(doc_id: int) -> None:
        start.wait()
        try:
            posting.submit(shop.sales, doc_id)
            outcomes.append("ok")
        except PermissionDenied:
            outcomes.append("needs approval")

    threads = [threading.Thread(target=submit, args=(d.id,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["needs approval", "ok"]


def test_concurrent_first_receipts_of_a_product_all_count(shop: Any) -> None:
    """The first stock receipts of one product at once: on PostgreSQL all but one were
    refused ("duplicate: column '': got ''"), both inserting the product's stock row."""
    from decimal import Decimal

    from plugins.manufacturing.models import Stock

    errors: list[BaseException] = []
    start = threading.Barrier(THREADS * 2)

    def receive() -> None:
        try:
            start.wait(60)
            tenders.receive_stock(shop.shipping, shop.ring.id, Decimal("2.5"))
        except BaseException as exc:  # collected below
            errors.append(exc)

    threads = [threading.Thread(target=receive) for _ in range(THREADS * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    with shop.world.runtime.db.read_session() as session:
        assert session.get(Stock, shop.ring.id).on_hand == Decimal("2.5") * THREADS * 2
