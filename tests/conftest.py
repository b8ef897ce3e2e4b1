"""Shared fixtures: a migrated database on SQLite and PostgreSQL, users, a fixed clock.

Backends
    ``db_url`` (and everything built on it: ``runtime``, ``admin_ctx``, ``make_user``,
    ``world``) is parametrized over ``sqlite`` (a file in tmp, so WAL and several
    connections behave as in production) and ``postgres`` (marked ``postgres``; runs when
    ``SALESDESK_TEST_PG_URL`` names a server, e.g. ``postgresql://postgres@127.0.0.1/postgres``,
    and is skipped with a reason otherwise). Each test gets a fresh database copied from a
    template migrated once per session, so tests never see each other's rows.

    ``SALESDESK_REQUIRE_PG=1`` (set by ``.ci/run``) turns every skipped postgres test into
    a failure, and fails the session when no postgres test ran at all.

Module-wide worlds
    ``module_backend`` is the same parametrization at module scope; ``db_factory`` makes
    more databases (``db_factory.new("sqlite", migrated=False)``) that are dropped at the
    end of the session.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.testing.world import FixedClock, World, make_world

# The fixtures salesdesk ships to plugin authors (salesdesk_world, salesdesk_users, ...);
# the built-in plugins' tests use them too.
pytest_plugins = ["core.testing.pytest_plugin", "time_report"]

PG_ENV = "SALESDESK_TEST_PG_URL"
REQUIRE_PG_ENV = "SALESDESK_REQUIRE_PG"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


# ---------------------------------------------------------------------------------------
# CI guard: postgres tests must run when SALESDESK_REQUIRE_PG=1
# ---------------------------------------------------------------------------------------


def _require_pg() -> bool:
    return os.environ.get(REQUIRE_PG_ENV, "") not in ("", "0")


_pg_ran = 0


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    if item.get_closest_marker("postgres") is None:
        return report
    if report.skipped and _require_pg():
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"{REQUIRE_PG_ENV}=1 but this PostgreSQL test was skipped: {reason}"
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Counted where reports are logged: under xdist that is the controller, which runs
    # no test itself and decides the session's exit status.
    global _pg_ran
    if report.when == "call" and report.passed and "postgres" in report.keywords:
        _pg_ran += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller counts every worker's reports
    if _require_pg() and _pg_ran == 0 and exitstatus in (0, 5):
        session.exitstatus = 1
        print(f"\n{REQUIRE_PG_ENV}=1 but no PostgreSQL test passed")


# ---------------------------------------------------------------------------------------
# The slow tests first
# ---------------------------------------------------------------------------------------


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked ``slow`` run first, in their order, then the others in theirs.

    Under pytest-xdist (``-n``) a long test collected late started when the other worker
    had little left to do, and ran alone at the end of the run while a core stood idle;
    started first, the short tests fill in around it. Every worker collects the same
    order, as xdist requires."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


WORKERS_PER_CORE = 3


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: three workers per core, not one.

    A worker waits about 45 % of its wall time, not on a core: for served sessions and
    SSH clients, pip and pytest in subprocesses, PostgreSQL round trips and timers
    (``--time-report``: 830 CPU-s and 713 s of waiting in one run of the suite). With a
    worker per core the cores stood idle that long; a second worker per core fills those
    waits: a fresh clone's CI ran pytest in 887-1,055 s on two workers, 626 s on three
    and 492 s on four. Four still left the cores part idle while the zh/en walks,
    served sessions and subprocesses waited: on two cores, with a second worktree's tests
    beside, 537 s on four workers, 490 s on six (the cores 98 % busy then, from
    /proc/stat). ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still sets the number."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own reading of it
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, round((cores or 1) * WORKERS_PER_CORE + 0.01))


# ---------------------------------------------------------------------------------------
# The garbage collector
# ---------------------------------------------------------------------------------------


# A young collection every 10,000 allocations rather than 700: an app allocates its
# widgets by the hundred thousand, and each young collection checked the survivors of the
# last again (TUI pilot and flow tests: 23.7 s of CPU -> 19.7 s).
gc.set_threshold(10_000, 10, 10)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After each test: collect its garbage, then freeze what is left.

    What outlives a test lives for the worker's life or sits in a bounded cache
    (Textual's ``lru_cache``s hold thousands of strips and styles of finished apps);
    left to the collector, every full collection checked all of it again, and the apps'
    short-lived widgets set one off often: 13 s of the TUI pilot and flow tests' 31 s of
    CPU. Frozen, it is never checked again (what leaves a cache is freed by reference
    counting). The app's own freezing (``SalesdeskApp.MANAGE_GC``) is off in the tests
    (``_no_work_ahead_or_gc_management``)."""
    result = yield
    gc.collect()
    gc.freeze()
    return result


