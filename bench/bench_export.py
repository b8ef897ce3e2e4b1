"""Export benchmark: a 1,000,000-row x 10-column report to xlsx and csv.

Writes the same streamed rows (text with CJK, dates, integers, Decimal money,
quantities and percentages) with salesdesk's xlsx and csv exporters and, as the
baseline, with xlsxwriter's ``constant_memory`` writer (same cells, number formats,
header lines, frozen header, autofilter and SUM totals). Each write runs in its own
process so its peak memory (``ru_maxrss``) is its own; runs are interleaved so machine
noise hits all of them alike. Prints medians and the ratio to xlsxwriter.

Goal (docs/performance.md): xlsx within 1.2x of xlsxwriter, peak under 200 MiB.
``--stock`` adds openpyxl's stock write-only mode (a WriteOnlyCell per styled value),
which the xlsx exporter's streaming rows replace.

    .venv/bin/python bench/bench_export.py                 # 1,000,000 rows, 3 runs
    .venv/bin/python bench/bench_export.py --rows 100000 --runs 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("xlsxwriter", "xlsx", "csv")
STOCK = "openpyxl"  # --stock: openpyxl's own write-only cells, to show why xlsx_stream exists
GOAL_RATIO, GOAL_MIB = 1.2, 200
REPS = ["张伟", "王芳", "Li Na", "Chen Jie", "刘洋", "Zhao Lei", "Sun Mei", "周敏"]
REGIONS = ["华东区", "华北区", "South", "West", "华南区"]


def make_result(rows: int):  # -> ReportResult, rows streamed from a generator
    sys.path.insert(0, str(ROOT))
    from core.reports import Column, ColumnKind, ReportResult, Table

    k = ColumnKind
    columns = [
        Column("day", "Day", "日期", k.DATE),
        Column("rep", "Rep", "业务员"),
        Column("region", "Region", "区域"),
        Column("customer", "Customer", "客户"),
        Column("product", "Product", "产品"),
        Column("orders", "Orders", "订单数", k.INTEGER, total=True),
        Column("quantity", "Quantity", "数量", k.QUANTITY, total=True),
        Column("amount", "Amount", "金额", k.MONEY, total=True),
        Column("cost", "Cost", "成本", k.MONEY, total=True),
        Column("margin", "Margin", "毛利率", k.PERCENT),
    ]
    table = Table("lines", "Sales lines", "销售明细", columns, generate(rows), row_count=rows)
    return ReportResult(
        "bench_lines",
        "Sales lines",
        "销售明细",
        {"rows": rows},
        [table],
        [],
        dt.datetime(2026, 3, 16, tzinfo=dt.UTC),
        "Bench Co. 基准公司",
    )


def generate(rows: int) -> Iterator[tuple]:
    """Deterministic rows; the same for every writer."""
    start = dt.date(2024, 1, 1)
    for i in range(rows):
        cents = (i * 7919) % 1_000_000 + 100
        amount = Decimal(cents).scaleb(-2)
        cost = Decimal(cents * 7 // 10).scaleb(-2)
        yield (
            start + dt.timedelta(days=i % 1095),
            REPS[i % 8],
            REGIONS[i % 5],
            f"Customer {i % 100_000:06d}",
            f"P{i % 50:03d}",
            1 + i % 9,
            Decimal(1 + i % 40),
            amount,
            cost,
            ((amount - cost) / amount).quantize(Decimal("0.0001")),
        )


# ---------------------------------------------------------------------------------------
# Writers (run in a child process)
# ---------------------------------------------------------------------------------------


def write_salesdesk(kind: str, rows: int, out: Path) -> Path:
    from plugins.exporters.exporters.csv_export import CsvExporter
    from plugins.exporters.exporters.xlsx import XlsxExporter

    exporter = XlsxExporter() if kind == "xlsx" else CsvExporter()
    return exporter.write(make_result(rows), out / f"bench.{kind}")


def write_xlsxwriter(rows: int, out: Path) -> Path:
    """The baseline: the same cells through xlsxwriter's constant_memory mode."""
    import xlsxwriter

    result = make_result(rows)
    table = result.tables[0]
    path = out / "baseline.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(out)})
    ws = wb.add_worksheet(table.title_en)
    bold = wb.add_format({"bold": True})
    fmts = {
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "integer": wb.add_format({"num_format": "#,##0"}),
        "quantity": wb.add_format({"num_format": "#,##0.00"}),
        "money": wb.add_format({"num_format": "#,##0.00"}),
        "percent": wb.add_format({"num_format": "0.0%"}),
    }
    col_fmts = [fmts.get(str(c.kind)) for c in table.columns]
    for c in range(len(table.columns)):
        ws.set_column(c, c, 14)
    ws.freeze_panes(6, 0)
    for r, text in enumerate(
        [
            result.company_name,
            result.title_en,
            "Parameters: rows",
            "Generated: 2026-03-16 00:00 UTC",
        ]
    ):
        ws.write_string(r, 0, text, bold)
    for c, column in enumerate(table.columns):
        ws.write_string(5, c, column.title_en, bold)
    r = 6
    for row in table.rows:
        for c, value in enumerate(row):
            if isinstance(value, str):
                ws.write_string(r, c, value)
            elif isinstance(value, dt.date):
                ws.write_datetime(r, c, value, col_fmts[c])
            else:
                ws.write_number(r, c, value, col_fmts[c])
        r += 1
    ws.write_string(r, 0, "Total", bold)
    for c, column in enumerate(table.columns):
        if column.total:
            letter = xlsxwriter.utility.xl_col_to_name(c)
            ws.write_formula(r, c, f"=SUM({letter}7:{letter}{r})", col_fmts[c])
    ws.autofilter(5, 0, r - 1, len(table.columns) - 1)
    wb.close()
    return path


