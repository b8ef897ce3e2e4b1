"""Something in use is deactivated, never deleted (#17.1): a deactivated region takes no
new customer or user, a deactivated user manages nobody new; who is already there stays
and can still be edited (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import ValidationFailed
from core.services import customers, organisation, users


def test_a_deactivated_region_takes_no_new_customer_or_user(world: Any) -> None:
    admin = world.admin
    east = world.region("EAST")
    world.region("WEST")
    kept = world.customer(region="EAST", code="C00001")
    rep = world.user("li", "sales_rep", region="EAST")
    organisation.set_region_active(admin, east.id, False)
    with pytest.raises(ValidationFailed) as info:
        customers.create_customer(admin, {"name": "New Co", "region_id": east.id})
    assert "EAST is deactivated" in info.value.problems[0].expected
    with pytest.raises(ValidationFailed):
        users.add_user(
            admin,
            {"login": "wu", "display_name": "Wu", "roles": ["sales_rep"], "region_id": east.id},
        )
    # already there: kept, and editable as long as the region is not changed to it
    customers.update_customer(admin, kept.id, {"name": "Kept Co", "region_id": east.id}, None)
    users.update_user(admin, "li", {"display_name": "Li Lei", "region_id": east.id})
    assert users.find_user(admin, "li").region_id == rep.actor.region_id == east.id


def test_a_deactivated_user_manages_nobody_new(world: Any) -> None:
    admin = world.admin
    world.region("EAST")
    boss = world.user("wang", "sales_manager", region="EAST")
    world.user("li", "sales_rep", region="EAST")
    users.deactivate(admin, "wang")
    with pytest.raises(ValidationFailed) as info:
        users.update_user(admin, "li", {"manager_id": boss.actor.id})
    assert [p.field for p in info.value.problems] == ["manager_id"]
    # the manager by name, as the form's list shows people, not by login
    assert "Wang has been deactivated" in str(info.value), str(info.value)
    assert "'wang'" not in str(info.value)
