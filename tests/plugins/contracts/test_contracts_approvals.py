"""Approval chains by amount and type, who may decide, edits sending a contract back,
copies starting fresh, every decision audited, and two approvers at once."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from contracts_helpers import approved, at_stage, draft

from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.models import AuditEntry
from plugins.contracts import services
from plugins.contracts.models import ApprovalStep


def chain_of(team: dict[str, Any], contract: Any) -> list[str]:
    detail = services.contract_detail(team["rep"], contract.id)
    return [s.role for s in detail.steps if s.round == detail.contract.approval_round]


@pytest.mark.salesdesk_sqlite_only
@pytest.mark.parametrize(
    ("amount", "chain"),
    [
        ("0.01", ["sales_manager"]),
        ("199999.99", ["sales_manager"]),
        ("200000.00", ["sales_manager", "finance"]),
        ("999999.99", ["sales_manager", "finance"]),
        ("1000000.00", ["sales_manager", "finance", "contract_executive"]),
        ("5000000.00", ["sales_manager", "finance", "contract_executive"]),
    ],
)
def test_default_chain_at_each_threshold(
    team: dict[str, Any], amount: str, chain: list[str]
) -> None:
    contract = at_stage(team, "submitted", amount=amount)
    assert chain_of(team, contract) == chain
    by_role = {
        "sales_manager": team["mgr"],
        "finance": team["fin"],
        "contract_executive": team["boss"],
    }
    for i, role in enumerate(chain):
        assert contract.stage == "submitted"
        contract = services.approve(by_role[role], contract.id, f"ok {i}")
    assert contract.stage == "approved"


@pytest.mark.salesdesk_sqlite_only
def test_chains_by_contract_type_from_settings(team: dict[str, Any]) -> None:
    services.set_approval_chains(
        team["admin"],
        [
            {"type": "*", "min_amount": "0", "steps": ["sales_manager"]},
            {"type": "framework", "min_amount": "0", "steps": ["finance"]},
            {
                "type": "framework",
                "min_amount": "50000",
                "steps": ["sales_manager", "contract_executive"],
            },
        ],
    )
    small = at_stage(team, "submitted", amount="40000.00", contract_type="framework")
    big = at_stage(team, "submitted", amount="50000.00", contract_type="framework")
    other = at_stage(team, "submitted", amount="9000000.00")
    assert chain_of(team, small) == ["finance"]
    assert chain_of(team, big) == ["sales_manager", "contract_executive"]
    assert chain_of(team, other) == ["sales_manager"]
    with pytest.raises(ValidationFailed, match="defined roles"):
        services.set_approval_chains(team["admin"], [{"steps": ["pope"]}])


@pytest.mark.salesdesk_sqlite_only
def test_who_may_decide(team: dict[str, Any], salesdesk_world: Any) -> None:
    contract = at_stage(team, "submitted", amount="300000.00")
    with pytest.raises(PermissionDenied, match="created, requested or own contract"):
        services.approve(team["rep"], contract.id)
    # a manager who submits a contract may not approve it either
    mine = draft(team)
    services.transition(team["mgr"], mine.id, "drafting")
    services.submit(team["mgr"], mine.id)
    with pytest.raises(PermissionDenied, match="created, requested or own contract"):
        services.approve(team["mgr"], mine.id)
    with pytest.raises(PermissionDenied, match="needs the role Sales manager"):
        services.approve(team["fin"], contract.id)
    both = salesdesk_world.user("both", ["sales_manager", "finance"], region="EAST")
    services.approve(both, contract.id, "as manager")
    with pytest.raises(PermissionDenied, match="You already approved step 1"):
        services.approve(both, contract.id, "as finance too")
    with pytest.raises(ValidationFailed, match="reason for rejecting"):
        services.reject(team["fin"], contract.id, "")
    rejected = services.reject(team["fin"], contract.id, "margin too thin")
    assert rejected.stage == "rejected"
    with pytest.raises(ValidationFailed, match="waiting for approval"):
        services.approve(team["mgr"], contract.id)


def test_the_creator_may_not_approve(team: dict[str, Any]) -> None:
    """A manager who drafts a contract for a rep is excluded like its owner and requester
    (issue #16.11): the rep submits, and the manager neither sees it waiting nor decides."""
    made = services.create_contract(
        team["mgr"],
        {
            "title": "Drafted by the manager",
            "customer_id": team["customer"].id,
            "owner_id": team["rep"].actor.id,
            "amount": "5000.00",
            "parties": [{"name": "Acme Trading"}],
        },
    )
    assert made.owner_id == team["rep"].actor.id and made.created_by_id == team["mgr"].actor.id
    services.transition(team["rep"], made.id, "drafting")
    submitted = services.submit(team["rep"], made.id)
    assert chain_of(team, submitted) == ["sales_manager"]
    assert made.id not in [c.id for c, _s in services.waiting_for_me(team["mgr"])]
    with pytest.raises(PermissionDenied, match="created, requested or own contract"):
        services.approve(team["mgr"], made.id)
    with pytest.raises(PermissionDenied, match="created, requested or own contract"):
        services.reject(team["mgr"], made.id, "my own draft")
    assert services.contract_detail(team["rep"], made.id).contract.stage == "submitted"


@pytest.mark.salesdesk_sqlite_only
def test_decisions_are_audited_and_on_the_timeline(team: dict[str, Any]) -> None:
    contract = approved(team)
    with team["world"].runtime.db.read_session() as session:
        audited = session.execute(
            sa.select(AuditEntry.action, AuditEntry.actor_login).where(
                AuditEntry.entity == "contracts_approval_step"
            )
        ).all()
    assert ("approved", "mgr") in audited
    detail = services.contract_detail(team["rep"], contract.id)
    actions = [(t.action, t.actor_login) for t in detail.timeline]
    assert ("submit", "rep") in actions and ("approve", "mgr") in actions
    assert detail.steps[0].comment == "ok" and detail.steps[0].decided_by_login == "mgr"


@pytest.mark.salesdesk_sqlite_only
@pytest.mark.parametrize("stage", ["submitted", "approved"])
@pytest.mark.parametrize(
    "change",
    [
        {"amount": "160000.00", "milestones": []},
        {"terms": "60 days net"},
        {"parties": [{"name": "Acme", "role": "buyer"}, {"name": "Bank", "role": "guarantor"}]},
    ],
)
def test_edit_of_terms_sends_back_for_approval(
    team: dict[str, Any], stage: str, change: dict[str, Any]
) -> None:
    contract = at_stage(team, stage)
    first_round = contract.approval_round
    edited = services.update_contract(team["rep"], contract.id, change, contract.version)
    assert edited.stage == "submitted" and edited.approval_round == first_round + 1
    detail = services.contract_detail(team["rep"], contract.id)
    assert detail.pending_step is not None and detail.pending_step.round == first_round + 1
    assert all(s.status in ("void", "approved") for s in detail.steps if s.round == 1)
    assert "back to approval" in detail.timeline[-1].comment


@pytest.mark.salesdesk_sqlite_only
def test_other_edits_keep_the_approval(team: dict[str, Any]) -> None:
    contract = at_stage(team, "approved")
    edited = services.update_contract(
        team["rep"], contract.id, {"title": "New title"}, contract.version
    )
    assert edited.stage == "approved" and edited.approval_round == contract.approval_round


@pytest.mark.salesdesk_sqlite_only
def test_edit_checks_version_and_milestone_sum(team: dict[str, Any]) -> None:
    contract = draft(team)
    services.update_contract(team["mgr"], contract.id, {"title": "By manager"}, contract.version)
    with pytest.raises(Conflict, match="This contract was changed by Mgr"):
        services.update_contract(team["rep"], contract.id, {"title": "Stale"}, contract.version)
    fresh = services.get_contract(team["rep"], contract.id)
    with pytest.raises(ValidationFailed, match=r"adding up to the contract amount 1\.00"):
        services.update_contract(team["rep"], fresh.id, {"amount": "1.00"}, fresh.version)
    with pytest.raises(PermissionDenied):
        services.update_contract(team["fin"], fresh.id, {"title": "x"}, fresh.version)


@pytest.mark.salesdesk_sqlite_only
def test_copy_starts_as_a_fresh_draft(team: dict[str, Any]) -> None:
    original = approved(team)
    copy = services.copy_contract(team["rep"], original.id)
    assert copy.number != original.number and copy.copied_from_id == original.id
    assert (copy.stage, copy.approval_round, copy.requested_by_id) == ("preparation", 0, None)
    assert copy.amount == original.amount and copy.parties == original.parties
    detail = services.contract_detail(team["rep"], copy.id)
    assert detail.steps == [] and len(detail.milestones) == 2
    with pytest.raises(ValidationFailed, match="allowed from Preparation"):
        services.sign(team["rep"], copy.id)


@pytest.mark.salesdesk_sqlite_only
def test_waiting_for_me(team: dict[str, Any]) -> None:
    big = at_stage(team, "submitted", amount="300000.00")
    at_stage(team, "drafting")
    assert [c.id for c, _s in services.waiting_for_me(team["mgr"])] == [big.id]
    assert services.waiting_for_me(team["fin"]) == []  # not finance's turn yet
    assert services.waiting_for_me(team["mgr2"]) == []  # not mgr2's team
    assert services.waiting_for_me(team["rep"]) == []
    services.approve(team["mgr"], big.id)
    assert [s.role for _c, s in services.waiting_for_me(team["fin"])] == ["finance"]


def test_two_approvers_at_once_exactly_one_wins(
    team: dict[str, Any],
    salesdesk_world: Any,
    salesdesk_backend: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two managers of the rep open the same step and approve at the same moment: one
    decision is recorded, the other approver is told who decided first."""
    other = salesdesk_world.user("mgr3", "sales_manager", region="EAST")
    with (
        salesdesk_world.runtime.db.write_session() as session,
        session.begin(),
    ):  # mgr3 leads rep too
        session.execute(
            sa.text("UPDATE sd_user SET manager_id = :m WHERE login = 'mgr'"), {"m": other.actor.id}
        )
    other.refresh_grant()
    contract = at_stage(team, "submitted")
    step = services.contract_detail(team["rep"], contract.id).pending_step
    if salesdesk_backend == "postgres":
        # Both transactions are open and have read the row before either locks it.
        from plugins.contracts.services import approvals

        both_in = threading.Barrier(2, timeout=20)
        original = approvals.load_for_write

        def load_after_both_started(uow: Any, contract_id: int, expected: Any) -> Any:
            uow.session.execute(sa.select(ApprovalStep.id)).all()
            both_in.wait()
            return original(uow, contract_id, expected)

        monkeypatch.setattr(approvals, "load_for_write", load_after_both_started)
    start = threading.Barrier(2, timeout=20)
    outcomes: dict[str, Any] = {}

    def decide(who: str, ctx: Any) -> None:
        start.wait()
        try:
            services.approve(
                ctx, contract.id, f"by {who}", step_id=step.id, expected_version=contract.version
            )
            outcomes[who] = "ok"
        except Exception as exc:
            outcomes[who] = exc

    threads = [
        threading.Thread(target=decide, args=("mgr", team["mgr"])),
        threading.Thread(target=decide, args=("mgr3", other)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [w for w, r in outcomes.items() if r == "ok"]
    losers = [r for r in outcomes.values() if r != "ok"]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    err = losers[0]
    assert isinstance(err, services.AlreadyDecided), err
    assert f"was already approved by {winners[0].title()} at " in str(err)
    assert "not recorded" in str(err)
    detail = services.contract_detail(team["rep"], contract.id)
    assert detail.contract.stage == "approved"
    assert [(s.status, s.decided_by_login) for s in detail.steps] == [("approved", winners[0])]
    assert [t.action for t in detail.timeline].count("approve") == 1


@pytest.mark.salesdesk_sqlite_only
def test_stale_screen_decision_is_refused(team: dict[str, Any], salesdesk_world: Any) -> None:
    late = salesdesk_world.user("late", ["sales_manager", "finance"], region="EAST")
    contract = at_stage(team, "submitted", amount="300000.00")
    step = services.contract_detail(team["rep"], contract.id).pending_step
    services.approve(team["mgr"], contract.id, step_id=step.id)
    with pytest.raises(services.AlreadyDecided, match="already approved by Mgr"):
        services.approve(late, contract.id, step_id=step.id)
    # an edit since the approver opened the contract: a plain conflict
    with pytest.raises(Conflict):
        services.approve(team["fin"], contract.id, expected_version=contract.version)
    assert Decimal(services.get_contract(team["rep"], contract.id).amount) == Decimal("300000")


@pytest.mark.salesdesk_sqlite_only
def test_decision_on_a_withdrawn_step(team: dict[str, Any]) -> None:
    contract = at_stage(team, "submitted")
    step = services.contract_detail(team["rep"], contract.id).pending_step
    services.update_contract(team["rep"], contract.id, {"terms": "45 days"}, contract.version)
    with pytest.raises(services.AlreadyDecided, match="was withdrawn"):
        services.approve(team["mgr"], contract.id, step_id=step.id)
    assert services.approve(team["mgr"], contract.id).stage == "approved"  # the new round
