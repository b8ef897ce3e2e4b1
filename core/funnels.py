"""Funnel definitions: ordered stages with win probability and follow-up policy.

Plugins contribute funnels through ``salesdesk_funnels``; the core keeps one basic funnel
so opportunities work with no funnel plugin enabled.

A company adjusts any funnel (its own plugins' or a third party's) without code through
the company setting ``funnel.overrides``::

    {"b2b": {"stages": {"proposal": {"probability": "0.40", "max_days": 20,
                                     "visit_every_days": 10, "respond_within_hours": 24}},
             "remove": ["demo"]}}

The registry applies it to every funnel it serves, so reports, the dashboard and the
services all read the adjusted figures. Removing a stage that still holds open deals is
refused unless the deals are mapped to another stage (``change_problems``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from core.i18n import _, bracketed, listed, pick, plural
from core.models import CustomerClass

OVERRIDES_KEY = "funnel.overrides"
STAGE_FIELDS = ("probability", "max_days", "visit_every_days", "respond_within_hours")


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
    "basic",
    "Basic funnel",
    "基本销售漏斗",
    (
        Stage(
            "lead",
            "Lead",
            "线索",
            _d("0.10"),
            CustomerClass.POTENTIAL,
            max_days=30,
            visit_every_days=30,
        ),
        Stage(
            "qualified",
            "Qualified",
            "已确认需求",
            _d("0.25"),
            CustomerClass.POTENTIAL,
            max_days=30,
            visit_every_days=21,
        ),
        Stage(
            "proposal",
            "Proposal",
            "方案报价",
            _d("0.50"),
            CustomerClass.PROMISING,
            max_days=30,
            visit_every_days=14,
        ),
        Stage(
            "negotiation",
            "Negotiation",
            "商务谈判",
            _d("0.75"),
            CustomerClass.CLOSING,
            max_days=21,
            visit_every_days=7,
        ),
        Stage("won", "Won", "成交", _d("1"), CustomerClass.CUSTOMER, won=True),
        Stage("lost", "Lost", "失败", _d("0"), CustomerClass.POTENTIAL, lost=True),
    ),
)


# ---------------------------------------------------------------------------------------
# Company overrides
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelProblem:
    """Why a funnel change is refused, in the reader's language when shown: ``expected``
    is the English msgid (core catalogue), ``params`` fill its ``{placeholders}``."""

    expected: str
    params: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return _(self.expected).format(**self.params)


class FunnelChangeRefused(ValueError):
    """A funnel override or change that would leave the funnel (or its deals) invalid.

    ``expected`` (an English msgid: what a valid change looks like) and ``params`` go
    into a FieldProblem as they are; ``str()`` is the sentence in the reader's language.
    (``params``, not ``args``: an exception's ``args`` is always a tuple.)"""

    def __init__(self, expected: str, params: dict[str, object] | None = None) -> None:
        super().__init__(expected)
        self.expected = expected
        self.params: dict[str, object] = dict(params or {})

    def __str__(self) -> str:
        return str(FunnelProblem(self.expected, self.params))


# The adjustable figures of a stage as the administrator knows them (CLI help words).
FIELD_WORDS = {
    "probability": "the win probability",
    "max_days": "the days before a deal is stalled",
    "visit_every_days": "the days between visits",
    "respond_within_hours": "the hours to respond",
}


def _named(stage_id: str, stage: Stage | None) -> str:
    """A stage the administrator typed: its title, with the id they typed beside it."""
    return bracketed(pick(stage.title_en, stage.title_zh), stage_id) if stage else stage_id


def _stages(stages: tuple[Stage, ...]) -> str:
    """Stages to choose from, by title with the id to type."""
    return listed(_named(s.id, s) for s in stages)


def _limit(value: Any, name: str, stage: Stage) -> int | None:
    if value is None:
        return None
    where = {"what": _(FIELD_WORDS[name]), "stage": _named(stage.id, stage), "value": value}
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FunnelChangeRefused(
            "a whole number for {what} at the stage {stage}, not {value}", where
        )
    try:
        number = int(value)
    except ValueError:
        raise FunnelChangeRefused(
            "a whole number for {what} at the stage {stage}, not {value}", where
        ) from None
    if number <= 0:
        raise FunnelChangeRefused(
            "a whole number above 0 for {what} at the stage {stage}, not {value}",
            {**where, "value": number},
        )
    return number


def _probability(value: Any, stage: Stage) -> Decimal:
    where = {"stage": _named(stage.id, stage), "value": value}
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise FunnelChangeRefused(
            "a win probability between 0 and 1 for the stage {stage}, not {value}", where
        ) from None
    if not Decimal(0) <= number <= Decimal(1):
        raise FunnelChangeRefused(
            "a win probability between 0 and 1 for the stage {stage}, not {value}",
            {**where, "value": number},
        )
    return number


def _stage_override(stage: Stage, values: Mapping[str, Any]) -> Stage:
    unknown = sorted(set(values) - set(STAGE_FIELDS))
    if unknown:
        raise FunnelChangeRefused(
            "changes to {fields} of the stage {stage} only; {unknown} cannot be changed",
            {
                "fields": listed(_(FIELD_WORDS[name]) for name in STAGE_FIELDS),
                "stage": _named(stage.id, stage),
                "unknown": listed(unknown),
            },
        )
    changes: dict[str, Any] = {}
    if "probability" in values:
        if stage.terminal:
            raise FunnelChangeRefused(
                "a stage whose probability may change: {stage} closes the deal, so its "
                "probability is fixed",
                {"stage": _named(stage.id, stage)},
            )
        changes["probability"] = _probability(values["probability"], stage)
    for name in STAGE_FIELDS[1:]:
        if name in values:
            changes[name] = _limit(values[name], name, stage)
    return dataclasses.replace(stage, **changes)


def apply_override(funnel: FunnelDefinition, override: Mapping[str, Any]) -> FunnelDefinition:
    """``funnel`` with a company's adjustments; FunnelChangeRefused says what is wrong."""
    title = pick(funnel.title_en, funnel.title_zh)
    if not isinstance(override, Mapping):
        raise FunnelChangeRefused(
            "changes to the stages of {funnel}, not {value}",
            {"funnel": title, "value": repr(override)},
        )
    unknown = sorted(set(override) - {"stages", "remove"})
    if unknown:
        raise FunnelChangeRefused(
            "changes to the stages of {funnel} (stages, remove) only, not {unknown}",
            {"funnel": title, "unknown": listed(unknown)},
        )
    stages_in = override.get("stages") or {}
    removed = list(override.get("remove") or [])
    known = {s.id for s in funnel.stages}
    missing = sorted((set(stages_in) | set(removed)) - known)
    if missing:
        raise FunnelChangeRefused(
            "a stage of {funnel}: {stages}; it has no stage {missing}",
            {"funnel": title, "stages": _stages(funnel.stages), "missing": listed(missing)},
        )
    stages = []
    for stage in funnel.stages:
        if stage.id in removed:
            if stage.terminal:
                raise FunnelChangeRefused(
                    "an open stage to remove: {stage} closes the deal and stays in {funnel}",
                    {"stage": _named(stage.id, stage), "funnel": title},
                )
            continue
        stages.append(_stage_override(stage, stages_in.get(stage.id) or {}))
    changed = dataclasses.replace(funnel, stages=tuple(stages))
    problems = changed.problems()
    if problems:  # a funnel the change leaves unusable (no open stage left)
        raise FunnelChangeRefused(
            "changes that leave {funnel} usable: {problems}",
            {"funnel": title, "problems": listed(_(p) for p in problems)},
        )
    return changed


def change_problems(
    before: FunnelDefinition,
    after: FunnelDefinition,
    live: Mapping[str, int],
    mapping: Mapping[str, str],
) -> list[FunnelProblem]:
    """Why changing ``before`` into ``after`` would strand open deals (empty: it is safe).

    ``live`` counts open deals per stage id of ``before``; ``mapping`` sends the deals of
    a vanishing stage to an open stage of ``after``.
    """
    problems = []
    after_ids = {s.id for s in after.open_stages}
    open_after = _stages(after.open_stages)
    title = pick(after.title_en, after.title_zh)
    for stage_id, count in sorted(live.items()):
        if not count or stage_id in after_ids:
            continue
        stage = _named(stage_id, before.stage(stage_id))
        deals = plural(count, "{n} open deal", "{n} open deals").format(n=count)
        target = mapping.get(stage_id)
        if target is None:
            problems.append(
                FunnelProblem(
                    "a stage of {funnel} to move the {deals} of {stage} to "
                    "(it still holds them): one of {stages}",
                    {"funnel": title, "deals": deals, "stage": stage, "stages": open_after},
                )
            )
        elif target not in after_ids:
            problems.append(
                FunnelProblem(
                    "an open stage of {funnel} for the deals of {stage}: one of "
                    "{stages}; {target} is not one",
                    {"funnel": title, "stage": stage, "stages": open_after, "target": target},
                )
            )
    return problems


class FunnelRegistry:
    """Funnels from the core and every enabled plugin, by id, with company overrides."""

    def __init__(
        self,
        funnels: list[FunnelDefinition],
        default: str | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        self.base = {f.id: f for f in funnels}
        self.funnels = dict(self.base)
        self.default_id = default if default in self.funnels else funnels[0].id
        self.problems: list[FunnelProblem] = []
        self.apply_settings(overrides)

    def apply_settings(self, overrides: Mapping[str, Any] | None) -> list[FunnelProblem]:
        """Rebuild every funnel from its definition plus ``overrides`` (the setting's
        value). A bad entry is skipped (that funnel stays as defined) and its problem kept
        in ``problems`` (read in the reader's language with ``str``), so a broken setting
        never takes the funnels down."""
        self.funnels = dict(self.base)
        self.problems = []
        if overrides and not isinstance(overrides, Mapping):
            self.problems.append(
                FunnelProblem(
                    "The funnel settings ({key}) are not changes per funnel; every funnel "
                    "is used as its plugin defines it.",
                    {"key": OVERRIDES_KEY},
                )
            )
            return self.problems
        for funnel_id, override in (overrides or {}).items():
            funnel = self.base.get(funnel_id)
            if funnel is None:
                self.problems.append(
                    FunnelProblem(
                        "The funnel settings ({key}) change a funnel no enabled plugin "
                        "provides ({funnel}); that change is not used.",
                        {"key": OVERRIDES_KEY, "funnel": funnel_id},
                    )
                )
                continue
            try:
                self.funnels[funnel_id] = apply_override(funnel, override)
            except FunnelChangeRefused as exc:
                self.problems.append(
                    FunnelProblem(
                        "The funnel settings ({key}) for {funnel} are not used: they "
                        "should hold {expected}.",
                        {
                            "key": OVERRIDES_KEY,
                            "funnel": pick(funnel.title_en, funnel.title_zh),
                            "expected": exc,
                        },
                    )
                )
        return self.problems

    @property
    def default(self) -> FunnelDefinition:
        return self.funnels[self.default_id]

    def get(self, funnel_id: str) -> FunnelDefinition | None:
        return self.funnels.get(funnel_id)

    def stage(self, funnel_id: str, stage_id: str) -> Stage | None:
        funnel = self.funnels.get(funnel_id)
        return funnel.stage(stage_id) if funnel else None

    def stage_title(self, funnel_id: str, stage_id: str) -> str:
        """A stage's title in the reader's language (its id when no funnel knows it)."""
        stage = self.stage(funnel_id, stage_id)
        return pick(stage.title_en, stage.title_zh) if stage else stage_id

    def probability_sql(self, funnel_col: Any, stage_col: Any) -> Any:
        """SQL for each row's stage probability (0 for a stage no funnel knows)."""
        whens = [
            (sa.and_(funnel_col == f.id, stage_col == s.id), sa.literal(s.probability))
            for f in self.funnels.values()
            for s in f.stages
        ]
        if not whens:
            return sa.literal(Decimal(0))
        return sa.case(*whens, else_=sa.literal(Decimal(0)))

    def class_visit_days(self) -> dict[str, int]:
        """Visit interval per customer class: the strictest policy among the stages
        implying that class, in any funnel."""
        found: dict[str, int] = {}
        for funnel in self.funnels.values():
            for stage in funnel.open_stages:
                days, key = stage.visit_every_days, str(stage.customer_class)
                if days and days < found.get(key, days + 1):
                    found[key] = days
        return found
