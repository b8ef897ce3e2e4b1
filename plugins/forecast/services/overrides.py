"""Human overrides of a stored forecast, and whether they helped (forecast value added).

A person replaces the statistical forecast of a series for some periods, with a reason.
The statistical figure stays in the run; the override keeps both it and the final figure,
who and when; a later change is audited field by field. Who may override what:

* the company forecast: only those who manage targets (``target.manage``: sales
  managers, group admins);
* a series of the cut: also planners (``forecast.run``); a rep only their own series of
  a cut by rep.

Once the overridden periods have actual sales, forecast value added (FVA) compares the
absolute error of the statistical forecast with that of the final one: a positive value
means the override brought the forecast closer to what was sold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core.context import Context
from core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from core.i18n import translator
from core.models import User
from core.services.base import UnitOfWork, write
from core.summaries import AMOUNT_MAX
from plugins.forecast.allocate import cents
from plugins.forecast.models import ForecastOverride, ForecastRun, ForecastSeries, ForecastValue
from plugins.forecast.services.history import last_complete, load_history

_ = translator(__file__)

COMPANY_PERMISSIONS = ("target.manage",)
CUT_PERMISSIONS = ("target.manage", "forecast.run")
READ_PERMISSIONS = ("target.manage", "forecast.run", "audit.read")
RATIO = Decimal("0.0001")


def _series(session: Any, run_id: int, series_key: str) -> tuple[ForecastRun, ForecastSeries]:
    run = session.get(ForecastRun, run_id)
    if run is None:
        raise NotFound(_("There is no forecast run {run}.").format(run=run_id))
    series = session.scalar(
        sa.select(ForecastSeries).where(
            ForecastSeries.run_id == run_id, ForecastSeries.series_key == series_key
        )
    )
    if series is None:
        raise NotFound(
            _("Forecast run {run} has no series {key}.").format(
                run=run_id, key=series_key or _("company")
            )
        )
    return run, series


def may_override(ctx: Context, run: ForecastRun, series_key: str) -> bool:
    """Whether the actor may override this series of this run (see the module doc)."""
    if not series_key:
        return any(ctx.grant.has(p) for p in COMPANY_PERMISSIONS)
    if any(ctx.grant.has(p) for p in CUT_PERMISSIONS):
        return True
    cut = run.cut.split(",")
    codes = series_key.split(" / ")
    return "rep" in cut and len(codes) == len(cut) and codes[cut.index("rep")] == ctx.actor.login


def _an_amount(value: Any) -> bool:
    """Whether an override's amount is one a forecast can hold: a finite number of 0 or
    more that fits an amount (NaN reached the database as a "missing reference", Infinity
    as a traceback)."""
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        return False
    return number.is_finite() and 0 <= number <= AMOUNT_MAX


def override_forecast(
    ctx: Context, run_id: int, series_key: str, changes: dict[dt.date, Decimal], reason: str
) -> list[ForecastOverride]:
    """Set the final forecast of ``series_key`` for each period in ``changes``."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            [FieldProblem("reason", "", _("why the forecast is changed"))], "forecast override"
        )
    bad_amounts = [
        FieldProblem(
            "amount",
            str(final),
            _("an amount of 0 or more, at most {most}, for {month}").format(
                most=f"{AMOUNT_MAX:,}", month=f"{period:%Y-%m}"
            ),
        )
        for period, final in sorted(changes.items())
        if not _an_amount(final)
    ]
    if bad_amounts:
        raise ValidationFailed(bad_amounts, "forecast override")

    def work(uow: UnitOfWork) -> list[ForecastOverride]:
        run, series = _series(uow.session, run_id, series_key)
        if not may_override(ctx, run, series_key):
            raise PermissionDenied(
                _(
                    "You may not change this forecast: the company forecast takes a sales "
                    "manager; a series of the cut a planner, a manager or its own rep."
                )
            )
        stats = dict(
            uow.session.execute(
                sa.select(ForecastValue.period, ForecastValue.amount).where(
                    ForecastValue.series_id == series.id, ForecastValue.kind == "forecast"
                )
            ).all()
        )
        bad = [p for p in changes if p not in stats]
        if bad:
            raise ValidationFailed(
                [FieldProblem("period", p, _("a forecast month of the run")) for p in bad],
                "forecast override",
            )
        return [
            _upsert(uow, series.id, period, stats[period], cents(Decimal(final)), reason)
            for period, final in sorted(changes.items())
        ]

    return write(ctx, work)


