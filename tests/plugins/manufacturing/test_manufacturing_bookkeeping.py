"""Quantities and amounts through partial and combined deliveries, over-delivery (refused,
and allowed within the tolerance), invoices, receipts and reversals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from mfg_helpers import line_ids

from core.errors import PermissionDenied, ValidationFailed
from core.models import AuditEntry
from core.services.company import set_setting
from plugins.manufacturing.models import DocStatus, Document, Stock
from plugins.manufacturing.services import balances, documents, posting, tenders

D = Decimal


def stock(ctx: Any, product: Any) -> Decimal:
    with ctx.reading() as session:
        row = session.get(Stock, product.id)
        return row.on_hand if row else D(0)


def shipped(ctx: Any, ids: list[int]) -> dict[int, Decimal]:
    with ctx.reading() as session:
        return balances.shipped(session, ids)


def receivable(ctx: Any, customer: Any) -> Decimal:
    with ctx.reading() as session:
        return balances.receivable(session, customer.id)


def test_partial_and_combined_deliveries_keep_open_quantities(shop: Any) -> None:
    tenders.receive_stock(shop.shipping, shop.flange.id, D("100"))
    tenders.receive_stock(shop.shipping, shop.ring.id, D("2"))
    first = shop.order((shop.flange, "10", "120.00"), (shop.ring, "4", "300.00"))
    second = shop.order((shop.flange, "5", "118.50"))
    assert first.number.startswith("SO26") and first.amount == D("2400.00")
    (f1, r1), (f2,) = line_ids(shop.sales, first), line_ids(shop.sales, second)

    shop.deliver((f1, "6"))
    assert shipped(shop.sales, [f1, r1]) == {f1: D("6.000")}
    # several orders shipped together in one delivery
    combined = shop.deliver((f1, "4"), (r1, "1.5"), (f2, "5"))
    assert combined.amount == D("480.00") + D("450.00") + D("592.50")
    assert shipped(shop.sales, [f1, r1, f2]) == {f1: D("10"), r1: D("1.5"), f2: D("5")}
    assert stock(shop.sales, shop.flange) == D("85")
    assert stock(shop.sales, shop.ring) == D("0.5")


def test_over_delivery_refused_then_allowed_within_tolerance(shop: Any) -> None:
    shop.stock_up()
    order = shop.order((shop.flange, "10", "120.00"))
    (line,) = line_ids(shop.sales, order)
    shop.deliver((line, "8"))
    with pytest.raises(ValidationFailed) as refused:
        shop.deliver((line, "3"))
    assert "at most 2" in str(refused.value) and "order line" in str(refused.value)

    set_setting(shop.world.admin, "manufacturing.over_delivery_tolerance", "0.05")
    shop.deliver((line, "2.5"))  # 10.5 = 10 x 1.05
    with pytest.raises(ValidationFailed):
        shop.deliver((line, "0.001"))
    assert shipped(shop.sales, [line]) == {line: D("10.5")}


def test_two_drafts_are_checked_again_on_submit(shop: Any) -> None:
    shop.stock_up()
    order = shop.order((shop.flange, "10", "120.00"))
    (line,) = line_ids(shop.sales, order)
    a = shop.deliver((line, "7"), submit=False)
    b = shop.deliver((line, "7"), submit=False)  # each fits on its own
    posting.submit(shop.shipping, a.id)
    with pytest.raises(ValidationFailed, match="at most 3"):
        posting.submit(shop.shipping, b.id)
    with shop.sales.reading() as session:
        assert session.get(Document, b.id).status == DocStatus.DRAFT


def test_invoices_receipts_and_open_amounts(shop: Any) -> None:
    shop.stock_up()
    order = shop.order((shop.flange, "10", "120.00"))
    (line,) = line_ids(shop.sales, order)
    d1 = shop.deliver((line, "4"))
    d2 = shop.deliver((line, "6"))
    invoice = posting.submit(shop.finance, documents.invoice_deliveries(shop.finance, [d1.id]).id)
    assert invoice.amount == D("480.00") and invoice.due_date is not None
    with pytest.raises(ValidationFailed, match="at most 0"):  # d1 is fully billed
        documents.create_invoice(
            shop.finance,
            {"lines": [{"delivery_line_id": line_ids(shop.sales, d1)[0], "quantity": "1"}]},
        )
    second = posting.submit(shop.finance, documents.invoice_deliveries(shop.finance, [d2.id]).id)
    direct = posting.submit(
        shop.finance,
        documents.create_invoice(
            shop.finance,
            {
                "customer_id": shop.customer.id,
                "direct_lines": [
                    {"product_id": shop.ring.id, "quantity": "1", "unit_price": "99.99"}
                ],
            },
        ).id,
    )
    assert receivable(shop.sales, shop.customer) == D("480.00") + D("720.00") + D("99.99")

    receipt = documents.create_receipt(
        shop.finance, {"customer_id": shop.customer.id, "amount": "600.00"}
    )
    posting.submit(shop.finance, receipt.id)  # oldest first: 480 + 120 of the second
    with shop.sales.reading() as session:
        paid = balances.collected(session, [invoice.id, second.id, direct.id])
    assert paid == {invoice.id: D("480.00"), second.id: D("120.00")}
    assert receivable(shop.sales, shop.customer) == D("699.99")

    with pytest.raises(ValidationFailed, match="still owes"):
        documents.create_receipt(
            shop.finance,
            {
                "customer_id": shop.customer.id,
                "amount": "1000.00",
                "allocations": [{"invoice_id": direct.id, "amount": "100.00"}],
            },
        )
    with pytest.raises(ValidationFailed, match="received"):
        documents.create_receipt(
            shop.finance,
            {
                "customer_id": shop.customer.id,
                "amount": "50.00",
                "allocations": [{"invoice_id": second.id, "amount": "60.00"}],
            },
        )


def test_reversals_restore_quantities_amounts_and_stock(shop: Any) -> None:
    tenders.receive_stock(shop.shipping, shop.flange.id, D("20"))
    order = shop.order((shop.flange, "10", "120.00"))
    (line,) = line_ids(shop.sales, order)
    delivery = shop.deliver((line, "10"))
    invoice = posting.submit(
        shop.finance, documents.invoice_deliveries(shop.finance, [delivery.id]).id
    )
    receipt = posting.submit(
        shop.finance,
        documents.create_receipt(
            shop.finance, {"customer_id": shop.customer.id, "amount": "1200.00"}
        ).id,
    )
    assert receivable(shop.sales, shop.customer) == D("0")

    # later documents count on the earlier ones: reverse from the end
    for doc in (order, delivery, invoice):
        with pytest.raises(ValidationFailed, match="first"):
            posting.reverse(shop.finance, doc.id)
    with pytest.raises(PermissionDenied):
        posting.reverse(shop.sales, receipt.id)
    mirror = posting.reverse(shop.finance, receipt.id, reason="bounced cheque")
    assert mirror.number == receipt.number + "-R" and mirror.amount == D("-1200.00")
    assert receivable(shop.sales, shop.customer) == D("1200.00")
    posting.reverse(shop.finance, invoice.id)
    assert receivable(shop.sales, shop.customer) == D("0")
    posting.reverse(shop.finance, delivery.id)
    assert shipped(shop.sales, [line]) == {line: D("0")}
    assert stock(shop.sales, shop.flange) == D("20")
    shop.deliver((line, "10"))  # the order is open again

    with shop.sales.reading() as session:
        original = session.get(Document, receipt.id)
        assert original.status == DocStatus.REVERSED and original.amount == D("1200.00")
        audited = session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "manufacturing_document", AuditEntry.action == "reverse")
        )
    assert audited == 3
    with pytest.raises(ValidationFailed, match="submitted"):
        posting.reverse(shop.finance, receipt.id)  # a reversed document stays reversed


def test_submitted_documents_are_never_edited(shop: Any) -> None:
    order = shop.order((shop.flange, "1", "120.00"))
    with pytest.raises(ValidationFailed, match="reversal"):
        posting.submit(shop.sales, order.id)
    with pytest.raises(ValidationFailed, match="reversal"):
        documents.discard_draft(shop.sales, order.id)
    draft = shop.order((shop.flange, "1", "120.00"), submit=False)
    documents.discard_draft(shop.sales, draft.id)
    again = shop.order((shop.flange, "1", "120.00"), submit=False)
    assert again.number > draft.number  # a discarded draft's number is not reused


def test_record_rules_hide_other_reps_documents(shop: Any) -> None:
    other = shop.world.user("other", "mfg_sales", region="EAST")
    order = shop.order((shop.flange, "1", "120.00"))
    with pytest.raises(PermissionDenied):
        posting.reverse(other, order.id)
    with pytest.raises(PermissionDenied):
        documents.order_from_quote(other, order.id)


def test_drafts_can_be_changed_until_submitted(shop: Any) -> None:
    shop.stock_up()
    order = shop.order((shop.flange, "10", "120.00"), (shop.ring, "2", "300.00"))
    first, second = line_ids(shop.sales, order)
    draft = shop.deliver((first, "4"), (second, "2"), submit=False)
    with pytest.raises(ValidationFailed, match="at most 10"):
        documents.set_quantities(shop.shipping, draft.id, [D("11"), D("2")])
    changed = documents.set_quantities(shop.shipping, draft.id, [D("5"), D("0")], draft.version)
    assert changed.amount == D("600.00")
    posting.submit(shop.shipping, draft.id)
    assert shipped(shop.sales, [first, second]) == {first: D("5")}
    with pytest.raises(ValidationFailed, match="reversal"):
        documents.set_quantities(shop.shipping, draft.id, [D("4")])


def test_a_draft_cannot_ship_against_an_order_reversed_since(shop: Any) -> None:
    order = shop.order((shop.flange, "10", "120.00"))
    (line,) = line_ids(shop.sales, order)
    draft = shop.deliver((line, "5"), submit=False)
    posting.reverse(shop.finance, order.id, reason="customer cancelled")
    with pytest.raises(ValidationFailed, match="an order that is submitted; this one has been"):
        posting.submit(shop.shipping, draft.id)


def test_a_stale_version_is_a_conflict(shop: Any) -> None:
    from core.errors import Conflict

    draft = shop.order((shop.flange, "1", "120.00"), submit=False)
    documents.set_quantities(shop.sales, draft.id, [D("2")], draft.version)
    with pytest.raises(
        Conflict, match=r"(?i)This document was changed by eng"
    ):  # names who changed it
        posting.submit(shop.sales, draft.id, draft.version)


def test_line_amounts_round_half_up_to_the_cent() -> None:
    assert documents.line_amount(D("2.5"), D("0.01")) == D("0.03")  # 0.025 -> 0.03
    assert documents.line_amount(D("0.333"), D("10.00")) == D("3.33")


@pytest.mark.parametrize(
    "quantity",
    [
        "Infinity",
        "inf",
        "-inf",
        "1e400",
        "NaN",
        "sNaN",
        "14.0000001",
        "100000000000000016",
        "0",
        "-1",
    ],
)
def test_stock_receipt_quantities_are_validated_like_every_quantity(
    shop: Any, quantity: str
) -> None:
    """#16.5: a receipt takes the shared quantity rule (finite, at most three places and
    what the column holds), as text from the CLI or as a Decimal from a screen, and is
    refused naming the quantity on both engines instead of storing or crashing."""
    for given in (quantity, D(quantity)):
        with pytest.raises(ValidationFailed) as info:
            tenders.receive_stock(shop.shipping, shop.flange.id, given)
        assert [p.field for p in info.value.problems] == ["quantity"]
    assert stock(shop.shipping, shop.flange) == D(0)


def test_stock_on_hand_cannot_grow_past_what_it_holds(shop: Any) -> None:
    tenders.receive_stock(shop.shipping, shop.flange.id, D("99999999999"))
    with pytest.raises(ValidationFailed) as info:
        tenders.receive_stock(shop.shipping, shop.flange.id, D("1"))
    assert [p.field for p in info.value.problems] == ["quantity"]
    assert stock(shop.shipping, shop.flange) == D("99999999999")
    tenders.receive_stock(shop.shipping, shop.flange.id, D("0.999"))
    assert stock(shop.shipping, shop.flange) == D("99999999999.999")
