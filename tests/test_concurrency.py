"""Twenty processes writing at once to the default SQLite database.

Each process (spawned, like twenty people starting salesdesk) repeatedly raises the amount
of the same few opportunities by 1 through the service, passing the version it read and
re-reading on a Conflict, and imports small sales-line files through the import service in
between. At the end we count: no error reached any caller (in particular no "database is
locked"), every opportunity's amount rose by exactly the number of successful increments
(no lost update) and every imported line is there.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import time
import traceback
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.models import AuditEntry, Opportunity, SalesLine

WORKERS = 20
INCREMENTS = 6  # per worker
IMPORTS = 2  # files per worker
LINES = 25  # per file
START_TIMEOUT = 120  # spawning twenty interpreters on a busy two-core machine is slow


def worker(
    index: int, url: str, opportunity_ids: list[int], folder: str, start: Any, results: Any
) -> None:
    """One user: increments with retry on Conflict, imports in between."""
    outcome: dict[str, Any] = {
        "index": index,
        "increments": Counter(),
        "conflicts": 0,
        "lines": 0,
        "errors": [],
    }
    try:
        from core.errors import Conflict
        from core.runtime import open_runtime
        from core.services import opportunities
        from core.services.importing import import_file

        # Plugins stay unloaded: spawning is the slow part, and writes go through the core.
        runtime = open_runtime(url, load_plugins=False)
        ctx = runtime.context_for(f"worker{index}")
        start.wait(START_TIMEOUT)
        for step in range(INCREMENTS):
            opp_id = opportunity_ids[(index + step) % len(opportunity_ids)]
            while True:
                opp = opportunities.get_opportunity(ctx, opp_id)
                try:
                    opportunities.update_opportunity(
                        ctx, opp_id, {"amount": opp.amount + 1}, opp.version
                    )
                except Conflict:
                    outcome["conflicts"] += 1
                    continue
                outcome["increments"][opp_id] += 1
                break
            if step % (INCREMENTS // IMPORTS) == 0:
                path = Path(folder) / f"lines_{index}_{step}.csv"
                rows = [
                    f"2026-03-{1 + (index + n) % 28:02d},CONC,P-CONC,{n + 1},{index}.{step:02d}"
                    for n in range(LINES)
                ]  # unique per file
                path.write_text(
                    "date,customer_code,product_code,quantity,amount\n" + "\n".join(rows) + "\n",
                    encoding="utf-8",
                )
                outcome["lines"] += import_file(ctx, "sales_lines", path).rows
        runtime.db.dispose()
    except BaseException as exc:  # counted by the parent: nothing may reach a caller
        outcome["errors"].append(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    results.put(outcome)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_twenty_processes_write_at_once(world: Any, tmp_path: Path) -> None:
    customer = world.customer(code="CONC")
    world.product(code="P-CONC")
    opportunity_ids = [world.opportunity(customer, amount="100.00").id for _ in range(3)]
    for index in range(WORKERS):
        world.user(f"worker{index}", ["sales_manager", "finance"])  # finance imports
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(WORKERS + 1)
    results = spawn.Queue()
    processes = [
        spawn.Process(
            target=worker,
            daemon=True,
            args=(i, world.runtime.db.url, opportunity_ids, str(tmp_path), start, results),
        )
        for i in range(WORKERS)
    ]
    for process in processes:
        process.start()
    # Every process is up: now they all write at once. (A worker that failed before
    # writing breaks the barrier; its error comes back through the queue.)
    with contextlib.suppress(threading.BrokenBarrierError):
        start.wait(START_TIMEOUT)
    began = time.perf_counter()
    outcomes = [results.get(timeout=120) for _ in processes]
    writing_seconds = time.perf_counter() - began
    for process in processes:
        process.join(30)

    errors = [e for o in outcomes for e in o["errors"]]
    assert not errors, f"{len(errors)} error(s) reached a caller:\n" + "\n".join(errors[:3])
    assert not any("locked" in e for e in errors)
    increments: Counter[int] = sum((o["increments"] for o in outcomes), Counter())
    assert sum(increments.values()) == WORKERS * INCREMENTS
    with world.runtime.db.read_session() as session:
        for opp_id in opportunity_ids:
            opp = session.get(Opportunity, opp_id)
            assert opp.amount == Decimal("100.00") + increments[opp_id], "lost update"
            assert opp.version == 1 + increments[opp_id]
        audited = session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "opportunity", AuditEntry.field == "amount")
        )
        lines = session.scalar(sa.select(sa.func.count()).select_from(SalesLine))
    assert audited == WORKERS * INCREMENTS
    assert lines == sum(o["lines"] for o in outcomes) == WORKERS * IMPORTS * LINES
    conflicts = sum(o["conflicts"] for o in outcomes)
    print(
        f"\n{WORKERS} processes: {WORKERS * INCREMENTS} increments ({conflicts} conflicts "
        f"retried), {lines} lines imported, {writing_seconds:.1f}s writing"
    )


# -- #16.14: concurrent writers on either engine finish, none refused -------------------

THREADS = 12
LINES_EACH = 400


def _at_once(count: int, action: Any) -> tuple[list[Any], list[str]]:
    """Run ``action(i)`` on ``count`` threads released together; results and errors."""
    start = threading.Barrier(count)
    results: list[Any] = []
    errors: list[str] = []

    def run(i: int) -> None:
        try:
            start.wait(60)
            results.append(action(i))
        except BaseException as exc:  # collected: nothing may reach a caller
            errors.append(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return results, errors


def test_concurrent_new_customers_get_distinct_automatic_codes(world: Any) -> None:
    """Twelve customers created at once without a code: on PostgreSQL six were refused
    with "duplicate: column '': got ''" (both computed the same next code)."""
    from core.services import customers

    world.user("clerk", ["sales_manager"])
    ctx = world.user("clerk2", ["sales_manager"])
    results, errors = _at_once(
        THREADS, lambda i: customers.create_customer(ctx, {"name": f"Walk-in {i}"}).code
    )
    assert errors == []
    assert len(set(results)) == THREADS


def test_a_duplicate_found_by_the_database_names_the_field() -> None:
    from core.services.base import integrity_problem

    class Orig(Exception):
        pass

    for text, field, value in [
        (
            'duplicate key value violates unique constraint "ix_customer_code"\n'
            "DETAIL:  Key (code)=(C000013) already exists.",
            "code",
            "C000013",
        ),
        ("UNIQUE constraint failed: customer.code", "code", ""),
    ]:
        problem = integrity_problem(sa.exc.IntegrityError("INSERT", {}, Orig(text))).problems[0]
        assert (problem.field, problem.value) == (field, value)


def _deadlocks(world: Any) -> int:
    """Deadlocks PostgreSQL has detected in this database so far (0 on SQLite)."""
    with world.runtime.db.read_session() as session:
        if session.get_bind().dialect.name != "postgresql":
            return 0
        time.sleep(1.5)  # backends report their counters when idle for a second
        session.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
        return int(
            session.execute(
                sa.text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
            ).scalar()
            or 0
        )


def test_concurrent_imports_and_batch_deletes_all_finish(world: Any, tmp_path: Path) -> None:
    """Imports and batch deletes at once add and take summary totals over shared keys:
    on PostgreSQL some died with DeadlockDetected (upserts in different orders). All
    must finish, and the summaries must equal the lines."""
    import random

    from core.models_summary import SalesSumCustomerMonth
    from core.services.importing import delete_sales_batch, import_file

    codes = [world.customer(code=f"K{n}").code for n in range(12)]
    for n in range(3):
        world.product(code=f"Q{n}")
    ctx = world.user("importer", ["finance"])

    def work(i: int) -> int:
        rng = random.Random(i)
        kept = 0
        for step in range(3):
            lines = [
                f"2026-0{rng.randint(1, 3)}-{rng.randint(1, 28):02d},{rng.choice(codes)},"
                f"Q{rng.randrange(3)},1,{i}.{step}{n % 10}"
                for n in range(LINES_EACH)
            ]
            path = tmp_path / f"w{i}_{step}.csv"
            path.write_text(
                "date,customer_code,product_code,quantity,amount\n" + "\n".join(lines) + "\n",
                encoding="utf-8",
            )
            batch = import_file(ctx, "sales_lines", path).batch_id
            if step == 1:
                delete_sales_batch(ctx, batch)
            else:
                kept += len(lines)
        return kept

    deadlocks = _deadlocks(world)
    results, errors = _at_once(THREADS, work)
    assert errors == []
    assert _deadlocks(world) == deadlocks  # none to retry: every upsert goes in key order
    with world.runtime.db.read_session() as session:
        lines = session.scalar(sa.select(sa.func.count()).select_from(SalesLine))
        line_total = session.scalar(sa.select(sa.func.sum(SalesLine.amount)))
        summary = session.execute(
            sa.select(
                sa.func.sum(SalesSumCustomerMonth.amount),
                sa.func.sum(SalesSumCustomerMonth.line_count),
            )
        ).one()
    assert lines == sum(results) == THREADS * 2 * LINES_EACH
    assert (Decimal(str(summary[0])).quantize(Decimal("0.01")), summary[1]) == (
        Decimal(str(line_total)).quantize(Decimal("0.01")),
        lines,
    )


@pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_deadlock_victim_is_run_again(world: Any) -> None:
    """Two writers locking the same two rows in opposite orders: PostgreSQL kills one
    with DeadlockDetected; the unit of work runs it again, as it does SQLite's "database
    is locked", so both finish. (PostgreSQL only: SQLite writers never interleave.)"""
    from core.services.base import write

    customers = [world.customer(code=f"D{n}") for n in range(2)]
    ctx = world.user("writer", ["sales_manager"])
    both_hold_one = threading.Barrier(2)
    attempts: Counter[int] = Counter()

    def touch(uow: Any, customer_id: int, note: str) -> None:
        uow.session.execute(
            sa.text("UPDATE customer SET notes = notes || :n WHERE id = :id"),
            {"n": note, "id": customer_id},
        )

    def action(i: int) -> int:
        first, second = customers if i == 0 else customers[::-1]

        def work(uow: Any) -> None:
            attempts[i] += 1
            touch(uow, first.id, str(i))
            if attempts[i] == 1:
                both_hold_one.wait(30)
            touch(uow, second.id, str(i))

        write(ctx, work)
        return attempts[i]

    results, errors = _at_once(2, action)
    assert errors == []
    assert sorted(results) == [1, 2]  # one was the victim and ran again
    with world.runtime.db.read_session() as session:
        notes = [
            session.execute(
                sa.text("SELECT notes FROM customer WHERE id = :id"), {"id": c.id}
            ).scalar()
            for c in customers
        ]
    assert all(sorted(n) == ["0", "1"] for n in notes)