# ---------------------------------------------------------------------------------------
# Isolation from the machine: no real settings file, data dir or acting-user override
# ---------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_work_ahead_or_gc_management(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An app builds Reports and the day and reads the plugin views ahead while Home is
    shown: a second or so of CPU per app, a thousand apps in the suite (CI went from 8
    to 14 minutes). Off but where a test is marked ``build_ahead`` (what it is about).

    Likewise its garbage-collector management (``manage_gc``): each app after the first
    in a process collected everything the earlier apps had frozen, 0.1-0.3 s of CPU."""
    if request.node.get_closest_marker("build_ahead") is None:
        monkeypatch.setattr("tui.app.SalesdeskApp.BUILD_AHEAD", False)
    if request.node.get_closest_marker("manage_gc") is None:
        monkeypatch.setattr("tui.app.SalesdeskApp.MANAGE_GC", False)


@pytest.fixture(autouse=True)
def _isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path_factory.mktemp("salesdesk_home")
    monkeypatch.setenv("SALESDESK_HOME", str(home))
    monkeypatch.setenv("SALESDESK_SETTINGS", str(home / "settings.toml"))
    for name in ("SALESDESK_DATABASE_URL", "SALESDESK_USER", "SALESDESK_LANG"):
        monkeypatch.delenv(name, raising=False)


# ---------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------


def pg_server_url() -> str | None:
    return os.environ.get(PG_ENV) or None


class DatabaseFactory:
    """Makes throwaway databases; migrated ones are copies of a per-session template.

    PostgreSQL needs about a second to create a database on a slow disk, so a background
    thread copies the template ahead of use. Dropping one waits for a checkpoint (12-100 s
    each, measured on a loaded machine): a process of its own (``_Dropper``) drops the
    released databases while the tests go on, and the rest after the session, which does
    not wait for it (waiting cost each xdist worker 45-106 s in the teardown of its last
    test).
    """

    PREFETCH = 2

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.prefix = f"sd_t{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._counter = itertools.count(1)
        self._templates: dict[str, str] = {}
        self._pg_databases: list[str] = []  # everything created, dropped at the end
        self._released: set[str] = set()  # handed to the dropper already
        self._ready: deque[Future[str]] = deque()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sd-test-db")
        self._dropper = _Dropper(tmp / "dropped.log")

    def new(self, backend: str, migrated: bool = True) -> str:
        """A URL of a fresh database on ``backend`` ("sqlite" or "postgres")."""
        if backend == "sqlite":
            path = self.tmp / f"{self._name()}.db"
            if migrated:
                shutil.copyfile(self._template("sqlite"), path)
            return f"sqlite:///{path}"
        if backend != "postgres":
            raise ValueError(backend)
        if not migrated:
            return _pg_url(self._create(None))
        template = self._template("postgres")
        ready = (
            self._ready.popleft() if self._ready else self._worker.submit(self._create, template)
        )
        while len(self._ready) < self.PREFETCH:
            self._ready.append(self._worker.submit(self._create, template))
        return _pg_url(ready.result())

    def release(self, url: str) -> None:
        """Drop a PostgreSQL database in the background (a SQLite file stays in tmp)."""
        if url.startswith("postgresql"):
            name = sa.make_url(url).database or ""
            self._released.add(name)
            self._dropper.drop(name)

    def _name(self) -> str:
        return f"{self.prefix}_{next(self._counter)}"

    def _create(self, template: str | None) -> str:
        name = self._name()
        self._pg_databases.append(name)
        _pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def _template(self, backend: str) -> str:
        if backend not in self._templates:
            if backend == "sqlite":
                path = self.tmp / f"{self.prefix}_template.db"
                _migrate(f"sqlite:///{path}")
                self._templates[backend] = str(path)
            else:
                name = self._create(None)
                _migrate(_pg_url(name))
                self._templates[backend] = name
        return self._templates[backend]

    def drop_all(self) -> None:
        """Hand every database not released yet to the dropper, the template last, and
        leave it to finish them after the session."""
        self._worker.shutdown(wait=True, cancel_futures=True)  # no copy of the template left
        template = self._templates.get("postgres")
        for name in self._pg_databases:
            if name != template and name not in self._released:
                self._dropper.drop(name)
        if template:
            self._dropper.drop(template)
        self._dropper.close()
        self._pg_databases.clear()


# Run by _Dropper: drops the databases named on its stdin, side by side (drops waiting for
# a checkpoint share it), until its stdin is closed and the last drop is done. It connects
# to the first of SD_TEST_DROP_URLS that takes it: the server's maintenance database
# first, since CI drops the configured one as soon as pytest returns, drops unfinished.
_DROPPER = """
import os, sys
from concurrent.futures import ThreadPoolExecutor

