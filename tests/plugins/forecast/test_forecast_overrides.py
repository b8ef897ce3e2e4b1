"""Human overrides of a forecast: who may, what is kept and audited, and whether they
helped once the actual sales are in (forecast value added)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.errors import PermissionDenied, ValidationFailed
from core.models import AuditEntry
from plugins.forecast.models import ForecastOverride
from plugins.forecast.services.forecasting import run_forecast
from plugins.forecast.services.overrides import (
    Outcome,
    final_forecast,
    outcomes,
    override_forecast,
    value_added,
)

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
D = Decimal


def test_who_may_override_what(sales) -> None:
    run = run_forecast(sales.admin, "region", horizon=3, processes=1).run_id
    change = {MARCH: D("1234.50")}
    with pytest.raises(PermissionDenied):  # a rep never changes the company forecast
        override_forecast(sales.rep_n, run, "", change, "big order expected")
    with pytest.raises(PermissionDenied):  # ... nor a region's, even their own
        override_forecast(sales.rep_n, run, "N", change, "big order expected")
    with pytest.raises(PermissionDenied):  # a planner changes the cut, not the company
        override_forecast(sales.planner, run, "", change, "big order expected")
    override_forecast(sales.planner, run, "N", change, "big order expected")
    override_forecast(sales.mgr, run, "", change, "price rise in March")
    by_rep = run_forecast(sales.admin, "rep", horizon=3, processes=1).run_id
    override_forecast(sales.rep_n, by_rep, "rep_n", change, "my customer's order")
    with pytest.raises(PermissionDenied):
        override_forecast(sales.rep_n, by_rep, "rep_s", change, "my colleague's order")
    with pytest.raises(ValidationFailed):
        override_forecast(sales.mgr, run, "N", change, "  ")  # a reason is required
    with pytest.raises(ValidationFailed):
        override_forecast(sales.mgr, run, "N", {dt.date(2025, 3, 1): D(1)}, "history")


def test_both_figures_are_kept_and_every_change_is_audited(sales) -> None:
    run = run_forecast(sales.admin, "product", horizon=3, processes=1).run_id
    statistical = final_forecast(sales.mgr, run, "A")
    [row] = override_forecast(sales.mgr, run, "A", {APRIL: D("900")}, "customer closes")
    assert row.statistical == statistical[APRIL] and row.final == D("900.00")
    assert final_forecast(sales.mgr, run, "A") == {**statistical, APRIL: D("900.00")}
    override_forecast(sales.mgr2, run, "A", {APRIL: D("950")}, "second opinion")
    with sales.mgr.reading() as session:
        rows = session.scalars(sa.select(ForecastOverride)).all()
        audit = session.execute(
            sa.select(
                AuditEntry.actor_login,
                AuditEntry.action,
                AuditEntry.field,
                AuditEntry.old_value,
                AuditEntry.new_value,
            ).where(AuditEntry.entity == "forecast_override")
        ).all()
    assert len(rows) == 1 and rows[0].final == D("950.00")
    assert rows[0].statistical == statistical[APRIL]  # the statistical figure stays
    assert ("mgr", "create", "final", None, "900.00") in audit
    assert ("mgr2", "update", "final", "900.00", "950.00") in audit
    assert ("mgr2", "update", "reason", "customer closes", "second opinion") in audit


def test_value_added_arithmetic_by_hand() -> None:
    o = [  # actual, statistical, final
        Outcome("Li", "A", MARCH, D(100), D(80), D(95)),  # error 20 -> 5: helped
        Outcome("Li", "B", MARCH, D(50), D(60), D(40)),  # 10 -> 10: neither
        Outcome("Wang", "A", APRIL, D(200), D(190), D(230)),  # 10 -> 30: worse
    ]
    li, wang, total = value_added(o, by="person")
    assert (li.group, li.overrides, li.statistical_error, li.final_error) == ("Li", 2, 30, 15)
    assert li.value_added == 15 and li.value_added_pct == D("50.0000") and li.helped == 1
    assert (wang.value_added, wang.value_added_pct, wang.helped) == (-20, D("-200.0000"), 0)
    assert (total.group, total.overrides, total.value_added) == ("", 3, -5)
    assert total.value_added_pct == D("-12.5000")  # -5 of 40
    a, b, _ = value_added(o, by="series")
    assert (a.group, a.statistical_error, a.final_error, a.value_added) == ("A", 30, 35, -5)
    assert (b.group, b.value_added, b.value_added_pct) == ("B", 0, D("0.0000"))


def test_value_added_once_the_actuals_are_in(sales) -> None:
    run = run_forecast(sales.admin, "product", horizon=3, processes=1).run_id
    # March 2026 sells 500 of A (one line) and 100 of B; the history says 1,600 and 400.
    a = override_forecast(sales.mgr, run, "A", {MARCH: D("600"), APRIL: D("1")}, "recall")[0]
    [b] = override_forecast(sales.mgr2, run, "B", {MARCH: D("500")}, "promotion")
    assert outcomes(sales.admin, run) == []  # March is not over on 2026-03-16
    sales.world.clock.advance(days=20)  # 2026-04-05: March is complete, April is not
    got = sorted(outcomes(sales.admin, run), key=lambda o: o.series)
    assert [(o.person, o.series, o.period, o.actual) for o in got] == [
        ("Mgr", "A", MARCH, D("500.00")),
        ("Mgr2", "B", MARCH, D("100.00")),
    ]
    mgr, mgr2, total = value_added(got)
    assert mgr.value_added == abs(500 - a.statistical) - 100
    assert mgr2.value_added == abs(100 - b.statistical) - 400
    assert total.overrides == 2 and total.helped == (mgr.value_added > 0) + (mgr2.value_added > 0)
    with pytest.raises(PermissionDenied):
        outcomes(sales.rep_n, run)


def test_value_added_report(sales) -> None:
    from core.reports import run_report

    run = run_forecast(sales.admin, "product", horizon=3, processes=1).run_id
    override_forecast(sales.mgr, run, "A", {MARCH: D("600")}, "recall")
    sales.world.clock.advance(days=20)
    result = run_report(sales.admin, "forecast_value_added", {"run": run})
    [row] = result.table("value_added").materialize()
    assert row[0] == "Mgr" and row[1] == 1 and row[4] == D("100.00")  # |500 - 600|
    assert row[5] == row[3] - row[4]
    by_series = run_report(sales.admin, "forecast_value_added", {"run": run, "by": "series"})
    assert [r[0] for r in by_series.table("value_added").materialize()] == ["A"]
