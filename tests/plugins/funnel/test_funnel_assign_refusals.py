"""A customer goes only to a rep who can take it: the core's ``assign_customer`` refuses a
deactivated rep, and a leaving rep whose book was handed over (the funnel plugin says so
through ``salesdesk_check_new_owner``), in a sentence a manager understands."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import SalesdeskError
from core.i18n import set_lang
from core.services import customers, users


@pytest.fixture
def team(salesdesk_world: Any) -> Any:
    salesdesk_world.mgr = salesdesk_world.user("mgr", "sales_manager", region="N")
    salesdesk_world.r1 = salesdesk_world.user(
        "r1", "sales_rep", region="N", manager=salesdesk_world.mgr
    )
    salesdesk_world.r2 = salesdesk_world.user(
        "r2", "sales_rep", region="N", manager=salesdesk_world.mgr
    )
    return salesdesk_world


def test_a_deactivated_rep_gets_no_customer(team: Any) -> None:
    cust = team.customer(team.r1, "N", name="Moving Ltd")
    users.deactivate(team.admin, "r2")
    with pytest.raises(SalesdeskError) as refused:
        customers.assign_customer(team.mgr, cust.id, team.r2.actor.id)
    assert "R2 is no longer active" in str(refused.value)
    set_lang("zh_CN")
    try:
        with pytest.raises(SalesdeskError) as refused:
            customers.assign_customer(team.mgr, cust.id, team.r2.actor.id)
        assert "R2 已停用" in str(refused.value)
    finally:
        set_lang(None)
    assert customers.get_customer(team.mgr, cust.id).owner_id == team.r1.actor.id


def test_a_leaving_rep_gets_no_customer_back(team: Any) -> None:
    from plugins.funnel.services import handover

    cust = team.customer(team.r1, "N", name="Moving Ltd")
    handover.hand_over(team.mgr, "r1", ["r2"])  # r1 leaves: the book goes to r2
    with pytest.raises(SalesdeskError) as refused:
        customers.assign_customer(team.mgr, cust.id, team.r1.actor.id)
    assert "handed over" in str(refused.value)
    assert customers.get_customer(team.mgr, cust.id).owner_id == team.r2.actor.id


def test_the_leaving_rep_among_the_new_owners_is_named_not_by_login(team: Any) -> None:
    """The refusal read "got 'r1', expected someone other than the leaving rep", in
    English on a Chinese screen too."""
    from plugins.funnel.services import handover

    team.customer(team.r1, "N", name="Moving Ltd")
    set_lang("zh_CN")
    try:
        with pytest.raises(SalesdeskError) as refused:
            handover.preview(team.mgr, "r1", ["r1", "r2"])
        shown = str(refused.value)
        assert "'R1'" in shown and "'r1'" not in shown
        assert "离职业务员以外的人" in shown and "someone" not in shown
    finally:
        set_lang(None)
