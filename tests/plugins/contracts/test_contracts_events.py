"""Events both ways: a won deal drafts a contract (when the company wants it); a signed
contract marks its deal won. No import of the funnel plugin: core events and services."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from contracts_helpers import approved, draft

from core.services import opportunities
from core.services.company import set_setting
from plugins.contracts import services
from plugins.contracts.models import Contract


def contracts_of(world: Any, deal_id: int) -> list[Contract]:
    with world.runtime.db.read_session() as session:
        return list(session.scalars(sa.select(Contract).where(Contract.opportunity_id == deal_id)))


def test_won_deal_drafts_a_contract_when_the_setting_is_on(
    team: dict[str, Any], salesdesk_world: Any
) -> None:
    """Through the plugin's salesdesk_opportunity_stage_changed implementation."""
    deal = team["deal"]
    opportunities.win(team["rep"], deal.id)
    assert contracts_of(salesdesk_world, deal.id) == []  # the setting is off by default
    set_setting(team["admin"], "contracts.draft_on_won", True)
    other = salesdesk_world.opportunity(
        team["customer"], owner=team["rep"], amount="88000.00", title="Spare parts"
    )
    opportunities.move_stage(team["rep"], other.id, "qualified")
    assert contracts_of(salesdesk_world, other.id) == []  # not won yet
    opportunities.win(team["rep"], other.id)
    (made,) = contracts_of(salesdesk_world, other.id)
    assert (made.title, made.amount, made.stage) == ("Spare parts", other.amount, "preparation")
    assert made.owner_id == team["rep"].actor.id and made.parties[0]["name"] == "Acme Trading"


@pytest.mark.salesdesk_sqlite_only
def test_lost_deal_drafts_nothing(team: dict[str, Any], salesdesk_world: Any) -> None:
    set_setting(team["admin"], "contracts.draft_on_won", True)
    opportunities.lose(team["rep"], team["deal"].id, "price")
    assert contracts_of(salesdesk_world, team["deal"].id) == []


def test_signing_marks_the_deal_won_once(team: dict[str, Any], salesdesk_world: Any) -> None:
    set_setting(team["admin"], "contracts.draft_on_won", True)
    contract = approved(team)
    services.sign(team["rep"], contract.id)
    deal = opportunities.get_opportunity(team["rep"], team["deal"].id)
    assert deal.status == "won" and "signed" in deal.close_reason
    # winning it through the contract did not draft a second contract
    assert [c.id for c in contracts_of(salesdesk_world, deal.id)] == [contract.id]


@pytest.mark.salesdesk_sqlite_only
def test_sign_with_a_closed_deal_notes_it_and_keeps_the_signature(team: dict[str, Any]) -> None:
    contract = approved(team)
    opportunities.lose(team["rep"], team["deal"].id, "lost on price, then won back")
    signed = services.sign(team["rep"], contract.id)
    assert signed.stage == "signed"
    assert opportunities.get_opportunity(team["rep"], team["deal"].id).status == "lost"


@pytest.mark.salesdesk_sqlite_only
def test_signer_who_may_not_win_the_deal_gets_a_note(
    team: dict[str, Any], salesdesk_world: Any
) -> None:
    clerk = salesdesk_world.user("clerk", "contract_clerk", region="EAST")
    contract = draft(team)
    for stage in ("drafting", "submitted"):
        services.transition(team["rep"], contract.id, stage)
    services.approve(team["mgr"], contract.id)
    services.sign(clerk, contract.id)
    assert opportunities.get_opportunity(team["rep"], team["deal"].id).status == "open"
    notes = [
        t.comment
        for t in services.contract_detail(team["rep"], contract.id).timeline
        if t.action == "note"
    ]
    assert notes and "not marked won" in notes[0]


def test_contracts_not_yet_signed_follow_a_reassigned_customer(
    team: dict[str, Any], salesdesk_world: Any
) -> None:
    """Issue #16.9: after a customer changed owner its draft contract stayed with the old
    rep. Contracts not yet signed move in the reassignment's transaction (the plugin's
    salesdesk_move_open_records); signed ones stay
    with who signed them, and the timeline says why the owner changed."""
    from contracts_helpers import signed

    from core.services import customers

    rep, rep2 = team["rep"], team["rep2"]
    pending, done, submitted = draft(team), signed(team), approved(team)
    customers.assign_customer(team["mgr"], team["customer"].id, rep2.actor.id)
    with salesdesk_world.runtime.db.read_session() as session:
        owners = {c.id: c.owner_id for c in session.scalars(sa.select(Contract))}
    assert owners[pending.id] == rep2.actor.id and owners[submitted.id] == rep2.actor.id
    assert owners[done.id] == rep.actor.id
    timeline = services.contract_detail(rep2, pending.id).timeline
    assert timeline[-1].action == "reassign" and timeline[-1].actor_login == "mgr"
