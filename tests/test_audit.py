"""The audit trail: written in the write's own transaction, gone with it when the write
fails, and never editable, the database itself refusing UPDATE and DELETE."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from core.errors import ValidationFailed
from core.models import AuditEntry, Customer, Opportunity
from core.services import customers, opportunities
from core.services.base import UnitOfWork, write


def entries(world: Any, entity: str | None = None, entity_id: Any = None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == str(entity_id))
    with world.runtime.db.read_session() as session:
        return list(session.scalars(query))


@pytest.fixture
def rep(world: Any) -> Any:
    return world.user("rep", "sales_rep", region="north")


def test_create_and_update_are_audited_field_by_field(world: Any, rep: Any, clock: Any) -> None:
    c = customers.create_customer(rep, {"name": "华东机电", "industry": "machinery"})
    created = {e.field: e for e in entries(world, "customer", c.id)}
    assert created["name"].new_value == "华东机电" and created["name"].old_value is None
    assert created["owner_id"].new_value == str(rep.actor.id)
    assert {e.action for e in created.values()} == {"create"}
    assert {(e.actor_login, e.actor_id, e.at) for e in created.values()} == {
        ("rep", rep.actor.id, clock())
    }

    clock.advance(hours=1)
    customers.update_customer(
        rep, c.id, {"name": "East China M&E", "industry": "machinery"}, c.version
    )
    changed = [e for e in entries(world, "customer", c.id) if e.action == "update"]
    assert [(e.field, e.old_value, e.new_value) for e in changed] == [
        ("name", "华东机电", "East China M&E")
    ]  # an unchanged field writes no entry
    assert changed[0].at == clock() and changed[0].actor_login == "rep"


def test_money_and_stage_changes_are_audited(world: Any, rep: Any) -> None:
    c = world.customer(owner=rep)
    opp = world.opportunity(c, owner=rep, amount="1000.00")
    opp = opportunities.update_opportunity(rep, opp.id, {"amount": Decimal("1250.5")}, opp.version)
    opportunities.move_stage(rep, opp.id, "proposal", opp.version)
    trail = [
        (e.action, e.field, e.old_value, e.new_value) for e in entries(world, "opportunity", opp.id)
    ]
    amounts = [(old, Decimal(new)) for _a, f, old, new in trail if f == "amount"]
    assert amounts == [("1000.00", Decimal("1250.50"))]
    assert ("stage", "stage", "lead", "proposal") in trail


def test_failed_write_leaves_no_audit_entry(world: Any, rep: Any) -> None:
    """The service audits the change, then the database refuses it: both roll back."""
    opp = world.opportunity(world.customer(owner=rep), owner=rep)
    before = len(entries(world))
    with pytest.raises(ValidationFailed):  # no such product: the foreign key refuses
        opportunities.update_opportunity(rep, opp.id, {"product_id": 987654}, opp.version)
    assert len(entries(world)) == before
    with world.runtime.db.read_session() as session:
        assert session.get(Opportunity, opp.id).version == opp.version


def test_exception_after_audit_rolls_both_back(world: Any, rep: Any) -> None:
    c = world.customer(owner=rep, name="Before")
    before = len(entries(world))

    def work(uow: UnitOfWork) -> None:
        row = uow.get(Customer, c.id)
        uow.apply_changes(row, {"name": "After"})
        uow.session.flush()  # the UPDATE and the audit INSERT reach the database ...
        raise RuntimeError("... and then something goes wrong")

    with pytest.raises(RuntimeError):
        write(rep, work)
    assert len(entries(world)) == before
    assert customers.get_customer(rep, c.id).name == "Before"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entry SET new_value = 'forged'",
        "UPDATE audit_entry SET actor_login = 'someone' "
        "WHERE id = (SELECT MIN(id) FROM audit_entry)",
        "DELETE FROM audit_entry",
        "DELETE FROM audit_entry WHERE id = (SELECT MAX(id) FROM audit_entry)",
    ],
)
def test_database_refuses_to_edit_audit_entries(world: Any, rep: Any, statement: str) -> None:
    customers.create_customer(rep, {"name": "Audited Ltd"})
    before = [(e.id, e.new_value, e.actor_login) for e in entries(world)]
    with (
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
        world.runtime.db.engine.begin() as conn,
    ):
        conn.execute(sa.text(statement))
    assert [(e.id, e.new_value, e.actor_login) for e in entries(world)] == before


def test_orm_cannot_edit_or_delete_audit_entries(world: Any, rep: Any) -> None:
    customers.create_customer(rep, {"name": "Audited Ltd"})
    with (
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
        world.runtime.db.write_session() as session,
        session.begin(),
    ):
        session.delete(session.scalars(sa.select(AuditEntry)).first())
    with (
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
        world.runtime.db.write_session() as session,
        session.begin(),
    ):
        session.scalars(sa.select(AuditEntry)).first().old_value = "forged"


def test_truncate_refused_on_postgres(world: Any, backend: str) -> None:
    if backend == "sqlite":
        assert world.runtime.db.is_sqlite  # SQLite has no TRUNCATE; DELETE is covered above
        return
    with (
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
        world.runtime.db.engine.begin() as conn,
    ):
        conn.execute(sa.text("TRUNCATE audit_entry"))
    assert entries(world)  # the init entry of the first admin is still there
