"""Period arithmetic every report shares (issue #19.2): what a period is compared with.

The rule is *like-for-like*: a current, partial period is compared with the same days of
the comparison period, so six days of December are never set against a whole December.

* ``same_days_last_year(start, end)``: 1-6 Dec 2026 -> 1-6 Dec 2025; a whole month or
  year stays whole (February 2028, 29 days, -> February 2027, 28 days); a lone 29 February
  becomes 28 February.
* ``same_days_previous_month(start, end)``: 1-6 Jan 2027 -> 1-6 Dec 2026; 1-30 March ->
  1-28 February (clamped); a whole month -> the whole previous month.
* ``current(start, end, as_of)``: the part of a period up to the report date.
* ``compare_caption(...)``: the sentence a report shows saying what it compares, in
  English and Chinese. Full-period comparisons exist only when the reader asks for them
  (a report's ``compare_full`` parameter) and their caption says so.
"""

from __future__ import annotations

import calendar
import datetime as dt

Span = tuple[dt.date, dt.date]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def clamp(year: int, month: int, day: int) -> dt.date:
    """The date, or the last day of the month when it has no such day (29 Feb -> 28)."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def shift_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return clamp(index // 12, index % 12 + 1, day.day)


def whole_months(start: dt.date, end: dt.date) -> bool:
    """Whether the span is made of whole calendar months."""
    return start.day == 1 and end == month_end(end)


def _shift_span(start: dt.date, end: dt.date, months: int) -> Span:
    if whole_months(start, end):
        return shift_months(start, months), month_end(shift_months(end, months))
    return shift_months(start, months), shift_months(end, months)


def same_days_last_year(start: dt.date, end: dt.date) -> Span:
    return _shift_span(start, end, -12)


def same_days_previous_month(start: dt.date, end: dt.date) -> Span:
    return _shift_span(start, end, -1)


def current(start: dt.date, end: dt.date, as_of: dt.date) -> Span:
    """The period cut at the report date (a month in the past stays whole)."""
    return start, min(end, as_of)


def is_partial(start: dt.date, end: dt.date, as_of: dt.date) -> bool:
    return start <= as_of < end


def last_year_full(start: dt.date, end: dt.date) -> Span:
    """The whole months a year before those the span touches (only when asked for)."""
    return shift_months(month_start(start), -12), month_end(shift_months(end, -12))


def previous_month_full(start: dt.date) -> Span:
    first = shift_months(month_start(start), -1)
    return first, month_end(first)


def _fmt(span: Span) -> str:
    return f"{span[0].isoformat()} – {span[1].isoformat()}"


def compare_caption(now: Span, then: Span, full: bool = False) -> tuple[str, str]:
    """(English, Chinese) sentence naming the two periods compared."""
    if full:
        return (
            f"Full-period comparison (asked for): {_fmt(now)} against the whole of {_fmt(then)}.",
            f"整期比较（按要求）：{_fmt(now)} 对比 {_fmt(then)} 全期。",
        )
    return (
        f"Like-for-like: {_fmt(now)} against the same days {_fmt(then)}.",
        f"同期可比：{_fmt(now)} 对比相同天数 {_fmt(then)}。",
    )


def same_days_years_ago(start: dt.date, end: dt.date, years: int) -> Span:
    """The same days ``years`` years earlier (whole months stay whole)."""
    return _shift_span(start, end, -12 * years)
