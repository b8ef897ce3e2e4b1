"""A JSON exporter: the report's header and every table as an object with its columns,
rows (streamed, one per line) and totals. Money and quantities are strings, so no cent
is lost to floating point; dates are ISO text; percentages are fractions."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.exports import CancelFn, ProgressFn, Ticker, total_rows
from core.reports import ReportResult


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


class JsonExporter:
    id = "json"
    title_en = "JSON (example plugin)"
    title_zh = "JSON（示例插件）"
    suffix = ".json"

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
        head = {
            "report": result.report_id,
            "title": result.title(lang),
            "company": result.company_name,
            "params": result.params,
            "generated_at": result.generated_at.isoformat(),
        }
        with open(path, "w", encoding="utf-8") as out:
            out.write(json.dumps(head, ensure_ascii=False, default=plain)[:-1])
            out.write(', "tables": [')
            for n, table in enumerate(result.tables):
                columns = [
                    {"id": c.id, "title": c.title(lang), "kind": str(c.kind)} for c in table.columns
                ]
                out.write(
                    ("," if n else "") + f'\n{{"id": {json.dumps(table.id)}, '
                    f'"title": {json.dumps(table.title(lang), ensure_ascii=False)}, '
                    f'"columns": {json.dumps(columns, ensure_ascii=False)}, "rows": ['
                )
                for i, row in enumerate(table.rows):
                    out.write(
                        ("," if i else "")
                        + "\n  "
                        + json.dumps([plain(v) for v in row], ensure_ascii=False)
                    )
                    ticker.add()
                totals = [plain(v) for v in table.totals] if table.totals else None
                out.write(f'], "totals": {json.dumps(totals, ensure_ascii=False)}}}')
            out.write("\n]}\n")
        ticker.tick()
        return path
