"""Approval chains: which roles approve a contract, by amount threshold and contract type.

Setting ``contracts.approval_chains``: a list of rules ``{"type": "*" or a contract type,
"min_amount": "100000", "steps": ["sales_manager", "finance"]}``. For a contract, the rules
of its type (or, when its type has none, the ``*`` rules) whose ``min_amount`` it reaches
are candidates; the one with the highest ``min_amount`` wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import FieldProblem, ValidationFailed

CHAINS_KEY = "contracts.approval_chains"

DEFAULT_CHAINS: list[dict[str, Any]] = [
    {"type": "*", "min_amount": "0", "steps": ["sales_manager"]},
    {"type": "*", "min_amount": "200000", "steps": ["sales_manager", "finance"]},
    {
        "type": "*",
        "min_amount": "1000000",
        "steps": ["sales_manager", "finance", "contract_executive"],
    },
]


@dataclass(frozen=True)
class ChainRule:
    contract_type: str
    min_amount: Decimal
    steps: tuple[str, ...]


def load_chains(data: Any, known_roles: set[str] | None = None) -> list[ChainRule]:
    problems: list[FieldProblem] = []
    rules: list[ChainRule] = []
    if not isinstance(data, list) or not data:
        raise ValidationFailed(
            [FieldProblem(CHAINS_KEY, data, "a non-empty list of rules")], CHAINS_KEY
        )
    for i, item in enumerate(data):
        rule = _rule(i, item, known_roles, problems)
        if rule is not None:
            rules.append(rule)
    if problems:
        raise ValidationFailed(problems, CHAINS_KEY)
    return rules


def _rule(
    i: int, item: Any, known_roles: set[str] | None, problems: list[FieldProblem]
) -> ChainRule | None:
    where = f"{CHAINS_KEY}.{i}"
    if not isinstance(item, dict):
        problems.append(FieldProblem(where, item, "a rule with type, min_amount and steps"))
        return None
    try:
        minimum = Decimal(str(item.get("min_amount", "0")))
    except InvalidOperation:
        problems.append(FieldProblem(f"{where}.min_amount", item.get("min_amount"), "an amount"))
        return None
    steps = item.get("steps")
    if not isinstance(steps, list) or not steps:
        problems.append(FieldProblem(f"{where}.steps", steps, "a non-empty list of roles"))
        return None
    unknown = [s for s in steps if known_roles is not None and s not in known_roles]
    if unknown:
        problems.append(FieldProblem(f"{where}.steps", unknown, "defined roles"))
        return None
    return ChainRule(str(item.get("type") or "*"), minimum, tuple(str(s) for s in steps))


def chain_for(rules: list[ChainRule], contract_type: str, amount: Decimal) -> tuple[str, ...]:
    """The roles that must approve, in order; empty when no rule applies."""
    typed = [r for r in rules if r.contract_type == contract_type]
    pool = typed or [r for r in rules if r.contract_type == "*"]
    fitting = [r for r in pool if amount >= r.min_amount]
    if not fitting:
        return ()
    return max(fitting, key=lambda r: r.min_amount).steps