import psycopg

def connect():
    urls = os.environ["SD_TEST_DROP_URLS"].split()
    for url in urls[:-1]:
        try:
            return psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError:
            continue
    return psycopg.connect(urls[-1], autocommit=True)

def drop(name):
    try:
        with connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as exc:  # report, but keep dropping the others
        print(f"could not drop test database {name}: {exc}", file=sys.stderr, flush=True)

with ThreadPoolExecutor(max_workers=8) as pool:
    for line in sys.stdin:
        if line.strip():
            pool.submit(drop, line.strip())
"""


class _Dropper:
    """A process of its own that drops PostgreSQL databases, started at the first one. It
    outlives the session (a session of its own too, so a Ctrl-C of the tests does not stop
    it); what it could not drop is written to ``log``."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self._process: subprocess.Popen[str] | None = None

    def drop(self, name: str) -> None:
        if self._process is None:
            url = pg_server_url()
            if url is None:
                raise RuntimeError(f"{PG_ENV} is not set")
            with open(self.log, "a") as log:
                self._process = subprocess.Popen(
                    [sys.executable, "-c", _DROPPER],
                    stdin=subprocess.PIPE,
                    stdout=log,
                    stderr=log,
                    text=True,
                    env={**os.environ, "SD_TEST_DROP_URLS": " ".join(_drop_urls(url))},
                    start_new_session=True,
                )
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(name + "\n")
            self._process.stdin.flush()
        except OSError as exc:  # the dropper is gone: say so, the tests go on
            print(f"could not drop test database {name}: {exc}")

    def close(self) -> None:
        if self._process is not None and self._process.stdin is not None:
            with contextlib.suppress(OSError):  # the dropper is gone already
                self._process.stdin.close()


def _pg_admin(statement: str) -> None:
    import psycopg

    url = pg_server_url()
    if url is None:
        raise RuntimeError(f"{PG_ENV} is not set")
    with psycopg.connect(_libpq_url(url), autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


def _libpq_url(url: str) -> str:
    """``url`` as libpq reads it: the product also takes SQLAlchemy's driver form
    (``postgresql+psycopg://``), which psycopg.connect refuses."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _drop_urls(url: str) -> list[str]:
    """Where the dropper may connect, best first: the server's maintenance databases,
    which outlive a test run, then the configured database itself."""
    server = sa.make_url(url).set(drivername="postgresql")
    maintenance = [
        server.set(database=name).render_as_string(hide_password=False)
        for name in ("postgres", "template1")
    ]
    return [*maintenance, _libpq_url(url)]


def _pg_url(database: str) -> str:
    url = sa.make_url(pg_server_url() or "")
    return url.set(database=database).render_as_string(hide_password=False)


def _migrate(url: str) -> None:
    from core.runtime import open_runtime

    runtime = open_runtime(url)
    try:
        runtime.upgrade()
    finally:
        runtime.db.dispose()


@pytest.fixture(scope="session")
def db_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


class _FactoryDatabases:
    """The shipped plugin's ``Databases`` as the built-in plugins' tests get it: copies of
    this suite's templates, made by ``db_factory`` (PostgreSQL copies ahead of use) and
    dropped by its dropper after the session. Its own migrated each template once more
    per worker and waited for each CREATE DATABASE (0.1-0.2 s, ~700 on PostgreSQL under
    tests/plugins, on a loaded machine)."""

    def __init__(self, factory: DatabaseFactory) -> None:
        self._factory = factory

    def new(self, backend: str, migrated: bool = True) -> str:
        return self._factory.new(backend, migrated=migrated)


@pytest.fixture(scope="session")
def salesdesk_databases(db_factory: DatabaseFactory) -> _FactoryDatabases:
    """The shipped plugin's databases (``salesdesk_db_url``: the built-in plugins' tests),
    from this suite's factory (``_FactoryDatabases``)."""
    return _FactoryDatabases(db_factory)


