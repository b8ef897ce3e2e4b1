"""Writing validated sales lines fast, inside the import's one transaction.

* SQLite: the validated tuples go to the driver as they are (ISO date text and checked
  decimal text are what SQLAlchemy would have bound, minus its per-row work), a hundred
  rows a statement (``insert_many``), with a bigger page cache, and for a load at least
  as big as the table the secondary indexes are dropped and rebuilt after the load
  (building an index by sorting once is much cheaper than a million random insertions),
  on a second thread while the importer computes the batch's summary totals
  (``IndexRebuild.rebuild_while``). DDL is transactional in SQLite, so a rollback
  brings the indexes back exactly as they were.
* SQLite foreign keys are not checked row by row during an import
  (``trusted_foreign_keys``): every id in a validated line was looked up in this same
  write transaction, which holds SQLite's only write lock, so none can dangle; the six
  parent lookups per line cost about a third of the insert. The pragma can only change
  outside a transaction, so core.db sets it just before the import's BEGIN and back when
  the connection returns to the pool.
* PostgreSQL (psycopg): ``COPY ... FROM STDIN`` in the same transaction; the server
  parses the ISO dates and decimal text. Other drivers: a Core ``insert`` executemany.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from itertools import chain
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import SKIP_FK_CHECKS, Database
from core.models import SalesLine
from core.services.import_rows import LineTuple

LINE_COLUMNS = (
    "date",
    "customer_id",
    "product_id",
    "rep_id",
    "region_id",
    "channel_id",
    "quantity",
    "amount",
    "batch_id",
    "tax_rate",
    "return_reason",
)
IMPORT_CACHE_KIB = 128 * 1024
SORT_CACHE_KIB = 4 * 1024
REBUILD_MIN_ROWS = 50_000  # below this, keeping the indexes is cheaper anyway
ROWS_PER_STATEMENT = 100
TABLE = SalesLine.__tablename__
T = TypeVar("T")


@contextmanager
def trusted_foreign_keys(db: Database) -> Iterator[None]:
    """SQLite write transactions begun on this thread inside the block skip foreign-key
    checks (``core.db.SKIP_FK_CHECKS``); use only around a write whose every id was looked
    up in its own transaction, and fire its events after the block."""
    if not db.is_sqlite:
        yield
        return
    token = SKIP_FK_CHECKS.set(True)
    try:
        yield
    finally:
        SKIP_FK_CHECKS.reset(token)


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def line_writer(session: Session) -> Callable[[list[LineTuple]], None]:
    """A function inserting one chunk of validated lines."""
    if is_sqlite(session):
        head = f"INSERT INTO {TABLE} ({', '.join(LINE_COLUMNS)})"

        def write_sqlite(chunk: list[LineTuple]) -> None:
            insert_many(session, head, len(LINE_COLUMNS), chunk)

        return write_sqlite
    if session.get_bind().dialect.driver == "psycopg":
        copy_sql = f"COPY {TABLE} ({', '.join(LINE_COLUMNS)}) FROM STDIN"

        def write_copy(chunk: list[LineTuple]) -> None:
            # COPY inside the session's transaction: one stream per chunk instead of a
            # round trip per row (executemany ran at ~4,000 rows/s here).
            raw = session.connection().connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
                for row in chunk:
                    copy.write_row(row)

        return write_copy
    insert = sa.insert(SalesLine.__table__)  # type: ignore[attr-defined]
    day = functools.lru_cache(maxsize=None)(dt.date.fromisoformat)

    def write_core(chunk: list[LineTuple]) -> None:
        session.execute(
            insert,
            [
                {
                    "date": day(d),
                    "customer_id": c,
                    "product_id": p,
                    "rep_id": r,
                    "region_id": g,
                    "channel_id": ch,
                    "quantity": Decimal(q),
                    "amount": Decimal(a),
                    "batch_id": b,
                    "tax_rate": None if t is None else Decimal(t),
                    "return_reason": why,
                }
                for d, c, p, r, g, ch, q, a, b, t, why in chunk
            ],
        )

    return write_core


def insert_many(
    session: Session, head: str, width: int, rows: Iterable[Sequence[Any]], tail: str = ""
) -> None:
    """SQLite ``head VALUES (...), (...) tail`` with ``ROWS_PER_STATEMENT`` rows of
    ``width`` values a statement: a third less CPU than one statement step per row."""
    insert_flat(session, head, width, list(chain.from_iterable(rows)), tail)


def insert_flat(session: Session, head: str, width: int, flat: list[Any], tail: str = "") -> None:
    """``insert_many`` of rows already laid out one after another in ``flat``."""
    raw = session.connection().connection.driver_connection
    one = f"({', '.join('?' * width)})"
    step = width * ROWS_PER_STATEMENT
    whole = len(flat) // step * step
    if whole:
        raw.executemany(  # type: ignore[union-attr]
            f"{head} VALUES {', '.join([one] * ROWS_PER_STATEMENT)}{tail}",
            (flat[i : i + step] for i in range(0, whole, step)),
        )
    if whole < len(flat):
        raw.executemany(  # type: ignore[union-attr]
            f"{head} VALUES {one}{tail}",
            (flat[i : i + width] for i in range(whole, len(flat), width)),
        )


@contextmanager
def big_cache(session: Session) -> Iterator[None]:
    """A bigger SQLite page cache while the lines go in, so index pages stay in memory
    instead of being re-read for every row; restored afterwards (pooled connection)."""
    if not is_sqlite(session):
        yield
        return
    with page_cache(session.connection().connection.driver_connection, IMPORT_CACHE_KIB):
        yield


@contextmanager
def page_cache(raw: Any, kib: int) -> Iterator[None]:
    """SQLite's page cache at ``kib`` KiB on the driver connection ``raw`` inside the
    block, and back to what it was afterwards, also on an error."""
    before = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size = -{kib}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size = {int(before or -2000)}")


class IndexRebuild:
    """The sales_line indexes dropped for a big load, to build again before commit."""

    def __init__(self, session: Session, indexes: list[tuple[str, str]]) -> None:
        self._session = session
        self._pending = [sql for _, sql in indexes]

    def rebuild_while(self, work: Callable[[], T]) -> T:
        """Rebuild the indexes on a second thread while ``work`` (which must not use the
        database) runs on this one: SQLite sorts and writes them in C without the GIL,
        so on two cores the index build costs almost no wall time."""
        pending, self._pending = self._pending, []
        if not pending:
            return work()
        raw = self._session.connection().connection.driver_connection
        failure: list[BaseException] = []

        def build() -> None:
            try:
                # SQLite's sorter sorts runs of one cache's size and merges them: runs
                # that fit the CPU's caches build the four sales_line indexes about a
                # quarter faster than one sort of a million keys in the import's 128 MiB
                # (bench/bench_import.py), and the line pages still dirty in the cache
                # go to the WAL now, on this thread, instead of at commit.
                with page_cache(raw, SORT_CACHE_KIB):
                    for sql in pending:
                        raw.execute(sql)  # type: ignore[union-attr]
            except BaseException as exc:  # re-raised on the caller's thread
                failure.append(exc)

        thread = threading.Thread(target=build, name="salesdesk-index-rebuild")
        thread.start()
        try:
            result = work()
        finally:
            thread.join()
        if failure:
            raise failure[0]
        return result

    def finish(self) -> None:
        self.rebuild_while(lambda: None)


@contextmanager
def deferred_indexes(session: Session, incoming_rows: int | None) -> Iterator[IndexRebuild]:
    """On SQLite, drop sales_line's secondary indexes for a big load and rebuild them
    when the body finishes normally (or earlier, through ``rebuild_while``). On an
    exception nothing is rebuilt: the caller's rollback restores them."""
    if not is_sqlite(session) or not incoming_rows or incoming_rows < REBUILD_MIN_ROWS:
        yield IndexRebuild(session, [])
        return
    conn = session.connection()
    existing = conn.exec_driver_sql(f"SELECT max(id) - min(id) + 1 FROM {TABLE}").scalar()
    if (existing or 0) > incoming_rows:
        yield IndexRebuild(session, [])  # a big table: rebuilding costs more than it saves
        return
    indexes = [
        (name, sql)
        for name, sql in conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            (TABLE,),
        )
    ]
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    rebuild = IndexRebuild(session, indexes)
    yield rebuild
    rebuild.finish()
