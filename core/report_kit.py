"""The report kit: what every report shares, so a plugin writes only its query.

``core.reports`` is the contract (the ``Report`` protocol, result types, registry and
runner); this module is the toolbox for writing one, kept apart so the contract stays
small and plugins depend on one stable import for the helpers (``docs/plugins.md``,
"Writing a report"). It holds:

* ``ReportBase``: id, titles and descriptions in English and Chinese, ``Params``,
  ``run`` -> ``ReportResult`` (through ``result``), a chart hook and a default drill-down.
* Numbers: ``CENT``, ``money`` (half-up to the cent), ``quantity``, ``ratio`` /
  ``percent`` / ``growth`` (``None`` on a zero or missing denominator).
* Columns by kind (money / quantity / integer / ratio / percent / text / date) and the
  totals convention (``totals_row``): one totals row; a column marked ``total`` holds
  the sum of its rows; a ratio or percent is never summed nor averaged but recomputed
  from the totals of its parts (total actual / total target).
* Parameters: ``KitParams`` (unknown names refused) and mixins, each also a field
  factory so a report can keep its own field order: as-of date, period (start/end),
  month / year with like-for-like comparison (``core.periods``), region (with the
  regions below it), rep, channel, product, and the net / gross (VAT) amounts choice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal

import pydantic
import sqlalchemy as sa

from core import periods as pr
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.i18n import _, pick
from core.reports import TOTAL_EN, ChartSpec, Column, ColumnKind, ReportResult, Table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.context import Context

K = ColumnKind
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MILLI = Decimal("0.001")
RATIO = Decimal("0.0001")  # a fraction to 1/100 of a percent

# ---------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------


def money(value: Any) -> Decimal:
    """An amount as a cent-exact Decimal, rounded half-up (0.005 -> 0.01). Takes what a
    SUM hands back on either backend (SQLite: float or int, PostgreSQL: Decimal) and None
    (no rows) as zero."""
    return Decimal(str(value or 0)).quantize(CENT, ROUND_HALF_UP)


def quantity(value: Any, unit: Decimal = MILLI) -> Decimal:
    """A quantity (pieces, tonnes, m²) to ``unit``, half-up; None is zero."""
    return Decimal(str(value or 0)).quantize(unit, ROUND_HALF_UP)


def ratio(
    part: Any, whole: Any, unit: Decimal = RATIO, rounding: str = ROUND_HALF_EVEN
) -> Decimal | None:
    """``part / whole`` to ``unit``; None when either is missing or the whole is zero
    (a completion rate without a target is undefined, not 0 % and not infinite).
    Ratios round half-even (a tie at 1/100 of a percent goes to the even digit, so ties
    do not drift upwards over many rows); amounts round half-up (``money``)."""
    if part is None or whole is None or not Decimal(str(whole)):
        return None
    return (Decimal(str(part)) / Decimal(str(whole))).quantize(unit, rounding)


def percent(part: Any, whole: Any) -> Decimal | None:
    """A share as the fraction a PERCENT column holds (0.25 is shown 25 %)."""
    return ratio(part, whole, RATIO)


def growth(now: Any, before: Any) -> Decimal | None:
    """(now - before) / before as a fraction; None without a base to grow from."""
    if now is None or before is None or not Decimal(str(before)):
        return None
    return ratio(Decimal(str(now)) - Decimal(str(before)), before)


def col_sum(rows: Iterable[Sequence[Any]], index: int, start: Any = ZERO) -> Any:
    """The sum of one column, None cells counted as nothing."""
    return sum((r[index] for r in rows if r[index] is not None), start)


# ---------------------------------------------------------------------------------------
# Columns and the totals convention
# ---------------------------------------------------------------------------------------


def text_column(id_: str, en: str, zh: str) -> Column:
    return Column(id_, en, zh, K.TEXT)


def date_column(id_: str, en: str, zh: str) -> Column:
    return Column(id_, en, zh, K.DATE)


def money_column(id_: str, en: str, zh: str, total: bool = True) -> Column:
    return Column(id_, en, zh, K.MONEY, total)


def quantity_column(id_: str, en: str, zh: str, total: bool = True) -> Column:
    return Column(id_, en, zh, K.QUANTITY, total)


def integer_column(id_: str, en: str, zh: str, total: bool = True) -> Column:
    return Column(id_, en, zh, K.INTEGER, total)


def percent_column(id_: str, en: str, zh: str) -> Column:
    """A fraction shown as a percentage; never summed (see ``totals_row``)."""
    return Column(id_, en, zh, K.PERCENT)


def ratio_column(id_: str, en: str, zh: str) -> Column:
    """A quotient shown as a plain number (price per m², cost per lead); never summed."""
    return Column(id_, en, zh, K.QUANTITY)


def totals_row(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    ratios: Mapping[str, tuple[str, str]] | None = None,
    growths: Mapping[str, tuple[str, str]] | None = None,
    label: str | None = TOTAL_EN,
) -> tuple:
    """The one totals row of a table.

    A ``total`` column holds the sum of its rows (int for INTEGER, Decimal otherwise).
    ``ratios`` maps a ratio/percent column to (part, whole) column ids and ``growths`` to
    (now, before): the total is recomputed from the totals of those columns, never the
    sum or the average of the rows' ratios. Every other cell is None, except the first,
    which holds ``label`` ("Total", shown 合计 in Chinese) unless it is summed.
    """
    rows = list(rows)
    sums: dict[str, Any] = {}
    for i, col in enumerate(columns):
        if col.total:
            sums[col.id] = col_sum(rows, i, 0 if col.kind is K.INTEGER else ZERO)
    for target, (part, whole) in (ratios or {}).items():
        sums[target] = ratio(sums.get(part), sums.get(whole))
    for target, (now, before) in (growths or {}).items():
        sums[target] = growth(sums.get(now), sums.get(before))
    out = [sums.get(col.id) for col in columns]
    if columns and columns[0].id not in sums:
        out[0] = label
    return tuple(out)


# ---------------------------------------------------------------------------------------
# The base class
# ---------------------------------------------------------------------------------------


class KitParams(pydantic.BaseModel):
    """Base of every report's parameters: a misspelt name is refused, not ignored."""

    model_config = pydantic.ConfigDict(extra="forbid")


