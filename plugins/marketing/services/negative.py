"""Negative information (负面情报分析改善表): complaints, lost-deal reasons and competitor
moves, classified, each with an improvement action, its owner and due date.

Anyone who logs visits may record what they heard; assigning the improvement action is
for holders of ``marketing.negative``; the action's owner (or such a holder) closes it.
"""

from __future__ import annotations

from typing import Any

from core.context import Context
from core.errors import FieldProblem, PermissionDenied, ValidationFailed
from core.i18n import listed, translator
from core.models import Customer, Opportunity, OpportunityStatus
from core.services.base import UnitOfWork, validate, write
from plugins.marketing.models import ActionStatus, NegativeInfo, NegativeKind, NegativeReason
from plugins.marketing.schemas import ActionInput, NegativeInput
from plugins.marketing.services import lookup

_ = translator(__file__)  # this plugin's words first


def record_negative(ctx: Context, data: NegativeInput | dict[str, Any]) -> NegativeInfo:
    values = validate(NegativeInput, data, "negative information")

    def work(uow: UnitOfWork) -> NegativeInfo:
        uow.require("activity.log")
        problems = lookup.Problems("negative information")
        customer = lookup.customer_row(uow.session, values.customer, problems)
        product_id = lookup.product_id(uow.session, values.product, problems)
        region_id = lookup.region_id(uow.session, values.region, problems)
        problems.raise_any()
        if customer is not None:
            uow.require_record(Customer, customer.id)
            region_id = region_id if region_id is not None else customer.region_id
        row = NegativeInfo(
            kind=values.kind,
            date=values.date,
            reason=values.reason,
            customer_id=customer.id if customer else None,
            product_id=product_id,
            region_id=region_id,
            competitor=values.competitor,
            description=values.description,
            reporter_id=ctx.actor.id,
            created_at=ctx.now(),
        )
        uow.session.add(row)
        uow.audit_created(row)
        return row

    return write(ctx, work)


def record_lost_deal(
    ctx: Context,
    opportunity_id: int,
    reason: NegativeReason | str,
    description: str = "",
    competitor: str = "",
) -> NegativeInfo:
    """Classify why a lost deal was lost; customer, product and region come from the deal."""
    try:
        reason = NegativeReason(reason)
    except ValueError:
        raise ValidationFailed(
            [
                FieldProblem(
                    "reason",
                    reason,
                    "one of {values}",
                    args={"values": listed(r.value for r in NegativeReason)},
                )
            ],
            "lost deal",
        ) from None

    def work(uow: UnitOfWork) -> NegativeInfo:
        uow.require("activity.log")
        opp = uow.get(Opportunity, opportunity_id)
        uow.require_record(Opportunity, opportunity_id)
        if opp.status != OpportunityStatus.LOST:
            raise ValidationFailed(
                [FieldProblem("opportunity", opportunity_id, "a deal marked lost")], "lost deal"
            )
        customer = uow.get(Customer, opp.customer_id)
        day = (opp.closed_at or ctx.now()).date()
        row = NegativeInfo(
            kind=NegativeKind.LOST_DEAL,
            date=day,
            reason=reason,
            customer_id=customer.id,
            opportunity_id=opp.id,
            product_id=opp.product_id,
            region_id=customer.region_id,
            competitor=competitor.strip()[:200],
            description=(description.strip() or opp.close_reason)[:2000],
            reporter_id=ctx.actor.id,
            created_at=ctx.now(),
        )
        uow.session.add(row)
        uow.audit_created(row)
        return row

    return write(ctx, work)


def assign_action(
    ctx: Context,
    negative_id: int,
    data: ActionInput | dict[str, Any],
    expected_version: int | None = None,
) -> NegativeInfo:
    values = validate(ActionInput, data, "improvement action")

    def work(uow: UnitOfWork) -> NegativeInfo:
        uow.require("marketing.negative")
        row = uow.get(NegativeInfo, negative_id)
        uow.check_version(row, expected_version)
        problems = lookup.Problems("improvement action")
        owner_id = lookup.user_id(uow.session, values.owner, problems)
        problems.raise_any()
        uow.apply_changes(
            row,
            {
                "action": values.action,
                "action_owner_id": owner_id,
                "action_due": values.due,
                "action_status": ActionStatus.OPEN,
            },
            action="assign",
        )
        return row

    return write(ctx, work)


def close_action(
    ctx: Context, negative_id: int, expected_version: int | None = None
) -> NegativeInfo:
    def work(uow: UnitOfWork) -> NegativeInfo:
        row = uow.get(NegativeInfo, negative_id)
        if row.action_owner_id != ctx.actor.id:
            uow.require("marketing.negative")
        elif ctx.grant.read_only:
            raise PermissionDenied(
                _("You may not close this improvement action: your access is read-only.")
            )
        uow.check_version(row, expected_version)
        if row.action_status != ActionStatus.OPEN:
            raise ValidationFailed(
                [FieldProblem("action_status", row.action_status, "an open improvement action")],
                "improvement action",
            )
        uow.apply_changes(row, {"action_status": ActionStatus.DONE}, action="close")
        return row

    return write(ctx, work)
