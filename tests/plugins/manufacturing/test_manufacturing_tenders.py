"""The engineering funnel, tender records and project registration."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.errors import PermissionDenied, ValidationFailed
from core.models import Opportunity
from core.services import opportunities
from plugins.manufacturing.services import documents, posting, tenders


def test_engineering_funnel_is_contributed(salesdesk_runtime: Any) -> None:
    funnel = salesdesk_runtime.plugins.funnels.get("engineering")
    assert funnel is not None and not funnel.problems()
    assert [s.title_zh for s in funnel.stages] == [
        "潜在客户跟踪",
        "工程投标",
        "商务洽谈",
        "签订合同",
        "失败",
    ]
    assert funnel.won_stage.id == "contract_signed"


def test_tender_won_moves_the_deal_to_negotiation(shop: Any) -> None:
    deal = opportunities.create_opportunity(
        shop.sales,
        {
            "customer_id": shop.customer.id,
            "title": "Bridge flanges",
            "funnel": "engineering",
            "stage": "tender",
            "amount": "250000",
        },
    )
    tender = tenders.create_tender(
        shop.sales,
        {
            "customer_id": shop.customer.id,
            "title": "Bridge flanges",
            "deadline": "2026-04-01",
            "bid_bond": "10000",
            "bid_price": "248000.00",
            "competitors": "Acme Forge",
            "opportunity_id": deal.id,
        },
    )
    assert tender.number.startswith("TB26") and tender.result == "open"
    with pytest.raises(ValidationFailed, match="why"):
        tenders.decide_tender(shop.sales, tender.id, {"result": "lost"})
    decided = tenders.decide_tender(shop.sales, tender.id, {"result": "won"}, tender.version)
    assert decided.decided_on is not None
    with shop.sales.reading() as session:
        assert session.get(Opportunity, deal.id).stage == "negotiation"
    with pytest.raises(ValidationFailed, match="open tender"):
        tenders.decide_tender(shop.sales, tender.id, {"result": "lost", "reason": "late"})

    quote = documents.create_quote(
        shop.sales,
        {
            "customer_id": shop.customer.id,
            "tender_id": tender.id,
            "lines": [{"product_id": shop.flange.id, "quantity": "2000", "unit_price": "124"}],
        },
    )
    posting.submit(shop.sales, quote.id)
    order = documents.order_from_quote(shop.sales, quote.id)
    assert order.tender_id == tender.id and order.amount == Decimal("248000.00")
    twin = documents.order_from_quote(shop.sales, quote.id)  # drafts do not count yet
    posting.submit(shop.sales, order.id)
    with pytest.raises(ValidationFailed, match="not yet ordered"):
        documents.order_from_quote(shop.sales, quote.id)
    with pytest.raises(ValidationFailed, match="still open on the quote line of"):
        posting.submit(shop.sales, twin.id)


def test_tender_lost_loses_the_deal(shop: Any) -> None:
    deal = opportunities.create_opportunity(
        shop.sales,
        {
            "customer_id": shop.customer.id,
            "title": "Plant",
            "funnel": "engineering",
            "stage": "tender",
            "amount": "90000",
        },
    )
    tender = tenders.create_tender(
        shop.sales,
        {
            "customer_id": shop.customer.id,
            "title": "Plant",
            "deadline": "2026-04-01",
            "opportunity_id": deal.id,
        },
    )
    tenders.decide_tender(shop.sales, tender.id, {"result": "lost", "reason": "price"})
    with shop.sales.reading() as session:
        row = session.get(Opportunity, deal.id)
    assert row.status == "lost" and "price" in row.close_reason


def test_project_registration_needs_permission_and_visibility(shop: Any) -> None:
    shipping_clerk = shop.shipping
    with pytest.raises(PermissionDenied):
        tenders.register_project(shipping_clerk, {"customer_id": shop.customer.id})
    other = shop.world.user("other", "mfg_sales", region="EAST")
    with pytest.raises(PermissionDenied):
        tenders.register_project(other, {"customer_id": shop.customer.id})
    project = tenders.register_project(
        shop.sales,
        {
            "customer_id": shop.customer.id,
            "contact": "王工",
            "phone": "021-5555",
            "specs": "DN300",
            "quantity": "20",
        },
    )
    assert project.number.startswith("FQ26") and project.registered_on is not None


def test_forms_save_a_tender_and_a_project_registration(shop: Any) -> None:
    from core.forms import forms_for, submit_form

    assert {"mfg_tender", "mfg_project"} <= {f.id for f in forms_for(shop.sales)}
    assert not {"mfg_tender", "mfg_project"} & {f.id for f in forms_for(shop.shipping)}
    code = shop.customer.code
    said = submit_form(
        shop.sales,
        "mfg_tender",
        {
            "customer_code": code,
            "title": "Dam",
            "deadline": "2026-05-01",
            "bid_bond": "",
            "bid_price": "880000",
        },
    )
    assert said.startswith("Tender TB26")
    said = submit_form(
        shop.sales,
        "mfg_project",
        {"customer_code": code, "contact": "李工", "specs": "DN500", "quantity": "8"},
    )
    assert said.startswith("Project FQ26")
    with pytest.raises(ValidationFailed, match="Customer code"):
        submit_form(shop.sales, "mfg_project", {"customer_code": "NOPE"})
