"""What went wrong, as one sentence a user can act on.

Every ``salesdesk`` command ends a failure the same way: a SalesdeskError's own message,
or for anything else (a database that cannot be opened or written, a server that is
down, a file that cannot be read) a sentence naming what and where; exit code 1. The
traceback goes to the log, which ``-v`` shows.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click

from core.errors import SalesdeskError
from core.i18n import _

log = logging.getLogger("salesdesk.cli")
F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Any failure becomes ``salesdesk: <one sentence>`` and exit code 1, never a
    traceback (that goes to the log; ``-v`` shows it). Click's own usage errors pass."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            fail(exc)

    return wrapper  # type: ignore[return-value]


def fail(exc: BaseException) -> NoReturn:
    """Print ``exc`` as one sentence and exit with code 1."""
    if not isinstance(exc, SalesdeskError):
        log.info("command failed", exc_info=exc)
    current = click.get_current_context(silent=True)
    database = current.find_root().params.get("database") if current else None
    click.echo(f"salesdesk: {explain(exc, database)}", err=True)
    sys.exit(1)


def explain(exc: BaseException, database: str | None = None) -> str:
    """One sentence for ``exc``, in the reader's language; ``database`` names where."""
    if isinstance(exc, SalesdeskError):
        return str(exc)
    where = shown_url(database)
    text = _first_line(exc)
    lowered = text.lower()
    import sqlalchemy as sa

    if isinstance(exc, sa.exc.DBAPIError | sa.exc.OperationalError):
        if "readonly" in lowered or "read-only" in lowered or "read only" in lowered:
            return _(
                "The database {db} is read-only for you, so nothing can be saved in "
                "it: check the permissions of the file and its folder"
            ).format(db=where)
        if "unable to open database file" in lowered or "disk i/o error" in lowered:
            return _(
                "Cannot open the database {db}: check that its folder exists and that "
                "you may write in it"
            ).format(db=where)
        if "database is locked" in lowered:
            return _(
                "The database {db} stayed busy with another writer for too long; "
                "try again in a moment"
            ).format(db=where)
        if "not a database" in lowered:
            return _("{db} is not a salesdesk database file").format(db=where)
        if isinstance(exc, sa.exc.OperationalError) and not where.startswith("sqlite"):
            return _(
                "Cannot reach the database server for {db}: is it running, and are "
                "the address and user right? ({reason})"
            ).format(db=where, reason=text)
        return _("The database {db} refused the operation: {reason}").format(db=where, reason=text)
    if isinstance(exc, OSError):
        path = exc.filename or where
        return _("Cannot use {path}: {reason}").format(path=path, reason=exc.strerror or text)
    return _("salesdesk failed ({kind}: {reason}); run it again with -v to see the details").format(
        kind=type(exc).__name__, reason=text
    )


def shown_url(database: str | None) -> str:
    """The database URL as the user gave it (or the configured one), without password."""
    url = database or os.environ.get("SALESDESK_DATABASE_URL")
    try:
        if not url:
            from core.settings import load_settings

            url = load_settings().database_url
        import sqlalchemy as sa

        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # the URL itself is what is wrong: show it as given
        return str(url or "")


def _first_line(exc: BaseException) -> str:
    orig: Any = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
