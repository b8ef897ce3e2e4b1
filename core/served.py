"""Served identity: who a session process started by ``salesdesk serve`` acts as.

The SSH server authenticates a key, writes a ``served_session`` row holding the SHA-256 of
a random secret, and starts the session process itself, handing it the session id and the
secret on an inherited pipe (never in its arguments or environment, which other local
users can read in /proc). The process redeems the ticket once (``redeem``): the row must
exist, be unclaimed, unended and under ten minutes old, and the secret must match. Only
then does it call ``bind``, and from then on ``Runtime.context_for()`` acts as that user.

Forging a ticket therefore needs write access to the database, which only the server's
account has (``salesdesk serve`` refuses a SQLite file others can open). The ordinary
``salesdesk`` command never reads a ticket; this module is reached only from
``tui.serve.session``, the entry point the server launches.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.db import Database
from core.errors import SalesdeskError
from core.models import ServedSession, User, utcnow

# Generous: under a burst of logins a session process may take a while to import and
# reach the database; the secret is single-use and never leaves the pipe anyway.
TICKET_TTL = dt.timedelta(minutes=10)
_bound_user_id: int | None = None


class BadTicket(SalesdeskError):
    def __init__(self) -> None:
        from core.i18n import _

        super().__init__(_("This session was not started by the salesdesk server."))


@dataclass(frozen=True)
class Ticket:
    session_id: int
    secret: str
    database_url: str
    command: list[str] | None = None  # None: the app; else the CLI words to run

    def dumps(self) -> bytes:
        return json.dumps(
            {
                "session": self.session_id,
                "secret": self.secret,
                "database": self.database_url,
                "command": self.command,
            }
        ).encode()

    @classmethod
    def loads(cls, raw: bytes) -> Ticket:
        data = json.loads(raw)
        return cls(
            int(data["session"]), str(data["secret"]), str(data["database"]), data.get("command")
        )


def new_secret() -> tuple[str, str]:
    """(secret, its hash for the session row)."""
    secret = secrets.token_hex(32)
    return secret, hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def read_ticket(fd: int) -> Ticket:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    try:
        return Ticket.loads(b"".join(chunks))
    except (ValueError, KeyError, TypeError) as exc:
        raise BadTicket() from exc


def _locked_session_row(session: Session, session_id: int) -> ServedSession | None:
    """The served session's row, locked until the transaction ends (redeem and reissue
    must not both act on one ticket)."""
    return session.scalars(
        sa.select(ServedSession).where(col(ServedSession.id) == session_id).with_for_update()
    ).first()


def redeem(db: Database, ticket: Ticket, pid: int) -> User:
    """Claim the session row once; the user it was opened for, if still active."""
    now = utcnow()
    with db.write_session() as session, session.begin():
        row = _locked_session_row(session, ticket.session_id)
        if (
            row is None
            or not row.ticket_hash
            or row.claimed_at is not None
            or row.ended_at is not None
            or row.user_id is None
            or not hmac.compare_digest(row.ticket_hash, hash_secret(ticket.secret))
            or now - _aware(row.started_at) > TICKET_TTL
        ):
            raise BadTicket()
        row.claimed_at, row.pid, row.ticket_hash = now, pid, ""
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            raise BadTicket()
        session.expunge(user)
    return user


def reissue(db: Database, ticket: Ticket) -> Ticket | int | None:
    """The server handed ``ticket`` to a process that may or may not exist (the zygote
    died just after forking, before telling its pid), and must start the session another
    way. Unredeemed: a new secret for the session, so the lost process can no longer
    redeem it and the session starts once (the new ticket). Redeemed already: that
    process is the session, its pid. None: the session ended meanwhile."""
    secret, digest = new_secret()
    with db.write_session() as session, session.begin():
        row = _locked_session_row(session, ticket.session_id)
        if row is None or row.ended_at is not None:
            return None
        if row.claimed_at is not None:
            return row.pid or None
        row.ticket_hash = digest
    return dataclasses.replace(ticket, secret=secret)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def bind(user: User) -> None:
    global _bound_user_id
    _bound_user_id = user.id


def is_served() -> bool:
    """True in a session process of ``salesdesk serve`` (after its ticket was redeemed)."""
    return _bound_user_id is not None


def bound_user_id() -> int | None:
    """The user a redeemed ticket made this process act as; None in a local process."""
    return _bound_user_id


# -- files of a served session ----------------------------------------------------------
#
# A served user must not read or write the server's files, yet should be able to import a
# workbook and export a report. Every file a screen (core or plugin) asks for goes through
# ``user_path``: locally it is the path as typed; in a served session it is a file in that
# user's own folder on the server, ``<data dir>/served-files/<user id>``, which the user
# fills and empties over SSH (``files put NAME < file``, ``files get NAME > file``).

FILES_FOLDER = "served-files"


class OutsideYourFolder(SalesdeskError):
    def __init__(self, typed: str) -> None:
        from core.i18n import _

        super().__init__(
            _(
                "Over SSH your files are kept in your own folder on the server: give just a "
                "file name, not '{typed}' (list them with: ssh SERVER files list)."
            ).format(typed=typed[:60])
        )


def user_folder(user_id: int | None = None) -> Path:
    """The served user's own folder (made on first use, private to the server's account)."""
    from core.settings import data_dir

    uid = user_id if user_id is not None else _bound_user_id
    if uid is None:
        raise BadTicket()
    folder = data_dir() / FILES_FOLDER / str(int(uid))
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def user_path(typed: str | Path) -> Path:
    """The file a person means by ``typed``. Locally the path as typed (``~`` expanded);
    in a served session a file inside their own folder: a name or a relative path inside
    it, never an absolute path elsewhere, ``..`` out of it, or a link leading out."""
    if not is_served():
        return Path(typed).expanduser()
    folder = user_folder().resolve()
    path = (folder / Path(typed)).resolve()  # an absolute path replaces the folder
    if str(typed).startswith("~") or path == folder or not path.is_relative_to(folder):
        raise OutsideYourFolder(str(typed))
    return path


def shown_path(path: Path) -> str:
    """How to show a file's path: in a served session its name in the user's folder (the
    server's layout is none of the client's business)."""
    if is_served():
        with contextlib.suppress(ValueError):
            return str(path.resolve().relative_to(user_folder().resolve()))
    return str(path)


def suggested_path(name: str) -> str:
    """Where a new file goes unless the person says otherwise."""
    return name if is_served() else str(Path.home() / name)
