"""Campaign plans: create, edit, budget approval, status, cost lines.

Budget approval (内控: plans need authorised approval): the planner submits, a holder of
``marketing.approve`` other than the requester approves or rejects. A campaign starts
running only with an approved budget; changing the budget afterwards asks again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from core.context import Context
from core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from core.i18n import listed, translator
from core.models import Channel, Product
from core.services.base import UnitOfWork, validate, write
from plugins.marketing.models import (
    BudgetStatus,
    Campaign,
    CampaignStatus,
    CostLine,
)
from plugins.marketing.schemas import CampaignInput, CampaignUpdate, CostInput, CostUpdate
from plugins.marketing.services import lookup

_ = translator(__file__)  # this plugin's words first

S = CampaignStatus
# The only moves allowed; anything else is refused with the allowed ones named.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PLANNED: (S.RUNNING,),
    S.RUNNING: (S.FINISHED,),
    S.FINISHED: (S.EVALUATED,),
    S.EVALUATED: (),
}
# a status as the screens title it (the catalogue's msgid)
STATUS_TITLES = {
    S.PLANNED: "Planned",
    S.RUNNING: "Running",
    S.FINISHED: "Finished",
    S.EVALUATED: "Evaluated",
}


def get_campaign(ctx: Context, campaign_id: int) -> Campaign:
    with ctx.reading() as session:
        row = session.get(Campaign, campaign_id)
    if row is None:
        raise NotFound(
            _("This campaign no longer exists: it may have been deleted. Reopen the list.")
        )
    return row


def find_campaign(ctx: Context, code: str) -> Campaign:
    with ctx.reading() as session:
        return lookup.campaign_by_code(session, code)


def list_campaigns(ctx: Context, status: str | None = None) -> list[Campaign]:
    query = sa.select(Campaign).order_by(Campaign.start.desc(), Campaign.id.desc())
    if status:
        query = query.where(Campaign.status == status)
    with ctx.reading() as session:
        return list(session.scalars(query))


def create_campaign(ctx: Context, data: CampaignInput | dict[str, Any]) -> Campaign:
    values = validate(CampaignInput, data, "campaign")

    def work(uow: UnitOfWork) -> Campaign:
        uow.require("marketing.plan")
        refs = _references(uow, values)
        code = values.code or _next_code(uow, values.start)
        if uow.session.scalar(sa.select(Campaign.id).where(Campaign.code == code)):
            raise ValidationFailed(
                [FieldProblem("code", code, "a code no other campaign has")], "campaign"
            )
        row = Campaign(
            code=code,
            name=values.name,
            kind=values.kind,
            start=values.start,
            end=values.end,
            budget=values.budget,
            industry=values.industry,
            size=values.size,
            customer_class=values.customer_class,
            notes=values.notes,
            created_at=ctx.now(),
            **refs,
        )
        uow.session.add(row)
        uow.audit_created(row)
        return row

    return write(ctx, work)


def update_campaign(
    ctx: Context,
    campaign_id: int,
    data: CampaignUpdate | dict[str, Any],
    expected_version: int | None,
) -> Campaign:
    values = validate(CampaignUpdate, data, "campaign")
    changes = values.model_dump(exclude_unset=True)

    def work(uow: UnitOfWork) -> Campaign:
        uow.require("marketing.plan")
        row = uow.get(Campaign, campaign_id)
        uow.check_version(row, expected_version)
        if row.status == S.EVALUATED:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "status", row.status, "a campaign not yet evaluated; this one is closed"
                    )
                ],
                "campaign",
            )
        start, end = changes.get("start", row.start), changes.get("end", row.end)
        if end < start:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "end", end, "a date on or after the start ({start})", args={"start": start}
                    )
                ],
                "campaign",
            )
        applied = uow.apply_changes(row, changes)
        if "budget" in applied and row.budget_status != BudgetStatus.DRAFT:
            # A changed budget is a new request: the old approval does not cover it.
            uow.apply_changes(
                row,
                {"budget_status": BudgetStatus.DRAFT, "approved_by_id": None, "approved_at": None},
            )
        return row

    return write(ctx, work)


def submit_budget(ctx: Context, campaign_id: int, expected_version: int | None = None) -> Campaign:
    """Ask for approval of the budget; the submitter becomes the requester."""

    def work(uow: UnitOfWork) -> Campaign:
        uow.require("marketing.plan")
        row = uow.get(Campaign, campaign_id)
        uow.check_version(row, expected_version)
        if row.budget_status not in (BudgetStatus.DRAFT, BudgetStatus.REJECTED):
            raise ValidationFailed(
                [FieldProblem("budget_status", row.budget_status, "a draft or rejected budget")],
                "campaign",
            )
        uow.apply_changes(
            row,
            {"budget_status": BudgetStatus.SUBMITTED, "requested_by_id": ctx.actor.id},
            action="submit",
        )
        return row

    return write(ctx, work)


def decide_budget(
    ctx: Context,
    campaign_id: int,
    approve: bool,
    note: str = "",
    expected_version: int | None = None,
) -> Campaign:
    """Approve or reject a submitted budget. The requester may not decide their own."""

    def work(uow: UnitOfWork) -> Campaign:
        uow.require("marketing.approve")
        row = uow.get(Campaign, campaign_id)
        uow.check_version(row, expected_version)
        if row.budget_status != BudgetStatus.SUBMITTED:
            raise ValidationFailed(
                [FieldProblem("budget_status", row.budget_status, "a submitted budget")], "campaign"
            )
        if row.requested_by_id == ctx.actor.id:
            raise PermissionDenied(
                _(
                    "You requested the budget of campaign {code}, so you may not approve it; "
                    "another manager must."
                ).format(code=row.code)
            )
        if not approve and not note.strip():
            raise ValidationFailed(
                [FieldProblem("note", note, "why the budget is rejected")], "campaign"
            )
        status = BudgetStatus.APPROVED if approve else BudgetStatus.REJECTED
        uow.apply_changes(
            row,
            {
                "budget_status": status,
                "approved_by_id": ctx.actor.id,
                "approved_at": ctx.now(),
                "approval_note": note.strip(),
            },
            action="approve" if approve else "reject",
        )
        return row

    return write(ctx, work)


def set_status(
    ctx: Context, campaign_id: int, to_status: str, expected_version: int | None = None
) -> Campaign:
    """planned -> running -> finished -> evaluated; nothing else."""

    def work(uow: UnitOfWork) -> Campaign:
        uow.require("marketing.plan")
        row = uow.get(Campaign, campaign_id)
        uow.check_version(row, expected_version)
        allowed = TRANSITIONS.get(row.status, ())
        if to_status not in allowed:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "status",
                        to_status,
                        "the status after {current}: {allowed}"
                        if allowed
                        else "no further status: this campaign is {current}",
                        args={
                            "current": _(STATUS_TITLES.get(row.status, row.status)),
                            "allowed": listed(allowed),
                        },
                    )
                ],
                f"campaign {row.code}",
            )
        if to_status == S.RUNNING and row.budget_status != BudgetStatus.APPROVED:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "budget_status", row.budget_status, "an approved budget before it runs"
                    )
                ],
                f"campaign {row.code}",
            )
        uow.apply_changes(row, {"status": to_status}, action="status")
        return row

    return write(ctx, work)


def advance(ctx: Context, campaign_id: int, expected_version: int | None = None) -> Campaign:
    """Move to the next status (the TUI's one key)."""
    row = get_campaign(ctx, campaign_id)
    nxt = TRANSITIONS.get(row.status, ())
    if not nxt:
        raise ValidationFailed(
            [FieldProblem("status", row.status, "a campaign not yet evaluated")],
            f"campaign {row.code}",
        )
    return set_status(ctx, campaign_id, nxt[0], expected_version)


def target_text(ctx: Context, campaign: Campaign) -> str:
    """The target segment in words: saved segment, industry, region, size, class."""
    from core.models import Region
    from plugins.marketing.models import Segment

    with ctx.reading() as session:
        segment = session.get(Segment, campaign.segment_id) if campaign.segment_id else None
        region = session.get(Region, campaign.region_id) if campaign.region_id else None
    parts = [
        f"{_('Segment')} {segment.code}" if segment else "",
        campaign.industry,
        region.code if region else "",
        campaign.size,
        campaign.customer_class,
    ]
    return ", ".join(p for p in parts if p) or _("all customers")


# -- cost lines ----------------------------------------------------------------------------


def add_cost(ctx: Context, campaign_id: int, data: CostInput | dict[str, Any]) -> CostLine:
    values = validate(CostInput, data, "cost line")

    def work(uow: UnitOfWork) -> CostLine:
        uow.require("marketing.plan")
        campaign = uow.get(Campaign, campaign_id)
        _require_open(campaign)
        row = CostLine(campaign_id=campaign_id, created_at=ctx.now(), **values.model_dump())
        uow.session.add(row)
        uow.audit_created(row)
        return row

    return write(ctx, work)


def update_cost(
    ctx: Context, cost_id: int, data: CostUpdate | dict[str, Any], expected_version: int | None
) -> CostLine:
    values = validate(CostUpdate, data, "cost line")

    def work(uow: UnitOfWork) -> CostLine:
        uow.require("marketing.plan")
        row = uow.get(CostLine, cost_id)
        uow.check_version(row, expected_version)
        _require_open(uow.get(Campaign, row.campaign_id))
        uow.apply_changes(row, values.model_dump(exclude_unset=True))
        return row

    return write(ctx, work)


def list_costs(ctx: Context, campaign_id: int) -> list[CostLine]:
    from plugins.marketing.access import require_money

    require_money(ctx)
    with ctx.reading() as session:
        return list(
            session.scalars(
                sa.select(CostLine)
                .where(CostLine.campaign_id == campaign_id)
                .order_by(CostLine.date, CostLine.id)
            )
        )


# -- helpers ----------------------------------------------------------------------------


def _require_open(campaign: Campaign) -> None:
    if campaign.status == S.EVALUATED:
        raise ValidationFailed(
            [
                FieldProblem(
                    "campaign", campaign.code, "a campaign not yet evaluated; its costs are closed"
                )
            ],
            "cost line",
        )


def _references(uow: UnitOfWork, values: CampaignInput) -> dict[str, Any]:
    session, problems = uow.session, lookup.Problems("campaign")
    refs = {
        "segment_id": lookup.segment_id(session, values.segment, problems),
        "region_id": lookup.region_id(session, values.region, problems),
        "owner_id": lookup.user_id(session, values.owner, problems)
        if values.owner
        else uow.ctx.actor.id,
        "products": lookup.check_codes(session, Product, values.products, "products", problems),
        "channels": lookup.check_codes(session, Channel, values.channels, "channels", problems),
    }
    problems.raise_any()
    return refs


def campaign_numbering() -> Any:
    """How campaigns are numbered until the company sets a rule: MC + year + 4 digits."""
    from core.services.numbering import NumberingRule

    return NumberingRule(prefix="MC", width=4)


def _next_code(uow: UnitOfWork, start: dt.date) -> str:
    """The next number of series ``marketing.campaign`` (core numbering: MC + 2-digit year
    + 4 digits unless the company set a rule); skips a number typed by hand already."""
    from core.services.numbering import next_number

    default = campaign_numbering()
    while True:
        code = next_number(uow, "marketing.campaign", on=start, default=default)
        if not uow.session.scalar(sa.select(Campaign.id).where(Campaign.code == code)):
            return code
