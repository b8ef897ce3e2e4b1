"""Database maintenance an administrator runs: backups.

A backup holds every row of every user, whatever the record rules, so only a holder of
``database.backup`` (the group admin) may take one, and each is in the audit trail.
"""

from __future__ import annotations

from pathlib import Path

from core import db as dbmod
from core.access import require
from core.context import Context
from core.services.base import UnitOfWork, write


def backup_database(ctx: Context, target: Path) -> Path:
    """Write a consistent copy of the database to ``target`` (see ``core.db.backup``)."""
    require(ctx, "database.backup")
    written = dbmod.backup(ctx.db, target)

    def work(uow: UnitOfWork) -> None:
        name = Path(ctx.db.engine.url.database or "database").name[-64:]  # the key's size
        uow.audit("backup", "database", name, "file", None, str(written))

    write(ctx, work)
    return written
