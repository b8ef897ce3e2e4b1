"""Schema migrations and backups: an empty database reaches head, a database one core
revision behind and holding data is upgraded without losing rows, and ``salesdesk db
upgrade`` / ``db backup`` work from the command line (the backup while others write)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from core import db as dbmod
from core.models import Customer, Product, Region, SalesLine, User
from core.runtime import open_runtime
from core.services import customers
from tui.cli import cli

CORE_TABLES = {
    "region",
    "sd_user",
    "channel",
    "product",
    "customer",
    "contact",
    "opportunity",
    "stage_change",
    "activity",
    "import_batch",
    "sales_line",
    "sales_target",
    "company_setting",
    "audit_entry",
    "alembic_version",
}


def core_revisions(runtime: Any) -> tuple[str, str]:
    """(head, the revision before it) of the core branch."""
    from alembic.script import ScriptDirectory

    cfg = dbmod.alembic_config(runtime.db, runtime.plugins.migration_locations())
    script = ScriptDirectory.from_config(cfg)
    (head,) = script.get_revisions("core@head")
    previous = head.down_revision
    assert isinstance(previous, str), "the core branch needs at least two revisions"
    return head.revision, previous


def count(runtime: Any, model: type) -> int:
    with runtime.db.read_session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_empty_database_to_head(empty_db_url: str) -> None:
    runtime = open_runtime(empty_db_url)
    try:
        assert not sa.inspect(runtime.db.engine).get_table_names()
        assert not runtime.is_current()
        runtime.upgrade()
        assert runtime.is_current()
        assert set(sa.inspect(runtime.db.engine).get_table_names()) >= CORE_TABLES
        head, _previous = core_revisions(runtime)
        assert head in dbmod.current_revisions(runtime.db)
        runtime.upgrade()  # twice is harmless
        assert runtime.is_current()
    finally:
        runtime.db.dispose()


def test_previous_revision_with_data_upgrades_keeping_rows(world: Any) -> None:
    runtime = world.runtime
    rep = world.user("rep", "sales_rep", region="north")
    kept = customers.create_customer(rep, {"name": "老客户有限公司", "credit_limit": "0"})
    product = world.product(code="KEEP-1", price="12.34")
    world.insert(
        SalesLine(
            date=world.clock().date(),
            customer_id=kept.id,
            product_id=product.id,
            rep_id=rep.actor.id,
            quantity=Decimal("2"),
            amount=Decimal("24.68"),
        )
    )
    before = {m: count(runtime, m) for m in (User, Region, Customer, Product, SalesLine)}

    head, previous = core_revisions(runtime)
    dbmod.downgrade(runtime.db, previous, runtime.plugins.migration_locations())
    assert head not in dbmod.current_revisions(runtime.db)
    assert not runtime.is_current()
    with runtime.db.engine.begin() as conn:  # a user of the older version adds rows
        conn.execute(
            sa.text("INSERT INTO region (code, name, version) VALUES ('old', 'Old region', 1)")
        )
        conn.execute(
            sa.text(
                "INSERT INTO product (code, name, category, unit, list_price, active, version) "
                "VALUES ('OLD-1', 'Old product', '', 'pcs', 5.50, TRUE, 1)"
            )
        )

    runtime.upgrade()
    assert runtime.is_current()
    after = {m: count(runtime, m) for m in before}
    assert after[Region] == before[Region] + 1 and after[Product] == before[Product] + 1
    assert {m: after[m] for m in (User, Customer, SalesLine)} == {
        m: before[m] for m in (User, Customer, SalesLine)
    }
    with runtime.db.read_session() as session:
        assert session.get(Customer, kept.id).name == "老客户有限公司"
        old = session.scalars(sa.select(Product).where(Product.code == "OLD-1")).one()
        assert old.list_price == Decimal("5.50")
    customers.create_customer(rep, {"name": "After upgrade Ltd"})  # and it still works


def test_cli_db_upgrade(empty_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")
    refused = CliRunner().invoke(cli, ["--database", empty_db_url, "db", "upgrade"])
    assert refused.exit_code == 1 and "salesdesk init" in refused.output  # nobody's yet
    assert CliRunner().invoke(cli, ["--database", empty_db_url, "init"]).exit_code == 0
    result = CliRunner().invoke(cli, ["--database", empty_db_url, "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    runtime = open_runtime(empty_db_url)
    try:
        assert runtime.is_current()
    finally:
        runtime.db.dispose()


def test_cli_refuses_an_old_schema_with_a_clear_message(empty_db_url: str) -> None:
    if empty_db_url.startswith("sqlite"):
        sqlite3.connect(sa.make_url(empty_db_url).database).close()  # the file exists
    result = CliRunner().invoke(cli, ["--database", empty_db_url, "users", "list"])
    assert result.exit_code == 1
    assert "salesdesk db upgrade" in result.output
    assert "Traceback" not in result.output


def _keep_writing(
    world: Any, stop: threading.Event, written: list[int], errors: list[BaseException]
) -> None:
    ctx = world.user("writer", "sales_rep")
    try:
        while not stop.is_set():
            customers.create_customer(ctx, {"name": f"Written during backup {len(written)}"})
            written.append(1)
    except BaseException as exc:  # the test fails on any error reaching the writer
        errors.append(exc)


def _fill(world: Any, rows: int) -> None:
    """Enough sales lines that the copy takes more than one step."""
    customer = world.customer()
    product = world.product()
    day = world.clock().date()
    with world.runtime.db.engine.begin() as conn:
        conn.execute(
            sa.insert(SalesLine),
            [
                {
                    "date": day,
                    "customer_id": customer.id,
                    "product_id": product.id,
                    "quantity": Decimal("1"),
                    "amount": Decimal(i % 1000),
                }
                for i in range(rows)
            ],
        )


def test_cli_backup_while_another_connection_writes(
    world: Any, backend: str, tmp_path: Path, db_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")
    if backend == "postgres" and not shutil.which("pg_dump"):
        pytest.fail("pg_dump is needed to back up PostgreSQL")
    _fill(world, 30_000)
    lines = count(world.runtime, SalesLine)
    stop, written, errors = threading.Event(), [], []
    writer = threading.Thread(target=_keep_writing, args=(world, stop, written, errors))
    writer.start()
    try:
        while len(written) < 3 and writer.is_alive():
            stop.wait(0.01)  # the writer is really writing when the backup starts
        target = tmp_path / "copy.db"
        result = CliRunner().invoke(
            cli, ["--database", world.runtime.db.url, "db", "backup", str(target)]
        )
    finally:
        stop.set()
        writer.join(60)
    assert not errors, errors
    assert result.exit_code == 0, result.output
    assert written, "the writer never wrote"
    copied = _copied_counts(backend, target, db_factory)
    assert copied["sales_line"] == lines
    assert copied["customer"] >= 1 + 3  # the fill customer plus what was written before


def _copied_counts(backend: str, target: Path, db_factory: Any) -> dict[str, int]:
    """Open the copy the way a restore would and count its rows."""
    tables = ("sales_line", "customer")
    if backend == "sqlite":
        with sqlite3.connect(target) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    restored = db_factory.new("postgres", migrated=False)
    plain = sa.make_url(restored).render_as_string(hide_password=False)
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={plain}", str(target)], check=True)
    engine = dbmod.make_engine(restored)
    try:
        with engine.connect() as conn:
            return {t: conn.scalar(sa.text(f"SELECT COUNT(*) FROM {t}")) for t in tables}
    finally:
        engine.dispose()
        db_factory.release(restored)


def test_backup_of_memory_database_is_refused(tmp_path: Path) -> None:
    runtime = open_runtime("sqlite://")
    try:
        with pytest.raises(dbmod.BackupFailed):
            dbmod.backup(runtime.db, tmp_path / "x.db")
    finally:
        runtime.db.dispose()


def backup_as(login: str, world: Any, target: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr("core.runtime.os_login", lambda: login)
    return CliRunner().invoke(
        cli, ["--database", world.runtime.db.url, "db", "backup", str(target)]
    )


def test_only_an_admin_may_back_up_and_it_is_audited(
    world: Any, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup holds every row of every user: a rep's record rules do not apply to it."""
    if backend == "postgres" and not shutil.which("pg_dump"):
        pytest.fail("pg_dump is needed to back up PostgreSQL")
    world.user("rep_b", "sales_rep")
    world.user("exec_b", "executive")
    for login in ("rep_b", "exec_b"):
        refused = backup_as(login, world, tmp_path / "copy.db", monkeypatch)
        assert refused.exit_code == 1 and "may not back up" in refused.output, refused.output
        assert "Traceback" not in refused.output
    assert list(tmp_path.iterdir()) == []

    done = backup_as("admin", world, tmp_path / "copy.db", monkeypatch)
    assert done.exit_code == 0, done.output
    assert (tmp_path / "copy.db").stat().st_mode & 0o777 == 0o600  # every row: owner only
    assert [p.name for p in tmp_path.iterdir()] == ["copy.db"]
    with world.runtime.db.read_session() as session:
        from core.models import AuditEntry

        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "backup")).one()
    assert entry.actor_login == "admin" and entry.new_value == str(tmp_path / "copy.db")
    assert entry.entity_id == Path(world.runtime.db.engine.url.database).name


