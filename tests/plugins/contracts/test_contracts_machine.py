"""The lifecycle as data: every move of the default machine, allowed and refused; a
company's own machine from settings; control nodes."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from contracts_helpers import PATHS, at_stage, draft, step_to

from core.errors import PermissionDenied, ValidationFailed
from plugins.contracts import services
from plugins.contracts.machine import DEFAULT_MACHINE, load_machine
from plugins.contracts.models import Contract, TimelineEntry

ALLOWED = {
    "preparation": ["drafting", "cancelled"],
    "drafting": ["submitted", "cancelled"],
    "submitted": ["drafting", "approved", "rejected", "cancelled"],
    "approved": ["drafting", "signed", "cancelled"],
    "rejected": ["drafting", "cancelled"],
    "signed": ["planning", "cancelled"],
    "planning": ["in_execution", "cancelled"],
    "in_execution": ["completed", "cancelled"],
    "completed": ["closed"],
    "closed": [],
    "cancelled": [],
}
STAGES = list(ALLOWED)


def test_default_machine_matches_the_domain() -> None:
    machine = load_machine(DEFAULT_MACHINE)
    assert [s.id for s in machine.stages] == STAGES
    for stage, targets in ALLOWED.items():
        assert machine.targets(stage) == targets, stage
    assert machine.locked == {"signed", "planning", "in_execution", "completed", "closed"}


@pytest.mark.salesdesk_sqlite_only
@pytest.mark.parametrize("stage", STAGES)
def test_every_allowed_move(team: dict[str, Any], stage: str) -> None:
    for target in ALLOWED[stage]:
        contract = at_stage(team, stage)
        moved = step_to(team, contract, target)
        assert (moved.stage, moved.status) == (
            target,
            load_machine(DEFAULT_MACHINE).stage(target).status,
        )
        with team["world"].runtime.db.read_session() as session:
            last = session.scalars(
                sa.select(TimelineEntry)
                .where(TimelineEntry.contract_id == contract.id)
                .order_by(TimelineEntry.id.desc())
            ).first()
        assert (last.from_stage, last.to_stage) == (stage, target)


@pytest.mark.salesdesk_sqlite_only
@pytest.mark.parametrize("stage", STAGES)
def test_every_refused_move_names_the_allowed_ones(team: dict[str, Any], stage: str) -> None:
    contract = at_stage(team, stage)
    refused = [s for s in STAGES if s not in ALLOWED[stage]]
    title = load_machine(DEFAULT_MACHINE).title  # stages as people know them, with the id typed
    allowed = ", ".join(f"{title(s)} ({s})" for s in ALLOWED[stage]) or "none, it is final"
    for target in refused:
        with pytest.raises(ValidationFailed) as caught:
            services.transition(team["rep"], contract.id, target, "a reason")
        text = str(caught.value)
        assert f"allowed from {title(stage)}: {allowed}" in text
    assert services.get_contract(team["rep"], contract.id).stage == stage


@pytest.mark.salesdesk_sqlite_only
def test_submitting_too_early_says_which_stage_comes_first(team: dict[str, Any]) -> None:
    contract = at_stage(team, "preparation")
    with pytest.raises(
        ValidationFailed,
        match="Submitted for approval comes after Drafting: move the contract on to Drafting first",
    ):
        services.submit(team["rep"], contract.id)
    with pytest.raises(
        ValidationFailed,
        match="Signed comes after Drafting -> Submitted for approval -> "
        "Approved: move the contract on to Drafting",
    ):
        services.sign(team["rep"], contract.id)


@pytest.mark.salesdesk_sqlite_only
def test_decisions_are_not_plain_moves(team: dict[str, Any]) -> None:
    contract = at_stage(team, "submitted")
    for target in ("approved", "rejected"):
        with pytest.raises(ValidationFailed, match="approve or reject"):
            services.transition(team["mgr"], contract.id, target)


@pytest.mark.salesdesk_sqlite_only
def test_cancel_needs_a_reason_and_voids_open_steps(team: dict[str, Any]) -> None:
    contract = at_stage(team, "submitted")
    with pytest.raises(ValidationFailed, match="why the contract is cancelled"):
        services.cancel(team["rep"], contract.id, " ")
    cancelled = services.cancel(team["rep"], contract.id, "customer withdrew")
    assert cancelled.cancel_reason == "customer withdrew"
    detail = services.contract_detail(team["rep"], contract.id)
    assert [s.status for s in detail.steps] == ["void"] and detail.pending_step is None


@pytest.mark.salesdesk_sqlite_only
def test_control_node_needs_role_and_fields(team: dict[str, Any]) -> None:
    contract = at_stage(team, "planning", end_date=None)
    rep, mgr = team["rep"], team["mgr"]
    with pytest.raises(ValidationFailed, match="sign-off of 'Execution plan agreed'"):
        services.transition(rep, contract.id, "in_execution")
    with pytest.raises(PermissionDenied, match="needs the role Sales manager"):
        services.sign_off(rep, contract.id, "kickoff")
    with pytest.raises(ValidationFailed, match="End date"):
        services.sign_off(mgr, contract.id, "kickoff")
    # a signed contract is read-only: fields come through an amendment; here the planned
    # end is set directly in the database to stand for a completed amendment
    with team["world"].runtime.db.write_session() as session, session.begin():
        session.get(Contract, contract.id).end_date = contract.start_date
    services.sign_off(mgr, contract.id, "kickoff", "ok")
    with pytest.raises(ValidationFailed, match="not signed off already"):
        services.sign_off(mgr, contract.id, "kickoff")
    assert services.transition(rep, contract.id, "in_execution").stage == "in_execution"
    # cancelling is not held up by a control node
    other = at_stage(team, "planning")
    assert services.cancel(rep, other.id, "stopped").stage == "cancelled"


CUSTOM = {
    "stages": [
        {"id": "draft", "title_en": "Draft", "title_zh": "草稿", "status": "open"},
        {"id": "legal", "title_en": "Legal review", "status": "open"},
        {"id": "review", "title_en": "Review", "status": "in_review"},
        {"id": "ok", "title_en": "OK", "status": "approved"},
        {"id": "no", "title_en": "No", "status": "rejected"},
        {"id": "signed", "title_en": "Signed", "status": "active"},
        {"id": "done", "title_en": "Done", "status": "done", "cancellable": False},
        {"id": "void", "title_en": "Void", "status": "void", "cancellable": False},
    ],
    "transitions": [
        ["draft", "legal"],
        ["legal", "review"],
        ["review", "ok"],
        ["review", "no"],
        ["no", "draft"],
        ["ok", "signed"],
        ["signed", "done"],
    ],
    "roles": {
        "initial": "draft",
        "approval": "review",
        "approved": "ok",
        "rejected": "no",
        "signed": "signed",
        "cancelled": "void",
    },
    "control_nodes": [
        {
            "id": "legal_ok",
            "stage": "legal",
            "role": "finance",
            "title_en": "Legal check",
            "required_fields": ["terms"],
        }
    ],
}


@pytest.mark.salesdesk_sqlite_only
def test_custom_machine_from_settings(team: dict[str, Any]) -> None:
    services.set_machine(team["admin"], CUSTOM)
    rep = team["rep"]
    contract = draft(team)
    assert (contract.stage, contract.status) == ("draft", "open")
    with pytest.raises(
        ValidationFailed, match=r"allowed from Draft: Legal review \(legal\), Void \(void\)"
    ):
        services.transition(rep, contract.id, "review")
    services.transition(rep, contract.id, "legal")
    with pytest.raises(ValidationFailed, match="Legal check"):
        services.transition(rep, contract.id, "review")
    services.sign_off(team["fin"], contract.id, "legal_ok")
    contract = services.transition(rep, contract.id, "review")
    assert contract.status == "in_review"
    contract = services.approve(team["mgr"], contract.id)
    assert contract.stage == "ok"
    contract = services.sign(rep, contract.id)
    assert contract.stage == "signed"
    with pytest.raises(ValidationFailed, match="read-only"):
        services.update_contract(rep, contract.id, {"title": "x"}, contract.version)
    assert services.transition(rep, contract.id, "done").status == "done"


@pytest.mark.salesdesk_sqlite_only
def test_bad_machine_settings_are_refused_with_every_problem(team: dict[str, Any]) -> None:
    bad = {
        **CUSTOM,
        "transitions": [["draft", "nowhere"], ["review", "ok"]],
        "control_nodes": [
            {"id": "x", "stage": "draft", "role": "no_such_role", "required_fields": ["colour"]}
        ],
    }
    with pytest.raises(ValidationFailed) as caught:
        services.set_machine(team["admin"], bad)
    text = str(caught.value)
    assert "Transitions 0:" in text and "no_such_role" in text and "colour" in text
    with pytest.raises(ValidationFailed, match="Roles signed"):
        services.set_machine(team["admin"], {**CUSTOM, "roles": {"initial": "draft"}})
    with pytest.raises(PermissionDenied):
        services.set_machine(team["rep"], CUSTOM)
    assert draft(team).stage == "preparation"  # nothing was stored


def test_paths_cover_every_stage() -> None:
    assert set(PATHS) == set(STAGES)