NoParams = KitParams


class ReportBase:
    """One report: subclasses set the class attributes and implement ``run``.

    ``result`` builds the ``ReportResult``; charts passed to it win, else the ``charts``
    hook is asked. ``drill`` refuses by default; override it to explain figures.
    """

    id = ""
    title_en = ""
    title_zh = ""
    description_en = ""
    description_zh = ""
    category = "sales"
    Params: type[pydantic.BaseModel] = KitParams

    def title(self, lang: str = "en") -> str:
        return self.title_zh if lang.startswith("zh") and self.title_zh else self.title_en

    def description(self, lang: str = "en") -> str:
        zh = lang.startswith("zh") and self.description_zh
        return self.description_zh if zh else self.description_en

    def run(self, ctx: Context, params: Any) -> ReportResult:
        raise NotImplementedError

    def charts(self, tables: list[Table]) -> list[ChartSpec]:
        """The chart hook: charts over the computed tables (none by default)."""
        return []

    def result(
        self,
        params: pydantic.BaseModel,
        tables: list[Table],
        charts: Iterable[ChartSpec] | None = None,
        captions: Iterable[tuple[str, str]] = (),
        **used: Any,
    ) -> ReportResult:
        """``used``: the values left-out parameters took (the period's dates), so the
        header and every export say what the figures cover."""
        shown = params.model_copy(update=used) if used else params
        out = ReportResult(
            self.id,
            self.title_en,
            self.title_zh,
            shown.model_dump(mode="json"),
            tables,
            list(charts) if charts is not None else self.charts(tables),
        )
        out.captions.extend(captions)
        return out

    def no_drill(self, table_id: str, column_id: str) -> NotFound:
        """The figure in ``table_id``/``column_id`` has no rows to show behind it."""
        return NotFound(
            _("The report '{report}' cannot show the rows behind this figure.").format(
                report=pick(self.title_en, self.title_zh)
            )
        )

    def drill(
        self, ctx: Context, params: Any, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        raise self.no_drill(table_id, column_id)


# ---------------------------------------------------------------------------------------
# Parameters: fields (keep your own order) and mixins (compose what you need)
# ---------------------------------------------------------------------------------------


def as_of_field() -> Any:
    return pydantic.Field(None, description="Report date (default: today)")


def start_field(default: str = "1 January") -> Any:
    return pydantic.Field(None, description=f"First day (default: {default})")


def end_field() -> Any:
    return pydantic.Field(None, description="Last day (default: today)")


def region_field(
    description: str = "Region code: only this region and the regions below it",
) -> Any:
    return pydantic.Field(None, description=description)


def rep_field() -> Any:
    return pydantic.Field(None, description="Salesperson login (default: everyone you may see)")


def channel_field() -> Any:
    return pydantic.Field(None, description="Channel code (default: every channel)")


def product_field() -> Any:
    return pydantic.Field(None, description="Product code (default: every product)")


def compare_full_field() -> Any:
    return pydantic.Field(False, description="Compare with whole periods instead of the same days")


Amounts = Literal["net", "gross"]


def amounts_field() -> Any:
    return pydantic.Field(
        "net", description="Amounts: net (excluding VAT) or gross (including VAT)"
    )


class AsOfParams(KitParams):
    as_of: dt.date | None = as_of_field()


class PeriodParams(KitParams):
    """A period from ``start`` to ``end`` (see ``period``)."""

    start: dt.date | None = start_field()
    end: dt.date | None = end_field()


class RegionParams(KitParams):
    region: str | None = region_field()


class RepParams(KitParams):
    rep: str | None = rep_field()


class ChannelParams(KitParams):
    channel: str | None = channel_field()


class ProductParams(KitParams):
    product: str | None = product_field()


class CompareParams(KitParams):
    """Like-for-like unless the reader asks for whole periods (``core.periods``)."""

    compare_full: bool = compare_full_field()


class AsOfRegionParams(RegionParams, AsOfParams):
    """As of a date, in a region and below (fields: ``as_of``, ``region``)."""


class AmountsParams(KitParams):
    amounts: Amounts = amounts_field()


def as_of(ctx: Context, params: Any) -> dt.date:
    """The report date: the ``as_of`` parameter, else today."""
    return getattr(params, "as_of", None) or ctx.today()


def problem(name: str, value: Any, expected: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(name, value, expected)], subject=_("report parameters"))