class _KilledCopy(sqlite3.Connection):
    """A connection whose backup dies half-way, as when the process is killed."""

    def backup(self, target: sqlite3.Connection, **kw: Any) -> None:  # type: ignore[override]
        target.execute("CREATE TABLE half_copied (x)")
        target.commit()
        raise KeyboardInterrupt


def test_a_backup_cut_short_leaves_nothing_that_looks_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    source = tmp_path / "live.db"
    sqlite3.connect(source).close()
    runtime = open_runtime(f"sqlite:///{source}", load_plugins=False)
    out = tmp_path / "backups"
    killed = SimpleNamespace(
        Error=sqlite3.Error, connect=lambda *a, **kw: sqlite3.connect(*a, factory=_KilledCopy, **kw)
    )
    monkeypatch.setattr(dbmod, "sqlite3", killed)
    try:
        with pytest.raises(KeyboardInterrupt):
            dbmod.backup(runtime.db, out / "copy.db")
    finally:
        runtime.db.dispose()
    assert list(out.iterdir()) == []  # neither copy.db nor copy.db-journal


def test_pg_dump_gets_the_password_in_its_environment_not_its_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arguments are visible to every user of the machine (``ps``); the environment not."""
    calls: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(args: list[str], **kw: Any) -> subprocess.CompletedProcess:
        calls.append((args, kw.get("env") or {}))
        Path(next(a for a in args if a.startswith("--file="))[7:]).write_bytes(b"PGDMP")
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    database = dbmod.Database("postgresql://sales:s3cret@db.example:5432/sales")
    try:
        written = dbmod.backup(database, tmp_path / "sales.dump")
    finally:
        database.dispose()
    ((args, env),) = calls
    assert not any("s3cret" in arg for arg in args), args
    assert env.get("PGPASSWORD") == "s3cret"
    assert written.read_bytes() == b"PGDMP" and written.stat().st_mode & 0o777 == 0o600


REVISION = """
revision = "{rev}"
down_revision = {down}
branch_labels = {labels}
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
"""


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_migration_scripts_are_read_again_only_when_a_file_changes(
    runtime: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every runtime opened asks for the schema's status (each command, each test), and
    reading the migration folders (every revision file run as Python) was a fifth of an
    ``open_runtime``: they are read again when a file in them is added or changed."""
    from alembic.script import ScriptDirectory

    reads: list[int] = []
    from_config = ScriptDirectory.from_config.__func__  # type: ignore[attr-defined]

    def counted(cls: Any, config: Any) -> Any:
        reads.append(1)
        return from_config(cls, config)

    monkeypatch.setattr(ScriptDirectory, "from_config", classmethod(counted))
    folder = tmp_path / "versions"
    folder.mkdir()
    first = REVISION.format(rev="pp_0001", down="None", labels='("pp",)')
    (folder / "pp_0001.py").write_text(first, encoding="utf-8")
    assert dbmod.schema_status(runtime.db, [str(folder)])[0] == {"pp_0001"}
    assert dbmod.schema_status(runtime.db, [str(folder)])[0] == {"pp_0001"}
    assert len(reads) == 1
    second = REVISION.format(rev="pp_0002", down='"pp_0001"', labels="None")
    (folder / "pp_0002.py").write_text(second, encoding="utf-8")
    assert dbmod.schema_status(runtime.db, [str(folder)])[0] == {"pp_0002"}
    third = second.replace("pp_0002", "pp_0003") + "# renamed\n"
    (folder / "pp_0002.py").write_text(third, encoding="utf-8")
    assert dbmod.schema_status(runtime.db, [str(folder)])[0] == {"pp_0003"}
    assert len(reads) == 3
