"""Open salesdesk: database, company settings, plugins, the acting user.

Used by the CLI, the TUI and tests, so all three start the same way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import col

from core import db as dbmod
from core import identity
from core.company import DEMO_KEY, all_settings, plugin_switch
from core.context import Context
from core.errors import SalesdeskError, UnknownUser
from core.i18n import _
from core.models import CompanySetting, User, utcnow
from core.plugins import PluginManager

if TYPE_CHECKING:  # pydantic-settings (20 ms) is loaded only when no URL is given
    from core.settings import Settings

log = logging.getLogger("salesdesk.runtime")


class SchemaOutOfDate(SalesdeskError):
    def __init__(self, url: str) -> None:
        super().__init__(
            f"The database {url} needs upgrading before use: run 'salesdesk db upgrade' "
            "(or 'salesdesk init' for a new one)"
        )


class PluginOlderThanData(SalesdeskError):
    def __init__(self, plugin: str) -> None:
        super().__init__(
            _(
                "The installed plugin {plugin} is older than its data in this database: install "
                "the version that last upgraded the database (or newer)"
            ).format(plugin=plugin)
        )


class NoUsersYet(SalesdeskError):
    def __init__(self, url: str) -> None:
        super().__init__(
            _(
                "The database {url} has no users yet: run 'salesdesk init' to set it up and "
                "become its group admin"
            ).format(url=url)
        )


class NoDatabase(SalesdeskError):
    def __init__(self, path: str) -> None:
        super().__init__(
            _(
                "There is no salesdesk database at {path}: run 'salesdesk init' to create one, "
                "or name another with --database"
            ).format(path=path)
        )


@dataclass
class Runtime:
    db: dbmod.Database
    plugins: PluginManager
    settings: Settings | None = None

    def context_for(self, login: str | None = None) -> Context:
        """A context acting as ``login`` (default: the operating-system user, or in a
        session process of ``salesdesk serve`` the user its key belongs to)."""
        from core.served import bound_user_id

        served = bound_user_id() if login is None else None
        login = login or ("" if served is not None else current_login(self))
        with self.db.read_session() as session:
            where = col(User.id) == served if served is not None else col(User.login) == login
            user = session.scalars(sa.select(User).where(where)).first()
        if user is None or not user.active:
            raise UnknownUser(login)
        return Context(self.db, user, self.plugins, utcnow)

    def require_known_user(self) -> str:
        """The acting login, refused unless it is an active user here. Reads only the
        login and active columns, so it works on a schema that needs upgrading."""
        if not sa.inspect(self.db.engine).has_table(User.__tablename__):
            raise NoUsersYet(self.db.describe())
        from core.served import bound_user_id

        served = bound_user_id()  # a command run by salesdesk serve acts as the key's user
        login = "" if served is not None else current_login(self)
        where = col(User.id) == served if served is not None else col(User.login) == login
        with self.db.read_session() as session:
            row = session.execute(sa.select(col(User.login), col(User.active)).where(where)).first()
        if row is None or not row.active:
            raise UnknownUser(login)
        return row.login

    def upgrade(self) -> None:
        """Bring the core and every enabled plugin to their newest revision. A switched-off
        plugin's tables stay as they are (with its rows) until it is switched on again."""
        every, pending, _missing = self._schema()
        if pending:
            dbmod.upgrade(self.db, every, sorted(pending))

    def is_current(self) -> bool:
        return not self._schema()[1]

    def missing_plugins(self) -> list[str]:
        """Plugins whose data is in the database but whose code is not installed."""
        return self._schema()[2]

    def _schema(self) -> tuple[list[str], set[str], list[str]]:
        """(every installed plugin's migration folders, the heads the core and the enabled
        plugins still need, the plugins whose data is here but whose code is not)."""
        by_plugin = self.plugins.schema_locations()
        every = [folder for folders in by_plugin.values() for folder in folders]
        enabled = [f for name in self.plugins.loaded_names() for f in by_plugin.get(name, [])]
        pending, stray = dbmod.schema_status(self.db, every, only_in=enabled)
        missing = sorted({_plugin_of(rev) for rev in stray})
        older = [name for name in missing if name in by_plugin]
        if older:
            raise PluginOlderThanData(older[0])
        return every, pending, missing

    def save_plugin_failures(self) -> None:
        """Remember this run's plugin hook failures (and forget recovered ones) in the
        company settings; called when a command is done, outside any transaction. Best
        effort: a database without settings yet (before init) keeps nothing."""
        remember, forget = self.plugins.failure_changes()
        if not remember and not forget:
            return
        from core.services.company import record_plugin_failures

        try:
            record_plugin_failures(self.db, remember, forget)
        except Exception as exc:
            log.info("plugin failures not saved: %s", exc)
            return
        self.plugins.failures_saved()

    def is_demo(self) -> bool:
        with self.db.read_session() as session:
            row = session.get(CompanySetting, DEMO_KEY)
            return bool(row and row.value)