def period(ctx: Context, params: Any, default_start: Literal["year", "month"] = "year") -> pr.Span:
    """(start, end) from ``start``/``end``: the end defaults to the report date, the
    start to 1 January (or the 1st of the month) of the end's year; start after end is
    refused."""
    end = getattr(params, "end", None) or as_of(ctx, params)
    first = end.replace(day=1) if default_start == "month" else end.replace(month=1, day=1)
    start = getattr(params, "start", None) or first
    if start > end:
        raise problem("start", start.isoformat(), _("a day on or before the end"))
    return start, end


def month_span(month: dt.date, day: dt.date) -> pr.Span:
    """The month holding ``month`` cut at the report date ``day`` (month to date)."""
    first = pr.month_start(month)
    return pr.current(first, pr.month_end(first), day)


def quarter_span(quarter_day: dt.date, day: dt.date) -> pr.Span:
    first = dt.date(quarter_day.year, (quarter_day.month - 1) // 3 * 3 + 1, 1)
    return pr.current(first, pr.month_end(pr.shift_months(first, 2)), day)


def year_span(year: int, day: dt.date) -> pr.Span:
    return pr.current(dt.date(year, 1, 1), dt.date(year, 12, 31), day)


def compared(
    now: pr.Span, compare_full: bool = False, back: Literal["year", "month"] = "year"
) -> tuple[pr.Span, tuple[str, str]]:
    """What ``now`` is compared with and the caption saying so: the same days a year (or
    a month) earlier, or, when the reader asks, the whole comparison months."""
    if compare_full:
        then = pr.last_year_full(*now) if back == "year" else pr.previous_month_full(now[0])
    elif back == "year":
        then = pr.same_days_last_year(*now)
    else:
        then = pr.same_days_previous_month(*now)
    return then, pr.compare_caption(now, then, compare_full)


# -- organisation filters -------------------------------------------------------------------


def region_ids(session: Session, code: str | None) -> set[int] | None:
    """The region with ``code`` and every region below it (the organisation tree of
    ``core.access.region_subtree``); None when there is no filter."""
    if not code:
        return None
    from sqlmodel import col

    from core.access import region_subtree
    from core.models import Region

    region_id = session.scalar(sa.select(col(Region.id)).where(col(Region.code) == code))
    if region_id is None:
        raise problem("region", code, _("an existing region code"))
    return region_subtree(session, region_id)


def region_condition(session: Session, column: Any, code: str | None) -> Any:
    """SQL: ``column`` (a region id) in the region ``code`` or below; true without one."""
    ids = region_ids(session, code)
    return sa.true() if ids is None else column.in_(sorted(ids))


def _key(
    session: Session, name: str, model: Any, code_column: Any, code: str | None, expected: str
) -> int | None:
    if not code:
        return None
    found = session.scalar(sa.select(model.id).where(code_column == code))
    if found is None:
        raise problem(name, code, expected)
    return found


def rep_id(session: Session, login: str | None, name: str = "rep") -> int | None:
    from core.models import User

    return _key(session, name, User, User.login, login, _("an existing user login"))


def channel_id(session: Session, code: str | None) -> int | None:
    from core.models import Channel

    return _key(session, "channel", Channel, Channel.code, code, _("an existing channel code"))


def product_id(session: Session, code: str | None) -> int | None:
    from core.models import Product

    return _key(session, "product", Product, Product.code, code, _("an existing product code"))


# -- amounts: net of VAT or including it ------------------------------------------------------


def line_tax_cents(amount: Any, tax_rate: Any, default_rate: Decimal = Decimal("0")) -> Any:
    """SQL for a sales line's VAT in whole cents: net x rate, rounded half-up away from
    zero per line as an invoice rounds it (so a return mirrors its sale), at the line's
    rate or ``default_rate`` when it has none. Integer arithmetic, so SQLite's floating
    point cannot round a half cent the wrong way."""
    cents = sa.cast(sa.func.round(amount * 100), sa.BigInteger)
    rate = sa.cast(sa.func.round(sa.func.coalesce(tax_rate, default_rate) * 10000), sa.BigInteger)
    product = cents * rate  # below 10^16: a line's cents times a rate in 1/10000
    return sa.case((product < 0, -((-product + 5000) // 10000)), else_=(product + 5000) // 10000)


def line_amount(
    amount: Any, tax_rate: Any, amounts: str = "net", default_rate: Decimal = Decimal("0")
) -> Any:
    """SQL for a sales line's amount as asked: net (the stored amount, ``sales_line`` keeps
    amounts net of VAT) or gross (价税合计): net plus ``line_tax_cents``."""
    if amounts != "gross":
        return amount
    cent = sa.literal(Decimal("0.01"), sa.Numeric(3, 2))
    return amount + line_tax_cents(amount, tax_rate, default_rate) * cent


def amounts_caption(amounts: str) -> tuple[str, str]:
    """The sentence a report with the net/gross choice shows under its title."""
    if amounts == "gross":
        return (
            "Amounts include VAT (gross); lines without a VAT rate at the company rate.",
            "金额为价税合计（含税）；未注明税率的明细按公司税率计。",
        )
    return "Amounts are net of VAT.", "金额不含税。"
