"""Engines, sessions and migrations.

SQLite is the default (one file, WAL, foreign keys, a busy timeout); PostgreSQL is used
when the URL says so. Write transactions on SQLite start with ``BEGIN IMMEDIATE`` so two
writers queue on the busy timeout instead of failing when a reader tries to upgrade its
lock (the classic "database is locked" trap).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable
from contextlib import closing
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from core import models  # noqa: F401  (tables must be imported before migrations run)
from core.errors import SalesdeskError
from core.i18n import _

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 60_000
WRITE_OPTION = "salesdesk_write"
# Set (by ``core.services.import_writes.trusted_foreign_keys``) around a SQLite write whose
# every id was looked up in its own transaction: its BEGIN switches foreign keys off, and
# the connection gets them back when it returns to the pool. Listeners are registered
# with the engine, never later: adding one while other threads dispatch events races.
SKIP_FK_CHECKS: ContextVar[bool] = ContextVar("salesdesk_skip_fk_checks", default=False)
_FK_OFF = "salesdesk_foreign_keys_off"


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url if isinstance(engine_or_url, str) else str(engine_or_url.url)
    return url.startswith("sqlite")


def make_engine(url: str, **kw: Any) -> Engine:
    """Create an engine with the settings salesdesk relies on for the given backend."""
    if is_sqlite(url):
        if url.endswith(":memory:") or url in ("sqlite://", "sqlite:///"):
            kw.setdefault("poolclass", sa.pool.StaticPool)
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            **kw,
        )
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return sa.create_engine(url, pool_pre_ping=True, **kw)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Take over transaction control from the driver so BEGIN is ours to choose.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        if immediate and SKIP_FK_CHECKS.get():
            # The pragma is a no-op inside a transaction: set it just before BEGIN.
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
            conn.connection.info[_FK_OFF] = True
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn: sqlite3.Connection, record: Any) -> None:
        if record is not None and record.info.pop(_FK_OFF, False):
            dbapi_conn.execute("PRAGMA foreign_keys = ON")  # rolled back already: applies


class Database:
    """One database: the engine plus factories for read and write sessions."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        write_bind = self.engine.execution_options(**{WRITE_OPTION: True})
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(write_bind, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    def read_session(self) -> Session:
        return self._read()

    def write_session(self) -> Session:
        return self._write()

    def describe(self) -> str:
        """The URL without a password, for headers and logs."""
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


# ---------------------------------------------------------------------------------------
# Migrations
# ---------------------------------------------------------------------------------------


def _version_locations(extra_locations: Iterable[str]) -> list[str]:
    return [str(MIGRATIONS_DIR / "versions"), *extra_locations]


def alembic_config(db: Database, extra_locations: Iterable[str] = ()) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_locations", " ".join(_version_locations(extra_locations)))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["engine"] = db.engine
    return cfg


def upgrade(
    db: Database, extra_locations: Iterable[str] = (), target: str | Iterable[str] = "heads"
) -> None:
    """Bring the schema to ``target`` (every branch head by default, or each of several
    heads in turn), keeping all rows."""
    from alembic import command

    cfg = alembic_config(db, extra_locations)
    for each in [target] if isinstance(target, str) else list(target):
        command.upgrade(cfg, each)


def downgrade(db: Database, target: str, extra_locations: Iterable[str] = ()) -> None:
    from alembic import command

    command.downgrade(alembic_config(db, extra_locations), target)


def current_revisions(db: Database) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


class SchemaTooNew(SalesdeskError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "This database was last upgraded by a newer salesdesk than this one: install "
                "that version (or newer) to open it, or restore a backup made with this one"
            )
        )


def stray_revisions(script: Any, applied: Iterable[str]) -> set[str]:
    """Applied revisions that no installed migration folder knows: those of a plugin whose
    code is gone. They are left in the database (its tables and rows too), so reinstalling
    the plugin takes up where it was. Raises :class:`SchemaTooNew` when the core's own
    revision is unknown: upgrading around it would rebuild the core's tables."""
    from alembic.util import CommandError

    stray: set[str] = set()
    known: set[str] = set()
    for rev in applied:
        try:
            script.get_revision(rev)
        except CommandError:
            stray.add(rev)
        else:
            known.add(rev)
    if stray:
        core = {r.revision for r in script.iterate_revisions("core@head", "base")}
        if not known & core:
            raise SchemaTooNew()
    return stray


_SCRIPTS: dict[tuple[Any, ...], Any] = {}
_SCRIPTS_KEPT = 8


