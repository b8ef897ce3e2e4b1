"""The html exporter: one standalone, readable page (no scripts, no outside files) with
the company, report title, parameters and every table with its totals (summed while
streaming where the report gave none). Everything taken from data is escaped; text
that a spreadsheet would run as a formula (a page can be opened in Excel) gets a leading
apostrophe; numbers, negative ones too, are written as numbers."""

from __future__ import annotations

import html
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from core.exports import CancelFn, ProgressFn, Ticker, safe_text, total_rows
from core.reports import NUMERIC_KINDS, ColumnKind, ReportResult, Table
from plugins.exporters.exporters import common

STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
       margin: 2em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
p.meta { color: #555; margin: 0.1em 0; }
table { border-collapse: collapse; margin-top: 0.6em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #ddebf7; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tfoot td { font-weight: bold; border-top: 2px solid #888; }
"""


def cell(value: object, kind: ColumnKind) -> str:
    """One cell; only text is guarded against formulas (``-57.0%`` is a number)."""
    text = common.display(value, kind)
    if isinstance(value, str):
        text = safe_text(text)
    css = ' class="num"' if kind in NUMERIC_KINDS else ""
    return f"<td{css}>{html.escape(text)}</td>"


class HtmlExporter:
    id = "html"
    title_en = "Web page (.html)"
    title_zh = "网页（.html）"
    suffix = ".html"

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
        esc = html.escape
        with open(path, "w", encoding="utf-8") as out:
            html_lang = "zh-CN" if common.is_zh(lang) else "en"
            out.write(
                f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n'
                f'<meta charset="utf-8">\n<title>{esc(result.title(lang))}</title>\n'
                f"<style>{STYLE}</style>\n</head>\n<body>\n"
            )
            if result.company_name:
                out.write(f'<p class="meta">{esc(safe_text(result.company_name))}</p>\n')
            out.write(f"<h1>{esc(safe_text(result.title(lang)))}</h1>\n")
            for line in (
                common.params_line(result, lang),
                common.generated_line(result, lang),
                *result.caption_lines(lang),
            ):
                out.write(f'<p class="meta">{esc(safe_text(line))}</p>\n')
            for table in result.tables:
                _write_table(out, table, lang, ticker, len(result.tables) > 1)
            out.write("</body>\n</html>\n")
        ticker.tick()
        return path


def _write_table(out: TextIO, table: Table, lang: str, ticker: Ticker, titled: bool) -> None:
    esc = html.escape
    if titled:
        out.write(f"<h2>{esc(safe_text(table.title(lang)))}</h2>\n")
    heads = "".join(f"<th>{esc(safe_text(c.title(lang)))}</th>" for c in table.columns)
    out.write(f"<table>\n<thead><tr>{heads}</tr></thead>\n<tbody>\n")
    kinds = [c.kind for c in table.columns]
    summed = {i: Decimal(0) for i, c in enumerate(table.columns) if c.total}
    for row in table.rows:
        out.write(
            "<tr>" + "".join(cell(v, k) for v, k in zip(row, kinds, strict=False)) + "</tr>\n"
        )
        for i in summed:
            if i < len(row) and isinstance(row[i], int | float | Decimal):
                summed[i] += Decimal(str(row[i])) if isinstance(row[i], float) else row[i]
        ticker.add()
    out.write("</tbody>\n")
    totals = common.totals_row(table, lang)
    if totals is not None:
        totals = tuple(summed[i] if v is None and i in summed else v for i, v in enumerate(totals))
        out.write(
            "<tfoot><tr>"
            + "".join(cell(v, k) for v, k in zip(totals, kinds, strict=False))
            + "</tr></tfoot>\n"
        )
    out.write("</table>\n")
