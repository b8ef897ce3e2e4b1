"""Official targets: published all-or-nothing, read back per cut and period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from core.errors import PermissionDenied, ValidationFailed
from core.models import SalesTarget
from core.services import masterdata
from core.targets import target_amounts


def _count(world: Any) -> int:
    with world.runtime.db.read_session() as session:
        return session.query(SalesTarget).count()


def test_targets_sum_over_the_months_of_a_period(world: Any) -> None:
    rep = world.user("rep1", "sales_rep")
    masterdata.set_targets(
        world.admin,
        [
            {"month": "2026-01-01", "dimension": "rep", "key_id": rep.actor.id, "amount": "100.10"},
            {"month": "2026-02-01", "dimension": "rep", "key_id": rep.actor.id, "amount": "200.20"},
            {"month": "2026-04-01", "dimension": "rep", "key_id": rep.actor.id, "amount": "999"},
            {"month": "2026-02-01", "dimension": "company", "amount": "5000"},
        ],
    )
    with world.runtime.db.read_session() as session:
        q1 = target_amounts(session, dt.date(2026, 1, 1), dt.date(2026, 3, 31), "rep")
        company = target_amounts(session, dt.date(2026, 2, 1), dt.date(2026, 2, 28), "company")
        none = target_amounts(session, dt.date(2025, 1, 1), dt.date(2025, 12, 31), "region")
    assert q1 == {rep.actor.id: Decimal("300.30")}
    assert company == {0: Decimal("5000.00")}
    assert none == {}


def test_a_bad_row_publishes_nothing(world: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        masterdata.set_targets(
            world.admin,
            [
                {"month": "2026-01-01", "dimension": "company", "amount": "10"},
                {"month": "2026-02-01", "dimension": "planet", "amount": "10"},
            ],
        )
    assert "row 2, column 'dimension'" in str(caught.value)
    assert _count(world) == 0


def test_republishing_replaces_and_needs_the_permission(world: Any) -> None:
    row = {"month": "2026-05-09", "dimension": "company", "amount": "10"}
    masterdata.set_targets(world.admin, [row])
    masterdata.set_targets(world.admin, [{**row, "amount": "12.50"}])
    with world.runtime.db.read_session() as session:
        assert target_amounts(session, dt.date(2026, 5, 1), dt.date(2026, 5, 31), "company") == {
            0: Decimal("12.50")
        }
    with pytest.raises(PermissionDenied):
        masterdata.set_targets(world.user("rep2", "sales_rep"), [row])


def test_unknown_cut_is_refused(world: Any) -> None:
    with world.runtime.db.read_session() as session, pytest.raises(ValueError, match="planet"):
        target_amounts(session, dt.date(2026, 1, 1), dt.date(2026, 1, 31), "planet")
