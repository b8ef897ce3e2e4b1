"""Plugins that own tables can be switched off and on (one by one, or by choosing a
company profile) without breaking the schema bookkeeping: every later command still
works, the plugin's rows are kept, and switching it back on finds them. A plugin whose
code is gone leaves a clear message, never a traceback (issue #16, item 1)."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from core import db as dbmod
from core.exports import exporter_registry
from core.plugins import BUILTIN_PROFILES
from core.runtime import open_runtime
from core.services import company
from tui.cli import cli

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _one_row_each(world: Any) -> dict[str, Any]:
    """One saved row in a table of every built-in plugin that owns tables."""
    from plugins.contracts.models import Contract
    from plugins.forecast.models import ForecastRun
    from plugins.funnel.models import LeadEvent
    from plugins.manufacturing.models import Tender
    from plugins.marketing.models import Segment
    from plugins.real_estate.models import Project

    customer = world.customer(name="Kept Customer Ltd")
    rows = {
        "contracts": Contract(
            number="HT-KEEP-1",
            title="Kept contract",
            customer_id=customer.id,
            stage="draft",
            status="draft",
        ),
        "forecast": ForecastRun(
            cut="company", freq="month", horizon=3, method="naive", reconcile="bottom_up"
        ),
        "funnel": LeadEvent(
            at=world.clock(), customer_id=customer.id, kind="created", reason="kept"
        ),
        "manufacturing": Tender(
            number="TB-KEEP-1",
            title="Kept tender",
            customer_id=customer.id,
            deadline=dt.date(2026, 3, 1),
            bid_price=Decimal("1234.56"),
        ),
        "marketing": Segment(code="KEEP", name="Kept segment"),
        "real_estate": Project(code="KEEP", name="Kept project"),
    }
    return {name: world.insert(row) for name, row in rows.items()}


def _stored(runtime: Any, row: Any) -> dict[str, Any]:
    table = type(row).__table__
    with runtime.db.engine.connect() as conn:
        found = conn.execute(sa.select(table).where(table.c.id == row.id)).mappings().one()
    return dict(found)


def _table_owners(runtime: Any) -> set[str]:
    return {name for name, _path in runtime.plugins.contributions("salesdesk_migrations")}


def _invoke(url: str, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--database", url, *args])
    assert result.exit_code == 0, (args, result.output)
    assert "Traceback" not in result.output and "Error" not in result.output, result.output
    return result


def _row(listing: str, plugin: str) -> str:
    """The line of ``salesdesk plugins list`` about ``plugin``."""
    return next(line for line in listing.splitlines() if line.split()[0] == plugin)


@pytest.fixture
def as_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    """CLI commands act as the world's group admin."""
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")


def test_every_plugin_with_tables_switches_off_and_on_keeping_its_data(
    world: Any, as_admin: None
) -> None:
    url = world.runtime.db.url
    rows = _one_row_each(world)
    assert set(rows) == _table_owners(world.runtime)  # a new plugin with tables: add a row
    before = {name: _stored(world.runtime, row) for name, row in rows.items()}
    for name in sorted(rows):
        _invoke(url, "plugins", "disable", name)
        listing = _invoke(url, "plugins", "list").output
        assert _row(listing, name).split()[3] == "no", listing
        _invoke(url, "db", "upgrade")
        _invoke(url, "users", "list")
        _invoke(url, "plugins", "enable", name)
        _invoke(url, "db", "upgrade")
        assert _stored(world.runtime, rows[name]) == before[name], name
    runtime = open_runtime(url)
    try:
        assert runtime.is_current()
        assert _table_owners(runtime) == set(rows)
    finally:
        runtime.db.dispose()


def test_every_builtin_profile_keeps_commands_working_and_the_exporters(
    world: Any, as_admin: None
) -> None:
    url = world.runtime.db.url
    rows = _one_row_each(world)
    before = {name: _stored(world.runtime, row) for name, row in rows.items()}
    for profile in sorted(BUILTIN_PROFILES):
        company.set_profile(world.admin, profile)
        _invoke(url, "db", "upgrade")
        _invoke(url, "plugins", "list")
        _invoke(url, "users", "list")
        runtime = open_runtime(url, require_current=True)
        try:
            assert runtime.plugins.info["exporters"].loaded, profile
            assert {"xlsx", "csv", "html"} <= set(exporter_registry(runtime.plugins)), profile
        finally:
            runtime.db.dispose()
    company.set_profile(world.admin, None)
    _invoke(url, "db", "upgrade")
    for name, row in rows.items():
        assert _stored(world.runtime, row) == before[name], name


