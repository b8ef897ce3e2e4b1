"""The shared period rule (issue #19.2): hand-computed spans for a partial month, a full
month, a year boundary and 29 February."""

from __future__ import annotations

import datetime as dt

from core import periods as p

D = dt.date


def test_partial_month_against_the_same_days():
    assert p.same_days_last_year(D(2026, 12, 1), D(2026, 12, 6)) == (D(2025, 12, 1), D(2025, 12, 6))
    assert p.same_days_previous_month(D(2026, 12, 1), D(2026, 12, 6)) == (
        D(2026, 11, 1),
        D(2026, 11, 6),
    )
    assert p.same_days_previous_month(D(2026, 3, 1), D(2026, 3, 30)) == (
        D(2026, 2, 1),
        D(2026, 2, 28),
    )


def test_full_month_stays_whole():
    assert p.same_days_previous_month(D(2026, 3, 1), D(2026, 3, 31)) == (
        D(2026, 2, 1),
        D(2026, 2, 28),
    )
    assert p.same_days_last_year(D(2025, 2, 1), D(2025, 2, 28)) == (D(2024, 2, 1), D(2024, 2, 29))


def test_year_boundary():
    assert p.same_days_previous_month(D(2027, 1, 1), D(2027, 1, 6)) == (
        D(2026, 12, 1),
        D(2026, 12, 6),
    )
    assert p.same_days_last_year(D(2027, 1, 1), D(2027, 1, 6)) == (D(2026, 1, 1), D(2026, 1, 6))
    assert p.same_days_last_year(D(2026, 1, 1), D(2026, 12, 6)) == (D(2025, 1, 1), D(2025, 12, 6))


def test_29_february():
    assert p.same_days_last_year(D(2028, 2, 1), D(2028, 2, 29)) == (D(2027, 2, 1), D(2027, 2, 28))
    assert p.same_days_last_year(D(2028, 1, 1), D(2028, 2, 29)) == (D(2027, 1, 1), D(2027, 2, 28))
    assert p.same_days_last_year(D(2028, 2, 29), D(2028, 2, 29)) == (D(2027, 2, 28), D(2027, 2, 28))
    assert p.same_days_previous_month(D(2028, 3, 1), D(2028, 3, 29)) == (
        D(2028, 2, 1),
        D(2028, 2, 29),
    )


def test_captions_say_what_is_compared_in_both_languages():
    en, zh = p.compare_caption((D(2026, 12, 1), D(2026, 12, 6)), (D(2025, 12, 1), D(2025, 12, 6)))
    assert "2025-12-06" in en and "same days" in en and "同期" in zh
    en, zh = p.compare_caption(
        (D(2026, 12, 1), D(2026, 12, 6)), (D(2025, 12, 1), D(2025, 12, 31)), full=True
    )
    assert "Full-period" in en and "整期" in zh
