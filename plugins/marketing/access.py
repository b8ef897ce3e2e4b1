"""Permissions, roles and record rules of the marketing plugin.

Campaign plans are company information: everyone who may run reports sees the plan.
Money spent (budgets, cost lines) is shown only to readers with ``marketing.read`` or a
company-wide scope. Leads, opportunities and sales behind a campaign's effect always go
through ``core.access.visible``, so a rep counts only their own customers and deals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from core.access import PermissionSpec, RoleSpec, Scope
from core.errors import PermissionDenied
from core.i18n import translator
from core.models import User

if TYPE_CHECKING:
    from core.context import Context

_ = translator(__file__)  # this plugin's words first

PERMISSIONS: tuple[PermissionSpec, ...] = (
    PermissionSpec("marketing.read", "Read campaign budgets and costs", "查看活动预算与费用"),
    PermissionSpec("marketing.plan", "Plan campaigns and record their costs", "策划活动与登记费用"),
    PermissionSpec("marketing.approve", "Approve campaign budgets", "审批活动预算"),
    PermissionSpec("marketing.segment", "Save customer segments", "维护客户细分"),
    PermissionSpec("marketing.negative", "Assign improvement actions", "指派改善措施"),
)

_PLANNER = frozenset(
    {
        "marketing.read",
        "marketing.plan",
        "marketing.segment",
        "marketing.negative",
        "report.run",
        "customer.create",
        "customer.update",
        "opportunity.write",
        "activity.log",
        "sales.import",
    }
)

ROLES: tuple[RoleSpec, ...] = (
    RoleSpec("marketing_staff", "Marketing staff", "市场专员", _PLANNER, Scope.ALL),
    RoleSpec(
        "marketing_manager",
        "Marketing manager",
        "市场经理",
        _PLANNER | {"marketing.approve", "customer.assign"},
        Scope.ALL,
    ),
)


def sees_money(ctx: Context) -> bool:
    """Budgets and costs: marketing readers and company-wide readers (executives)."""
    grant = ctx.grant
    return "marketing.read" in grant.permissions or grant.scope is Scope.ALL


def require_money(ctx: Context) -> None:
    """Refuse budgets and costs to a reader who may not see them (``sees_money``)."""
    if not sees_money(ctx):
        raise PermissionDenied(
            _(
                "You may not read campaign budgets and costs: they are shown to marketing "
                "staff and executives."
            )
        )


def negative_visible(ctx: Context) -> sa.ColumnElement[bool]:
    """Negative information the actor may read: what they or their team/region reported,
    plus the actions they own."""
    # imported here: the roles above are read at every login, the models need not be
    from plugins.marketing.models import NegativeInfo

    grant = ctx.grant
    if grant.scope is Scope.ALL:
        return sa.true()
    if grant.scope is Scope.REGION:
        in_region = sa.select(User.id).where(User.region_id.in_(grant.region_ids or {-1}))
        cond = NegativeInfo.reporter_id.in_(in_region)
    elif grant.scope is Scope.TEAM:
        cond = NegativeInfo.reporter_id.in_(grant.team_ids)
    else:
        cond = NegativeInfo.reporter_id == grant.user_id
    return sa.or_(cond, NegativeInfo.action_owner_id == grant.user_id)
