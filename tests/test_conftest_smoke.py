"""The shared fixtures themselves: fresh databases, users, the PostgreSQL guard."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from core.models import Customer, User


def test_fresh_database_has_admin_only(world, backend):
    with world.runtime.db.read_session() as session:
        logins = session.scalars(sa.select(User.login)).all()
    assert logins == ["admin"]
    assert world.runtime.db.is_sqlite == (backend == "sqlite")


def test_make_user_builds_team(world, make_user, clock):
    boss = make_user("boss", "sales_manager", region="north")
    rep = make_user("rep1", ["sales_rep"], region="north", manager=boss)
    assert rep.actor.manager_id == boss.actor.id
    assert rep.actor.id in boss.grant.team_ids
    assert rep.now() == clock()
    world.customer(owner=rep)
    with rep.reading() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1


PG_FORMS = ["postgresql://{rest}", "postgresql+psycopg://{rest}"]


@pytest.mark.postgres
@pytest.mark.parametrize("form", PG_FORMS, ids=["plain", "psycopg-driver"])
def test_harness_accepts_every_postgres_url_form_the_product_accepts(
    form: str, db_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SALESDESK_TEST_PG_URL may be written as the product's --database is: with or
    without the SQLAlchemy driver name (the harness's own server connection is libpq's)."""
    from core.runtime import open_runtime

    server = os.environ.get("SALESDESK_TEST_PG_URL")
    if not server:
        pytest.skip("PostgreSQL test: set SALESDESK_TEST_PG_URL to a server URL to run it")
    rest = sa.make_url(server).render_as_string(hide_password=False).split("://", 1)[1]
    monkeypatch.setenv("SALESDESK_TEST_PG_URL", form.format(rest=rest))
    url = db_factory.new("postgres", migrated=False)  # created through the harness
    try:
        runtime = open_runtime(url, load_plugins=False)
        with runtime.db.engine.connect() as conn:
            assert conn.scalar(sa.text("select current_database()")) == sa.make_url(url).database
        runtime.db.dispose()
    finally:
        db_factory.release(url)


def _pg_database_exists(name: str) -> bool:
    import psycopg

    server = sa.make_url(os.environ["SALESDESK_TEST_PG_URL"]).set(drivername="postgresql")
    with psycopg.connect(server.render_as_string(hide_password=False)) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return found.fetchone() is not None


@pytest.mark.postgres
def test_the_end_of_a_session_does_not_wait_for_the_databases_to_be_dropped(
    db_factory, tmp_path
) -> None:
    """A DROP DATABASE waits for a checkpoint (12-100 s on a loaded machine): the factory
    hands its databases to a process of its own, which drops them after the session."""
    if not os.environ.get("SALESDESK_TEST_PG_URL"):
        pytest.skip("PostgreSQL test: set SALESDESK_TEST_PG_URL to a server URL to run it")
    (tmp_path / "a").mkdir()
    factory = type(db_factory)(tmp_path / "a")
    name = sa.make_url(factory.new("postgres", migrated=False)).database or ""
    factory.drop_all()
    assert _pg_database_exists(name)  # handed over, not waited for

    # the dropper runs (connects, drops by name, ends when the factory is done with it)
    # and reports nothing for a name that is gone already
    (tmp_path / "b").mkdir()
    other = type(db_factory)(tmp_path / "b")
    other._dropper.drop(f"{other.prefix}_never_made")
    other.drop_all()
    assert other._dropper._process.wait(timeout=60) == 0
    assert (tmp_path / "b" / "dropped.log").read_text() == ""


@pytest.mark.postgres
def test_the_dropper_drops_after_the_configured_database_is_gone(
    db_factory, tmp_path, monkeypatch
) -> None:
    """CI drops the database SALESDESK_TEST_PG_URL names as soon as pytest returns; the
    dropper, still at work, connected to it and left every database it had not dropped
    yet (169 after one CI run). It connects to the server's maintenance database.

    Neither the configured database nor the name to drop is made: a real drop waits for
    a checkpoint, which took more than 120 s at the end of a loaded CI run. Dropping a
    missing name needs no checkpoint, and still a connection: to the configured
    database, it would fail and say so in the log."""
    url = os.environ.get("SALESDESK_TEST_PG_URL")
    if not url:
        pytest.skip("PostgreSQL test: set SALESDESK_TEST_PG_URL to a server URL to run it")
    gone = sa.make_url(url).set(database=f"sd_gone_{os.getpid()}")  # as after CI's clean-up
    monkeypatch.setenv("SALESDESK_TEST_PG_URL", gone.render_as_string(hide_password=False))
    factory = type(db_factory)(tmp_path)
    factory._dropper.drop(f"{factory.prefix}_never_made")
    factory.drop_all()
    assert factory._dropper._process.wait(timeout=120) == 0
    assert (tmp_path / "dropped.log").read_text() == ""


def test_the_slow_tests_are_run_first(request: pytest.FixtureRequest) -> None:
    """Under pytest-xdist a long test collected late ran alone at the end of the run."""
    items = request.session.items
    slow = [i for i, item in enumerate(items) if item.get_closest_marker("slow")]
    assert slow == list(range(len(slow))), [items[i].nodeid for i in slow]


def test_the_plugin_fixtures_copy_the_suites_templates(salesdesk_databases, db_factory) -> None:
    """The built-in plugins' tests (salesdesk_db_url) take their databases from the suite's
    factory: its templates are migrated once per worker, not once more for the plugin's
    fixtures, and its PostgreSQL copies are made ahead of use (a CREATE DATABASE is
    0.1-0.2 s of waiting each, ~700 of them on PostgreSQL under tests/plugins)."""
    url = salesdesk_databases.new("sqlite")
    path = sa.make_url(url).database or ""
    assert path.startswith(str(db_factory.tmp / db_factory.prefix)), path
    empty = sa.make_url(salesdesk_databases.new("sqlite", migrated=False)).database or ""
    assert empty.startswith(str(db_factory.tmp / db_factory.prefix)), empty
    assert not os.path.exists(empty)  # nothing made: the first connection makes the file


def test_auto_workers_are_three_per_core(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-n auto`` (the README's command) runs six workers on the two-core machine:
    the suite's workers wait on subprocesses, servers and PostgreSQL much of the time."""
    hook = request.config.pluginmanager.hook.pytest_xdist_auto_num_workers
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    for cores, workers in ((1, 3), (2, 6), (4, 12)):
        monkeypatch.setattr(os, "sched_getaffinity", lambda _pid, n=cores: set(range(n)))
        assert hook(config=request.config) == workers
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "5")
    assert hook(config=request.config) == 5  # xdist's own reading of the variable
