"""Opportunities: create, edit, move between funnel stages, win or lose."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from core.access import Scope, visible
from core.context import Context
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.funnels import FunnelDefinition, Stage
from core.i18n import _, listed, pick
from core.models import Customer, Opportunity, OpportunityStatus, Product, StageChange
from core.schemas import OpportunityCreate, OpportunityUpdate
from core.services.base import UnitOfWork, validate, write


def get_opportunity(ctx: Context, opportunity_id: int) -> Opportunity:
    with ctx.reading() as session:
        row = session.scalars(
            sa.select(Opportunity).where(
                col(Opportunity.id) == opportunity_id, visible(ctx, Opportunity)
            )
        ).first()
    if row is None:
        raise NotFound(_("This opportunity does not exist or is not visible to you."))
    return row


def create_opportunity(ctx: Context, data: OpportunityCreate | dict[str, Any]) -> Opportunity:
    values = validate(OpportunityCreate, data, "opportunity")
    funnel = _funnel(ctx, values.funnel or ctx.plugins.funnels.default_id)
    stage = funnel.stage(values.stage) if values.stage else funnel.first_stage
    if stage is None or stage.terminal:
        shown = pick(stage.title_en, stage.title_zh) if stage else values.stage
        stages = _titles(funnel.open_stages)
        raise ValidationFailed(
            [
                FieldProblem(
                    "stage",
                    shown,
                    "an open stage of {funnel}: {stages}",
                    args={"funnel": pick(funnel.title_en, funnel.title_zh), "stages": stages},
                )
            ],
            "opportunity",
        )

    def work(uow: UnitOfWork) -> Opportunity:
        uow.require("opportunity.write")
        uow.get(Customer, values.customer_id)
        uow.require_record(Customer, values.customer_id)
        if values.product_id is not None:
            uow.get(Product, values.product_id)
        owner_id = values.owner_id
        if owner_id is None or ctx.grant.scope is Scope.OWN:
            owner_id = ctx.actor.id
        now = ctx.now()
        opp = Opportunity(
            **values.model_dump(exclude={"funnel", "stage", "owner_id"}),
            funnel=funnel.id,
            stage=stage.id,
            owner_id=owner_id,
            stage_entered_at=now,
            created_at=now,
        )
        uow.session.add(opp)
        uow.audit_created(opp)
        assert opp.id is not None  # audit_created flushed the insert
        uow.session.add(
            StageChange(
                opportunity_id=opp.id,
                from_stage=None,
                to_stage=stage.id,
                changed_at=now,
                changed_by_id=ctx.actor.id,
            )
        )
        uow.after_commit("salesdesk_opportunity_created", opportunity=opp)
        return opp

    return write(ctx, work)


def update_opportunity(
    ctx: Context,
    opportunity_id: int,
    data: OpportunityUpdate | dict[str, Any],
    expected_version: int | None,
) -> Opportunity:
    values = validate(OpportunityUpdate, data, "opportunity")

    def work(uow: UnitOfWork) -> Opportunity:
        uow.require("opportunity.write")
        opp = uow.get(Opportunity, opportunity_id)
        uow.require_record(Opportunity, opportunity_id)
        uow.check_version(opp, expected_version)
        _require_open(opp)
        uow.apply_changes(opp, values.model_dump(exclude_unset=True))
        return opp

    return write(ctx, work)


def move_stage(
    ctx: Context,
    opportunity_id: int,
    to_stage: str,
    expected_version: int | None = None,
    reason: str = "",
) -> Opportunity:
    """Move a deal to any stage of its funnel; a terminal stage wins or loses it."""

    def work(uow: UnitOfWork) -> Opportunity:
        uow.require("opportunity.write")
        opp = uow.get(Opportunity, opportunity_id)
        uow.require_record(Opportunity, opportunity_id)
        uow.check_version(opp, expected_version)
        _require_open(opp)
        funnel = _funnel(ctx, opp.funnel)
        target = funnel.stage(to_stage)
        if target is None:
            funnel_title = pick(funnel.title_en, funnel.title_zh)
            raise ValidationFailed(
                [
                    FieldProblem(
                        "stage",
                        to_stage,
                        "a stage of {funnel}: {stages}",
                        args={"funnel": funnel_title, "stages": _titles(funnel.stages)},
                    )
                ],
                "opportunity",
            )
        if target.lost and not reason.strip():
            raise ValidationFailed(
                [FieldProblem("reason", reason, "why the deal was lost")], "opportunity"
            )
        from_stage = opp.stage
        if from_stage == target.id:
            return opp
        now = ctx.now()
        changes: dict[str, Any] = {"stage": target.id}
        if target.terminal:
            changes["status"] = OpportunityStatus.WON if target.won else OpportunityStatus.LOST
            changes["close_reason"] = reason.strip()
        uow.apply_changes(opp, changes, action="stage")
        opp.stage_entered_at = now
        if target.terminal:
            opp.closed_at = now
        assert opp.id is not None  # a stored opportunity
        uow.session.add(
            StageChange(
                opportunity_id=opp.id,
                from_stage=from_stage,
                to_stage=target.id,
                changed_at=now,
                changed_by_id=ctx.actor.id,
            )
        )
        uow.after_commit(
            "salesdesk_opportunity_stage_changed",
            opportunity=opp,
            from_stage=from_stage,
            to_stage=target.id,
        )
        return opp

    return write(ctx, work)


def step_stage(
    ctx: Context, opportunity_id: int, step: int, expected_version: int | None = None
) -> Opportunity:
    """Move to the next (+1) or previous (-1) open stage."""
    opp = get_opportunity(ctx, opportunity_id)
    funnel = _funnel(ctx, opp.funnel)
    target = funnel.next_open(opp.stage, step)
    if target is None:
        expected = (
            _("won or lost (it is the last open stage)")
            if step > 0
            else _("a later stage (it is the first)")
        )
        title = ctx.plugins.funnels.stage_title(opp.funnel, opp.stage)
        raise ValidationFailed([FieldProblem("stage", title, expected)], "opportunity")
    return move_stage(ctx, opportunity_id, target.id, expected_version)


def win(
    ctx: Context, opportunity_id: int, expected_version: int | None = None, reason: str = ""
) -> Opportunity:
    opp = get_opportunity(ctx, opportunity_id)
    return move_stage(
        ctx, opportunity_id, _funnel(ctx, opp.funnel).won_stage.id, expected_version, reason
    )


def lose(
    ctx: Context, opportunity_id: int, reason: str, expected_version: int | None = None
) -> Opportunity:
    opp = get_opportunity(ctx, opportunity_id)
    return move_stage(
        ctx, opportunity_id, _funnel(ctx, opp.funnel).lost_stage.id, expected_version, reason
    )


def stage_history(ctx: Context, opportunity_id: int) -> list[StageChange]:
    get_opportunity(ctx, opportunity_id)
    with ctx.reading() as session:
        return list(
            session.scalars(
                sa.select(StageChange)
                .where(col(StageChange.opportunity_id) == opportunity_id)
                .order_by(col(StageChange.id))
            )
        )


def probability(ctx: Context, opp: Opportunity) -> Any:
    """The override when set, else the stage's probability."""
    if opp.probability_override is not None:
        return opp.probability_override
    funnel = ctx.plugins.funnels.get(opp.funnel)
    stage = funnel.stage(opp.stage) if funnel else None
    return stage.probability if stage else 0


def _funnel(ctx: Context, funnel_id: str) -> FunnelDefinition:
    funnel = ctx.plugins.funnels.get(funnel_id)
    if funnel is None:
        known = _titles(ctx.plugins.funnels.funnels.values())
        raise ValidationFailed(
            [FieldProblem("funnel", funnel_id, "one of {values}", args={"values": known})],
            "opportunity",
        )
    return funnel


def _titles(items: Iterable[Stage | FunnelDefinition]) -> str:
    """Stages or funnels as the screens list them: by title, in the reader's language."""
    return listed(pick(item.title_en, item.title_zh) for item in items)


def _require_open(opp: Opportunity) -> None:
    if opp.status != OpportunityStatus.OPEN:
        status = _("Won") if opp.status == OpportunityStatus.WON else _("Lost")
        raise ValidationFailed(
            [FieldProblem("status", status, "an open deal; this one is closed")], "opportunity"
        )