def _upsert(
    uow: UnitOfWork,
    series_id: int,
    period: dt.date,
    statistical: Decimal,
    final: Decimal,
    reason: str,
) -> ForecastOverride:
    row = uow.session.scalar(
        sa.select(ForecastOverride).where(
            ForecastOverride.series_id == series_id, ForecastOverride.period == period
        )
    )
    if row is None:
        row = ForecastOverride(
            series_id=series_id,
            period=period,
            statistical=statistical,
            final=final,
            reason=reason,
            created_by_id=uow.ctx.actor.id,
            created_at=uow.ctx.now(),
        )
        uow.session.add(row)
        uow.audit_created(row)
    else:
        uow.apply_changes(
            row,
            {
                "final": final,
                "reason": reason,
                "created_by_id": uow.ctx.actor.id,
                "created_at": uow.ctx.now(),
            },
        )
    uow.session.flush()
    return row


def final_forecast(ctx: Context, run_id: int, series_key: str) -> dict[dt.date, Decimal]:
    """The forecast after overrides: the override where there is one, else the run's."""
    with ctx.reading() as session:
        _run, series = _series(session, run_id, series_key)
        values = dict(
            session.execute(
                sa.select(ForecastValue.period, ForecastValue.amount).where(
                    ForecastValue.series_id == series.id, ForecastValue.kind == "forecast"
                )
            ).all()
        )
        values.update(
            session.execute(
                sa.select(ForecastOverride.period, ForecastOverride.final).where(
                    ForecastOverride.series_id == series.id
                )
            ).all()
        )
    return values


# ---------------------------------------------------------------------------------------
# Forecast value added
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One overridden period whose actual sales are known."""

    person: str
    series: str
    period: dt.date
    actual: Decimal
    statistical: Decimal
    final: Decimal


@dataclass
class ValueAdded:
    group: str
    overrides: int
    statistical_error: Decimal  # sum of |actual - statistical|
    final_error: Decimal  # sum of |actual - final|
    helped: int  # overrides that came closer to the actual

    @property
    def value_added(self) -> Decimal:
        """Error removed by the overrides (negative: they made the forecast worse)."""
        return self.statistical_error - self.final_error

    @property
    def value_added_pct(self) -> Decimal | None:
        if self.statistical_error == 0:
            return None
        return (self.value_added / self.statistical_error * 100).quantize(RATIO)


def value_added(outcomes: Iterable[Outcome], by: str = "person") -> list[ValueAdded]:
    """FVA per person or per series, with a total row last (group ``""``)."""
    groups: dict[str, ValueAdded] = {}
    total = ValueAdded("", 0, Decimal(0), Decimal(0), 0)
    for o in outcomes:
        key = o.person if by == "person" else o.series
        row = groups.setdefault(key, ValueAdded(key, 0, Decimal(0), Decimal(0), 0))
        stat_err, final_err = abs(o.actual - o.statistical), abs(o.actual - o.final)
        for r in (row, total):
            r.overrides += 1
            r.statistical_error += stat_err
            r.final_error += final_err
            r.helped += final_err < stat_err
    return [groups[k] for k in sorted(groups)] + [total]


def outcomes(ctx: Context, run_id: int) -> list[Outcome]:
    """The run's overrides whose periods have ended, with the actual sales the reader
    may see for the series."""
    if not any(ctx.grant.has(p) for p in READ_PERMISSIONS):
        raise PermissionDenied(_("You may not read forecast overrides."))
    with ctx.reading() as session:
        run = session.get(ForecastRun, run_id)
        if run is None:
            raise NotFound(_("There is no forecast run {run}.").format(run=run_id))
        rows = session.execute(
            sa.select(
                User.display_name,
                ForecastSeries.series_key,
                ForecastOverride.period,
                ForecastOverride.statistical,
                ForecastOverride.final,
            )
            .join(ForecastSeries, ForecastSeries.id == ForecastOverride.series_id)
            .join(User, User.id == ForecastOverride.created_by_id)
            .where(ForecastSeries.run_id == run_id)
        ).all()
    if not rows:
        return []
    cut = tuple(c for c in run.cut.split(",") if c != "company")
    history = load_history(ctx, cut, run.freq, end=last_complete(run.freq, ctx.today()))
    index = {p: i for i, p in enumerate(history.periods)}
    by_code = {code: key for key, code in history.codes.items()}
    out = []
    for person, key, period, statistical, final in rows:
        if period not in index:
            continue  # not over yet
        if key:
            series = history.series.get(by_code.get(key))
            actual = float(series[index[period]]) if series is not None else 0.0
        else:
            actual = float(history.company()[index[period]])
        out.append(Outcome(person, key, period, cents(Decimal(str(actual))), statistical, final))
    return out
