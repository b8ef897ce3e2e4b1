"""salesdesk's pytest plugin: fixtures for testing a salesdesk plugin against a real database.

Installed with salesdesk (a ``pytest11`` entry point named after this module), so a plugin
author's tests use the fixtures without a conftest; ``-p no:core.testing.pytest_plugin``
switches it off. Every fixture name starts with ``salesdesk_``:

``salesdesk_backend``
    ``"sqlite"``, and also ``"postgres"`` when ``SALESDESK_TEST_PG_URL`` names a server
    (e.g. ``postgresql://postgres@127.0.0.1/postgres``): tests using a database run on each.
    ``@pytest.mark.salesdesk_sqlite_only`` runs a test on SQLite alone (a test may also
    parametrize ``salesdesk_backend`` itself, ``indirect=True``).
``salesdesk_db_url``
    A fresh database at the newest schema of the core and every installed plugin; a copy
    of a template migrated once per session (a throwaway PostgreSQL database, dropped).
``salesdesk_runtime``
    ``open_runtime`` on it: every installed plugin loaded (yours, and the built-in
    exporters: xlsx, csv, html, pdf), with salesdesk's home and settings in a temporary
    folder so the machine's own are never read.
``salesdesk_hookspecs``
    Hook specification modules the runtime adds (none); override it in a conftest to
    load more, e.g. ``[tui.hookspecs]`` for tests that open your plugin's screens.
``salesdesk_clock``
    A clock standing at Monday 2026-03-16 09:30 UTC until a test moves it.
``salesdesk_world``
    A :class:`core.testing.world.World` with a group admin: factories for regions, users,
    customers, products, channels and sales lines (``world.sales_lines([...])`` refreshes
    the summaries the reports read; ``world.insert(row)`` adds any other row).
``salesdesk_users``
    :class:`core.testing.world.Staff`: contexts of one user per role (admin, regional
    admin, manager, rep and a rep of another region, operator, finance, executive).
``salesdesk_exporters``
    The exporters the runtime knows, by id.
``salesdesk_empty_db_url``
    A fresh database without any table (for migration tests).
``salesdesk_contract``
    ``salesdesk_contract("acme", tests=[folder])``: the problems the plugin contract
    (:mod:`core.testing.contract`) finds in the installed plugin, on this backend.
``salesdesk_run``
    A :class:`Runner`: ``report(id, ctx=None, **params)``, ``export(result, "xlsx",
    path)`` and ``cli("report", "list", user="admin")``.

The factories insert rows directly (they set up a test; they are not under test): write
what your test checks through your services, with a context from ``salesdesk_users``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa

from core.testing.world import FixedClock, Staff, World, make_world

PG_ENV = "SALESDESK_TEST_PG_URL"


def _backends() -> list[str]:
    return ["sqlite", "postgres"] if os.environ.get(PG_ENV) else ["sqlite"]


SQLITE_ONLY_MARK = "salesdesk_sqlite_only"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{SQLITE_ONLY_MARK}: run this test on SQLite only (a screen, not the SQL, is under test)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that uses a salesdesk database on each available backend (a
    PostgreSQL run carries the ``postgres`` mark where the project declares one)."""
    if "salesdesk_backend" not in metafunc.fixturenames:
        return
    if any(
        "salesdesk_backend" in _argnames(mark)
        for mark in metafunc.definition.iter_markers("parametrize")
    ):
        return  # the test names its backend itself (e.g. ["sqlite"] for a screen test)
    declared = any(
        line.split(":")[0].strip() == "postgres" for line in metafunc.config.getini("markers")
    )
    backends = (
        ["sqlite"] if metafunc.definition.get_closest_marker(SQLITE_ONLY_MARK) else _backends()
    )
    params = [
        pytest.param(b, marks=pytest.mark.postgres) if b == "postgres" and declared else b
        for b in backends
    ]
    metafunc.parametrize("salesdesk_backend", params, scope="session", indirect=True)


