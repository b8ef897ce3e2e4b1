"""Benchmark: import sales lines from CSV through the service, against a raw baseline.

    .venv/bin/python bench/bench_import.py                 # 1,000,000 rows, 3 runs
    .venv/bin/python bench/bench_import.py --rows 200000 --runs 1
    .venv/bin/python bench/bench_import.py --datagen      # core.datagen's medium set
    .venv/bin/python bench/bench_import.py --verify       # and check the summaries

Builds (seeded) a SQLite database holding the reference data of the ``medium`` scale
(10,000 customers, 50 products, 200 reps, 30 regions, 10 channels) and a sales-lines CSV
of ``--rows`` lines, then for each run copies the database and imports the file in a
fresh subprocess, so the peak RSS it reports is the import's own:

* ``service``: ``core.services.importing.import_file`` (validated, one transaction,
  batch and audit recorded, the batch's totals added to the report summaries);
* ``baseline``: ``csv.reader`` + code-to-id dict lookups + raw ``sqlite3`` executemany of
  the same rows into the same table, no validation.

Prints rows/s and peak RSS for both (medians of the runs) and the ratio; ``--verify``
then checks the summaries one import leaves against a rebuild from scratch. The goal
(docs/performance.md): at least 100,000 validated rows/s with peak memory under 500 MiB.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEADER = (
    "date",
    "customer_code",
    "product_code",
    "rep_login",
    "region_code",
    "channel_code",
    "quantity",
    "amount",
)
CUSTOMERS, PRODUCTS, REPS, REGIONS, CHANNELS = 10_000, 50, 200, 30, 10
CHUNK = 20_000
CACHE_KIB = 128 * 1024
KINDS = ("baseline", "validate", "service")
DATAGEN_DAY = dt.date(2026, 6, 30)


# -- data --------------------------------------------------------------------------------


def build_reference(url: str, seed: int) -> None:
    """A migrated database with the reference data the CSV's codes point at."""
    import sqlalchemy as sa

    from core.models import Channel, Customer, Product, Region, User, utcnow
    from core.runtime import open_runtime
    from core.services.bootstrap import create_first_admin

    runtime = open_runtime(url, load_plugins=False)
    runtime.upgrade()
    create_first_admin(runtime, "bench", "Bench Admin")
    rng = random.Random(seed)
    now = utcnow()
    with runtime.db.write_session() as session, session.begin():
        session.execute(
            sa.insert(Region.__table__),
            [
                {"id": i + 1, "code": f"R{i + 1:02d}", "name": f"Region {i + 1}", "version": 1}
                for i in range(REGIONS)
            ],
        )
        session.execute(
            sa.insert(Channel.__table__),
            [
                {
                    "id": i + 1,
                    "code": f"CH{i + 1:02d}",
                    "name": f"Channel {i + 1}",
                    "kind": "direct",
                    "active": True,
                    "version": 1,
                }
                for i in range(CHANNELS)
            ],
        )
        session.execute(
            sa.insert(Product.__table__),
            [
                {
                    "id": i + 1,
                    "code": f"P{i + 1:03d}",
                    "name": f"产品 {i + 1}",
                    "category": "",
                    "unit": "pcs",
                    "list_price": rng.randint(10, 5000),
                    "active": True,
                    "version": 1,
                }
                for i in range(PRODUCTS)
            ],
        )
        session.execute(
            sa.insert(User.__table__),
            [
                {
                    "login": f"rep{i + 1:03d}",
                    "display_name": f"Rep {i + 1}",
                    "roles": ["sales_rep"],
                    "region_id": i % REGIONS + 1,
                    "active": True,
                    "created_at": now,
                    "version": 1,
                }
                for i in range(REPS)
            ],
        )
        rep_ids = list(session.scalars(sa.select(User.id).where(User.login.like("rep%"))))
        session.execute(
            sa.insert(Customer.__table__),
            [
                {
                    "code": f"C{i + 1:06d}",
                    "name": f"客户 {i + 1}",
                    "industry": "",
                    "region_id": i % REGIONS + 1,
                    "size": "small",
                    "source": "",
                    "customer_class": "customer",
                    "owner_id": rng.choice(rep_ids),
                    "credit_rating": "",
                    "credit_limit": 0,
                    "status": "active",
                    "notes": "",
                    "created_at": now,
                    "version": 1,
                }
                for i in range(CUSTOMERS)
            ],
        )
    runtime.db.dispose()


def upgrade_template(template: Path) -> None:
    """A kept work directory may hold a template made by an older schema."""
    from core.runtime import open_runtime

    runtime = open_runtime(f"sqlite:///{template}", load_plugins=False)
    runtime.upgrade()
    runtime.db.dispose()


