"""Load a generated company into a database with SQLAlchemy Core bulk inserts.

A seeding tool, not a user action: rows go in through ``executemany`` (no ORM, no
services), and each table gets one audit entry saying how many rows the generator seeded.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from core.datagen import pipeline
from core.datagen.sales import SALES_COLUMNS, SalesTotals, chunk_tuples, sales_chunks
from core.datagen.scales import get_scale
from core.datagen.world import World, build_world, customer_chunks
from core.db import WRITE_OPTION, Database
from core.funnels import BASIC_FUNNEL, FunnelDefinition
from core.models import (
    Activity,
    AuditEntry,
    Channel,
    Contact,
    Customer,
    DailyReport,
    Opportunity,
    Product,
    Region,
    SalesLine,
    SalesTarget,
    StageChange,
    User,
    VisitPlan,
    utcnow,
)

Progress = Callable[[str, int, int], None]  # (table, rows done, rows expected)
COMMIT_EVERY = 250_000  # sales lines per transaction: bounded WAL, few fsyncs
SQLITE_CACHE_KIB = 64 * 1024  # page cache while loading (part of the 500 MiB budget)
ID_TABLES = (
    Region,
    Channel,
    Product,
    User,
    Customer,
    Contact,
    Opportunity,
    StageChange,
    Activity,
    DailyReport,
    VisitPlan,
    SalesTarget,
)


@dataclass
class GenerationResult:
    scale: str
    seed: int
    reference: dt.date
    first_month: dt.date
    last_month: dt.date
    counts: dict[str, int] = field(default_factory=dict)
    sales_cents: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    summaries_refreshed: bool = False


def generate(
    db: Database,
    scale: str = "small",
    seed: int = 1,
    *,
    reference: dt.date | None = None,
    actor_login: str = "datagen",
    actor_id: int | None = None,
    funnel: FunnelDefinition = BASIC_FUNNEL,
    progress: Progress | None = None,
) -> GenerationResult:
    """Generate the ``scale`` data set for ``seed`` and load it into ``db``.

    ``reference`` is "today" for the data (sales end on it, visits happen up to it);
    the same scale, seed and reference give the same rows, counts and sums.
    """
    reference = reference or dt.date.today()
    engine = db.engine.execution_options(**{WRITE_OPTION: True})
    world = build_world(get_scale(scale), seed, reference, _offsets(engine))
    result = GenerationResult(scale, seed, reference, world.first_day, reference.replace(day=1))
    report = progress or (lambda _t, _d, _n: None)
    opps, changes = pipeline.opportunities(world, funnel)  # sets prospects' classes first

    def timed(table: str, rows: Iterable[list[dict]], expected: int) -> None:
        started = time.perf_counter()
        done = result.counts.get(table, 0)
        for batch in rows:
            with engine.begin() as conn:
                _insert(conn, _table(table), batch)
            done += len(batch)
            report(table, done, expected)
        result.counts[table] = done
        result.seconds[table] = result.seconds.get(table, 0) + time.perf_counter() - started

    timed("region", [world.regions], len(world.regions))
    timed("channel", [world.channels], len(world.channels))
    timed("product", [world.products], len(world.products))
    timed("sd_user", [world.users], len(world.users))
    primary = _customers(world, timed)
    timed("opportunity", [opps], len(opps))
    timed("stage_change", [changes], len(changes))
    visits = pipeline.activities(world)
    headers, plans = pipeline.daily_reports(world, visits, primary)
    timed("activity", [visits], len(visits))
    timed("daily_report", [headers], len(headers))
    timed("visit_plan", [plans], len(plans))
    totals = _sales_lines(world, engine, result, report, db.is_sqlite)
    goals = pipeline.targets(world, totals.by_rep_month)
    timed("sales_target", [goals], len(goals))
    started = time.perf_counter()
    report("summaries", 0, 0)
    result.summaries_refreshed = _refresh_summaries(db, result.first_month, result.last_month)
    result.seconds["summaries"] = time.perf_counter() - started
    with engine.begin() as conn:
        _audit(conn, result, actor_login, actor_id)
        if not db.is_sqlite:
            _reset_sequences(conn)
    return result


def _table_of(model: type) -> sa.Table:
    return model.__table__  # type: ignore[attr-defined]  # sqlmodel declares no __table__


def _table(name: str) -> sa.Table:
    return next(t for t in map(_table_of, (*ID_TABLES, SalesLine)) if t.name == name)


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    if rows:
        conn.execute(table.insert(), [{k: v for k, v in r.items() if k[0] != "_"} for r in rows])


def _offsets(engine: sa.Engine) -> dict[str, int]:
    """Highest id per table, so generated ids follow rows already there (the admin)."""
    with engine.connect() as conn:
        return {
            t.name: conn.scalar(sa.select(sa.func.max(t.c.id))) or 0
            for t in map(_table_of, ID_TABLES)
        }


def _customers(world: World, timed: Callable[..., None]) -> dict[int, int]:
    """Load customers and contacts; return each customer's primary contact (the person
    a visit usually meets)."""
    primary: dict[int, int] = {}
    # Each chunk's contacts go in right after its customers (their foreign keys need them).
    for customers, contacts in customer_chunks(world):
        timed("customer", [customers], world.scale.customers)
        timed("contact", [contacts], 0)
        primary.update((c["customer_id"], c["id"]) for c in contacts if c.get("is_primary"))
    return primary


def _sales_lines(
    world: World, engine: sa.Engine, result: GenerationResult, report: Progress, sqlite: bool
) -> SalesTotals:
    """Stream lines in chunks; one transaction per COMMIT_EVERY lines keeps memory flat.

    Lines go through the driver's executemany as tuples already in storage form:
    SQLAlchemy's per-row dict processing would cost more than the insert itself.
    On SQLite the loading connection skips foreign-key checks (the generator only
    references rows it has just inserted; tests check integrity), gets a larger page
    cache, and on an empty table builds the indexes once at the end.
    """
    totals = SalesTotals(world)
    started = time.perf_counter()
    conn = engine.connect()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO sales_line ({', '.join(SALES_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(SALES_COLUMNS))})"
    )
    raw = conn.connection.driver_connection if sqlite else None
    deferred: list[str] = []
    try:
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")
            raw.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            deferred = _drop_indexes_if_empty(raw)
        trans = conn.begin()
        pending = 0
        for chunk in sales_chunks(world):
            totals.add(chunk)
            conn.exec_driver_sql(sql, chunk_tuples(world, chunk, sqlite))
            pending += len(chunk.cents)
            if pending >= COMMIT_EVERY:
                trans.commit()
                trans, pending = conn.begin(), 0
            report("sales_line", totals.rows, world.scale.sales_lines)
        trans.commit()
    finally:
        if raw is not None:
            for create in deferred:  # also after a failure: never leave the table bare
                raw.execute(create)
            raw.execute("PRAGMA foreign_keys = ON")
            raw.execute("PRAGMA cache_size = -2000")
        conn.close()
    result.counts["sales_line"] = totals.rows
    result.sales_cents = totals.cents
    result.seconds["sales_line"] = time.perf_counter() - started
    return totals


def _drop_indexes_if_empty(raw: Any) -> list[str]:
    """On an empty sales_line table, drop its indexes and return their CREATE statements.

    Building an index once over millions of sorted keys is much cheaper than updating it
    row by row; with rows already there (someone's data) we leave the table alone.
    """
    if raw.execute("SELECT 1 FROM sales_line LIMIT 1").fetchone():
        return []
    found = raw.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name = 'sales_line' AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in found:
        raw.execute(f'DROP INDEX "{name}"')
    return [create for _name, create in found]


def _refresh_summaries(db: Database, first_month: dt.date, last_month: dt.date) -> bool:
    """Rebuild the report summaries when the reports module providing them is installed."""
    try:
        from core.summaries import refresh_sales_summaries
    except ModuleNotFoundError as exc:
        if exc.name != "core.summaries":
            raise
        return False
    with db.write_session() as session, session.begin():
        refresh_sales_summaries(session, first_month, last_month)
    return True


def _audit(conn: sa.Connection, result: GenerationResult, login: str, actor_id: int | None) -> None:
    now = utcnow()
    conn.execute(
        _table_of(AuditEntry).insert(),
        [
            {
                "at": now,
                "actor_id": actor_id,
                "actor_login": login,
                "action": "seed",
                "entity": table,
                "entity_id": "*",
                "field": "rows",
                "old_value": None,
                "new_value": f"demo generator seeded {count} rows "
                f"(scale {result.scale}, seed {result.seed})",
            }
            for table, count in result.counts.items()
        ],
    )


def _reset_sequences(conn: sa.Connection) -> None:
    """PostgreSQL: explicit ids leave the id sequences behind; move them past the rows."""
    for model in ID_TABLES:
        name = model.__tablename__
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
            )
        )
