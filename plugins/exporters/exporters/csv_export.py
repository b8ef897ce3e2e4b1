"""The csv exporters: UTF-8 (``csv``) and UTF-8 with a byte-order mark (``csv-excel``,
which Excel needs to read Chinese text correctly).

A csv file holds one table: the first table goes to the path asked for, every further
table to ``<name>-<table id>.csv`` beside it. The file is data only (a header row of
column titles, then the rows; no title lines or totals) so scripts can read it; numbers
are plain (``1234.50``, percentages as fractions), dates ISO. Text that a spreadsheet
would run as a formula is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
from pathlib import Path

from core.exports import CancelFn, ProgressFn, Ticker, safe_text, total_rows
from core.reports import ReportResult, Table
from plugins.exporters.exporters import common


class CsvExporter:
    suffix = ".csv"

    def __init__(self, bom: bool = False) -> None:
        self.bom = bom
        self.id = "csv-excel" if bom else "csv"
        self.title_en = "CSV for Excel (UTF-8 with BOM)" if bom else "CSV (UTF-8)"
        self.title_zh = "CSV（Excel 用，带 BOM 的 UTF-8）" if bom else "CSV (UTF-8)"

    def write(
        self,
        result: ReportResult,
        path: Path,
        *,
        lang: str = "en",
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> Path:
        path = Path(path)
        ticker = Ticker(progress, cancel, total_rows(result))
        for n, table in enumerate(result.tables or [Table("empty", "", "", [], [])]):
            target = path if n == 0 else path.with_name(f"{path.stem}-{table.id}{path.suffix}")
            self._write_table(table, target, lang, ticker)
        ticker.tick()
        return path

    def _write_table(self, table: Table, target: Path, lang: str, ticker: Ticker) -> None:
        encoding = "utf-8-sig" if self.bom else "utf-8"
        with open(target, "w", encoding=encoding, newline="") as fh:
            out = csv.writer(fh)
            out.writerow([safe_text(c.title(lang)) for c in table.columns])
            for row in table.rows:
                out.writerow(
                    [safe_text(v) if isinstance(v, str) else common.raw_text(v) for v in row]
                )
                ticker.add()
