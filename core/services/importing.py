"""Import customers, products and sales lines from CSV or spreadsheet files.

All or nothing: one write transaction per file. The whole file is always validated so the
user gets every bad row (row as seen in the file, column, value, what was expected) in
one go; good rows are inserted in chunks as long as no problem has been seen, and any
problem rolls the transaction back. A dry run validates the same way and writes nothing.

A committed import leaves an ``ImportBatch`` row holding the file's sha256: the same file
is refused the second time so sales are never counted twice. One audit entry records the
batch (not one per line), and ``salesdesk_sales_lines_imported`` fires after commit.
The report summaries get the batch's own totals in the same transaction (SQLite: gathered
from the validated lines by ``import_totals``; PostgreSQL: aggregated from the inserted
batch), never a recomputation of whole months; ``delete_sales_batch`` undoes an import,
taking exactly its totals away.

Long imports report ``progress(rows_done, total_or_None)`` and stop, writing nothing,
when the ``cancel`` event is set, so the TUI can run them in a worker thread.
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.access import require
from core.context import Context
from core.errors import PermissionDenied, SalesdeskError, ValidationFailed
from core.i18n import _, labelled, listed, plural
from core.models import (
    Channel,
    Customer,
    ImportBatch,
    Product,
    Receipt,
    Region,
    SalesLine,
    User,
)
from core.services.base import UnitOfWork, commit, detached, fire_events, write
from core.services.import_files import FileFacts, Table, UnreadableFile, file_facts, open_table
from core.services.import_org import ORG_KINDS, ORG_PERMISSIONS, import_org
from core.services.import_rows import (
    SALES_COLUMNS,
    SALES_REQUIRED,
    Problems,
    SalesLookups,
    Spec,
    check_header,
    customer_spec,
    master_rows,
    product_spec,
    receipt_spec,
    sales_line_chunks,
)
from core.services.import_writes import (
    big_cache,
    deferred_indexes,
    is_sqlite,
    line_writer,
    trusted_foreign_keys,
)
from core.services.organisation import company_vat_rate
from core.summaries import add_line_totals, check_totals

if TYPE_CHECKING:
    from core.services.import_totals import BatchTotals

KINDS = ("customers", "products", "sales_lines", "receipts", *ORG_KINDS)
PERMISSIONS = {
    "customers": ("sales.import", "customer.create"),
    "products": ("sales.import", "product.manage"),
    "sales_lines": ("sales.import",),
    "receipts": ("receipt.record",),
    **ORG_PERMISSIONS,
}
CHUNK_ROWS = 20_000
Progress = Callable[[int, int | None], None]


class AlreadyImported(SalesdeskError):
    """The same file (by sha256) was imported before: importing again would double-count."""


class ImportCancelled(SalesdeskError):
    def __init__(self, file_name: str) -> None:
        super().__init__(
            _("The import of {file} was cancelled; nothing was written.").format(file=file_name)
        )


@dataclass
class ImportRefused(ValidationFailed):
    """Bad rows: every problem is counted, the first ``MAX_LISTED_PROBLEMS`` are listed."""

    total: int = 0
    bad_rows: int = 0

    def __str__(self) -> str:
        counted = _("{total} problem(s) in {rows} row(s); nothing was imported.").format(
            total=self.total, rows=self.bad_rows
        )
        head = labelled(self.subject, counted)
        shown = "\n".join(f"  {p}" for p in self.problems[:50])
        more = self.total - min(50, len(self.problems))
        tail = "\n  " + _("... and {n} more").format(n=more) if more > 0 else ""
        return f"{head}\n{shown}{tail}"


@dataclass
class ImportResult:
    kind: str
    file_name: str
    rows: int
    dry_run: bool
    batch_id: int | None = None
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    seconds: float = 0.0
    summaries_seconds: float = 0.0  # of ``seconds``, spent refreshing report summaries


@dataclass
class _Job:
    ctx: Context
    kind: str
    path: Path
    facts: FileFacts
    dry_run: bool
    progress: Progress | None
    cancel: threading.Event | None
    chunk_rows: int
    # each known column's name as the file's header has it: problems name both
    typed: dict[str, str] = field(default_factory=dict)


def import_file(
    ctx: Context,
    kind: str,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportResult:
    """Import ``path`` as ``kind`` (customers, products, sales_lines / sales-lines)."""
    kind = kind.replace("-", "_")
    if kind not in KINDS:
        raise SalesdeskError(
            _("Cannot import '{kind}': choose one of {kinds}.").format(
                kind=kind, kinds=listed(k.replace("_", "-") for k in KINDS)
            )
        )
    for permission in PERMISSIONS[kind]:
        require(ctx, permission)  # before reading a byte; checked again in the transaction
    path = Path(path)
    job = _Job(ctx, kind, path, file_facts(path), dry_run, progress, cancel, chunk_rows)
    started = time.perf_counter()
    if dry_run:
        with ctx.db.read_session() as session, session.begin():
            result = _run(job, session, None)
            session.rollback()
    elif kind == "sales_lines":
        with trusted_foreign_keys(ctx.db):  # every id is looked up in the transaction
            result, events = commit(ctx, lambda uow: _run(job, uow.session, uow))
        # Only now: a handler's own writes must check foreign keys again.
        fire_events(ctx, events)
    else:
        result = write(ctx, lambda uow: _run(job, uow.session, uow))
    result.seconds = time.perf_counter() - started
    return result


def _run(job: _Job, session: Session, uow: UnitOfWork | None) -> ImportResult:
    if uow is not None:
        for permission in PERMISSIONS[job.kind]:
            uow.require(permission)
    _refuse_same_file(session, job)
    try:
        with open_table(job.path, job.facts.approx_rows) as table:
            if job.kind == "sales_lines":
                return _import_sales_lines(job, session, uow, table)
            if job.kind in ORG_KINDS:
                return import_org(job, session, uow, table)
            if job.kind == "receipts":
                return _import_receipts(job, session, uow, table)
            return _import_master(job, session, uow, table)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            _("{file} is not valid {encoding} text throughout; save it as CSV UTF-8.").format(
                file=job.path.name, encoding=exc.encoding
            )
        ) from exc
    except csv.Error as exc:
        raise UnreadableFile(
            _("{file} is not a readable CSV file: {reason}").format(file=job.path.name, reason=exc)
        ) from exc


def _refuse_same_file(session: Session, job: _Job) -> None:
    if session.get_bind().dialect.name == "postgresql" and not job.dry_run:
        # SQLite's BEGIN IMMEDIATE already serialises writers; on PostgreSQL two imports
        # of the same file would both pass the check below without this lock.
        session.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"salesdesk-import-{job.facts.checksum}"},
        )
    earlier = session.execute(
        sa.select(
            col(ImportBatch.id),
            col(ImportBatch.file_name),
            col(ImportBatch.imported_at),
            col(ImportBatch.row_count),
            col(User.display_name),
        )
        .outerjoin(User, col(User.id) == col(ImportBatch.imported_by_id))
        .where(col(ImportBatch.kind) == job.kind, col(ImportBatch.checksum) == job.facts.checksum)
    ).first()
    if earlier is not None:
        batch_id, name, at, rows, who = earlier
        raise AlreadyImported(
            _(
                "{file} was already imported as batch {batch} ('{name}', {rows}, by {who} "
                "on {at}); importing it again would count it twice, so nothing was imported."
            ).format(
                file=job.path.name,
                batch=batch_id,
                name=name,
                rows=plural(rows, "{n} row", "{n} rows").format(n=f"{rows:,}"),
                who=who or _("an unknown user"),
                at=f"{at:%Y-%m-%d %H:%M}",
            )
        )


# -- sales lines ---------------------------------------------------------------------------


def _import_sales_lines(
    job: _Job, session: Session, uow: UnitOfWork | None, table: Table
) -> ImportResult:
    problems = Problems()
    positions = _header(table, SALES_COLUMNS, SALES_REQUIRED, problems, job)
    lookups = _sales_lookups(session)
    batch = _new_batch(job, session) if uow is not None else None
    write_lines = line_writer(session)
    # SQLite: the batch's totals are gathered from the validated lines as they go in;
    # other backends aggregate the inserted batch in SQL afterwards.
    totals = _batch_totals() if uow is not None and is_sqlite(session) else None
    rows = 0
    with big_cache(session):
        with deferred_indexes(session, job.facts.approx_rows if uow is not None else 0) as indexes:
            for seen, chunk in sales_line_chunks(
                table.rows,
                positions,
                lookups,
                problems,
                batch.id if batch else None,
                job.chunk_rows,
            ):
                _checkpoint(job, seen, table.total)
                if chunk and uow is not None and not problems:
                    write_lines(chunk)
                    if totals is not None:
                        totals.add(chunk)
                rows = seen
            _raise_problems(job, problems)
            started = time.perf_counter()
            upserts = indexes.rebuild_while(totals.prepare if totals else list)
            prepare_seconds = time.perf_counter() - started
        days = lookups.dates.values()
        first, last = (
            (dt.date.fromisoformat(min(days)), dt.date.fromisoformat(max(days)))
            if rows
            else (None, None)
        )
        result = ImportResult(
            job.kind, job.path.name, rows, job.dry_run, first_date=first, last_date=last
        )
        if batch is not None and uow is not None:
            _finish_batch(job, session, uow, batch, result)
            if first is not None and last is not None:
                started = time.perf_counter()
                _add_to_summaries(session, batch, totals, upserts, first, last)
                result.summaries_seconds = time.perf_counter() - started + prepare_seconds
            uow.after_commit("salesdesk_sales_lines_imported", batch=detached(batch))
    return result


def _batch_totals() -> BatchTotals:
    from core.services.import_totals import BatchTotals  # numpy: only when importing

    return BatchTotals()


def _add_to_summaries(
    session: Session,
    batch: ImportBatch,
    totals: BatchTotals | None,
    upserts: list[Any],
    first: dt.date,
    last: dt.date,
) -> None:
    """Add the batch's own totals to the report summaries (nothing else is re-read)."""
    if totals is not None:
        totals.apply(session, upserts)
    else:
        add_line_totals(session, "batch_id = :batch", {"batch": batch.id}, first, last)
    check_totals(session, first, last)  # a total too big is refused, never shown wrong