def _argnames(mark: pytest.Mark) -> list[str]:
    names = mark.args[0] if mark.args else mark.kwargs.get("argnames", "")
    return [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)


# ---------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------


# PostgreSQL databases dropped at the same time at the end of a session
DROPS_SIDE_BY_SIDE = 16


class Databases:
    """Fresh databases, each a copy of a template migrated once per session."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.prefix = f"sdp_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._templates: dict[str, str] = {}
        self._pg: list[str] = []
        self._count = 0

    def new(self, backend: str, migrated: bool = True) -> str:
        self._count += 1
        name = f"{self.prefix}_{self._count}"
        template = self._template(backend) if migrated else None
        if backend == "sqlite":
            path = self.folder / f"{name}.db"
            if template:
                shutil.copyfile(template, path)
            return f"sqlite:///{path}"
        self._pg_admin(
            f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        )
        self._pg.append(name)
        return _pg_url(name)

    def _template(self, backend: str) -> str:
        if backend not in self._templates:
            name = f"{self.prefix}_template"
            if backend == "sqlite":
                path = self.folder / f"{name}.db"
                _migrate(f"sqlite:///{path}")
                self._templates[backend] = str(path)
            else:
                self._pg_admin(f'CREATE DATABASE "{name}"')
                self._pg.append(name)
                _migrate(_pg_url(name))
                self._templates[backend] = name
        return self._templates[backend]

    def drop_all(self) -> None:
        """Drop every PostgreSQL database of the session, side by side: a DROP DATABASE
        waits for a checkpoint (up to seconds each on a busy server), and drops waiting
        together share one, where one after the other they waited for one each.
        The template goes with its copies: a copy is a database of its own once made,
        and nothing is copied any more."""
        with ThreadPoolExecutor(max_workers=DROPS_SIDE_BY_SIDE) as pool:
            list(pool.map(self._drop, self._pg))
        self._pg.clear()

    def _drop(self, name: str) -> None:
        try:
            self._pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception as exc:  # keep dropping the others
            print(f"could not drop test database {name}: {exc}")

    @staticmethod
    def _pg_admin(statement: str) -> None:
        import psycopg

        server = sa.make_url(os.environ[PG_ENV]).set(drivername="postgresql")
        with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(statement)


def _pg_url(database: str) -> str:
    url = sa.make_url(os.environ[PG_ENV]).set(database=database)
    return url.render_as_string(hide_password=False)


def _migrate(url: str) -> None:
    from core.runtime import open_runtime

    runtime = open_runtime(url)
    try:
        runtime.upgrade()
    finally:
        runtime.db.dispose()


@pytest.fixture(scope="session")
def salesdesk_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    databases = Databases(tmp_path_factory.mktemp("salesdesk_databases"))
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def salesdesk_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite``, or ``postgres`` when ``SALESDESK_TEST_PG_URL`` is set."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def salesdesk_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A temporary salesdesk home: no settings file, data folder or acting-user override
    of the machine running the tests is read."""
    home = tmp_path_factory.mktemp("salesdesk_home")
    monkeypatch.setenv("SALESDESK_HOME", str(home))
    monkeypatch.setenv("SALESDESK_SETTINGS", str(home / "settings.toml"))
    for name in ("SALESDESK_DATABASE_URL", "SALESDESK_USER", "SALESDESK_LANG"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def salesdesk_db_url(
    salesdesk_backend: str, salesdesk_databases: Databases, salesdesk_home: Path
) -> str:
    """A fresh database at the newest schema (core and every installed plugin)."""
    return salesdesk_databases.new(salesdesk_backend)


@pytest.fixture
def salesdesk_empty_db_url(
    salesdesk_backend: str, salesdesk_databases: Databases, salesdesk_home: Path
) -> str:
    """A fresh database without any table (for migration tests)."""
    return salesdesk_databases.new(salesdesk_backend, migrated=False)


@pytest.fixture
def salesdesk_contract(salesdesk_empty_db_url: str) -> Callable[..., list[str]]:
    """``salesdesk_contract(name, tests=[folder], report_prefixes=None) -> problems``:
    the plugin contract (``core.testing.contract.check_plugin``) on this backend."""
    from core.testing.contract import check_plugin

    def check(
        name: str, tests: Iterable[Path | str], report_prefixes: Iterable[str] | None = None
    ) -> list[str]:
        return check_plugin(name, salesdesk_empty_db_url, [Path(t) for t in tests], report_prefixes)

    return check


# ---------------------------------------------------------------------------------------
# Runtime, world, users
# ---------------------------------------------------------------------------------------


@pytest.fixture
def salesdesk_hookspecs() -> list[ModuleType]:
    """Hook specification modules the runtime adds to the core's: none. A folder whose
    tests open the plugin's screens overrides it with the terminal UI's
    (``return [tui.hookspecs]``), as the app and the command line open the runtime."""
    return []


@pytest.fixture
def salesdesk_runtime(
    salesdesk_db_url: str, salesdesk_hookspecs: list[ModuleType]
) -> Iterator[Any]:
    from core.runtime import open_runtime

    runtime = open_runtime(salesdesk_db_url, extra_specs=salesdesk_hookspecs, require_current=True)
    yield runtime
    runtime.db.dispose()


@pytest.fixture
def salesdesk_clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def salesdesk_world(salesdesk_runtime: Any, salesdesk_clock: FixedClock) -> World:
    return make_world(salesdesk_runtime, salesdesk_clock)


@pytest.fixture
def salesdesk_users(salesdesk_world: World) -> Staff:
    return salesdesk_world.staff()


@pytest.fixture
def salesdesk_exporters(salesdesk_runtime: Any) -> dict[str, Any]:
    from core.exports import exporter_registry

    return exporter_registry(salesdesk_runtime.plugins)


@pytest.fixture
def salesdesk_run(salesdesk_world: World, monkeypatch: pytest.MonkeyPatch) -> Runner:
    return Runner(salesdesk_world, monkeypatch)


# ---------------------------------------------------------------------------------------
# Running reports and commands
# ---------------------------------------------------------------------------------------


class Runner:
    """Runs reports, exports and ``salesdesk`` commands the way a user does."""

    def __init__(self, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
        self.world = world
        self.monkeypatch = monkeypatch

    def report(self, report_id: str, ctx: Any = None, **params: Any) -> Any:
        """``run_report`` as ``ctx`` (default the group admin) with ``params``."""
        from core.reports import run_report

        return run_report(ctx or self.world.admin, report_id, params)

    def export(self, result: Any, exporter_id: str, path: Path | str, ctx: Any = None) -> Path:
        """Write ``result`` with an exporter (``xlsx``, ``pdf``, ``csv``, ``html`` or a
        plugin's) to ``path``; returns the file written."""
        from core.exports import export_report

        return export_report(ctx or self.world.admin, result, exporter_id, path)

    def cli(self, *args: str, user: str = "admin", input: str | None = None) -> Any:
        """Invoke ``salesdesk --database <this database> ARGS...`` acting as ``user``
        (a login of this database); returns click's ``Result`` (``exit_code``,
        ``output``). The command is the installed ``salesdesk`` script's."""
        from click.testing import CliRunner

        self.monkeypatch.setattr("core.runtime.os_login", lambda: user)
        command = salesdesk_command()
        return CliRunner().invoke(
            command,
            ["--database", self.world.runtime.db.url, *args],
            input=input,
            catch_exceptions=False,
        )


def salesdesk_command() -> Any:
    """The click group behind the installed ``salesdesk`` console script (found by its
    entry point, as the shell finds it; the core does not import the command line)."""
    import importlib

    import click

    scripts = list(metadata.entry_points(group="console_scripts", name="salesdesk"))
    if not scripts:
        raise LookupError("the salesdesk command is not installed")
    command = getattr(importlib.import_module(scripts[0].module), "cli", None)
    if not isinstance(command, click.Command):
        raise LookupError(f"{scripts[0].value} is not a click command group")
    return command