def test_builtin_profiles_include_the_exporters() -> None:
    for profile, members in BUILTIN_PROFILES.items():
        assert "exporters" in members, profile


# -- a plugin whose code is gone ------------------------------------------------------------

TENDERS_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "tenders_0001"
down_revision = None
branch_labels = ("tenders",)
depends_on = "core"


def upgrade():
    op.create_table("tenders_bid", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("title", sa.String(100), nullable=False))


def downgrade():
    op.drop_table("tenders_bid")
"""

TENDERS_PLUGIN = """
@hookimpl
def salesdesk_migrations():
    return [{folder!r}]
"""


def _install_tenders(install_plugin: Any, tmp_path: Path) -> Path:
    """A throwaway plugin owning one table; returns its site folder (delete = uninstall)."""
    folder = tmp_path / "tenders_migrations"
    folder.mkdir(exist_ok=True)
    (folder / "tenders_0001_bid.py").write_text(TENDERS_REVISION, encoding="utf-8")
    module = install_plugin("tenders", TENDERS_PLUGIN.format(folder=str(folder)))
    return tmp_path / f"site_{module}"  # where conftest's install_plugin puts it


def test_uninstalled_plugin_leaves_a_clear_message_and_its_data(
    install_plugin: Any, tmp_path: Path, db_url: str, world: Any, as_admin: None
) -> None:
    site = _install_tenders(install_plugin, tmp_path)
    _invoke(db_url, "db", "upgrade")
    with world.runtime.db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO tenders_bid (id, title) VALUES (1, 'Kept bid')"))
    assert "tenders_0001" in dbmod.current_revisions(world.runtime.db)

    shutil.rmtree(site)  # pip uninstall
    _invoke(db_url, "users", "list")
    listing = _invoke(db_url, "plugins", "list").output
    row = _row(listing, "tenders")
    assert "not installed" in row and "kept" in row, listing
    upgraded = _invoke(db_url, "db", "upgrade").output
    assert "tenders" in upgraded and "not installed" in upgraded, upgraded
    # The core moves on meanwhile (down one revision and up again): the plugin's place is
    # set aside and kept both ways.
    runtime = open_runtime(db_url)
    locations = runtime.plugins.migration_locations()
    script = ScriptDirectory.from_config(dbmod.alembic_config(runtime.db, locations))
    (core_head,) = script.get_revisions("core@head")
    dbmod.downgrade(runtime.db, core_head.down_revision, locations)
    runtime.db.dispose()
    assert "tenders_0001" in dbmod.current_revisions(world.runtime.db)
    _invoke(db_url, "db", "upgrade")
    assert {"tenders_0001", core_head.revision} <= dbmod.current_revisions(world.runtime.db)

    _install_tenders(install_plugin, tmp_path)  # back again: its data is where it was
    _invoke(db_url, "db", "upgrade")
    runtime = open_runtime(db_url, require_current=True)
    try:
        with runtime.db.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT title FROM tenders_bid")) == "Kept bid"
        assert not runtime.missing_plugins()
    finally:
        runtime.db.dispose()


@SQLITE_ONLY
def test_database_of_a_newer_salesdesk_is_refused_clearly(
    db_url: str, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")  # commands need a user
    core_row = next(r for r in dbmod.current_revisions(world.runtime.db) if r[0].isdigit())
    with world.runtime.db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE alembic_version SET version_num = '0099_future' WHERE version_num = :r"
            ),
            {"r": core_row},
        )
    for args in (["users", "list"], ["db", "upgrade"]):
        result = CliRunner().invoke(cli, ["--database", db_url, *args])
        assert result.exit_code == 1, result.output
        assert "newer" in result.output and "Traceback" not in result.output


@SQLITE_ONLY
def test_plugin_older_than_its_data_is_refused_clearly(
    db_url: str, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")  # commands need a user
    with world.runtime.db.engine.begin() as conn:  # as if a newer marketing had upgraded it
        conn.execute(
            sa.text(
                "UPDATE alembic_version SET version_num = 'marketing_0099' "
                "WHERE version_num = 'marketing_0001'"
            )
        )
    for args in (["users", "list"], ["db", "upgrade"]):
        result = CliRunner().invoke(cli, ["--database", db_url, *args])
        assert result.exit_code == 1, result.output
        assert "plugin marketing is older" in result.output, result.output
        assert "Traceback" not in result.output