def _sales_lookups(session: Session) -> SalesLookups:
    customers = {
        code: (cid, region, owner)
        for code, cid, region, owner in session.execute(
            sa.select(
                col(Customer.code),
                col(Customer.id),
                col(Customer.region_id),
                col(Customer.owner_id),
            )
        )
        if cid is not None
    }  # never None: stored rows
    return SalesLookups(
        customers=customers,
        products=_code_map(session, Product.code, Product.id),
        users=_code_map(session, col(User.login), col(User.id), col(User.active).is_(True)),
        regions=_code_map(session, Region.code, Region.id),
        channels=_code_map(session, Channel.code, Channel.id),
    )


def delete_sales_batch(ctx: Context, batch_id: int) -> int:
    """Undo a sales-line import: its lines go, the summaries lose exactly their totals,
    and the batch record goes so the corrected file may be imported again. One audit
    entry; returns the number of lines deleted."""
    require(ctx, "sales.import")
    return write(ctx, lambda uow: _delete_batch(uow, batch_id))


def _delete_batch(uow: UnitOfWork, batch_id: int) -> int:
    uow.require("sales.import")
    session = uow.session
    batch = session.get(ImportBatch, batch_id)
    if batch is None or batch.kind != "sales_lines":
        raise SalesdeskError(
            _("There is no sales-line import batch {batch}.").format(batch=batch_id)
        )
    where, params = "batch_id = :batch", {"batch": batch_id}
    lines = session.execute(
        sa.select(sa.func.count(), sa.func.min(SalesLine.date), sa.func.max(SalesLine.date)).where(
            col(SalesLine.batch_id) == batch_id
        )
    ).one()
    count = lines[0]
    if count:
        add_line_totals(session, where, params, _day(lines[1]), _day(lines[2]), sign=-1)
        session.execute(sa.delete(SalesLine).where(col(SalesLine.batch_id) == batch_id))
    uow.audit(
        "delete",
        "import_batch",
        batch_id,
        batch.kind,
        f"{batch.row_count} rows from {batch.file_name} (sha256 {batch.checksum[:16]})",
        None,
    )
    session.delete(batch)
    return int(count)


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


