"""The lead pool: rule-based assignment (round robin, cap), claims and returns logged,
bulk reassignment all or nothing, lead import, the escalation ladder and its idempotent
reclaim, and the due list for owner and manager."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.errors import PermissionDenied, ValidationFailed
from core.models import AuditEntry, Customer, Opportunity
from core.services import activities, dashboard
from plugins.funnel.models import LeadEvent
from plugins.funnel.services import due, leads, pool


def _owner(team: Any, customer: Any) -> int | None:
    with team.runtime.db.read_session() as session:
        return session.get(Customer, customer.id).owner_id


def _counts(team: Any) -> tuple[int, int]:
    with team.runtime.db.read_session() as session:
        return (
            session.scalar(sa.select(sa.func.count()).select_from(LeadEvent)),
            session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
        )


def _events(team: Any, customer: Any) -> list[str]:
    with team.runtime.db.read_session() as session:
        return list(
            session.scalars(
                sa.select(LeadEvent.kind)
                .where(LeadEvent.customer_id == customer.id)
                .order_by(LeadEvent.id)
            )
        )


def test_rules_assign_round_robin_up_to_the_cap(team: Any) -> None:
    leads.set_rules(
        team.admin,
        [
            {
                "name": "north",
                "industries": ["manufacturing"],
                "regions": ["N"],
                "reps": ["r1", "r2"],
                "cap": 2,
            }
        ],
    )
    pooled = [team.customer(None, "N", industry="Manufacturing") for _ in range(5)]
    retail = team.customer(None, "N", industry="Retail")
    preview = pool.auto_assign(team.mgr, dry_run=True)
    assert [_owner(team, c) for c in pooled] == [None] * 5
    done = pool.auto_assign(team.mgr)
    assert [(a.to, a.why) for a in done] == [(a.to, a.why) for a in preview]
    assert [a.to for a in done] == ["r1", "r2", "r1", "r2", None, None]
    assert done[4].why.startswith("every rep") and done[5].why == "no assignment rule matches"
    assert _owner(team, pooled[0]) == team.r1.actor.id and _owner(team, retail) is None
    assert _events(team, pooled[1]) == ["assign"]


def test_claim_and_return_are_logged_and_audited(team: Any) -> None:
    lead = team.customer(None, "N")
    pool.claim(team.r3, lead.id)
    assert _owner(team, lead) == team.r3.actor.id
    with pytest.raises(PermissionDenied):  # r3's now: out of r1's sight
        pool.claim(team.r1, lead.id)
    with pytest.raises(ValidationFailed, match="it has an owner"):
        pool.claim(team.r3, lead.id)
    with pytest.raises(ValidationFailed, match="why"):
        pool.return_to_pool(team.r3, lead.id, " ")
    pool.return_to_pool(team.r3, lead.id, "no budget this year")
    assert _owner(team, lead) is None
    assert _events(team, lead) == ["claim", "return"]
    with team.runtime.db.read_session() as session:
        actions = list(
            session.scalars(
                sa.select(AuditEntry.action)
                .where(
                    AuditEntry.entity == "customer",
                    AuditEntry.entity_id == str(lead.id),
                    AuditEntry.field == "owner_id",
                )
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["claim", "return"]


def test_bulk_reassign_is_all_or_nothing_and_permission_checked(team: Any) -> None:
    mine, theirs = team.customer(team.r1, "N"), team.customer(team.r3, "N")
    deal = team.opportunity(mine, team.r1)
    before = _counts(team)
    with pytest.raises(PermissionDenied, match="outside your team"):
        pool.reassign(team.mgr, [mine.id, theirs.id], "r2")
    with pytest.raises(PermissionDenied):
        pool.reassign(team.r1, [mine.id], "r2")  # a rep may not reassign
    with pytest.raises(PermissionDenied, match="is not in your team"):
        pool.reassign(team.mgr, [mine.id], "r3")
    assert _counts(team) == before and _owner(team, mine) == team.r1.actor.id
    assert pool.reassign(team.mgr, [mine.id], "r2", "r1 is overloaded") == 1
    with team.runtime.db.read_session() as session:
        assert session.get(Opportunity, deal.id).owner_id == team.r2.actor.id


def test_import_leads_into_the_pool_then_assign(team: Any, tmp_path: Path) -> None:
    leads.set_rules(team.admin, [{"name": "all", "reps": ["r1", "r2"]}])
    path = tmp_path / "expo.csv"
    path.write_text(
        "code,name,industry,region_code,size,source\n"
        "L1,华东机械厂,Manufacturing,N,large,EXPO26\n"
        "L2,Acme Ltd,Retail,N,small,EXPO26\n",
        encoding="utf-8",
    )
    checked = leads.import_leads(team.admin, path, dry_run=True)
    assert checked.rows == 2 and checked.customer_ids == []
    done = leads.import_leads(team.admin, path)
    assert [a.to for a in done.assignments] == ["r1", "r2"]
    with team.runtime.db.read_session() as session:
        rows = session.execute(
            sa.select(Customer.code, Customer.source, LeadEvent.kind)
            .join(LeadEvent, LeadEvent.customer_id == Customer.id)
            .order_by(Customer.code, LeadEvent.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("L1", "EXPO26", "import"),
        ("L1", "EXPO26", "assign"),
        ("L2", "EXPO26", "import"),
        ("L2", "EXPO26", "assign"),
    ]
    owned = tmp_path / "owned.csv"
    owned.write_text("code,name,owner_login\nL3,X,r1\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="no owner column"):
        leads.import_leads(team.admin, owned)


def test_escalation_ladder_and_reclaim_twice_changes_nothing(team: Any) -> None:
    leads.set_reclaim_policy(
        team.admin,
        {
            "remind": 3,
            "manager": 5,
            "reclaim": 7,
            "classes": {"potential": {}, "promising": {"remind": 7, "manager": 10, "reclaim": 14}},
        },
    )
    t0 = team.clock.now
    idle = team.customer(team.r1, "N")
    visited = team.customer(team.r2, "N")
    promising = team.customer(team.r1, "N", customer_class="promising")
    buyer = team.customer(team.r1, "N", customer_class="customer")
    steps = []
    for day in (3, 5, 7):
        team.clock.now = t0 + dt.timedelta(days=day)
        if day == 3:
            activities.log_visit(
                team.r2, {"date": team.clock.now.date(), "customer_id": visited.id}
            )
        if day == 7:
            preview = pool.reclaim(team.admin, dry_run=True)
            assert _owner(team, idle) == team.r1.actor.id
        first = pool.reclaim(team.admin)
        counts = _counts(team)
        assert pool.reclaim(team.admin) == []  # the second run changes nothing
        assert _counts(team) == counts
        steps.append([(a.code, a.action) for a in first])
    assert [(a.code, a.action) for a in preview] == steps[2]
    assert steps == [
        [(idle.code, "remind")],
        [(idle.code, "manager")],
        [(idle.code, "reclaim"), (visited.code, "remind"), (promising.code, "remind")],
    ]
    assert _owner(team, idle) is None and _owner(team, buyer) == team.r1.actor.id
    assert _owner(team, visited) == team.r2.actor.id  # visited on day 3: 4 days idle
    assert _events(team, idle) == ["remind", "escalate", "reclaim"]
    with pytest.raises(PermissionDenied):
        pool.reclaim(team.r1)


def test_due_list_for_owner_and_manager(team: Any) -> None:
    t0 = team.clock.now
    cust = team.customer(team.r1, "N")
    team.opportunity(cust, team.r1)  # basic "lead", limit 30 days
    activities.log_visit(
        team.r1,
        {"date": t0.date(), "customer_id": cust.id, "next_visit": t0.date() + dt.timedelta(days=2)},
    )
    team.clock.now = t0 + dt.timedelta(days=31)
    mine = due.due_list(team.r1)
    kinds = sorted(i.kind for i in mine)
    assert kinds == ["follow_up", "lead", "stalled", "visit"]
    stalled = next(i for i in mine if i.kind == "stalled")
    assert (stalled.owner, stalled.manager, stalled.days_over) == ("r1", "mgr", 1)
    follow = next(i for i in mine if i.kind == "follow_up")
    assert follow.days_over == 29
    assert sorted(i.kind for i in due.due_list(team.mgr, owner="r1")) == kinds
    assert due.due_list(team.r3) == [] and due.due_list(team.mgr2, owner="r1") == []
    board = dashboard.compute(team.r1)
    assert board.stalled == 1 and board.overdue == 1


def test_product_line_ladder_wins_over_the_class_ladder(team: Any) -> None:
    leads.set_reclaim_policy(
        team.admin,
        {
            "remind": 3,
            "manager": 5,
            "reclaim": 7,
            "product_lines": {"Engineering": {"remind": 10, "manager": 20, "reclaim": 30}},
        },
    )
    t0 = team.clock.now
    project = team.customer(team.r1, "N")
    team.opportunity(project, team.r1, product_id=team.product(category="Engineering").id)
    plain = team.customer(team.r1, "N")
    bought = team.customer(team.r1, "N", customer_class="customer")
    team.opportunity(bought, team.r1, product_id=team.product(category="Engineering").id)
    team.clock.now = t0 + dt.timedelta(days=10)
    assert [(a.code, a.action) for a in pool.reclaim(team.admin)] == [
        (project.code, "remind"),
        (plain.code, "reclaim"),
    ]
    with pytest.raises(ValidationFailed, match=r"Manager: got 5, expected days that rise"):
        leads.set_reclaim_policy(team.admin, {"classes": {"potential": {"remind": 9}}})


def test_due_pages_are_the_due_list_item_for_item(team: Any) -> None:
    """The paged SQL list (``due_page``, ``count_due``) holds exactly ``due_list``'s items
    in one order (most overdue first, then kind, customer and id), for every reader and
    owner: leads idle since their creation, a claim (lead event), an owner change
    (audit only), a visit or a planned one; a product line's ladder, a class's, an
    exempt buyer; stalled deals; two customers of one name on one day."""
    from core.services import customers

    leads.set_reclaim_policy(
        team.admin,
        {
            "remind": 3,
            "manager": 5,
            "reclaim": 7,
            "classes": {"potential": {}, "promising": {"remind": 7, "manager": 10, "reclaim": 14}},
            "product_lines": {"Engineering": {"remind": 10, "manager": 20, "reclaim": 60}},
        },
    )
    t0 = team.clock.now
    engineering = team.product(category="Engineering").id
    twins = [team.customer(team.r1, "N", name="Twin Co") for _ in range(2)]
    team.opportunity(twins[0], team.r1)
    project = team.customer(team.r2, "N", name="Project Co")
    team.opportunity(project, team.r2, product_id=engineering)
    buyer = team.customer(team.r1, "N", name="Buyer Co", customer_class="customer")
    team.opportunity(buyer, team.r1, product_id=engineering)
    team.customer(team.r1, "N", name="Promising Co", customer_class="promising")
    claimed = team.customer(None, "N", name="Claimed Co")
    moved = team.customer(team.r1, "N", name="Moved Co")
    visited = team.customer(team.r2, "N", name="Visited Co")
    team.clock.now = t0 + dt.timedelta(days=4)
    pool.claim(team.r2, claimed.id)
    team.clock.now = t0 + dt.timedelta(days=6)
    customers.assign_customer(team.mgr, moved.id, team.r2.actor.id)
    activities.log_visit(
        team.r2,
        {
            "date": team.clock.now.date(),
            "customer_id": visited.id,
            "next_visit": team.clock.now.date() + dt.timedelta(days=3),
        },
    )
    team.clock.now = t0 + dt.timedelta(days=45)

    def order(item: Any) -> tuple[Any, ...]:
        return (-item.days_over, item.kind, item.customer, item.record_id)

    seen = set()
    for reader in (team.admin, team.mgr, team.r1, team.r2):
        for owner in (None, "r1", "r2"):
            whole = sorted(due.due_list(reader, owner=owner), key=order)
            assert due.due_page(reader, 0, 1000, owner) == whole
            paged = [
                i for at in range(0, len(whole) + 4, 4) for i in due.due_page(reader, at, 4, owner)
            ]
            assert paged == whole
            assert due.count_due(reader, owner) == len(whole)
            seen |= {(i.kind, i.customer) for i in whole}
    assert {("lead", name) for name in ("Twin Co", "Project Co", "Claimed Co", "Moved Co")} <= seen
    assert ("lead", "Buyer Co") not in seen and ("follow_up", "Visited Co") in seen
    assert {kind for kind, _name in seen} == {"stalled", "follow_up", "visit", "lead"}
    idle = {
        (i.customer, i.subject, i.days_over)
        for i in due.due_page(team.admin, 0, 99)
        if i.kind == "lead"
    }
    assert idle == {
        ("Twin Co", "idle lead: returns to the pool", 45),  # since created
        ("Project Co", "idle lead: manager told", 45),  # its line's ladder
        ("Promising Co", "idle lead: returns to the pool", 45),
        ("Claimed Co", "idle lead: returns to the pool", 41),  # since claimed
        ("Moved Co", "idle lead: returns to the pool", 39),  # since given to r2
        ("Visited Co", "idle lead: returns to the pool", 39),  # since visited
    }
