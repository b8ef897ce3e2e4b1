"""Builders shared by the contracts tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from plugins.contracts import services


def build_team(world: Any) -> dict[str, Any]:
    mgr = world.user("mgr", "sales_manager", region="EAST")
    mgr2 = world.user("mgr2", "sales_manager", region="EAST")
    rep = world.user("rep", "sales_rep", region="EAST", manager=mgr)
    rep2 = world.user("rep2", "sales_rep", region="EAST", manager=mgr)
    fin = world.user("fin", "finance", region="EAST")
    boss = world.user("boss", ["executive", "contract_executive"], region="EAST")
    customer = world.customer(owner=rep, region="EAST", name="Acme Trading")
    deal = world.opportunity(customer, owner=rep, amount="150000.00")
    return {
        "world": world,
        "admin": world.admin,
        "mgr": mgr,
        "mgr2": mgr2,
        "rep": rep,
        "rep2": rep2,
        "fin": fin,
        "boss": boss,
        "customer": customer,
        "deal": deal,
    }


def draft(team: dict[str, Any], amount: str = "150000.00", **extra: Any) -> Any:
    """A contract of the team's customer, created by the rep, with two milestones."""
    half = (Decimal(amount) / 2).quantize(Decimal("0.01"))
    data = {
        "title": "Forged flanges 2026",
        "customer_id": team["customer"].id,
        "opportunity_id": team["deal"].id,
        "parties": [{"name": "Acme Trading"}],
        "amount": amount,
        "terms": "30 days net",
        "start_date": dt.date(2026, 4, 1),
        "end_date": dt.date(2026, 12, 31),
        "milestones": [
            {"due_date": dt.date(2026, 4, 30), "amount": half, "condition": "on delivery"},
            {
                "due_date": dt.date(2026, 6, 30),
                "amount": Decimal(amount) - half,
                "condition": "on acceptance",
            },
        ],
    }
    data.update(extra)
    return services.create_contract(team["rep"], data)


def approved(team: dict[str, Any], amount: str = "150000.00", **extra: Any) -> Any:
    """A contract taken through drafting, submission and its whole approval chain."""
    c = draft(team, amount, **extra)
    rep = team["rep"]
    c = services.transition(rep, c.id, "drafting")
    c = services.submit(rep, c.id)
    approvers = {
        "sales_manager": team["mgr"],
        "finance": team["fin"],
        "contract_executive": team["boss"],
    }
    while c.stage == "submitted":
        step = services.contract_detail(rep, c.id).pending_step
        c = services.approve(approvers[step.role], c.id, "ok")
    return c


def signed(team: dict[str, Any], amount: str = "150000.00", **extra: Any) -> Any:
    c = approved(team, amount, **extra)
    return services.sign(team["rep"], c.id)


# The default machine's paths: how to bring a fresh contract to each stage.
PATHS: dict[str, tuple[str, ...]] = {
    "preparation": (),
    "drafting": ("drafting",),
    "submitted": ("drafting", "submitted"),
    "approved": ("drafting", "submitted", "approved"),
    "rejected": ("drafting", "submitted", "rejected"),
    "signed": ("drafting", "submitted", "approved", "signed"),
    "planning": ("drafting", "submitted", "approved", "signed", "planning"),
    "in_execution": ("drafting", "submitted", "approved", "signed", "planning", "in_execution"),
    "completed": (
        "drafting",
        "submitted",
        "approved",
        "signed",
        "planning",
        "in_execution",
        "completed",
    ),
    "closed": (
        "drafting",
        "submitted",
        "approved",
        "signed",
        "planning",
        "in_execution",
        "completed",
        "closed",
    ),
    "cancelled": ("cancelled",),
}


def step_to(team: dict[str, Any], contract: Any, stage: str) -> Any:
    """Take one allowed step of the default machine the way a user would."""
    rep, mgr = team["rep"], team["mgr"]
    if stage == "approved":
        return services.approve(mgr, contract.id, "fine")
    if stage == "rejected":
        return services.reject(mgr, contract.id, "price too low")
    if stage == "cancelled":
        return services.cancel(rep, contract.id, "customer withdrew")
    if stage == "in_execution" and contract.stage == "planning":
        services.sign_off(mgr, contract.id, "kickoff", "plan agreed")
    return services.transition(rep, contract.id, stage)


def at_stage(team: dict[str, Any], stage: str, **extra: Any) -> Any:
    contract = draft(team, **extra)
    for step in PATHS[stage]:
        contract = step_to(team, contract, step)
    assert contract.stage == stage
    return contract
