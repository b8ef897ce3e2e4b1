"""User administration: add, change roles, deactivate.

A group admin manages everyone; a regional admin manages the users of their own region
(and below). A grant never exceeds the granter's own scope: a regional admin places users
only inside their region subtree and grants only roles whose record scope stays inside it
(own, team or region: ``sales_rep``, ``sales_manager``, region-scoped plugin roles), never
a company-wide role (``finance``, ``business_operator``, ``executive``, ...) and never an
administrator role, all of which they could not hold within their region themselves.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from core.access import Scope, role_title, visible
from core.context import Context
from core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed, field_title
from core.i18n import _, bracketed, listed
from core.models import Region, User
from core.schemas import UserCreate, UserUpdate
from core.services.base import UnitOfWork, validate, write

ADMIN_ROLES = {"group_admin", "regional_admin"}


def find_user(ctx: Context, login: str) -> User:
    with ctx.reading() as session:
        user = session.scalars(sa.select(User).where(col(User.login) == login)).first()
    if user is None:
        raise NotFound(_("No user signs in as {login}; check the spelling.").format(login=login))
    return user


def list_users(ctx: Context, include_inactive: bool = False) -> list[User]:
    """Users the actor may see: a rep sees themself, a manager the team, and so on."""
    query = sa.select(User).where(visible(ctx, User)).order_by(User.login)
    if not include_inactive:
        query = query.where(col(User.active).is_(True))
    with ctx.reading() as session:
        return list(session.scalars(query))


def add_user(ctx: Context, data: UserCreate | dict[str, Any]) -> User:
    values = validate(UserCreate, data, "user")

    def work(uow: UnitOfWork) -> User:
        _check_roles(uow, values.roles)
        _require_manage(uow, values.region_id, values.roles)
        if uow.session.scalar(sa.select(col(User.id)).where(User.login == values.login)):
            raise ValidationFailed(
                [FieldProblem("login", values.login, "a login no salesdesk user has already")],
                "user",
            )
        _check_refs(uow, values.region_id, values.manager_id)
        user = User(**values.model_dump(), created_at=ctx.now())
        uow.session.add(user)
        uow.audit_created(user)
        return user

    return write(ctx, work)


def set_roles(
    ctx: Context, login: str, roles: list[str], expected_version: int | None = None
) -> User:
    def work(uow: UnitOfWork) -> User:
        user = _by_login(uow, login)
        _check_roles(uow, roles)
        # The roles taken away count too: a regional admin may not demote a fellow admin.
        _require_manage(uow, user.region_id, [*user.roles, *roles])
        if not roles:
            raise ValidationFailed([FieldProblem("roles", "", "at least one role")], "user")
        uow.check_version(user, expected_version)
        uow.apply_changes(user, {"roles": list(roles)}, action="set-role")
        return user

    return write(ctx, work)


def update_user(
    ctx: Context, login: str, changes: dict[str, Any], expected_version: int | None = None
) -> User:
    allowed = {"display_name", "region_id", "manager_id", "email"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(
            [
                FieldProblem(
                    k,
                    changes[k],
                    "one of the fields {names}",
                    args={"names": listed(field_title(name) for name in sorted(allowed))},
                )
                for k in sorted(unknown)
            ],
            "user",
        )
    changes = validate(UserUpdate, changes, "user").model_dump(exclude_unset=True)

    def work(uow: UnitOfWork) -> User:
        user = _by_login(uow, login)
        _require_manage(uow, user.region_id, list(user.roles))
        if "region_id" in changes:
            _require_manage(uow, changes["region_id"], [])
        # a user kept in a since-deactivated region (or under a deactivated manager)
        # stays; only a move there is refused
        _check_refs(
            uow,
            *(
                changes.get(k) if changes.get(k) != getattr(user, k) else None
                for k in ("region_id", "manager_id")
            ),
        )
        uow.check_version(user, expected_version)
        uow.apply_changes(user, changes)
        return user

    return write(ctx, work)


def deactivate(ctx: Context, login: str) -> User:
    def work(uow: UnitOfWork) -> User:
        user = _by_login(uow, login)
        _require_manage(uow, user.region_id, list(user.roles))
        if user.id == ctx.actor.id:
            raise PermissionDenied(_("You cannot deactivate your own account."))
        uow.apply_changes(user, {"active": False}, action="deactivate")
        return user

    return write(ctx, work)


def _by_login(uow: UnitOfWork, login: str) -> User:
    user = uow.session.scalars(sa.select(User).where(col(User.login) == login)).first()
    if user is None:
        raise NotFound(_("No user signs in as {login}; check the spelling.").format(login=login))
    return user


def _require_manage(uow: UnitOfWork, region_id: int | None, roles: list[str]) -> None:
    grant = uow.ctx.grant
    if grant.has("user.manage"):
        return
    uow.require("user.manage_region")
    if region_id is None or region_id not in grant.region_ids:
        raise PermissionDenied(_("You may manage only the users of your own region."))
    escalation = sorted(r for r in set(roles) if not _within_region(uow, r))
    if escalation:
        granted = listed(role_title(uow.ctx.roles, r) for r in escalation)
        raise PermissionDenied(
            _(
                "You may not grant {roles}: a regional administrator grants only roles "
                "limited to their own region; ask a group administrator."
            ).format(roles=granted)
        )


def _within_region(uow: UnitOfWork, role_name: str) -> bool:
    """Whether a regional admin may grant ``role_name``: not an admin role (nor one that
    manages users), and its record scope no wider than a region."""
    spec = uow.ctx.roles.roles.get(role_name)
    if spec is None or role_name in ADMIN_ROLES:
        return False
    manages = {"user.manage", "user.manage_region"} & spec.permissions
    return not manages and spec.scope <= Scope.REGION


def _check_roles(uow: UnitOfWork, roles: list[str]) -> None:
    known = uow.ctx.roles.roles
    bad = [r for r in roles if r not in known]
    if bad:  # the names typed on the CLI (users add --role), each with its title
        titles = listed(bracketed(name, role_title(uow.ctx.roles, name)) for name in sorted(known))
        raise ValidationFailed(
            [FieldProblem("roles", r, "one of {values}", args={"values": titles}) for r in bad],
            "user",
        )


def _check_refs(uow: UnitOfWork, region_id: int | None, manager_id: int | None) -> None:
    problems = []
    region = uow.session.get(Region, region_id) if region_id is not None else None
    manager = uow.session.get(User, manager_id) if manager_id is not None else None
    if region_id is not None and region is None:
        problems.append(FieldProblem("region_id", region_id, "an existing region"))
    elif region is not None and not region.active:  # deactivated: takes nobody new
        problems.append(
            FieldProblem(
                "region_id",
                region.code,
                _("an active region: {code} is deactivated").format(code=region.code),
            )
        )
    if manager_id is not None and manager is None:
        problems.append(FieldProblem("manager_id", manager_id, "an existing user"))
    elif manager is not None and not manager.active:
        problems.append(
            FieldProblem(
                "manager_id",
                manager.display_name or manager.login,
                "an active user: {name} has been deactivated",
                args={"name": manager.display_name or manager.login},
            )
        )
    if problems:
        raise ValidationFailed(problems, "user")
