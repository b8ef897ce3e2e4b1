"""Negative information (负面情报分析改善表): recording, lost-deal classification,
improvement actions with owner and due date, the report by reason, product and region,
and who sees what."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.errors import PermissionDenied, ValidationFailed
from core.reports import drill_report, run_report
from core.services import opportunities
from plugins.marketing.services import negative


@pytest.fixture
def register(salesdesk_world: Any, mk: dict[str, Any]) -> dict[str, Any]:
    rep1, rep2 = mk["rep1"], mk["rep2"]
    salesdesk_world.product(code="PUMP")
    c1 = salesdesk_world.customer(owner=rep1, region="north", code="N1")
    salesdesk_world.customer(owner=rep2, region="south", code="S1")
    deal = opportunities.create_opportunity(
        rep1, {"customer_id": c1.id, "title": "Pumps", "amount": "4000"}
    )
    opportunities.lose(rep1, deal.id, "cheaper offer from Acme")
    lost = negative.record_lost_deal(rep1, deal.id, "price", competitor="Acme")
    complaint = negative.record_negative(
        rep2,
        {
            "kind": "complaint",
            "date": "2026-03-02",
            "reason": "delivery",
            "customer": "S1",
            "product": "PUMP",
            "description": "late by two weeks",
        },
    )
    move = negative.record_negative(
        rep1,
        {
            "kind": "competitor",
            "date": "2026-03-05",
            "reason": "price",
            "region": "north",
            "competitor": "Acme",
            "description": "Acme cut prices 10%",
        },
    )
    return {"lost": lost, "complaint": complaint, "move": move, "deal": deal}


def test_lost_deal_takes_customer_region_and_reason(register: dict[str, Any]) -> None:
    lost = register["lost"]
    assert (lost.kind, lost.reason, lost.competitor) == ("lost_deal", "price", "Acme")
    assert lost.description == "cheaper offer from Acme"
    assert lost.opportunity_id == register["deal"].id and lost.region_id is not None


def test_actions_and_report(
    salesdesk_world: Any, register: dict[str, Any], mk: dict[str, Any]
) -> None:
    boss = mk["boss"]
    with pytest.raises(PermissionDenied):
        negative.assign_action(
            mk["rep1"], register["move"].id, {"action": "x", "owner": "rep1", "due": "2026-03-20"}
        )
    negative.assign_action(
        boss,
        register["complaint"].id,
        {"action": "Weekly delivery review", "owner": "mgr", "due": "2026-03-10"},
    )
    row = negative.assign_action(
        boss, register["move"].id, {"action": "Price review", "owner": "rep1", "due": "2026-04-01"}
    )
    with pytest.raises(PermissionDenied):
        negative.close_action(mk["rep2"], row.id)  # not the owner
    negative.close_action(mk["rep1"], row.id)
    with pytest.raises(ValidationFailed, match="open improvement action"):
        negative.close_action(mk["rep1"], row.id)

    result = run_report(boss, "marketing_negative", {})
    reasons = {r[0]: r for r in result.table("reasons").rows}
    # items, complaints, lost, competitor, no action, open, overdue, lost amount
    assert reasons["price"][1:] == (2, 0, 1, 1, 1, 0, 0, Decimal("4000.00"))
    assert reasons["delivery"][1:] == (1, 1, 0, 0, 0, 1, 1, Decimal("0.00"))
    products = {r[0]: r[1] for r in result.table("products").rows}
    assert products == {"PUMP": 1, "-": 2}
    regions = {r[0]: r[1] for r in result.table("regions").rows}
    assert regions == {"north": 2, "south": 1}
    overdue = drill_report(
        boss, "marketing_negative", {}, "reasons", reasons["delivery"], "overdue"
    )
    assert [(r[3], r[11], r[13]) for r in overdue.rows] == [("delivery", "mgr", "overdue")]


def test_rep_sees_own_items(register: dict[str, Any], mk: dict[str, Any]) -> None:
    result = run_report(mk["rep2"], "marketing_negative", {})
    assert [r[2] for r in result.table("register").rows] == ["complaint"]
    result = run_report(mk["mgr"], "marketing_negative", {})  # the team: both reps
    assert result.table("register").row_count == 3


def test_bad_input_is_named(register: dict[str, Any], mk: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        negative.record_negative(
            mk["rep1"],
            {"kind": "complaint", "date": "2026-03-01", "customer": "NOPE", "product": "NOPE"},
        )
    fields = {p.field for p in caught.value.problems}
    assert fields == {"customer", "product"}
    assert "Customer: got 'NOPE'" in str(caught.value) and "Product: got 'NOPE'" in str(
        caught.value
    )
    with pytest.raises(ValidationFailed, match="a deal marked lost"):
        open_deal = opportunities.create_opportunity(
            mk["rep1"],
            {"customer_id": register["lost"].customer_id, "title": "Open", "amount": "1"},
        )
        negative.record_lost_deal(mk["rep1"], open_deal.id, "price")
    with pytest.raises(PermissionDenied):  # S1 belongs to rep2
        negative.record_negative(
            mk["rep1"], {"kind": "complaint", "date": "2026-03-01", "customer": "S1"}
        )
