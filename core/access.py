"""Roles, permissions and record rules.

A role grants permissions and a *record scope*: how much of the data its holder sees.
``visible(ctx, Model)`` turns the actor's scope into a SQL filter so lists, single reads,
reports, drill-downs and exports all filter the same way; ``require`` and
``require_record`` are the checks services call before they write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.errors import PermissionDenied, record_noun
from core.i18n import _, listed, pick, plural
from core.models import (
    Activity,
    Contact,
    Customer,
    DailyReport,
    Opportunity,
    Region,
    SalesLine,
    User,
    VisitPlan,
)

if TYPE_CHECKING:
    from core.context import Context


class Scope(IntEnum):
    """How much data a role sees; an actor gets the widest scope among its roles."""

    OWN = 1  # own records plus the lead pool
    TEAM = 2  # own, everyone reporting to me (directly or not), plus the pool
    REGION = 3  # everything in my region and its sub-regions, plus the pool
    ALL = 4


@dataclass(frozen=True)
class PermissionSpec:
    name: str
    title_en: str
    title_zh: str = ""


@dataclass(frozen=True)
class RoleSpec:
    name: str
    title_en: str
    title_zh: str
    permissions: frozenset[str]
    scope: Scope = Scope.OWN
    read_only: bool = False


def _perms(*names: str) -> frozenset[str]:
    return frozenset(names)


CORE_PERMISSIONS: tuple[PermissionSpec, ...] = (
    PermissionSpec("customer.create", "Create customers", "新建客户"),
    PermissionSpec("customer.update", "Edit customers", "修改客户"),
    PermissionSpec("customer.assign", "Assign customers and return them to the pool", "分配客户"),
    PermissionSpec("customer.credit", "Set credit rating and limit", "设置信用等级与额度"),
    PermissionSpec("contact.write", "Add and edit contacts", "维护联系人"),
    PermissionSpec("opportunity.write", "Create and edit opportunities", "维护商机"),
    PermissionSpec("activity.log", "Log visits (daily report)", "填写日报"),
    PermissionSpec("product.manage", "Maintain products and prices", "维护产品与价格"),
    PermissionSpec("masterdata.manage", "Maintain regions and channels", "维护区域与渠道"),
    PermissionSpec(
        "region.manage_own",
        "Maintain the regions and channels under one's own region",
        "维护本区域下属区域与渠道",
    ),
    PermissionSpec("sales.import", "Import sales lines, customers and products", "导入数据"),
    PermissionSpec("receipt.record", "Enter and import receipts from customers", "登记收款"),
    PermissionSpec("target.manage", "Set official targets", "设定销售指标"),
    PermissionSpec("user.manage", "Manage all users", "管理全部用户"),
    PermissionSpec("user.manage_region", "Manage users of one's own region", "管理本区域用户"),
    PermissionSpec("plugin.manage", "Enable and disable plugins", "启用/停用插件"),
    PermissionSpec("settings.manage", "Change company settings", "修改公司设置"),
    PermissionSpec("report.run", "Run and export reports", "运行与导出报表"),
    PermissionSpec("audit.read", "Read the audit trail", "查看审计记录"),
    PermissionSpec("database.backup", "Back up the whole database", "备份整个数据库"),
)

_ALL_CORE = frozenset(p.name for p in CORE_PERMISSIONS)
_REP = _perms(
    "customer.create",
    "customer.update",
    "contact.write",
    "opportunity.write",
    "activity.log",
    "report.run",
)

CORE_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec("group_admin", "Group administrator", "集团管理员", _ALL_CORE, Scope.ALL),
    RoleSpec(
        "regional_admin",
        "Regional administrator",
        "区域管理员",
        _perms(
            "user.manage_region",
            "region.manage_own",
            "customer.create",
            "customer.update",
            "customer.assign",
            "contact.write",
            "report.run",
            "audit.read",
        ),
        Scope.REGION,
    ),
    RoleSpec(
        "business_operator",
        "Business operator",
        "业务操作员",
        _perms(
            "customer.create",
            "customer.update",
            "customer.assign",
            "contact.write",
            "product.manage",
            "masterdata.manage",
            "sales.import",
            "report.run",
        ),
        Scope.ALL,
    ),
    RoleSpec("sales_rep", "Sales rep", "业务员", _REP, Scope.OWN),
    RoleSpec(
        "sales_manager",
        "Sales manager",
        "销售经理",
        _REP | _perms("customer.assign", "target.manage", "audit.read"),
        Scope.TEAM,
    ),
    RoleSpec(
        "finance",
        "Finance",
        "财务",
        _perms("customer.credit", "sales.import", "receipt.record", "report.run", "audit.read"),
        Scope.ALL,
    ),
    RoleSpec(
        "executive",
        "Executive (read-only)",
        "高层（只读）",
        _perms("report.run", "audit.read"),
        Scope.ALL,
        read_only=True,
    ),
)


@dataclass
class RoleRegistry:
    """The roles and permissions known in this run: the core's plus enabled plugins'."""

    roles: dict[str, RoleSpec] = field(default_factory=dict)
    permissions: dict[str, PermissionSpec] = field(default_factory=dict)

    @classmethod
    def core(cls) -> RoleRegistry:
        reg = cls()
        for perm in CORE_PERMISSIONS:
            reg.permissions[perm.name] = perm
        for role in CORE_ROLES:
            reg.roles[role.name] = role
        return reg

    def add_permission(self, perm: PermissionSpec) -> None:
        self.permissions.setdefault(perm.name, perm)

    def add_role(self, role: RoleSpec) -> str | None:
        """Add a plugin role; return why it was refused, or None."""
        if role.name in self.roles:
            return f"role '{role.name}' is already defined"
        unknown = sorted(role.permissions - set(self.permissions))
        if unknown:
            return f"role '{role.name}' names undeclared permissions: {', '.join(unknown)}"
        self.roles[role.name] = role
        return None

    def grants(self, role_names: list[str]) -> tuple[frozenset[str], Scope, bool]:
        """Permissions, widest scope and whether every role is read-only."""
        specs = [self.roles[n] for n in role_names if n in self.roles]
        if not specs:
            return frozenset(), Scope.OWN, True
        perms = frozenset().union(*(s.permissions for s in specs))
        read_only = all(s.read_only for s in specs)
        return perms, max(s.scope for s in specs), read_only


@dataclass(frozen=True)
class Grant:
    """What one actor may do, computed once per context."""

    user_id: int
    region_ids: frozenset[int]  # the actor's region and every region below it
    team_ids: frozenset[int]  # the actor and everyone reporting to them
    permissions: frozenset[str]
    scope: Scope
    read_only: bool

    def has(self, permission: str) -> bool:
        return not self.read_only and permission in self.permissions


def build_grant(session: Session, user: User, registry: RoleRegistry) -> Grant:
    perms, scope, read_only = registry.grants(list(user.roles))
    return Grant(
        user_id=user.id or 0,
        region_ids=frozenset(region_subtree(session, user.region_id)),
        team_ids=frozenset(team_of(session, user.id or 0)),
        permissions=perms,
        scope=scope,
        read_only=read_only,
    )


def region_subtree(session: Session, region_id: int | None) -> set[int]:
    if region_id is None:
        return set()
    pairs = session.execute(sa.select(col(Region.id), col(Region.parent_id))).all()
    children: dict[int | None, list[int]] = {}
    for rid, parent in pairs:
        assert rid is not None  # a stored row's primary key
        children.setdefault(parent, []).append(rid)
    return _walk(children, region_id)


def team_of(session: Session, user_id: int) -> set[int]:
    pairs = session.execute(sa.select(col(User.id), col(User.manager_id))).all()
    reports: dict[int | None, list[int]] = {}
    for uid, manager in pairs:
        assert uid is not None  # a stored row's primary key
        reports.setdefault(manager, []).append(uid)
    return _walk(reports, user_id)


def _walk(children: dict[Any, list[int]], root: int) -> set[int]:
    seen, stack = {root}, [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


# ---------------------------------------------------------------------------------------
# Record rules as SQL
# ---------------------------------------------------------------------------------------

# For each model: the owner column and the region column its rows are scoped by, and
# whether rows without an owner (the lead pool) are visible to everyone.
_RULES: dict[type, tuple[Any, Any, bool]] = {
    Customer: (Customer.owner_id, Customer.region_id, True),
    Opportunity: (Opportunity.owner_id, None, True),
    Activity: (Activity.rep_id, None, False),
    DailyReport: (DailyReport.rep_id, None, False),
    VisitPlan: (VisitPlan.rep_id, None, False),
    SalesLine: (SalesLine.rep_id, SalesLine.region_id, False),
    User: (User.id, User.region_id, False),
}


def follow_up_owner() -> sa.ColumnElement[Any]:
    """Who makes a visit's planned next visit: the rep it moved to, else who made it."""
    return sa.func.coalesce(Activity.follow_up_rep_id, Activity.rep_id)