def _check_backend(backend: str) -> str:
    if backend == "postgres" and pg_server_url() is None:
        pytest.skip(f"PostgreSQL test: set {PG_ENV} to a server URL to run it")
    return backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgres`` (skipped without a server)."""
    return _check_backend(request.param)


@pytest.fixture(scope="module", params=BACKENDS)
def module_backend(request: pytest.FixtureRequest) -> str:
    """Like ``backend``, for module-scoped fixtures that build one world per module."""
    return _check_backend(request.param)


@pytest.fixture
def db_url(backend: str, db_factory: DatabaseFactory) -> Iterator[str]:
    """A fresh database at the newest schema (core and installed plugins)."""
    url = db_factory.new(backend)
    yield url
    db_factory.release(url)


@pytest.fixture
def empty_db_url(backend: str, db_factory: DatabaseFactory) -> Iterator[str]:
    """A fresh database without any table (for migration tests)."""
    url = db_factory.new(backend, migrated=False)
    yield url
    db_factory.release(url)


# ---------------------------------------------------------------------------------------
# Runtime, clock, users
# ---------------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def runtime(db_url: str) -> Iterator[Any]:
    """``open_runtime`` on the fresh database (installed plugins loaded, schema current)."""
    from core.runtime import open_runtime

    rt = open_runtime(db_url)
    rt.upgrade()  # a no-op on the template copy; kept so the fixture means what it says
    yield rt
    rt.db.dispose()


@pytest.fixture
def world(runtime: Any, clock: FixedClock) -> World:
    return make_world(runtime, clock)


@pytest.fixture(scope="module")
def module_world(module_backend: str, db_factory: DatabaseFactory) -> Iterator[World]:
    """One World per test module and backend, for many cheap cases on shared setup.

    Tests using it must create the records they change, so they do not depend on order.
    """
    from core.runtime import open_runtime

    url = db_factory.new(module_backend)
    rt = open_runtime(url)
    yield make_world(rt, FixedClock())
    rt.db.dispose()
    db_factory.release(url)


@pytest.fixture
def admin_ctx(world: World) -> Any:
    """A Context acting as the group admin created by ``create_first_admin``."""
    return world.admin


@pytest.fixture
def make_user(world: World) -> Callable[..., Any]:
    """``make_user(login, roles, region=code|id, manager=ctx|login|id) -> Context``."""
    return world.user


# ---------------------------------------------------------------------------------------
# Throwaway plugins, installed the way pip installs them
# ---------------------------------------------------------------------------------------


@pytest.fixture
def install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """``install_plugin(name, source, version="1.0", files=None) -> module name``.

    Writes a throwaway distribution (a module plus ``<dist>.dist-info`` with METADATA and an
    ``entry_points.txt`` in group ``salesdesk``) to a fresh directory and puts it on
    ``sys.path``, so ``PluginManager().load_installed()`` finds it exactly as it finds a
    pip-installed plugin. ``source`` may use ``hookimpl`` (imported for it). With
    ``files`` (file name -> source) the plugin is a package: ``source`` is its
    ``__init__.py`` and each file sits beside it (e.g. ``hookspecs.py``, or
    ``migrations/versions/x_0001.py``).
    """
    modules: list[str] = []

    def install(
        name: str, source: str, version: str = "1.0", files: dict[str, str] | None = None
    ) -> str:
        module = f"sd_throwaway_{name}_{uuid.uuid4().hex[:6]}"
        root = tmp_path / f"site_{module}"
        dist_info = root / f"{module}-{version}.dist-info"
        dist_info.mkdir(parents=True)
        main = root / f"{module}.py"
        if files is not None:
            (root / module).mkdir()
            main = root / module / "__init__.py"
            for file_name, text in files.items():
                (root / module / file_name).parent.mkdir(parents=True, exist_ok=True)
                (root / module / file_name).write_text(textwrap.dedent(text), encoding="utf-8")
        main.write_text(
            "from core.hookspecs import hookimpl  # noqa: F401\n\n" + textwrap.dedent(source),
            encoding="utf-8",
        )
        (dist_info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {module}\nVersion: {version}\n", encoding="utf-8"
        )
        (dist_info / "entry_points.txt").write_text(
            f"[salesdesk]\n{name} = {module}\n", encoding="utf-8"
        )
        monkeypatch.syspath_prepend(str(root))
        modules.append(module)
        return module

    yield install
    for module in modules:
        for loaded in [m for m in sys.modules if m == module or m.startswith(f"{module}.")]:
            sys.modules.pop(loaded, None)


@pytest.fixture
def chinese() -> Iterator[None]:
    """The test reads what a Chinese user reads (zh_CN), English again after."""
    from core.i18n import set_lang

    set_lang("zh_CN")
    yield
    set_lang("en")


@pytest.fixture
def tui_world(db_factory: DatabaseFactory) -> Iterator[dict[str, Any]]:
    """The TUI tests' fixed world (tests/tui_helpers.py ``seed``) on SQLite, in English,
    with the TUI's hook specs; ``data["world"]`` builds more records."""
    from tui_helpers import seed

    import tui.hookspecs
    from core.i18n import set_lang
    from core.runtime import open_runtime

    set_lang("en")
    rt = open_runtime(db_factory.new("sqlite"), extra_specs=[tui.hookspecs])
    world = make_world(rt, FixedClock())
    data = seed(world)
    data["world"] = world
    yield data
    set_lang(None)
    rt.db.dispose()