def _plugin_of(revision: str) -> str:
    match = re.match(r"([a-z][a-z0-9_]*?)_\d+", revision)
    return match.group(1) if match else revision


def os_login() -> str:
    """The OS account of the real user id (tests replace this to act as someone)."""
    return identity.os_login()


def current_login(runtime: Runtime | None = None) -> str:
    """The OS user. ``SALESDESK_USER`` may stand in for it only on a demo database, so
    nobody can act as someone else on real data by setting a variable."""
    override = os.environ.get("SALESDESK_USER")
    if override and runtime is not None and runtime.is_demo():
        return override
    return os_login()


def _create_private(path: str) -> None:
    """A new SQLite file is its owner's alone (0600, whatever the umask): it holds every
    row, and ``salesdesk serve`` refuses a file other accounts can read. SQLite gives its
    -wal and -shm files the database file's mode. Where it may not be made, SQLite says
    so next, in the words people are shown for it."""
    with contextlib.suppress(FileExistsError, PermissionError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def open_runtime(
    url: str | None = None,
    *,
    extra_specs: Iterable[ModuleType] = (),
    load_plugins: bool = True,
    require_current: bool = False,
    engine: sa.Engine | None = None,
    create: bool = True,
) -> Runtime:
    """Connect, read company settings, load the enabled plugins.

    ``create=False`` (every command but ``init``): a missing SQLite file is refused
    instead of being created empty, and so is its missing folder."""
    settings: Settings | None = None
    if url is None:
        from core.settings import load_settings

        settings = load_settings()
    _refuse_unknown_scheme(url or settings.database_url)  # type: ignore[union-attr]
    database = dbmod.Database(url or settings.database_url, engine=engine)  # type: ignore[union-attr]
    if database.is_sqlite:
        path = database.engine.url.database
        if path and path != ":memory:":
            if not create and not os.path.isfile(path):
                raise NoDatabase(os.path.abspath(path))
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            _create_private(path)
    stored = _company_settings(database)
    plugins = PluginManager(extra_specs)
    plugins.company_settings = dict(stored)
    if load_plugins:
        plugins.load_installed(plugin_switch(stored))
    runtime = Runtime(database, plugins, settings)
    if require_current and not runtime.is_current():
        raise SchemaOutOfDate(database.describe())
    return runtime


def _refuse_unknown_scheme(url: str) -> None:
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    if scheme not in ("sqlite", "postgresql"):
        raise SalesdeskError(
            _(
                "salesdesk keeps its data in SQLite (sqlite:///file.db) or PostgreSQL "
                "(postgresql://user@host/db), not in '{scheme}': change the database URL"
            ).format(scheme=scheme)
        )


def _company_settings(database: dbmod.Database) -> dict[str, object]:
    if not sa.inspect(database.engine).has_table(CompanySetting.__tablename__):
        return {}
    with database.read_session() as session:
        return all_settings(session)