def build_with_datagen(url: str, csv_path: Path, seed: int) -> None:
    """The data engineer's ``medium`` data set (1,000,000 lines already loaded) and the
    same lines exported as CSV: the import then lands on a table that holds data."""
    from core.datagen import generate, write_sales_csv
    from core.runtime import open_runtime
    from core.services.bootstrap import create_first_admin

    runtime = open_runtime(url, load_plugins=False)
    runtime.upgrade()
    admin = create_first_admin(runtime, "bench", "Bench Admin")
    generate(
        runtime.db, "medium", seed, reference=DATAGEN_DAY, actor_login="bench", actor_id=admin.id
    )
    runtime.db.dispose()
    write_sales_csv(csv_path, "medium", seed, reference=DATAGEN_DAY)


def write_csv(path: Path, rows: int, seed: int) -> None:
    """Seeded lines over three years, dates in order like an ERP export."""
    rng = random.Random(seed)
    first = dt.date(2023, 1, 1)
    days = [(first + dt.timedelta(days=d)).isoformat() for d in range(3 * 365)]
    per_day = rows / len(days)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for n in range(rows):
            c = rng.randrange(CUSTOMERS)
            qty = rng.randint(1, 50)
            out.writerow(
                (
                    days[min(int(n / per_day), len(days) - 1)],
                    f"C{c + 1:06d}",
                    f"P{rng.randrange(PRODUCTS) + 1:03d}",
                    f"rep{c % REPS + 1:03d}",
                    f"R{c % REGIONS + 1:02d}",
                    f"CH{rng.randrange(CHANNELS) + 1:02d}",
                    qty,
                    f"{qty * rng.randint(1000, 90000) / 100:.2f}",
                )
            )


# -- the two importers (each runs in its own subprocess) ---------------------------------


def run_service(
    db_path: Path, csv_path: Path, dry_run: bool = False, verify: bool = False
) -> dict[str, float]:
    from core.runtime import open_runtime
    from core.services.importing import import_file

    runtime = open_runtime(f"sqlite:///{db_path}", load_plugins=False)
    ctx = runtime.context_for("bench")
    started, cpu = time.perf_counter(), time.process_time()
    result = import_file(ctx, "sales_lines", csv_path, dry_run=dry_run)
    figures = {
        "rows": result.rows,
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "summaries": result.summaries_seconds,
    }
    if verify and not dry_run:
        figures["verified"] = verify_summaries(runtime)
    return figures


def verify_summaries(runtime: object) -> float:
    """Compare every summary row the import left with a rebuild from scratch (rolled
    back); raises on any difference. Untimed. Returns the rows compared."""
    import sqlalchemy as sa

    from core.summaries import GRAINS, YTD_TABLE, rebuild_all

    def everything(session: object) -> dict[str, set[tuple[object, ...]]]:
        out = {}
        for table in (*[g.table for g in GRAINS], YTD_TABLE):
            rows = session.execute(sa.text(f"SELECT * FROM {table}"))  # type: ignore[attr-defined]
            # ids are surrogate; amounts compared to the cent as the reports read them
            out[table] = {
                tuple(round(v, 3) if isinstance(v, float) else v for v in row[1:]) for row in rows
            }
        return out

    with runtime.db.write_session() as session, session.begin():  # type: ignore[attr-defined]
        kept = everything(session)
        rebuild_all(session)
        rebuilt = everything(session)
        session.rollback()
    for table, rows in rebuilt.items():
        if rows != kept[table]:
            raise AssertionError(f"{table}: {len(rows ^ kept[table])} rows differ")
    return float(sum(len(rows) for rows in kept.values()))