def visible_follow_ups(ctx: Context) -> sa.ColumnElement[bool]:
    """The planned visits the actor may see: the rule for visits, applied to who is to
    make the planned one (a rep sees the follow-ups handed to them, not the old visit's
    rep; the visit itself stays under ``visible(ctx, Activity)``)."""
    if ctx.grant.scope is Scope.ALL:
        return sa.true()
    return _owner_rule(ctx.grant, follow_up_owner(), None, False)


def visible(ctx: Context, model: type) -> sa.ColumnElement[bool]:
    """The SQL condition selecting the rows of ``model`` the actor may see."""
    grant = ctx.grant
    if grant.scope is Scope.ALL:
        return sa.true()
    if model is Contact:
        return col(Contact.customer_id).in_(
            sa.select(col(Customer.id)).where(visible(ctx, Customer))
        )
    if model not in _RULES:
        return sa.true()  # reference data (products, regions, channels) is public
    owner_col, region_col, pool_visible = _RULES[model]
    if model is Opportunity:
        region_col = None
    return _owner_rule(grant, owner_col, region_col, pool_visible)


def _owner_rule(
    grant: Grant, owner_col: Any, region_col: Any, pool_visible: bool
) -> sa.ColumnElement[bool]:
    if grant.scope is Scope.REGION:
        if region_col is not None:
            cond = region_col.in_(grant.region_ids) if grant.region_ids else sa.false()
        else:
            in_region = sa.select(col(User.id)).where(col(User.region_id).in_(grant.region_ids))
            cond = sa.or_(owner_col.in_(in_region), owner_col == grant.user_id)
    elif grant.scope is Scope.TEAM:
        cond = owner_col.in_(grant.team_ids)
    else:
        cond = owner_col == grant.user_id
    if pool_visible:
        cond = sa.or_(cond, owner_col.is_(None))
    return cond


