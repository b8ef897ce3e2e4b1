"""Company settings and plugin switches, changed by admins through the same audit trail."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.company import DEMO_KEY, OVERRIDES_KEY, PROFILE_KEY, profiles
from core.context import Context
from core.db import Database
from core.errors import FieldProblem, PermissionDenied, ValidationFailed
from core.i18n import _
from core.models import AuditEntry, CompanySetting, Customer, User, utcnow
from core.plugins import FAILURES_KEY
from core.services.base import UnitOfWork, audit_text, write


def set_setting(ctx: Context, key: str, value: Any, permission: str = "settings.manage") -> None:
    if key == DEMO_KEY:
        raise PermissionDenied(_("Only 'salesdesk demo' marks a database as a demo"))

    def work(uow: UnitOfWork) -> None:
        uow.require(permission)
        _store(uow, key, value)

    write(ctx, work)


def mark_demo(ctx: Context) -> None:
    """Mark a new database as a demo (the demo builder does, before seeding it).

    A demo may be thrown away by the next ``salesdesk demo`` and lets ``SALESDESK_USER``
    act as anyone, so a database that already holds work can never become one."""

    def work(uow: UnitOfWork) -> None:
        uow.require("settings.manage")
        users = uow.session.scalar(sa.select(sa.func.count()).select_from(User))
        customers = uow.session.scalar(sa.select(sa.func.count()).select_from(Customer))
        if (users or 0) > 1 or customers:
            raise PermissionDenied(_("Only a new, empty database can become a demo database"))
        _store(uow, DEMO_KEY, True)

    write(ctx, work)


def set_plugin_enabled(ctx: Context, name: str, enabled: bool) -> None:
    """Switch a plugin on or off for the whole company (takes effect on next start)."""
    known = set(ctx.plugins.info)
    if name not in known:
        raise ValidationFailed(
            [FieldProblem("plugin", name, "an installed plugin: " + ", ".join(sorted(known)))],
            "plugins",
        )

    def work(uow: UnitOfWork) -> None:
        uow.require("plugin.manage")
        row = uow.session.get(CompanySetting, OVERRIDES_KEY)
        overrides = dict(row.value or {}) if row else {}
        overrides[name] = enabled
        _store(uow, OVERRIDES_KEY, overrides)

    write(ctx, work)


def set_profile(ctx: Context, profile: str | None) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.require("plugin.manage")
        settings = {row.key: row.value for row in uow.session.query(CompanySetting)}
        if profile is not None and profile not in profiles(settings):
            raise ValidationFailed(
                [
                    FieldProblem(
                        "profile", profile, "one of " + ", ".join(sorted(profiles(settings)))
                    )
                ],
                "plugins",
            )
        _store(uow, PROFILE_KEY, profile)

    write(ctx, work)


def record_plugin_failures(
    db: Database, remember: dict[str, dict[str, str]], forget: set[str]
) -> None:
    """Remember plugins' hook failures (and forget recovered ones) for later runs.

    Bookkeeping by salesdesk itself, not a user's decision: whoever's command saw a plugin
    fail records it, so there is no permission to check; the audit entry names
    ``salesdesk`` as the actor. Two runs saving at once queue on the row lock.
    """
    with db.write_session() as session, session.begin():
        row = session.get(CompanySetting, FAILURES_KEY, with_for_update=True)
        old = dict(row.value or {}) if row is not None else {}
        new = {name: record for name, record in old.items() if name not in forget}
        new.update(remember)
        if new == old:
            return
        if row is None:
            session.add(CompanySetting(key=FAILURES_KEY, value=new))
        else:
            row.value = new
        session.add(
            AuditEntry(
                at=utcnow(),
                actor_id=None,
                actor_login="salesdesk",
                action="create" if row is None else "update",
                entity="company_setting",
                entity_id=FAILURES_KEY,
                field="value",
                old_value=audit_text(old or None),
                new_value=audit_text(new),
            )
        )


def _store(uow: UnitOfWork, key: str, value: Any) -> None:
    row = uow.session.get(CompanySetting, key)
    if row is None:
        row = CompanySetting(key=key, value=value)
        uow.session.add(row)
        uow.audit("create", "company_setting", key, "value", None, value)
    else:
        old = row.value
        row.value = value
        uow.audit("update", "company_setting", key, "value", old, value)