def _scripts(cfg: Any, folders: list[str]) -> Any:
    """The migration scripts of ``cfg``'s folders, read again only when a file in them is
    added, removed or changed (its size or time, as Python's own bytecode cache checks).
    Reading them runs every revision file: a fifth of an ``open_runtime``, paid by every
    command and by every test's runtime."""
    from alembic.script import ScriptDirectory

    key = tuple((folder, _revision_files(folder)) for folder in folders)
    script = _SCRIPTS.get(key)
    if script is None:
        script = ScriptDirectory.from_config(cfg)
        while len(_SCRIPTS) >= _SCRIPTS_KEPT:  # other folders: plugins come and go
            del _SCRIPTS[next(iter(_SCRIPTS))]
        _SCRIPTS[key] = script
    return script


def _revision_files(folder: str) -> tuple[tuple[str, int, int], ...]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return ()
    stats = [(e.name, e.stat()) for e in entries if e.name.endswith(".py")]
    return tuple(sorted((name, st.st_mtime_ns, st.st_size) for name, st in stats))


def pending_heads(
    db: Database, extra_locations: Iterable[str] = (), only_in: Iterable[str] | None = None
) -> set[str]:
    """Heads in the scripts that the database has not reached; with ``only_in``, only the
    heads whose revision file is in one of those folders (the enabled plugins' and the
    core's: a switched-off plugin's branch is neither needed nor upgraded)."""
    return schema_status(db, extra_locations, only_in)[0]


def schema_status(
    db: Database, extra_locations: Iterable[str] = (), only_in: Iterable[str] | None = None
) -> tuple[set[str], set[str]]:
    """(pending heads as :func:`pending_heads` says, stray revisions)."""
    extra_locations = list(extra_locations)
    script = _scripts(alembic_config(db, extra_locations), _version_locations(extra_locations))
    applied = current_revisions(db)
    stray = stray_revisions(script, applied)
    reached: set[str] = set()
    for rev in applied - stray:
        reached.update(r.revision for r in script.iterate_revisions(rev, "base"))
    heads = {h for h in script.get_heads() if h not in reached}
    if only_in is not None:
        folders = {
            Path(folder).resolve() for folder in [str(MIGRATIONS_DIR / "versions"), *only_in]
        }
        heads = {h for h in heads if Path(script.get_revision(h).path).resolve().parent in folders}
    return heads, stray


# ---------------------------------------------------------------------------------------
# Backup
# ---------------------------------------------------------------------------------------


class BackupFailed(SalesdeskError):
    """The copy could not be written; no file is left under the target's name."""


def backup(db: Database, target: Path) -> Path:
    """Write a consistent copy while others keep working; return the target.

    SQLite: the online backup API copies the whole file in one step under one read
    snapshot; in WAL mode writers carry on meanwhile. (Copying in chunks would restart
    after every concurrent write and may never finish on a busy database.)
    PostgreSQL: ``pg_dump`` (custom format) does the same from a snapshot.
    The copy holds every row, so it is readable by its owner only (0600), and it is
    written under a temporary name and renamed when complete: a copy cut short (killed,
    disk full) never looks like a finished, merely empty, backup.
    """
    target = Path(target)
    if db.is_sqlite and db.engine.url.database in (None, "", ":memory:"):
        raise BackupFailed(_("An in-memory database cannot be backed up"))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".partial"
        )  # mode 0600
        os.close(fd)
    except OSError as exc:
        raise BackupFailed(
            _("The backup could not be written to {path}: {reason}").format(
                path=target, reason=exc.strerror or exc
            )
        ) from exc
    partial = Path(name)
    try:
        if db.is_sqlite:
            _copy_sqlite(str(db.engine.url.database), partial)
        else:
            _pg_dump(db, partial)
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    except BaseException as exc:
        for leftover in (partial, Path(f"{partial}-journal")):
            leftover.unlink(missing_ok=True)
        if isinstance(exc, OSError | sqlite3.Error):
            raise BackupFailed(
                _("The backup of {db} to {path} failed: {reason}").format(
                    db=db.describe(), path=target, reason=getattr(exc, "strerror", None) or exc
                )
            ) from exc
        raise
    return target


def _copy_sqlite(source: str, partial: Path) -> None:
    with (
        closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)) as src,
        closing(sqlite3.connect(partial)) as dst,
    ):
        src.backup(dst, pages=-1)


def _pg_dump(db: Database, partial: Path) -> None:
    """``pg_dump`` with the password in its environment, never on its command line
    (where ``ps`` shows it to every user of the machine)."""
    pg_dump = shutil.which("pg_dump")
    if not pg_dump:
        raise BackupFailed(
            _(
                "Backing up PostgreSQL needs the pg_dump program, which is "
                "not installed on this machine"
            )
        )
    url = db.engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    safe = url._replace(password=None).render_as_string(hide_password=False)
    done = subprocess.run(
        [pg_dump, "--format=custom", f"--file={partial}", safe],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        reason = (done.stderr or "").strip().splitlines()
        raise BackupFailed(
            _("The backup of {db} failed: {reason}").format(
                db=db.describe(), reason=reason[-1] if reason else f"exit {done.returncode}"
            )
        )