def require(ctx: Context, permission: str) -> None:
    """Refuse unless the actor holds ``permission`` (and is not read-only)."""
    require_active(ctx)
    if not ctx.grant.has(permission):
        raise PermissionDenied(_refusal(ctx, permission))


def require_active(ctx: Context) -> None:
    """Refuse everything to a deactivated account (a session may outlive the change)."""
    if not ctx.actor.active:
        raise PermissionDenied(_("Your account has been deactivated; ask an administrator."))


def _refusal(ctx: Context, permission: str) -> str:
    """ "You may not import data. Your role: Sales rep." in the reader's language: what
    the permission allows and the actor's roles by their titles, never codes or logins."""
    spec = ctx.roles.permissions.get(permission)
    what = pick(spec.title_en.lower(), spec.title_zh) if spec else _("do this")
    if not ctx.actor.roles:
        return _("You may not {what}: you have no role yet; ask an administrator.").format(
            what=what
        )
    return plural(
        len(ctx.actor.roles),
        "You may not {what}. Your role: {roles}.",
        "You may not {what}. Your roles: {roles}.",
    ).format(what=what, roles=_role_titles(ctx))


def role_title(registry: RoleRegistry, name: str) -> str:
    """A role as people read it (销售经理, Sales manager), in the reader's language; a
    role no enabled plugin defines any more by its name."""
    spec = registry.roles.get(name)
    return pick(spec.title_en, spec.title_zh) if spec else name


def _role_titles(ctx: Context) -> str:
    """The actor's roles as people read them (业务员, Sales rep), in the reader's language."""
    specs = [ctx.roles.roles.get(name) for name in ctx.actor.roles]
    return listed(
        pick(spec.title_en, spec.title_zh) if spec else name
        for spec, name in zip(specs, ctx.actor.roles, strict=True)
    )


def require_record(ctx: Context, session: Session, model: type, record_id: Any) -> None:
    """Refuse unless the record is within the actor's record rules."""
    pk: sa.Column[Any] = sa.inspect(model).primary_key[0]
    found = session.execute(
        sa.select(sa.literal(1)).select_from(model).where(pk == record_id, visible(ctx, model))
    ).first()
    if found is None:
        noun = record_noun(model)
        raise PermissionDenied(
            _(
                "You may not change this {thing}: it is not yours, your team's or your region's."
            ).format(thing=pick(*noun) if noun else _("record"))
        )
