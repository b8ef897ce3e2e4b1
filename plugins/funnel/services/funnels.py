"""Changing funnels safely: company overrides (probabilities, stage limits, follow-up
policies, removed stages) and deals left in stages their funnel no longer has.

A change that would leave open deals in a stage that vanishes is refused with the
reason, unless the deals are mapped to another stage; mapped deals move in the same
transaction as the setting, each with a stage-change row and an audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.context import Context
from core.errors import FieldProblem, ValidationFailed
from core.funnels import (
    OVERRIDES_KEY,
    FunnelChangeRefused,
    FunnelDefinition,
    apply_override,
    change_problems,
)
from core.i18n import bracketed, listed, pick
from core.models import CompanySetting, CustomerClass, Opportunity, OpportunityStatus, StageChange
from core.services.base import UnitOfWork, write

SUBJECT = "funnel settings"


def current_overrides(ctx: Context) -> dict[str, Any]:
    with ctx.reading() as session:
        row = session.get(CompanySetting, OVERRIDES_KEY)
        return deepcopy(dict(row.value or {})) if row else {}


def live_counts(uow_session: Any, funnel_id: str) -> dict[str, int]:
    """Open deals per stage of a funnel, whoever owns them (a change affects them all)."""
    rows = uow_session.execute(
        sa.select(Opportunity.stage, sa.func.count())
        .where(Opportunity.funnel == funnel_id, Opportunity.status == OpportunityStatus.OPEN)
        .group_by(Opportunity.stage)
    ).all()
    return {stage: n for stage, n in rows}


def set_override(
    ctx: Context,
    funnel_id: str,
    override: Mapping[str, Any] | None,
    mapping: Mapping[str, str] | None = None,
) -> FunnelDefinition:
    """Replace the company's override of one funnel (None: back to its definition).

    ``mapping`` sends the open deals of stages the override removes to other stages;
    without it such a change is refused, naming the stage and how many deals it holds.
    """
    registry = ctx.plugins.funnels
    base = registry.base.get(funnel_id)
    if base is None:
        raise ValidationFailed(
            [
                FieldProblem(
                    "funnel",
                    funnel_id,
                    "one of {values}",
                    args={"values": listed(sorted(registry.base))},
                )
            ],
            SUBJECT,
        )
    try:
        after = apply_override(base, override) if override else base
    except FunnelChangeRefused as exc:
        raise ValidationFailed(
            [FieldProblem(funnel_id, override, exc.expected, args=exc.params)], SUBJECT
        ) from None
    mapping = dict(mapping or {})

    def work(uow: UnitOfWork) -> dict[str, Any]:
        uow.require("settings.manage")
        before = registry.get(funnel_id) or base
        problems = change_problems(before, after, live_counts(uow.session, funnel_id), mapping)
        if problems:
            raise ValidationFailed(
                [FieldProblem("stages", funnel_id, p.expected, args=p.params) for p in problems],
                SUBJECT,
            )
        _move_stages(uow, funnel_id, mapping, {s.id for s in after.open_stages})
        row = uow.session.get(CompanySetting, OVERRIDES_KEY)
        old = deepcopy(dict(row.value or {})) if row else {}
        new = {**old}
        if override:
            new[funnel_id] = dict(override)
        else:
            new.pop(funnel_id, None)
        if row is None:
            uow.session.add(CompanySetting(key=OVERRIDES_KEY, value=new))
            uow.audit("create", "company_setting", OVERRIDES_KEY, "value", None, new)
        else:
            uow.audit("update", "company_setting", OVERRIDES_KEY, "value", old, new)
            row.value = new
        return new

    stored = write(ctx, work)
    ctx.plugins.company_settings[OVERRIDES_KEY] = stored
    registry.apply_settings(stored)
    return registry.get(funnel_id)


def _move_stages(
    uow: UnitOfWork, funnel_id: str, mapping: Mapping[str, str], keep: set[str]
) -> int:
    moved = 0
    for old, new in mapping.items():
        if old in keep:
            continue
        deals = uow.session.scalars(
            sa.select(Opportunity)
            .where(
                Opportunity.funnel == funnel_id,
                Opportunity.stage == old,
                Opportunity.status == OpportunityStatus.OPEN,
            )
            .order_by(Opportunity.id)
        )
        for deal in deals:
            move_deal(uow, deal, new, f"stage {old} removed from funnel {funnel_id}")
            moved += 1
    return moved


def move_deal(uow: UnitOfWork, deal: Opportunity, to_stage: str, reason: str) -> None:
    now = uow.ctx.now()
    before = deal.stage
    uow.apply_changes(deal, {"stage": to_stage}, action="stage")
    uow.audit("stage", "opportunity", deal.id, "reason", None, reason)
    deal.stage_entered_at = now
    uow.session.add(
        StageChange(
            opportunity_id=deal.id,
            from_stage=before,
            to_stage=to_stage,
            changed_at=now,
            changed_by_id=uow.ctx.actor.id,
        )
    )


@dataclass(frozen=True)
class Orphans:
    funnel: str
    stage: str
    deals: int
    known_funnel: bool


def orphans(ctx: Context) -> list[Orphans]:
    """Open deals whose stage (or funnel) the loaded funnels no longer have, e.g. after a
    plugin update or a plugin switched off. They are never dropped: map them."""
    registry = ctx.plugins.funnels
    with ctx.reading() as session:
        rows = session.execute(
            sa.select(Opportunity.funnel, Opportunity.stage, sa.func.count())
            .where(Opportunity.status == OpportunityStatus.OPEN)
            .group_by(Opportunity.funnel, Opportunity.stage)
        ).all()
    out = []
    for funnel_id, stage_id, n in rows:
        funnel = registry.get(funnel_id)
        if funnel is None or funnel.stage(stage_id) is None:
            out.append(Orphans(funnel_id, stage_id, n, funnel is not None))
    return out


def map_orphans(ctx: Context, funnel_id: str, from_stage: str, to_stage: str) -> int:
    """Move the open deals in a stage their funnel no longer has to one of its stages."""
    funnel = ctx.plugins.funnels.get(funnel_id)
    if funnel is None:
        raise ValidationFailed(
            [
                FieldProblem(
                    "funnel",
                    funnel_id,
                    "one of the funnels in use: {values}",
                    args={"values": listed(sorted(ctx.plugins.funnels.funnels))},
                )
            ],
            SUBJECT,
        )
    target = funnel.stage(to_stage)
    if target is None or target.terminal:
        raise ValidationFailed(
            [
                FieldProblem(
                    "to",
                    to_stage,
                    "an open stage of {funnel}: {stages}",
                    args={  # the titles, and the ids the administrator types after --to
                        "funnel": pick(funnel.title_en, funnel.title_zh),
                        "stages": listed(
                            bracketed(pick(s.title_en, s.title_zh), s.id)
                            for s in funnel.open_stages
                        ),
                    },
                )
            ],
            SUBJECT,
        )
    if funnel.stage(from_stage) is not None:
        raise ValidationFailed(
            [
                FieldProblem(
                    "from", from_stage, "a stage the funnel no longer has; this one is still valid"
                )
            ],
            SUBJECT,
        )

    def work(uow: UnitOfWork) -> int:
        uow.require("settings.manage")
        return _move_stages(uow, funnel_id, {from_stage: to_stage}, set())

    return write(ctx, work)


# -- customer class from the funnel --------------------------------------------------------

CLASS_RANK = {CustomerClass.POTENTIAL: 0, CustomerClass.PROMISING: 1, CustomerClass.CLOSING: 2}


def implied_class(ctx: Context, stages: list[tuple[str, str]], won: bool, current: str) -> str:
    """The class a customer's open deals imply: the furthest class among their stages; a
    buying customer stays a customer."""
    if won or current == CustomerClass.CUSTOMER:
        return CustomerClass.CUSTOMER
    best = None
    for funnel_id, stage_id in stages:
        stage = ctx.plugins.funnels.stage(funnel_id, stage_id)
        cls = stage.customer_class if stage else None
        if cls in CLASS_RANK and (best is None or CLASS_RANK[cls] > CLASS_RANK[best]):
            best = cls
    return str(best) if best is not None else current


def refresh_class(ctx: Context, customer_id: int, won: bool = False) -> str | None:
    """Set the customer's class from their deals (after a stage change); audited."""
    from core.models import Customer

    def work(uow: UnitOfWork) -> str | None:
        customer = uow.session.get(Customer, customer_id)
        if customer is None:
            return None
        stages = [
            tuple(r)
            for r in uow.session.execute(
                sa.select(Opportunity.funnel, Opportunity.stage).where(
                    Opportunity.customer_id == customer_id,
                    Opportunity.status == OpportunityStatus.OPEN,
                )
            )
        ]
        cls = implied_class(ctx, stages, won, customer.customer_class)
        if cls != customer.customer_class:
            uow.apply_changes(customer, {"customer_class": cls}, action="class")
            return cls
        return None

    return write(ctx, work)
