"""The one write without an actor: the first group admin of a new database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from core.errors import SalesdeskError
from core.i18n import _
from core.models import AuditEntry, User, utcnow
from core.runtime import Runtime


def create_first_admin(runtime: Runtime, login: str, display_name: str) -> User:
    """Make ``login`` the group admin of a database that has no users yet."""
    with runtime.db.write_session() as session, session.begin():
        if session.scalar(sa.select(sa.func.count()).select_from(User)):
            existing = session.scalars(sa.select(User).where(col(User.login) == login)).first()
            if existing is not None and "group_admin" in existing.roles:
                return existing
            # the login here is the reader's own, which the administrator's command needs
            raise SalesdeskError(
                _(
                    "This database already has users; ask a group administrator to add you "
                    "(salesdesk users add {login} ...)."
                ).format(login=login)
            )
        user = User(login=login, display_name=display_name, roles=["group_admin"])
        session.add(user)
        session.flush()
        session.add(
            AuditEntry(
                at=utcnow(),
                actor_id=user.id,
                actor_login=login,
                action="init",
                entity="sd_user",
                entity_id=str(user.id),
                field="roles",
                new_value="group_admin",
            )
        )
    return user
