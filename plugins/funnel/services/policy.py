"""The lead-pool policies a company keeps in its settings, validated with pydantic.

``funnel.assignment_rules``: a list of rules; the first rule whose criteria match a lead
(empty criteria match anything) hands it to its reps in turn, skipping reps at the cap::

    [{"name": "east-industry", "industries": ["Manufacturing"], "regions": ["EAST"],
      "sizes": ["large"], "reps": ["rep001", "rep002"], "cap": 30}]

``funnel.reclaim``: the escalation ladder, days without follow-up after which the owner is
reminded, the manager told and the lead returned to the pool; per customer class and per
product line (the category of the product of the customer's latest deal), which wins::

    {"remind": 3, "manager": 5, "reclaim": 7,
     "classes": {"potential": {}, "promising": {"remind": 7, "manager": 10, "reclaim": 14}},
     "product_lines": {"Engineering": {"remind": 10, "manager": 20, "reclaim": 30}}}
"""

from __future__ import annotations

from typing import Any

import pydantic
from sqlalchemy.orm import Session

from core.company import get_setting
from core.errors import FieldProblem, ValidationFailed
from core.models import CustomerClass, CustomerSize
from core.schemas import refusal_at
from core.services.base import pydantic_problem

RULES_KEY = "funnel.assignment_rules"
CURSOR_KEY = "funnel.assignment_cursor"
RECLAIM_KEY = "funnel.reclaim"
BOUGHT = (CustomerClass.CUSTOMER, CustomerClass.DORMANT)


class AssignmentRule(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    name: str = pydantic.Field(min_length=1, max_length=64)
    industries: list[str] = []
    regions: list[str] = []  # region codes; a region matches its sub-regions too
    sizes: list[CustomerSize] = []
    reps: list[str] = pydantic.Field(min_length=1)  # logins, in turn
    cap: int | None = pydantic.Field(None, gt=0)  # most leads a rep of this rule may hold


class Ladder(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    remind: int = pydantic.Field(3, gt=0)
    manager: int = pydantic.Field(5, gt=0)
    reclaim: int = pydantic.Field(7, gt=0)

    @pydantic.model_validator(mode="after")
    def _ordered(self) -> Ladder:
        if not self.remind <= self.manager <= self.reclaim:
            raise refusal_at(
                "manager" if self.remind > self.manager else "reclaim",
                "days that rise: the reminder ({remind} days) no later than the manager's "
                "alert ({manager} days), the alert no later than the reclaim ({reclaim} days)",
                remind=self.remind,
                manager=self.manager,
                reclaim=self.reclaim,
            )
        return self


class ReclaimPolicy(Ladder):
    classes: dict[CustomerClass, dict[str, int]] = {CustomerClass.POTENTIAL: {}}
    product_lines: dict[str, dict[str, int]] = {}

    def ladder_for(self, customer_class: str, product_line: str | None) -> Ladder | None:
        """The ladder of a lead (product line first, then class), None when exempt."""
        base = {"remind": self.remind, "manager": self.manager, "reclaim": self.reclaim}
        if customer_class in BOUGHT and customer_class not in self.classes:
            return None  # a buying customer is not a lead: only an explicit class rule
        if product_line and product_line in self.product_lines:
            return Ladder(**{**base, **self.product_lines[product_line]})
        if customer_class in self.classes:
            return Ladder(**{**base, **self.classes[customer_class]})  # type: ignore[index]
        return None

    @pydantic.model_validator(mode="after")
    def _ladders(self) -> ReclaimPolicy:
        for override in [*self.classes.values(), *self.product_lines.values()]:
            Ladder(
                **{
                    "remind": self.remind,
                    "manager": self.manager,
                    "reclaim": self.reclaim,
                    **override,
                }
            )
        return self

    @property
    def shortest(self) -> int:
        every = [self.remind] + [
            o.get("remind", self.remind)
            for o in [*self.classes.values(), *self.product_lines.values()]
        ]
        return min(every)


def parse_rules(value: Any) -> list[AssignmentRule]:
    rules = _validate(pydantic.TypeAdapter(list[AssignmentRule]), value or [], RULES_KEY)
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise ValidationFailed(
            [FieldProblem("name", names, "a different name for each rule")], RULES_KEY
        )
    return rules


def parse_reclaim(value: Any) -> ReclaimPolicy:
    return _validate(pydantic.TypeAdapter(ReclaimPolicy), value or {}, RECLAIM_KEY)


def _validate(adapter: pydantic.TypeAdapter, value: Any, key: str) -> Any:
    try:
        return adapter.validate_python(value)
    except pydantic.ValidationError as exc:
        raise ValidationFailed(
            [pydantic_problem(e, key) for e in exc.errors()],
            key,
        ) from None


def rules(session: Session) -> list[AssignmentRule]:
    return parse_rules(get_setting(session, RULES_KEY, []))


def reclaim_policy(session: Session) -> ReclaimPolicy:
    return parse_reclaim(get_setting(session, RECLAIM_KEY, {}))