# -- customers and products ----------------------------------------------------------------


def _import_master(
    job: _Job, session: Session, uow: UnitOfWork | None, table: Table
) -> ImportResult:
    model: type[Any] = Customer if job.kind == "customers" else Product
    spec: Spec = customer_spec() if model is Customer else product_spec()
    problems = Problems()
    required = [name for name, (_, _, needed) in spec.items() if needed]
    positions = _header(table, spec, required, problems, job)
    lookups = {
        "regions": _code_map(session, Region.code, Region.id),
        "users": _code_map(session, User.login, User.id, col(User.active).is_(True)),
    }
    existing = set(session.scalars(sa.select(model.code)))
    base = _defaults(model, job.ctx)
    if model is Product:  # a new product's VAT rate is the company's default
        base["vat_rate"] = company_vat_rate(session)
    insert = sa.insert(model.__table__)
    chunk: list[dict[str, Any]] = []
    rows = 0
    for number, values in master_rows(table.rows, spec, positions, lookups, existing, problems):
        rows += 1
        if model is Customer:
            _check_customer_rights(job, number, values)
            values.setdefault("pool_since", None if values.get("owner_id") else job.ctx.now())
        if not problems:
            chunk.append({**base, **values})
        if rows % job.chunk_rows == 0:
            _checkpoint(job, rows, table.total)
            chunk = _flush(session, uow, insert, chunk, problems)
    _checkpoint(job, rows, table.total)
    _flush(session, uow, insert, chunk, problems)
    _raise_problems(job, problems)
    result = ImportResult(job.kind, job.path.name, rows, job.dry_run)
    if uow is not None:
        _finish_batch(job, session, uow, _new_batch(job, session), result)
    return result


