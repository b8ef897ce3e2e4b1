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


def worker(index: int, url: str, opportunity_ids: list[int], folder: str,
           start: Any, results: Any) -> None:
    """One user: increments with retry on Conflict, imports in between."""
    outcome: dict[str, Any] = {"index": index, "increments": Counter(), "conflicts": 0,
                               "lines": 0, "errors": []}
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
                        ctx, opp_id, {"amount": opp.amount + 1}, opp.version)
                except Conflict:
                    outcome["conflicts"] += 1
                    continue
                outcome["increments"][opp_id] += 1
                break
            if step % (INCREMENTS // IMPORTS) == 0:
                path = Path(folder) / f"lines_{index}_{step}.csv"
                rows = [f"2026-03-{1 + (index + n) % 28:02d},CONC,P-CONC,{n + 1},"
                        f"{index}.{step:02d}" for n in range(LINES)]  # unique per file
                path.write_text("date,customer_code,product_code,quantity,amount\n"
                                + "\n".join(rows) + "\n", encoding="utf-8")
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
    processes = [spawn.Process(target=worker, daemon=True,
                               args=(i, world.runtime.db.url, opportunity_ids, str(tmp_path),
                                     start, results))
                 for i in range(WORKERS)]
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
        audited = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "opportunity", AuditEntry.field == "amount"))
        lines = session.scalar(sa.select(sa.func.count()).select_from(SalesLine))
    assert audited == WORKERS * INCREMENTS
    assert lines == sum(o["lines"] for o in outcomes) == WORKERS * IMPORTS * LINES
    conflicts = sum(o["conflicts"] for o in outcomes)
    print(f"\n{WORKERS} processes: {WORKERS * INCREMENTS} increments ({conflicts} conflicts "
          f"retried), {lines} lines imported, {writing_seconds:.1f}s writing")
