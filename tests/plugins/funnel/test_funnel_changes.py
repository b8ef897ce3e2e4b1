"""Company changes to funnels: overrides apply at the registry to every funnel (a third
party's too) and survive a restart; a change that would strand open deals is refused
with the reason or maps them; deals left in vanished stages are found and mapped."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from core.errors import PermissionDenied, ValidationFailed
from core.funnels import FunnelDefinition, Stage
from core.hookspecs import hookimpl
from core.models import Opportunity, StageChange
from core.runtime import open_runtime
from plugins.funnel.services import funnels as changes


class ThirdParty:
    """A throwaway plugin contributing its own funnel."""

    @hookimpl
    def salesdesk_funnels(self) -> list[FunnelDefinition]:
        return [
            FunnelDefinition(
                "tp",
                "Third party",
                "第三方",
                (
                    Stage("a", "A", "甲", Decimal("0.2"), max_days=10),
                    Stage("b", "B", "乙", Decimal("0.6"), max_days=10),
                    Stage("won", "Won", "赢", Decimal("1"), won=True),
                    Stage("lost", "Lost", "输", Decimal("0"), lost=True),
                ),
            )
        ]


def _deal(team: Any, funnel: str, stage: str) -> Any:
    customer = team.customer(team.r1, "N")
    return team.insert(
        Opportunity(
            customer_id=customer.id,
            title="d",
            funnel=funnel,
            stage=stage,
            amount=Decimal("10"),
            owner_id=team.r1.actor.id,
            stage_entered_at=team.clock(),
            created_at=team.clock(),
        )
    )


def test_override_applies_to_a_third_party_funnel_and_survives_restart(
    team: Any, salesdesk_db_url: str
) -> None:
    team.runtime.plugins.register(ThirdParty(), "tp")
    changes.set_override(
        team.admin, "tp", {"stages": {"a": {"probability": "0.35", "max_days": 3}}}
    )
    stage = team.runtime.plugins.funnels.stage("tp", "a")
    assert (stage.probability, stage.max_days) == (Decimal("0.35"), 3)
    again = open_runtime(salesdesk_db_url, load_plugins=False)
    try:
        again.plugins.register(ThirdParty(), "tp")
        assert again.plugins.funnels.stage("tp", "a").probability == Decimal("0.35")
        assert again.plugins.funnels.base["tp"].stage("a").probability == Decimal("0.2")
    finally:
        again.db.dispose()
    with pytest.raises(PermissionDenied):
        changes.set_override(team.mgr, "tp", None)
    changes.set_override(team.admin, "tp", None)
    assert team.runtime.plugins.funnels.stage("tp", "a").probability == Decimal("0.2")


BAD_OVERRIDES = [
    ({"stages": {"proposal": {"probability": "1.5"}}}, "between 0 and 1"),
    ({"stages": {"won": {"probability": "0.9"}}}, "is fixed"),
    ({"stages": {"nope": {"max_days": 3}}}, "has no stage nope"),
    ({"stages": {"lead": {"max_days": 0}}}, "above 0"),
    ({"stages": {"lead": {"colour": "red"}}}, "colour cannot be changed"),
    ({"remove": ["lost"]}, "closes the deal and stays in"),
]


def test_bad_overrides_are_refused_with_the_reason(team: Any) -> None:
    for override, reason in BAD_OVERRIDES:
        with pytest.raises(ValidationFailed, match=reason):
            changes.set_override(team.admin, "b2b", override)
    assert changes.current_overrides(team.admin) == {}


def test_removing_a_stage_with_open_deals_is_refused_or_mapped(team: Any) -> None:
    deal = _deal(team, "b2b", "solution")
    with pytest.raises(ValidationFailed, match="move the 1 open deal of Solution"):
        changes.set_override(team.admin, "b2b", {"remove": ["solution"]})
    with pytest.raises(ValidationFailed, match="won is not one"):
        changes.set_override(team.admin, "b2b", {"remove": ["solution"]}, {"solution": "won"})
    assert team.runtime.plugins.funnels.stage("b2b", "solution") is not None
    changed = changes.set_override(
        team.admin, "b2b", {"remove": ["solution"]}, {"solution": "proposal"}
    )
    assert [s.id for s in changed.open_stages] == ["lead", "qualified", "proposal", "negotiation"]
    with team.runtime.db.read_session() as session:
        assert session.get(Opportunity, deal.id).stage == "proposal"
        moves = session.execute(
            sa.select(StageChange.from_stage, StageChange.to_stage).where(
                StageChange.opportunity_id == deal.id
            )
        ).all()
    assert [tuple(m) for m in moves] == [("solution", "proposal")]
    # an empty stage goes without a map
    changes.set_override(team.admin, "b2b", {"remove": ["solution", "qualified"]})


def test_a_broken_setting_never_takes_the_funnels_down() -> None:
    from core.funnels import BASIC_FUNNEL, FunnelRegistry
    from plugins.funnel.funnels import B2B_FUNNEL

    registry = FunnelRegistry([BASIC_FUNNEL, B2B_FUNNEL])
    problems = registry.apply_settings(
        {"b2b": {"stages": {"lead": {"probability": "x"}}}, "ghost": {}}
    )
    assert len(problems) == 2 and registry.stage("b2b", "lead").probability == Decimal("0.05")
    assert FunnelRegistry([BASIC_FUNNEL], overrides="junk").problems != []


def test_deals_in_vanished_stages_are_listed_and_mapped(team: Any) -> None:
    deal = _deal(team, "b2b", "retired")
    assert [(o.funnel, o.stage, o.deals) for o in changes.orphans(team.admin)] == [
        ("b2b", "retired", 1)
    ]
    with pytest.raises(ValidationFailed, match=r"an open stage of B2B sales funnel: Lead \(lead\)"):
        changes.map_orphans(team.admin, "b2b", "retired", "won")
    assert changes.map_orphans(team.admin, "b2b", "retired", "lead") == 1
    assert changes.orphans(team.admin) == []
    with team.runtime.db.read_session() as session:
        assert session.get(Opportunity, deal.id).stage == "lead"
