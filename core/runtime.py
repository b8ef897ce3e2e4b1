"""Open salesdesk: database, company settings, plugins, the acting user.

Used by the CLI, the TUI and tests, so all three start the same way.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

import sqlalchemy as sa

from core import db as dbmod
from core.company import DEMO_KEY, all_settings, plugin_switch
from core.context import Context
from core.errors import SalesdeskError, UnknownUser
from core.models import CompanySetting, User, utcnow
from core.plugins import PluginManager
from core.settings import Settings, load_settings


class SchemaOutOfDate(SalesdeskError):
    def __init__(self, url: str) -> None:
        super().__init__(
            f"The database {url} needs upgrading before use: run 'salesdesk db upgrade' "
            "(or 'salesdesk init' for a new one)"
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
            where = User.id == served if served is not None else User.login == login
            user = session.scalars(sa.select(User).where(where)).first()
        if user is None or not user.active:
            raise UnknownUser(login)
        return Context(self.db, user, self.plugins, utcnow)

    def upgrade(self) -> None:
        dbmod.upgrade(self.db, self.plugins.migration_locations())

    def is_current(self) -> bool:
        return not dbmod.pending_heads(self.db, self.plugins.migration_locations())

    def is_demo(self) -> bool:
        with self.db.read_session() as session:
            row = session.get(CompanySetting, DEMO_KEY)
            return bool(row and row.value)


def os_login() -> str:
    return getpass.getuser()


def current_login(runtime: Runtime | None = None) -> str:
    """The OS user. ``SALESDESK_USER`` may stand in for it only on a demo database, so
    nobody can act as someone else on real data by setting a variable."""
    override = os.environ.get("SALESDESK_USER")
    if override and runtime is not None and runtime.is_demo():
        return override
    return os_login()


def open_runtime(url: str | None = None, *, extra_specs: Iterable[ModuleType] = (),
                 load_plugins: bool = True, require_current: bool = False,
                 engine: sa.Engine | None = None) -> Runtime:
    """Connect, read company settings, load the enabled plugins."""
    settings = load_settings() if url is None else None
    database = dbmod.Database(url or settings.database_url, engine=engine)  # type: ignore[union-attr]
    if database.is_sqlite:
        path = database.engine.url.database
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    stored = _company_settings(database)
    plugins = PluginManager(extra_specs)
    plugins.company_settings = dict(stored)
    if load_plugins:
        plugins.load_installed(plugin_switch(stored))
    runtime = Runtime(database, plugins, settings)
    if require_current and not runtime.is_current():
        raise SchemaOutOfDate(database.describe())
    return runtime


def _company_settings(database: dbmod.Database) -> dict[str, object]:
    if not sa.inspect(database.engine).has_table(CompanySetting.__tablename__):
        return {}
    with database.read_session() as session:
        return all_settings(session)