def run_baseline(db_path: Path, csv_path: Path) -> dict[str, float]:
    started, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")  # the same page cache as the service
    maps = [
        dict(conn.execute(f"SELECT {code}, id FROM {table}").fetchall())
        for code, table in (
            ("code", "customer"),
            ("code", "product"),
            ("login", "sd_user"),
            ("code", "region"),
            ("code", "channel"),
        )
    ]
    customers, products, users, regions, channels = maps
    sql = (
        "INSERT INTO sales_line (date, customer_id, product_id, rep_id, region_id, "
        "channel_id, quantity, amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    rows = 0
    conn.execute("BEGIN IMMEDIATE")
    with open(csv_path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        chunk: list[tuple[object, ...]] = []
        for d, c, p, r, g, ch, q, a in reader:
            chunk.append((d, customers[c], products[p], users[r], regions[g], channels[ch], q, a))
            if len(chunk) == CHUNK:
                conn.executemany(sql, chunk)
                rows += len(chunk)
                chunk = []
        conn.executemany(sql, chunk)
        rows += len(chunk)
    conn.execute("COMMIT")
    conn.close()
    return {
        "rows": rows,
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
    }


def child(kind: str, db_path: Path, csv_path: Path) -> None:
    if kind == "baseline":
        figures = run_baseline(db_path, csv_path)
    else:
        figures = run_service(
            db_path, csv_path, dry_run=kind == "validate", verify=kind == "verify"
        )
    # Peak RSS of this whole process (interpreter and imports included); CPU seconds are
    # reported next to wall time because a shared machine makes wall time noisy.
    figures["peak_mib"] = peak_rss_mib()
    print(json.dumps(figures))


def peak_rss_mib() -> float:
    """VmHWM: unlike ru_maxrss it starts afresh at exec, so it cannot carry the parent's
    peak (the parent may have generated a whole data set)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(kind: str, template: Path, csv_path: Path, work: Path) -> dict[str, float]:
    db_path = work / f"{kind}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, db_path)
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(db_path), str(csv_path)],
        check=False,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"the {kind} run failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- main --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=None, help="Work directory (kept).")
    parser.add_argument(
        "--datagen",
        action="store_true",
        help="Use core.datagen's medium data set and its CSV export "
        "(1,000,000 lines; --rows is ignored).",
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="After the runs, import once more and compare every summary "
        "row with a rebuild from scratch (untimed).",
    )
    parser.add_argument("--child", nargs=3, metavar=("KIND", "DB", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    work = args.dir or Path(tempfile.mkdtemp(prefix="sd_bench_import_"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if args.datagen:
        template, csv_path = work / "medium.db", work / "medium_sales.csv"
        if not template.exists():
            build_with_datagen(f"sqlite:///{template}", csv_path, args.seed)
        with open(csv_path, "rb") as fh:
            args.rows = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")) - 1
    else:
        template, csv_path = work / "reference.db", work / f"sales_{args.rows}.csv"
        if not template.exists():
            build_reference(f"sqlite:///{template}", args.seed)
        else:
            upgrade_template(template)
        if not csv_path.exists():
            write_csv(csv_path, args.rows, args.seed)
    print(
        f"data ready in {time.perf_counter() - started:.1f} s: {csv_path} "
        f"({csv_path.stat().st_size / 2**20:.0f} MiB)"
    )
    results: dict[str, list[dict[str, float]]] = {kind: [] for kind in KINDS}
    for run in range(args.runs):
        for kind in results:
            figures = measure(kind, template, csv_path, work)
            results[kind].append(figures)
            print(
                f"run {run + 1} {kind:<8} {figures['rows'] / figures['seconds']:>10,.0f} rows/s"
                f"  {figures['seconds']:6.2f} s (cpu {figures['cpu']:6.2f} s, summaries "
                f"{figures.get('summaries', 0):5.2f} s)  peak {figures['peak_mib']:4.0f} MiB"
            )
    report(results, args.rows)
    if args.verify:
        checked = measure("verify", template, csv_path, work)
        print(
            f"  summaries after the import equal a rebuild from scratch "
            f"({checked['verified']:,.0f} summary rows compared)"
        )
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)


def report(results: dict[str, list[dict[str, float]]], rows: int) -> None:
    def median(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in results[kind])

    rate = {k: rows / median(k, "seconds") for k in results}
    cpu_rate = {k: rows / median(k, "cpu") for k in results}
    peak = {k: median(k, "peak_mib") for k in results}
    print(
        f"\n{rows:,} sales lines from CSV, median of {len(results['service'])} run(s); "
        "validate = the service's dry run (no writes)"
    )
    for kind in KINDS:
        print(
            f"  {kind:<8} {rate[kind]:>10,.0f} rows/s wall  {cpu_rate[kind]:>10,.0f} rows/s "
            f"per CPU second  peak {peak[kind]:5.0f} MiB"
        )
    summaries = median("service", "summaries")
    print(
        f"  service spent {summaries:.2f} s on the report summaries (the batch's totals; "
        "computing them overlaps the index rebuild)"
    )
    print(
        f"  service / baseline speed: {rate['service'] / rate['baseline']:.2f}x wall, "
        f"{cpu_rate['service'] / cpu_rate['baseline']:.2f}x CPU"
    )
    ok = rate["service"] >= 100_000 and peak["service"] < 500
    print(f"  goal >= 100,000 rows/s and < 500 MiB: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
