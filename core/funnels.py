"""Funnel definitions: ordered stages with win probability and follow-up policy.

Plugins contribute funnels through ``salesdesk_funnels``; the core keeps one basic funnel
so opportunities work with no funnel plugin enabled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from core.models import CustomerClass


@dataclass(frozen=True)
class Stage:
    id: str
    title_en: str
    title_zh: str
    probability: Decimal
    customer_class: CustomerClass = CustomerClass.POTENTIAL
    won: bool = False
    lost: bool = False
    max_days: int | None = None  # a deal longer in the stage is stalled
    visit_every_days: int | None = None  # follow-up policy for the implied customer class
    respond_within_hours: int | None = None

    @property
    def terminal(self) -> bool:
        return self.won or self.lost


@dataclass(frozen=True)
class FunnelDefinition:
    id: str
    title_en: str
    title_zh: str
    stages: tuple[Stage, ...] = field(default_factory=tuple)

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    @property
    def open_stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if not s.terminal)

    @property
    def first_stage(self) -> Stage:
        return self.open_stages[0]

    def next_open(self, stage_id: str, step: int) -> Stage | None:
        ids = [s.id for s in self.open_stages]
        if stage_id not in ids:
            return None
        index = ids.index(stage_id) + step
        return self.open_stages[index] if 0 <= index < len(ids) else None

    @property
    def won_stage(self) -> Stage:
        return next(s for s in self.stages if s.won)

    @property
    def lost_stage(self) -> Stage:
        return next(s for s in self.stages if s.lost)

    def problems(self) -> list[str]:
        """Why this definition is unusable, or an empty list."""
        found: list[str] = []
        ids = [s.id for s in self.stages]
        if len(set(ids)) != len(ids):
            found.append("stage ids repeat")
        if not self.open_stages:
            found.append("no open stage")
        if sum(s.won for s in self.stages) != 1 or sum(s.lost for s in self.stages) != 1:
            found.append("needs exactly one won and one lost stage")
        if any(not Decimal(0) <= s.probability <= Decimal(1) for s in self.stages):
            found.append("probabilities must be between 0 and 1")
        return found


def _d(value: str) -> Decimal:
    return Decimal(value)


BASIC_FUNNEL = FunnelDefinition(
    "basic", "Basic funnel", "基本销售漏斗",
    (
        Stage("lead", "Lead", "线索", _d("0.10"), CustomerClass.POTENTIAL, max_days=30,
              visit_every_days=30),
        Stage("qualified", "Qualified", "已确认需求", _d("0.25"), CustomerClass.POTENTIAL,
              max_days=30, visit_every_days=21),
        Stage("proposal", "Proposal", "方案报价", _d("0.50"), CustomerClass.PROMISING,
              max_days=30, visit_every_days=14),
        Stage("negotiation", "Negotiation", "商务谈判", _d("0.75"), CustomerClass.CLOSING,
              max_days=21, visit_every_days=7),
        Stage("won", "Won", "成交", _d("1"), CustomerClass.CUSTOMER, won=True),
        Stage("lost", "Lost", "失败", _d("0"), CustomerClass.POTENTIAL, lost=True),
    ),
)


class FunnelRegistry:
    """Funnels from the core and every enabled plugin, by id."""

    def __init__(self, funnels: list[FunnelDefinition], default: str | None = None) -> None:
        self.funnels = {f.id: f for f in funnels}
        self.default_id = default if default in self.funnels else funnels[0].id

    @property
    def default(self) -> FunnelDefinition:
        return self.funnels[self.default_id]

    def get(self, funnel_id: str) -> FunnelDefinition | None:
        return self.funnels.get(funnel_id)