def _import_receipts(
    job: _Job, session: Session, uow: UnitOfWork | None, table: Table
) -> ImportResult:
    """Receipts (收款) against customers by code; all or nothing like every import."""
    spec = receipt_spec()
    problems = Problems()
    required = [name for name, (_, _, needed) in spec.items() if needed]
    positions = _header(table, spec, required, problems, job)
    lookups = {"customers": _code_map(session, Customer.code, Customer.id)}
    rows = [
        values for _n, values in master_rows(table.rows, spec, positions, lookups, set(), problems)
    ]
    _raise_problems(job, problems)
    days = [v["date"] for v in rows]
    result = ImportResult(
        job.kind,
        job.path.name,
        len(rows),
        job.dry_run,
        first_date=min(days, default=None),
        last_date=max(days, default=None),
    )
    if uow is not None:
        batch = _new_batch(job, session)
        base = {
            "reference": "",
            "note": "",
            "method": "",
            "batch_id": batch.id,
            "created_by_id": job.ctx.actor.id,
            "created_at": job.ctx.now(),
        }
        for start in range(0, len(rows), job.chunk_rows):
            _checkpoint(job, start, len(rows))
            session.execute(
                sa.insert(Receipt.__table__),  # type: ignore[attr-defined]
                [{**base, **v} for v in rows[start : start + job.chunk_rows]],
            )
        _finish_batch(job, session, uow, batch, result)
    return result


