"""Optimistic locking: a write based on a stale read fails with a Conflict that names the
record and who changed it, instead of silently overwriting."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest

from core.errors import Conflict
from core.models import Contact, Opportunity
from core.services import customers, opportunities
from core.services.base import UnitOfWork


@pytest.fixture
def team(world: Any) -> dict[str, Any]:
    mgr = world.user("mgr", "sales_manager", region="north")
    rep = world.user("rep", "sales_rep", region="north", manager=mgr)
    customer = world.customer(owner=rep, region="north")
    return {"mgr": mgr, "rep": rep, "customer": customer}


def test_version_goes_up_with_each_write(team: dict[str, Any]) -> None:
    rep, c = team["rep"], team["customer"]
    assert c.version == 1
    c = customers.update_customer(rep, c.id, {"name": "One"}, 1)
    assert c.version == 2
    c = customers.update_customer(rep, c.id, {"industry": "machinery"}, 2)
    assert c.version == 3


def test_stale_customer_write_names_record_and_who(team: dict[str, Any]) -> None:
    rep, mgr, c = team["rep"], team["mgr"], team["customer"]
    opened = customers.get_customer(rep, c.id)  # the rep opens the form ...
    customers.update_customer(mgr, c.id, {"name": "Changed by manager"}, opened.version)
    with pytest.raises(Conflict) as caught:  # ... and saves after the manager did
        customers.update_customer(rep, c.id, {"name": "Rep's edit"}, opened.version)
    err = caught.value
    assert (err.entity, err.entity_id, err.changed_by) == ("customer", c.id, "mgr")
    assert str(err).startswith("This customer was changed by Mgr at 2026-")
    assert str(err).endswith("; reopen it to see their change.")
    assert f"customer {c.id}" not in str(err) and "mgr" not in str(err)
    assert customers.get_customer(rep, c.id).name == "Changed by manager"


def test_stale_opportunity_and_contact_writes(world: Any, team: dict[str, Any]) -> None:
    rep, mgr = team["rep"], team["mgr"]
    opp = world.opportunity(team["customer"], owner=rep)
    opportunities.move_stage(mgr, opp.id, "qualified", opp.version)
    with pytest.raises(Conflict, match="This opportunity was changed by Mgr"):
        opportunities.update_opportunity(rep, opp.id, {"amount": "5"}, opp.version)
    with pytest.raises(Conflict):
        opportunities.win(rep, opp.id, opp.version)

    contact = world.insert(Contact(customer_id=team["customer"].id, name="Zhang Wei"))
    customers.update_contact(mgr, contact.id, {"title": "Buyer"}, contact.version)
    with pytest.raises(Conflict, match=r"This contact was changed by Mgr"):
        customers.update_contact(rep, contact.id, {"title": "CEO"}, contact.version)


POSTGRES_ONLY = [pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("backend", POSTGRES_ONLY, indirect=True)
@pytest.mark.parametrize("expected", [1, None], ids=["checked", "unchecked"])
def test_race_two_sessions_one_conflict(
    world: Any, team: dict[str, Any], expected: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both sessions read version 1 and pass the read before either writes: one wins, the
    other gets a Conflict naming the winner (PostgreSQL lets both transactions run at once;
    SQLite queues writers with BEGIN IMMEDIATE, so the race cannot happen there).

    ``checked``: the caller passes the version it read (the row lock decides);
    ``unchecked``: no version given, the version counter in the UPDATE still catches it."""
    opp = world.opportunity(team["customer"], owner=team["rep"])
    both_read = threading.Barrier(2, timeout=20)
    original = UnitOfWork.check_version

    def check_after_both_read(self: UnitOfWork, row: Any, expected: int | None) -> None:
        both_read.wait()  # each transaction has loaded the row before either checks it
        original(self, row, expected)

    monkeypatch.setattr(UnitOfWork, "check_version", check_after_both_read)
    outcomes: dict[str, Any] = {}

    def edit(who: str, amount: str) -> None:
        try:
            opportunities.update_opportunity(team[who], opp.id, {"amount": amount}, expected)
            outcomes[who] = "ok"
        except Exception as exc:
            outcomes[who] = exc

    threads = [
        threading.Thread(target=edit, args=args) for args in (("rep", "111.00"), ("mgr", "222.00"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [w for w, result in outcomes.items() if result == "ok"]
    losers = {w: r for w, r in outcomes.items() if r != "ok"}
    assert len(winners) == 1 and len(losers) == 1, outcomes
    ((_loser, err),) = losers.items()
    assert isinstance(err, Conflict), err
    assert err.entity == "opportunity" and err.entity_id == opp.id
    assert err.changed_by == team[winners[0]].actor.login
    with world.runtime.db.read_session() as session:
        stored = session.get(Opportunity, opp.id)
    assert stored.version == 2
    assert stored.amount == Decimal("111.00" if winners == ["rep"] else "222.00")


def test_a_conflict_reads_in_business_words_in_chinese(team: dict[str, Any]) -> None:
    """#22: "contracts_contract 13 was changed by finance01" named a table, an id and a
    login. The message names the record's kind and the person, in the reader's language."""
    from core.i18n import set_lang

    rep, mgr, c = team["rep"], team["mgr"], team["customer"]
    opened = customers.get_customer(rep, c.id)
    customers.update_customer(mgr, c.id, {"name": "Changed by manager"}, opened.version)
    set_lang("zh_CN")
    try:
        with pytest.raises(Conflict) as caught:
            customers.update_customer(rep, c.id, {"name": "Rep's edit"}, opened.version)
    finally:
        set_lang("en")
    text = str(caught.value)
    assert text.startswith("此客户已被 Mgr 于 2026-") and text.endswith("请重新打开查看其修改。")
    assert "customer" not in text and "mgr" not in text