def write_stock_openpyxl(rows: int, out: Path) -> Path:
    """The same cells through openpyxl's own write-only API (for comparison)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from plugins.exporters.exporters.xlsx import NUMBER_FORMATS

    result = make_result(rows)
    table = result.tables[0]
    path = out / "stock.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(table.title_en)
    ws.freeze_panes = "A7"
    bold = Font(bold=True)

    def styled(value: object, number_format: str | None = None, font: Font | None = None):
        cell = WriteOnlyCell(ws, value)
        if number_format:
            cell.number_format = number_format
        if font:
            cell.font = font
        return cell

    for text in [
        result.company_name,
        result.title_en,
        "Parameters: rows",
        "Generated: 2026-03-16 00:00 UTC",
        None,
    ]:
        ws.append([styled(text, font=bold)] if text else [])
    ws.append([styled(c.title_en, font=bold) for c in table.columns])
    formats = [NUMBER_FORMATS.get(c.kind) for c in table.columns]
    for row in table.rows:
        ws.append([styled(v, f) if f else v for v, f in zip(row, formats, strict=True)])
    last = 6 + rows
    ws.append(
        ["Total"]
        + [
            f"=SUM({chr(65 + c)}7:{chr(65 + c)}{last})" if col.total else None
            for c, col in enumerate(table.columns)
            if c > 0
        ]
    )
    wb.save(path)
    return path


def child(kind: str, rows: int, out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    # Imports are not part of the timing.
    import openpyxl  # noqa: F401
    import xlsxwriter  # noqa: F401

    import core.reports  # noqa: F401
    import plugins.exporters.exporters.csv_export
    import plugins.exporters.exporters.xlsx
    import plugins.exporters.exporters.xlsx_stream  # noqa: F401

    started = time.perf_counter()
    if kind == "xlsxwriter":
        path = write_xlsxwriter(rows, out)
    elif kind == STOCK:
        path = write_stock_openpyxl(rows, out)
    else:
        path = write_salesdesk(kind, rows, out)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"kind": kind, "seconds": seconds, "peak_mib": peak, "bytes": path.stat().st_size}
        )
    )


# ---------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------


def measure(kind: str, rows: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="sd_bench_export_") as out:
        done = subprocess.run(
            [sys.executable, __file__, "--child", kind, "--rows", str(rows), "--out", out],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--stock", action="store_true", help="also time openpyxl's stock write-only cells"
    )
    parser.add_argument("--child", choices=(*KINDS, STOCK), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows, args.out)
        return
    kinds = (*KINDS, STOCK) if args.stock else KINDS
    runs: dict[str, list[dict]] = {k: [] for k in kinds}
    for n in range(args.runs):
        for kind in kinds:
            runs[kind].append(measure(kind, args.rows))
            last = runs[kind][-1]
            print(
                f"run {n + 1}/{args.runs} {kind:<10} {last['seconds']:8.2f} s "
                f"{last['peak_mib']:7.1f} MiB",
                flush=True,
            )
    med = {
        k: (
            statistics.median(r["seconds"] for r in v),
            statistics.median(r["peak_mib"] for r in v),
            statistics.median(r["bytes"] for r in v),
        )
        for k, v in runs.items()
    }
    base = med["xlsxwriter"][0]
    print(f"\nexport of {args.rows:,} rows x 10 columns, median of {args.runs} run(s)")
    print(f"{'writer':<22} {'seconds':>8} {'peak MiB':>9} {'MB':>7} {'vs xlsxwriter':>14}")
    names = {
        "xlsxwriter": "xlsxwriter const_mem",
        "xlsx": "salesdesk xlsx",
        "csv": "salesdesk csv",
        STOCK: "openpyxl write_only",
    }
    for kind in kinds:
        seconds, peak, size = med[kind]
        print(
            f"{names[kind]:<22} {seconds:8.2f} {peak:9.1f} {size / 1e6:7.1f} "
            f"{seconds / base:13.2f}x"
        )
    ratio, peak = med["xlsx"][0] / base, med["xlsx"][1]
    verdict = "met" if ratio <= GOAL_RATIO and peak < GOAL_MIB else "NOT met"
    print(
        f"goal (xlsx <= {GOAL_RATIO}x xlsxwriter, peak < {GOAL_MIB} MiB): {verdict} "
        f"({ratio:.2f}x, {peak:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
