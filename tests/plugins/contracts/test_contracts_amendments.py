"""A signed contract is read-only; changes are amendments with their own approval, and the
history shows every version side by side."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from contracts_helpers import at_stage, signed, step_to

from core.errors import ValidationFailed
from plugins.contracts import services


@pytest.mark.salesdesk_sqlite_only
@pytest.mark.parametrize("stage", ["signed", "planning", "in_execution", "completed", "closed"])
def test_signed_contracts_are_read_only(team: dict[str, Any], stage: str) -> None:
    contract = at_stage(team, stage)
    for change in ({"amount": "1.00", "milestones": []}, {"title": "x"}, {"terms": "y"}):
        with pytest.raises(ValidationFailed, match="read-only: amend it"):
            services.update_contract(team["rep"], contract.id, change, contract.version)


@pytest.mark.salesdesk_sqlite_only
def test_unsigned_contracts_are_not_amended(team: dict[str, Any]) -> None:
    contract = at_stage(team, "approved")
    with pytest.raises(ValidationFailed, match="edited directly"):
        services.amend(team["rep"], contract.id, {"terms": "x"})


def test_amendment_with_its_own_approval_replaces_the_signed_version(team: dict[str, Any]) -> None:
    rep = team["rep"]
    original = at_stage(team, "planning")
    amendment = services.amend(
        rep,
        original.id,
        {
            "amount": "330000.00",
            "terms": "45 days net",
            "milestones": [
                {"due_date": "2026-05-31", "amount": "330000.00", "condition": "on delivery"}
            ],
        },
        original.version,
    )
    assert (amendment.number, amendment.revision) == (original.number, 2)
    assert amendment.amends_id == original.id and amendment.root_id == original.id
    assert amendment.stage == "preparation"
    with pytest.raises(ValidationFailed, match="amendment in progress"):
        services.amend(rep, original.id, {"terms": "again"})
    # its own approval: over 200,000 it now needs finance as well
    amendment = step_to(team, amendment, "drafting")
    amendment = step_to(team, amendment, "submitted")
    chain = [s.role for s in services.contract_detail(rep, amendment.id).steps]
    assert chain == ["sales_manager", "finance"]
    with pytest.raises(ValidationFailed, match="allowed from Submitted for approval"):
        services.sign(rep, amendment.id)
    services.approve(team["mgr"], amendment.id)
    services.approve(team["fin"], amendment.id)
    amendment = services.sign(rep, amendment.id)
    # the new version carries on where the original was
    assert amendment.stage == "planning"
    old = services.get_contract(rep, original.id)
    assert old.superseded_by_id == amendment.id and old.stage == "planning"
    with pytest.raises(ValidationFailed, match="replaced by an amendment"):
        services.transition(rep, old.id, "in_execution")
    with pytest.raises(ValidationFailed, match="amend the newest"):
        services.amend(rep, old.id, {"terms": "z"})
    listed = [r.id for r in services.contract_rows(rep)]
    assert amendment.id in listed and old.id not in listed
    # the history, side by side
    assert [v.revision for v in services.versions(rep, old.id)] == [1, 2]
    table = services.history(rep, amendment.id)
    assert table.revisions == ["rev. 1", "rev. 2"]
    changed = {name: cells for name, cells, differs in table.rows if differs}
    assert changed["amount"] == ["150,000.00", "330,000.00"]
    assert changed["terms"] == ["30 days net", "45 days net"]
    assert "customer" not in changed and "milestone 1" in changed
    diff = dict((f, (a, b)) for f, a, b in services.diff(rep, old.id, amendment.id))
    assert diff["amount"] == ("150,000.00", "330,000.00")


@pytest.mark.salesdesk_sqlite_only
def test_amendment_keeps_milestones_and_checks_their_sum(team: dict[str, Any]) -> None:
    original = signed(team)
    with pytest.raises(ValidationFailed, match="adding up"):
        services.amend(team["rep"], original.id, {"amount": "1.00"})
    same = services.amend(team["rep"], original.id, {"title": "Renamed"})
    detail = services.contract_detail(team["rep"], same.id)
    assert sum(m.amount for m in detail.milestones) == Decimal("150000.00")
    # a cancelled amendment leaves the original as it was and allows a new one
    services.cancel(team["rep"], same.id, "not needed")
    assert services.amend(team["rep"], original.id, {"title": "Again"}).revision == 3
    assert services.get_contract(team["rep"], original.id).superseded_by_id is None


@pytest.mark.salesdesk_sqlite_only
def test_attachments_on_signed_but_not_cancelled(team: dict[str, Any]) -> None:
    contract = signed(team)
    services.add_attachment(team["rep"], contract.id, "\\\\dms\\HT\\signed.pdf", "scan")
    detail = services.contract_detail(team["rep"], contract.id)
    assert [(a.ref, a.title) for a in detail.attachments] == [("\\\\dms\\HT\\signed.pdf", "scan")]
    assert detail.timeline[-1].action == "attach"
    gone = at_stage(team, "cancelled")
    with pytest.raises(ValidationFailed, match="an open contract"):
        services.add_attachment(team["rep"], gone.id, "x.pdf")
    with pytest.raises(ValidationFailed, match="Ref"):
        services.add_attachment(team["rep"], contract.id, "  ")


@pytest.mark.salesdesk_sqlite_only
def test_amendment_of_a_since_cancelled_contract_cannot_be_signed(team: dict[str, Any]) -> None:
    original = signed(team)
    amendment = services.amend(team["rep"], original.id, {"title": "Renamed"})
    for stage in ("drafting", "submitted"):
        amendment = step_to(team, amendment, stage)
    amendment = services.approve(team["mgr"], amendment.id)
    services.cancel(team["rep"], original.id, "customer terminated")
    with pytest.raises(ValidationFailed, match="still in force"):
        services.sign(team["rep"], amendment.id)
    assert services.get_contract(team["rep"], amendment.id).stage == "approved"


@pytest.mark.salesdesk_sqlite_only
def test_diff_and_versions_read_as_a_person_reads_them(team: dict[str, Any]) -> None:
    """One row per milestone (the changed one alone in the diff), the owner by name, stage
    titles and minutes; the amendment's diff leaves out where each version is in its life."""
    rep = team["rep"]
    original = signed(team)
    kept = [
        {"due_date": m.due_date, "amount": m.amount, "condition": m.condition}
        for m in services.contract_detail(rep, original.id).milestones
    ]
    added = f"milestone {len(kept) + 1}"
    amendment = services.amend(
        rep,
        original.id,
        {
            "amount": "180000.00",
            "milestones": [
                *kept,
                {"due_date": "2026-09-30", "amount": "30000.00", "condition": "extra"},
            ],
        },
    )
    diff = {f: (a, b) for f, a, b in services.diff(rep, original.id, amendment.id)}
    assert set(diff) == {"amount", added}
    assert diff[added] == ("", "2026-09-30 30,000.00 extra")
    table = services.history(rep, amendment.id)
    rows = {name: cells for name, cells, _changed in table.rows}
    assert rows["stage"] == ["Signed", "Preparation"]
    assert len(rows["signed_at"][0]) == len("2026-04-01 09:30") and rows["signed_at"][1] == ""
    assert team["rep"].actor.login in rows["owner"][0]
