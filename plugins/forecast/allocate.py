"""Target allocation arithmetic (指标分摊), exact to the cent.

Pure functions on Decimals, so the rules are pinned by tests on hand-checkable numbers:

* ``split_exact(total, weights)``: the total in proportion to the weights, rounded to
  cents by the largest-remainder method, so the parts always add up to the total.
* ``phase(amount, weights, kept)``: a key's amount over the months of its period by the
  phasing weights (last year's monthly shares, the forecast's seasonal profile, or flat);
  closed months keep what they already carry and only the open months are re-spread.
* ``apply_adjustments(total, base, pcts)``: a key adjusted by +5 % gets exactly its base
  amount x 1.05 (to the cent); the keys left unadjusted share what remains in proportion
  to their base amounts, so the total still holds. When every key is adjusted, all are
  rescaled together in proportion to their adjusted amounts.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from core import periods
from core.errors import FieldProblem, ValidationFailed
from core.i18n import translator
from core.report_kit import CENT
from core.report_kit import money as cents

PERIOD_KINDS = ("year", "quarter", "month")
BASES = ("mtd", "qtd", "ytd", "forecast")
DIMENSIONS = ("product", "region", "channel", "rep")
PHASINGS = ("seasonal", "forecast", "flat")


def split_exact(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``total`` split in proportion to ``weights`` (equal parts when all are zero)."""
    if not weights:
        return []
    weights = [max(Decimal(0), Decimal(w)) for w in weights]
    if sum(weights) == 0:
        weights = [Decimal(1)] * len(weights)
    whole = sum(weights)
    units = int((total / CENT).to_integral_value(rounding=ROUND_HALF_UP))
    raw = [Decimal(units) * w / whole for w in weights]
    floors = [int(r.to_integral_value(rounding=ROUND_DOWN)) for r in raw]
    left = units - sum(floors)
    # Largest remainders first; ties go to the earlier key so the result is stable.
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f) * CENT for f in floors]


def shares(basis: Sequence[Decimal]) -> list[Decimal]:
    """Each key's share of the basis (equal shares when the basis is all zero)."""
    whole = sum(basis, Decimal(0))
    if whole <= 0:
        return [Decimal(1) / len(basis)] * len(basis) if basis else []
    return [(Decimal(b) / whole).quantize(Decimal("1e-10")) for b in basis]


def apply_adjustments(
    total: Decimal, base: Sequence[Decimal], pcts: Sequence[Decimal], labels: Sequence[str] = ()
) -> list[Decimal]:
    """Amounts after adjusting some keys by percentages, the total held exactly."""
    adjusted = [i for i, p in enumerate(pcts) if p != 0]
    for i in adjusted:
        if pcts[i] <= -100:
            raise ValidationFailed(
                [FieldProblem("adjustment", str(pcts[i]), "more than -100 %", i + 1)], "allocation"
            )
    if not adjusted:
        return split_exact(total, base)
    scaled = [cents(b * (1 + p / 100)) for b, p in zip(base, pcts, strict=True)]
    rest = [i for i in range(len(base)) if i not in adjusted]
    if not rest:
        return split_exact(total, scaled)
    remainder = total - sum((scaled[i] for i in adjusted), Decimal(0))
    if remainder < 0:
        names = ", ".join(labels[i] if labels else str(i + 1) for i in adjusted)
        raise ValidationFailed(
            [
                FieldProblem(
                    "adjustment",
                    names,
                    "adjustments that leave room within the total {total}",
                    args={"total": total},
                )
            ],
            "allocation",
        )
    parts = split_exact(remainder, [base[i] for i in rest])
    out = list(scaled)
    for i, part in zip(rest, parts, strict=True):
        out[i] = part
    return out


# ---------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------


def period_bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The year, quarter or month containing ``day``: (first day, last day)."""
    if kind == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    if kind == "quarter":
        first = (day.month - 1) // 3 * 3 + 1
        last = first + 2
        return (
            dt.date(day.year, first, 1),
            dt.date(day.year, last, calendar.monthrange(day.year, last)[1]),
        )
    if kind == "month":
        return (day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1]))
    raise ValidationFailed([FieldProblem("period", kind, "year, quarter or month")], "allocation")


def to_date_range(basis: str, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """MTD, QTD or YTD up to and including ``as_of``."""
    kind = {"mtd": "month", "qtd": "quarter", "ytd": "year"}[basis]
    return period_bounds(kind, as_of)[0], as_of


def months_of(start: dt.date, end: dt.date) -> list[dt.date]:
    out, month = [], start.replace(day=1)
    while month <= end:
        out.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out


def last_year(day: dt.date) -> dt.date:
    """The same day a year earlier (29 February -> 28 February), by ``core.periods``."""
    return periods.shift_months(day, -12)


# ---------------------------------------------------------------------------------------
# Phasing: monthly targets by season (issue #19.3)
# ---------------------------------------------------------------------------------------


def spring_festival(year: int) -> dt.date:
    """Chinese New Year's day (正月初一) of ``year``, computed by ``lunardate``."""
    from lunardate import LunarDate

    return LunarDate(year, 1, 1).to_solar_date()


def seasonal_weights(months: Sequence[dt.date], last_year: dict[dt.date, Decimal]) -> list[Decimal]:
    """Each target month's weight: the sales of the same month a year earlier, so the
    targets follow last year's monthly shares. Spring Festival moves between January and
    February; last year's shares carry the holiday in the month it fell, so when it falls
    in the other month this year, January's and February's shares are swapped. Flat
    when last year had no sales in these months."""
    weights = {
        m: max(Decimal(0), last_year.get(periods.shift_months(m, -12), Decimal(0))) for m in months
    }
    for year in sorted({m.year for m in months}):
        jan, feb = dt.date(year, 1, 1), dt.date(year, 2, 1)
        moved = spring_festival(year).month != spring_festival(year - 1).month
        if moved and jan in weights and feb in weights:
            weights[jan], weights[feb] = weights[feb], weights[jan]
    if sum(weights.values()) == 0:
        return [Decimal(1)] * len(months)
    return [weights[m] for m in months]


def phase(
    amount: Decimal, weights: Sequence[Decimal], kept: Sequence[Decimal | None], label: str = ""
) -> list[Decimal]:
    """``amount`` over the months: a month with a kept amount (closed) keeps it; the open
    months share the rest in proportion to ``weights``, to the cent."""
    open_months = [i for i, k in enumerate(kept) if k is None]
    rest = amount - sum((k for k in kept if k is not None), Decimal(0))
    if rest < 0 or (not open_months and rest != 0):
        _ = translator(__file__)
        raise ValidationFailed(
            [
                FieldProblem(
                    "total",
                    f"{label} {amount}".strip(),
                    _("at least the {amount} its closed months already carry").format(
                        amount=amount - rest
                    )
                    if open_months
                    else _("the amount its closed months carry: none is open"),
                )
            ],
            _("allocation"),
        )
    out = list(kept)
    for i, part in zip(
        open_months, split_exact(rest, [weights[i] for i in open_months]), strict=True
    ):
        out[i] = part
    return [Decimal(x) for x in out]