def _check_customer_rights(job: _Job, number: int, values: dict[str, Any]) -> None:
    """Refuse a row that does what the importer may not do by hand: the file's name, the
    row and the file's own column headers say where."""
    ctx = job.ctx
    owner = values.get("owner_id")
    if owner is not None and owner != ctx.actor.id and not ctx.grant.has("customer.assign"):
        raise PermissionDenied(
            _(
                "{file}, row {row}: you may not give customers to other people "
                "({columns} in the file); ask your manager to import it."
            ).format(file=job.path.name, row=number, columns=_typed(job, "owner_login"))
        )
    if (values.get("credit_limit") or values.get("credit_rating")) and not ctx.grant.has(
        "customer.credit"
    ):
        raise PermissionDenied(
            _(
                "{file}, row {row}: you may not set a customer's credit rating or credit "
                "limit ({columns} in the file); ask your manager to import it."
            ).format(
                file=job.path.name,
                row=number,
                columns=_typed(
                    job, *(n for n in ("credit_rating", "credit_limit") if values.get(n))
                ),
            )
        )


def _typed(job: _Job, *names: str) -> str:
    """The file's headers of ``names`` as it spells them, quoted ("'信用额度'")."""
    return listed(f"'{job.typed[n]}'" for n in names if n in job.typed)


def _defaults(model: type[Any], ctx: Context) -> dict[str, Any]:
    """Every column's default, since a Core insert skips the model's Python defaults."""
    values = {k: v for k, v in model().model_dump().items() if k != "id"}
    if "created_at" in values:
        values["created_at"] = ctx.now()
    return values


def _flush(
    session: Session,
    uow: UnitOfWork | None,
    insert: Any,
    chunk: list[dict[str, Any]],
    problems: Problems,
) -> list[dict[str, Any]]:
    if chunk and uow is not None and not problems:
        session.execute(insert, chunk)
    return []


# -- shared steps --------------------------------------------------------------------------


def _header(
    table: Table, known: Iterable[str], required: Iterable[str], problems: Problems, job: _Job
) -> dict[str, int]:
    header = list(table.header)
    while header and not header[-1].strip():  # spreadsheets often trail empty columns
        header.pop()
    if not header:
        raise UnreadableFile(
            _("{file} is empty: its first row should hold the column headers.").format(
                file=job.path.name
            )
        )
    positions = check_header(header, known, required, problems)
    job.typed = {name: header[index].strip() for name, index in positions.items()}
    _raise_problems(job, problems)  # rows cannot be read against a wrong header
    return positions


def _code_map(session: Session, code: Any, key: Any, *where: Any) -> dict[str, int]:
    return {k: v for k, v in session.execute(sa.select(code, key).where(*where))}


def _checkpoint(job: _Job, rows: int, total: int | None) -> None:
    if job.cancel is not None and job.cancel.is_set():
        raise ImportCancelled(job.path.name)
    if job.progress is not None:
        job.progress(rows, total)


def _raise_problems(job: _Job, problems: Problems) -> None:
    if problems:
        for problem in problems.items:
            if problem.row is not None and problem.row > 1 and problem.field in job.typed:
                problem.column = job.typed[problem.field]
        raise ImportRefused(problems.items, job.path.name, problems.count, problems.bad_rows)


def _new_batch(job: _Job, session: Session) -> ImportBatch:
    batch = ImportBatch(
        kind=job.kind,
        file_name=job.path.name[:500],
        checksum=job.facts.checksum,
        imported_at=job.ctx.now(),
        imported_by_id=job.ctx.actor.id,
    )
    session.add(batch)
    session.flush()
    return batch


def _finish_batch(
    job: _Job, session: Session, uow: UnitOfWork, batch: ImportBatch, result: ImportResult
) -> None:
    batch.row_count = result.rows
    batch.first_date, batch.last_date = result.first_date, result.last_date
    session.flush()
    result.batch_id = batch.id
    uow.audit(
        "import",
        "import_batch",
        batch.id,
        job.kind,
        None,
        f"{result.rows} rows from {job.path.name} (sha256 {job.facts.checksum[:16]})",
    )
