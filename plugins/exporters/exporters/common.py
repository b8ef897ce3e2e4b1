"""What every built-in exporter shares: titles by language, the header lines printed
above a table (company, report, parameters, time), display text for values, and the
totals row."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from core.i18n import labelled
from core.reports import TOTAL_EN, TOTAL_ZH, ColumnKind, ReportResult, Table

LABELS = {
    "params": ("Parameters", "参数"),
    "generated": ("Generated", "生成时间"),
    "none": ("none", "无"),
    "total": (TOTAL_EN, TOTAL_ZH),
    "prepared_by": ("Prepared by", "制表人"),
    "checked_by": ("Checked by", "审核人"),
    "date": ("Date", "日期"),
}


def is_zh(lang: str) -> bool:
    return lang.startswith("zh")


def label(key: str, lang: str) -> str:
    en, zh = LABELS[key]
    return zh if is_zh(lang) else en


def page_text(page: int, pages: int, lang: str) -> str:
    return f"第 {page} 页，共 {pages} 页" if is_zh(lang) else f"Page {page} of {pages}"


def part_text(part: int, parts: int, lang: str) -> str:
    """The caption of one slice of a table too wide for the page."""
    if is_zh(lang):
        lead = "续表：" if part > 1 else ""
        return f"{lead}第 {part} 部分，共 {parts} 部分"
    return f"Part {part} of {parts} of the columns"


def param_text(value: Any) -> str:
    if isinstance(value, list | tuple | set):
        return ", ".join(param_text(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def params_line(result: ReportResult, lang: str) -> str:
    shown = "; ".join(
        f"{k} = {param_text(v)}" for k, v in result.params.items() if v not in (None, "", [], ())
    )
    return labelled(label("params", lang), shown or label("none", lang), lang)


def generated_line(result: ReportResult, lang: str) -> str:
    return labelled(label("generated", lang), utc_text(result.generated_at), lang)


def utc_text(moment: dt.datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def header_lines(result: ReportResult, table: Table, lang: str) -> list[str]:
    """Company, report (and table) title, parameters, generation time."""
    title = result.title(lang)
    if len(result.tables) > 1:
        title = f"{title} - {table.title(lang)}"
    lines = [result.company_name] if result.company_name else []
    return [
        *lines,
        title,
        params_line(result, lang),
        generated_line(result, lang),
        *result.caption_lines(lang),
    ]


def totals_row(table: Table, lang: str) -> tuple | None:
    """The table's totals with the label in ``lang`` (None when it has no totals)."""
    has_sums = any(c.total for c in table.columns)
    if not has_sums and (table.totals is None or all(v is None for v in table.totals[1:])):
        return None  # nothing to show but a label
    values = list(table.totals or (None,) * len(table.columns))
    values += [None] * (len(table.columns) - len(values))
    if values and values[0] in (TOTAL_EN, TOTAL_ZH, None) and not table.columns[0].total:
        values[0] = label("total", lang)
    return tuple(values)


def display(value: Any, kind: ColumnKind) -> str:
    """A value as a person reads it (html, markdown): grouped money, percent, ISO date."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if kind is ColumnKind.PERCENT and isinstance(value, int | float | Decimal):
        return f"{value * 100:.1f}%"
    if kind is ColumnKind.MONEY and isinstance(value, int | float | Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float | Decimal):
        text = f"{value:,f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, dt.datetime):
        return utc_text(value) if value.tzinfo else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def raw_text(value: Any) -> str:
    """A value as a machine reads it (csv): plain numbers, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def text_width(text: str) -> int:
    """Display width: East-Asian wide and full-width characters count 2."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def iter_rows(table: Table) -> Iterator[tuple]:
    """The table's rows, consumed once (a generator is not restarted)."""
    yield from table.rows
