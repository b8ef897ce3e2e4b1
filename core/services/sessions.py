"""Sessions of ``salesdesk serve``: the server records logins, refusals and ends; admins
list open sessions and end one (on whichever node runs it).

The ``record_*`` functions are the server's own bookkeeping, written by the system rather
than by a user, so they take the database, not a Context. ``request_end`` is an admin
action: permission-checked and audited like every other write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm
from sqlmodel import col

from core.context import Context
from core.db import Database
from core.errors import NotFound, PermissionDenied
from core.i18n import _
from core.models import ServedSession, User, UserKey, utcnow
from core.served import new_secret
from core.services.base import UnitOfWork, write

# A session whose node has not been heard of for this long is gone (the node died).
STALE_AFTER = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class KeyOwner:
    user_id: int
    login: str
    display_name: str


def key_owner(db: Database, fingerprint: str) -> KeyOwner | None:
    """The active user this key logs in, or None."""
    with db.read_session() as session:
        row = session.execute(
            sa.select(col(User.id), col(User.login), col(User.display_name))
            .join(UserKey, col(UserKey.user_id) == col(User.id))
            .where(col(UserKey.fingerprint) == fingerprint, col(User.active).is_(True))
        ).first()
    if row is None:
        return None
    user_id, login, name = row
    assert user_id is not None  # a stored row's primary key
    return KeyOwner(user_id, login, name)


def record_refused(
    db: Database,
    *,
    reason: str,
    client: str,
    node: str,
    fingerprint: str = "",
    login: str = "",
    user_id: int | None = None,
    command: str = "",
) -> None:
    now = utcnow()
    with db.write_session() as session, session.begin():
        session.add(
            ServedSession(
                user_id=user_id,
                login=login[:64],
                fingerprint=fingerprint,
                client=client[:100],
                node=node[:100],
                kind="refused",
                command=command[:500],
                started_at=now,
                ended_at=now,
                end_reason=reason[:200],
            )
        )


def record_start(
    db: Database,
    owner: KeyOwner,
    *,
    fingerprint: str,
    client: str,
    node: str,
    kind: str,
    command: str = "",
) -> tuple[int, str]:
    """A new open session row, whatever the limits; returns (id, the ticket secret for its
    process). The server uses ``start_within_limits``."""
    secret, digest = new_secret()
    with db.write_session() as session, session.begin():
        return _add_open(
            session,
            owner,
            digest,
            utcnow(),
            fingerprint=fingerprint,
            client=client,
            node=node,
            kind=kind,
            command=command,
        ), secret


def _add_open(
    session: sa.orm.Session,
    owner: KeyOwner,
    digest: str,
    now: dt.datetime,
    *,
    fingerprint: str,
    client: str,
    node: str,
    kind: str,
    command: str,
) -> int:
    row = ServedSession(
        user_id=owner.user_id,
        login=owner.login,
        fingerprint=fingerprint,
        client=client[:100],
        node=node[:100],
        kind=kind,
        command=command[:500],
        started_at=now,
        seen_at=now,
        ticket_hash=digest,
    )
    session.add(row)
    session.execute(
        sa.update(UserKey).where(col(UserKey.fingerprint) == fingerprint).values(last_used_at=now)
    )
    session.flush()
    return int(row.id)  # type: ignore[arg-type]


class SessionLimit(Exception):
    """A new session would pass a limit: ``which`` is "total" or "per_user"."""

    def __init__(self, which: str, limit: int) -> None:
        super().__init__(which)
        self.which, self.limit = which, limit


def start_within_limits(
    db: Database,
    owner: KeyOwner,
    *,
    max_total: int,
    max_per_user: int,
    fingerprint: str,
    client: str,
    node: str,
    kind: str,
    command: str = "",
) -> tuple[int, str]:
    """``record_start`` unless the limits are reached (raises ``SessionLimit``), counted and
    registered in one transaction that holds the server-wide lock: two logins at once (on
    one node or two) cannot both take the last place."""
    secret, digest = new_secret()
    now = utcnow()
    with db.write_session() as session, session.begin():
        # SQLite's write transactions start with BEGIN IMMEDIATE (one writer at a time);
        # PostgreSQL needs the lock said, else both would count before either inserts.
        if session.get_bind().dialect.name == "postgresql":
            session.execute(
                sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": "salesdesk-serve-session-limits"},
            )
        total, mine = _open_counts(session, owner.user_id)
        if total >= max_total:
            raise SessionLimit("total", max_total)
        if mine >= max_per_user:
            raise SessionLimit("per_user", max_per_user)
        return _add_open(
            session,
            owner,
            digest,
            now,
            fingerprint=fingerprint,
            client=client,
            node=node,
            kind=kind,
            command=command,
        ), secret


def record_end(db: Database, session_id: int, reason: str) -> None:
    with db.write_session() as session, session.begin():
        session.execute(
            sa.update(ServedSession)
            .where(col(ServedSession.id) == session_id, col(ServedSession.ended_at).is_(None))
            .values(ended_at=utcnow(), end_reason=reason[:200], ticket_hash="")
        )


def open_counts(db: Database, user_id: int) -> tuple[int, int]:
    """(open sessions in total, open sessions of ``user_id``) over every live node."""
    with db.read_session() as session:
        return _open_counts(session, user_id)


def _open_counts(session: sa.orm.Session, user_id: int) -> tuple[int, int]:
    live = sa.and_(
        col(ServedSession.ended_at).is_(None),
        col(ServedSession.kind) != "refused",
        col(ServedSession.seen_at) >= utcnow() - STALE_AFTER,
    )
    total = session.scalar(sa.select(sa.func.count()).where(live)) or 0
    mine = (
        session.scalar(
            sa.select(sa.func.count()).where(live, col(ServedSession.user_id) == user_id)
        )
        or 0
    )
    return int(total), int(mine)


def to_end(db: Database, node: str, session_ids: list[int]) -> dict[int, Ending]:
    """Heartbeat the node's open sessions; those that must end now, with why: an admin
    asked, the user was deactivated, or the key they logged in with was removed."""
    if not session_ids:
        return {}
    now = utcnow()
    with db.write_session() as session, session.begin():
        session.execute(
            sa.update(ServedSession)
            .where(col(ServedSession.id).in_(session_ids))
            .values(seen_at=now)
        )
        key_exists = sa.exists().where(
            col(UserKey.fingerprint) == col(ServedSession.fingerprint),
            col(UserKey.user_id) == col(ServedSession.user_id),
        )
        rows = session.execute(
            sa.select(
                col(ServedSession.id),
                col(ServedSession.end_requested_at),
                col(ServedSession.end_requested_by),
                col(ServedSession.ended_at),
                col(User.active),
                key_exists.label("key"),
            )
            .outerjoin(User, col(User.id) == col(ServedSession.user_id))
            .where(col(ServedSession.id).in_(session_ids))
        ).all()
        names = _names(session, {row[2] for row in rows if row[2]})
    ending: dict[int, Ending] = {}
    for sid, requested, by, ended, active, key in rows:
        assert sid is not None  # a stored row's primary key
        if requested is not None or ended is not None:
            ending[sid] = Ending("ended", names.get(by or "", ""))
        elif not active:
            ending[sid] = Ending("deactivated")
        elif not key:
            ending[sid] = Ending("key removed")
    return ending


def _names(session: sa.orm.Session, logins: set[str]) -> dict[str, str]:
    """The people who asked for an end, by name: the ended user reads who, not a login."""
    if not logins:
        return {}
    rows = session.execute(
        sa.select(col(User.login), col(User.display_name)).where(col(User.login).in_(logins))
    ).all()
    return {login: name or login for login, name in rows}


# Why a session ends, as its user reads it (the server speaks the session's language,
# which is not the process's): English (also kept in the history), Chinese.
_ENDINGS = {
    "ended": ("ended by {by}", "已被{by}结束"),
    "ended_unnamed": ("ended by an administrator", "已被管理员结束"),
    "deactivated": ("user deactivated", "账号已停用"),
    "key removed": ("key removed", "登录密钥已删除"),
}


@dataclass(frozen=True)
class Ending:
    """Why the server ends a session now: ``why`` is "ended" (an administrator asked;
    ``by`` is their name), "deactivated" or "key removed"."""

    why: str
    by: str = ""

    def words(self, lang: str = "en") -> str:
        key = "ended_unnamed" if self.why == "ended" and not self.by else self.why
        english, chinese = _ENDINGS[key]
        return (chinese if lang == "zh_CN" else english).format(by=self.by)

    def __str__(self) -> str:
        return self.words()


@dataclass(frozen=True)
class SessionInfo:
    id: int
    login: str
    fingerprint: str
    client: str
    node: str
    kind: str
    command: str
    started_at: dt.datetime
    seen_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str


def _info(row: ServedSession) -> SessionInfo:
    return SessionInfo(
        int(row.id or 0),
        row.login,
        row.fingerprint,
        row.client,
        row.node,
        row.kind,
        row.command,
        row.started_at,
        row.seen_at,
        row.ended_at,
        row.end_reason,
    )


def _scope(ctx: Context) -> sa.ColumnElement[bool]:
    """Which sessions the actor may see and end: all for a company-wide user admin; for a
    regional admin, those of users in their region and below (no refused attempts)."""
    if ctx.grant.has("user.manage"):
        return sa.true()
    if ctx.grant.has("user.manage_region"):
        in_region = sa.select(col(User.id)).where(col(User.region_id).in_(ctx.grant.region_ids))
        return col(ServedSession.user_id).in_(in_region)
    raise PermissionDenied(_("You may not see or end other people's sessions."))


def list_open(ctx: Context) -> list[SessionInfo]:
    """Open sessions on every live node (admins; a regional admin: their region's)."""
    scope = _scope(ctx)
    fresh = utcnow() - STALE_AFTER
    with ctx.reading() as session:
        rows = session.scalars(
            sa.select(ServedSession)
            .where(
                scope,
                col(ServedSession.ended_at).is_(None),
                col(ServedSession.kind) != "refused",
                col(ServedSession.seen_at) >= fresh,
            )
            .order_by(col(ServedSession.started_at))
        ).all()
    return [_info(r) for r in rows]


def history(ctx: Context, limit: int = 50) -> list[SessionInfo]:
    """The latest logins and refused attempts, newest first (admins; a regional admin:
    their region's logins)."""
    scope = _scope(ctx)
    with ctx.reading() as session:
        rows = session.scalars(
            sa.select(ServedSession)
            .where(scope)
            .order_by(col(ServedSession.started_at).desc(), col(ServedSession.id).desc())
            .limit(limit)
        ).all()
    return [_info(r) for r in rows]


def request_end(ctx: Context, session_id: int) -> int:
    """Ask the node running the session to end it (it does within seconds)."""
    scope = _scope(ctx)

    def work(uow: UnitOfWork) -> int:
        row = uow.session.scalars(
            sa.select(ServedSession).where(col(ServedSession.id) == session_id, scope)
        ).first()
        if row is None or row.ended_at is not None or row.kind == "refused":
            # a session outside the actor's scope reads as absent: nothing to learn from it
            raise NotFound(_("There is no open session {id}.").format(id=session_id))
        row.end_requested_at = ctx.now()
        row.end_requested_by = ctx.actor.login
        uow.audit("end-session", "served_session", session_id, "login", row.login, None)
        return session_id

    return write(ctx, work)
