"""Target allocation: arithmetic to the cent, versions, approval rules, publishing as the
official targets, and target-vs-actual evaluation on hand-checked numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.models import AuditEntry
from core.reports import run_report
from core.targets import target_amounts
from plugins.forecast import allocate as al
from plugins.forecast.services import targets as svc
from plugins.forecast.services.evaluation import evaluate

YEAR = dt.date(2026, 1, 1)


# -- arithmetic (no database) ----------------------------------------------------------


def test_split_exact_uses_largest_remainders() -> None:
    assert al.split_exact(D("100.00"), [D(1), D(1), D(1)]) == [D("33.34"), D("33.33"), D("33.33")]
    assert al.split_exact(D("1000"), [D(500), D(300), D(200)]) == [D(500), D(300), D(200)]
    assert al.split_exact(D("0.05"), [D(0), D(0)]) == [D("0.03"), D("0.02")]
    parts = al.split_exact(D("12345.67"), [D("1.7"), D("2.9"), D("0.3"), D("7")])
    assert sum(parts) == D("12345.67")


def test_adjustment_rebalances_the_others_by_their_share() -> None:
    base = [D(500), D(300), D(200)]
    assert al.apply_adjustments(D(1000), base, [D(10), D(0), D(0)]) == [D(550), D(270), D(180)]
    assert al.apply_adjustments(D(1000), base, [D(10), D(-5), D(0)]) == [D(550), D(285), D(165)]
    assert al.apply_adjustments(D(1000), base, [D(10)] * 3) == base  # all up: same shares


def test_adjustment_keeps_the_total_to_the_cent() -> None:
    base = al.split_exact(D("100.00"), [D(1)] * 3)
    out = al.apply_adjustments(D("100.00"), base, [D(5), D(0), D(0)])
    assert out == [D("35.01"), D("32.50"), D("32.49")] and sum(out) == D("100.00")


def test_an_adjustment_larger_than_the_total_is_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        al.apply_adjustments(D(1000), [D(500), D(300), D(200)], [D(150), D(0), D(0)], "ABC")
    assert "A" in str(err.value) and "1000" in str(err.value)


def test_periods() -> None:
    day = dt.date(2026, 5, 20)
    assert al.period_bounds("quarter", day) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert al.to_date_range("ytd", day) == (YEAR, day)
    assert al.last_year(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)


# -- services ----------------------------------------------------------------------------


def _draft(sales, who=None, dimension="region", total="10000"):
    return svc.create_allocation(
        who or sales.planner,
        period_kind="year",
        period_start=YEAR,
        dimension=dimension,
        total=total,
        basis="ytd",
    )


def _amounts(view) -> dict[str, D]:
    return {ln.code: ln.amount for ln in view.lines}


def test_allocation_by_ytd_share_then_adjusted(sales) -> None:
    view = _draft(sales)
    # YTD to 2026-03-16: N = 1000x1.7 + 500 + 300x1.7 = 2710, S = 600x1.7 + 100x1.7 + 100
    assert {ln.code: ln.basis_amount for ln in view.lines} == {"N": D(2710), "S": D(1290)}
    assert _amounts(view) == {"N": D("6775.00"), "S": D("3225.00")}
    a = view.allocation
    assert (a.status, a.revision, a.requested_by_id) == ("draft", 1, sales.planner.actor.id)
    n = next(ln.key_id for ln in view.lines if ln.code == "N")
    view = svc.adjust_by(sales.planner, a.id, n, D(10), a.version)
    assert _amounts(view) == {"N": D("7452.50"), "S": D("2547.50")}
    assert view.allocation.version == a.version + 1
    with pytest.raises(Conflict):  # the version seen before the edit is stale now
        svc.adjust_by(sales.planner, a.id, n, D(5), a.version)
    with sales.mgr.reading() as session:
        audited = session.scalars(
            sa.select(AuditEntry.field).where(AuditEntry.entity == "forecast_allocation_line")
        ).all()
    assert "amount" in audited and "adjustment_pct" in audited


def test_a_rep_may_not_draft_nor_read_and_bad_input_names_fields(sales) -> None:
    with pytest.raises(PermissionDenied):
        _draft(sales, who=sales.rep_n)
    view = _draft(sales)
    with pytest.raises(PermissionDenied):
        svc.get_allocation(sales.rep_n, view.allocation.id)
    with pytest.raises(PermissionDenied):
        run_report(sales.rep_s, "target_allocation", {"allocation": view.allocation.id})
    with pytest.raises(ValidationFailed) as err:
        svc.create_allocation(
            sales.planner, period_kind="decade", period_start=YEAR, dimension="colour", total="-5"
        )
    text = str(err.value)
    assert "Period:" in text and "By:" in text and "Total:" in text


def test_approval_rules_and_publishing(sales) -> None:
    view = _draft(sales, who=sales.mgr)
    a = view.allocation
    with pytest.raises(PermissionDenied):  # a planner has no manager role
        svc.approve_allocation(sales.planner, a.id, a.version)
    with pytest.raises(PermissionDenied, match="drafted"):  # nor may the requester
        svc.approve_allocation(sales.mgr, a.id, a.version)
    approved = svc.approve_allocation(sales.mgr2, a.id, a.version)
    assert approved.allocation.status == "approved"
    assert approved.allocation.approved_by_id == sales.mgr2.actor.id
    with sales.mgr.reading() as session:
        q1 = target_amounts(session, YEAR, dt.date(2026, 3, 31), "region")
        company = target_amounts(session, YEAR, dt.date(2026, 12, 31), "company")
    # 6775.00 phased by 2025's monthly shares (2000 x season; Spring Festival fell in
    # January 2025 and falls in February 2026, so January and February swap shares):
    # 6775 x 1800/24000 = 508.13, x 1600/24000 = 451.67, x 2000/24000 = 564.58
    assert q1[sales.ids["N"]] == D("1524.38")
    assert company == {0: D("10000.00")}
    with pytest.raises(ValidationFailed):  # approved: revise, do not edit
        svc.set_adjustments(sales.mgr, a.id, {view.lines[0].key_id: D(5)}, None)


def test_revision_supersedes_with_history(sales) -> None:
    first = _draft(sales)
    svc.approve_allocation(sales.mgr, first.allocation.id, first.allocation.version)
    second = svc.revise_allocation(sales.planner, first.allocation.id, total="12000")
    assert second.allocation.revision == 2 and sum(_amounts(second).values()) == D(12000)
    svc.approve_allocation(sales.mgr2, second.allocation.id, second.allocation.version)
    statuses = {a.revision: a.status for a in svc.list_allocations(sales.mgr)}
    assert statuses == {1: "superseded", 2: "approved"}
    with sales.mgr.reading() as session:
        year = target_amounts(session, YEAR, dt.date(2026, 12, 31), "region")
    assert year == {sales.ids["N"]: D("8130.00"), sales.ids["S"]: D("3870.00")}


def test_evaluation_target_vs_actual_and_last_year(sales) -> None:
    view = _draft(sales)
    svc.approve_allocation(sales.mgr, view.allocation.id, view.allocation.version)
    e = evaluate(sales.mgr, "region", "qtd", dt.date(2026, 3, 16))
    n = next(r for r in e.rows if r.code == "N")
    # Q1 actual to 16 March: 2710; last year to 16 March 2025: 1040 + 1170 + 1300 = 3510
    assert (n.actual, n.last_year, n.target) == (D(2710), D(3510), D("1524.38"))
    assert n.completion == (D(2710) / D("1524.38")).quantize(D("0.0001"))
    assert n.growth == D("-0.2279")
    # S: 3225 x (1800 + 1600 + 2000) / 24000 = 241.88 + 215.00 + 268.75
    assert e.total.actual == D(4000) and e.total.target == D("2250.01")


def test_rep_ranking_by_completion(sales) -> None:
    view = svc.create_allocation(
        sales.planner,
        period_kind="month",
        period_start=YEAR,
        dimension="rep",
        total="2000",
        basis="ytd",
        as_of=dt.date(2025, 12, 31),
    )
    reps = {ln.code: ln.key_id for ln in view.lines}
    view = svc.set_adjustments(
        sales.planner, view.allocation.id, {reps["rep_s"]: D(50)}, view.allocation.version
    )
    svc.approve_allocation(sales.mgr, view.allocation.id, view.allocation.version)
    result = run_report(
        sales.mgr, "target_vs_actual", {"by": "rep", "period": "mtd", "as_of": "2026-01-31"}
    )
    rows = {r[0]: r for r in result.table("evaluation").materialize()}
    # 2025 shares 15600 : 8400 give 1300 / 700; rep_s +50 % = 1050, rep_n takes the rest
    assert rows["rep_n"][2] == D("950.00") and rows["rep_s"][2] == D("1050.00")
    # January 2026: rep_n sold 1040 (109.47 %), rep_s 560 (53.33 %)
    assert rows["rep_n"][3] == D(1040) and rows["rep_s"][3] == D(560)
    assert rows["rep_n"][4] == D("1.0947") and rows["rep_s"][4] == D("0.5333")
    assert rows["rep_n"][7] == 1 and rows["rep_s"][7] == 2
    assert result.charts and result.charts[0].value_columns == ("target", "actual")


def test_targets_generated_by_a_forecast(sales) -> None:
    view = svc.create_allocation(
        sales.planner,
        period_kind="quarter",
        period_start=dt.date(2026, 4, 1),
        dimension="product",
        total="9000",
        basis="forecast",
    )
    basis = {ln.code: ln.basis_amount for ln in view.lines}
    # Seasonal naive wins on the exact seasonal history: Q2 = last Q2 (1.1 + 1.2 + 1.0)
    assert basis == {"A": D("5280.00"), "B": D("1320.00")}
    assert _amounts(view) == {"A": D("7200.00"), "B": D("1800.00")}


def test_demo_data_drafts_and_approves_this_years_targets(sales) -> None:
    from plugins.forecast.demo import seed_demo

    seed_demo(sales.admin, "small", 1)
    (alloc,) = svc.list_allocations(sales.admin)
    assert alloc.status == "approved" and alloc.approved_by_id == sales.mgr.actor.id
    # 2025 sold 2000 x 12 = 24000; + 10 % = 26400
    assert alloc.total == D("26400.00")
    with sales.mgr.reading() as session:
        assert sum(target_amounts(session, YEAR, dt.date(2026, 12, 31), "region").values()) == D(
            "26400.00"
        )


def test_dynamic_titles_are_translated() -> None:
    from core.i18n import plugin_catalog
    from plugins.forecast.methods import BUILTIN_METHODS

    zh = plugin_catalog(str(al.__file__), "zh_CN")
    words = [m.title for m in BUILTIN_METHODS] + list(al.PERIOD_KINDS) + list(al.DIMENSIONS)
    assert [
        w for w in [*words, "draft", "approved", "superseded", "months", "weeks"] if w not in zh
    ] == []


def test_a_rep_evaluates_only_themself(sales) -> None:
    view = _draft(sales, dimension="rep")
    svc.approve_allocation(sales.mgr, view.allocation.id, view.allocation.version)
    with pytest.raises(ValidationFailed):  # approved already
        svc.approve_allocation(sales.mgr2, view.allocation.id, None)
    e = evaluate(sales.rep_n, "rep", "ytd", dt.date(2026, 3, 16))
    assert [r.code for r in e.rows] == ["rep_n"] and e.rows[0].rank == 1
    assert e.rows[0].target == D("1524.38")  # the same phasing as region N


# -- integrity (issue #16.10, #16.21) -----------------------------------------------------


def test_approving_an_older_draft_never_replaces_a_newer_approved_revision(sales) -> None:
    first = _draft(sales)
    second = svc.revise_allocation(sales.planner, first.allocation.id, total="12000")
    svc.approve_allocation(sales.mgr, second.allocation.id, second.allocation.version)
    with pytest.raises(ValidationFailed, match="approved revision 2; revise revision 2"):
        svc.approve_allocation(sales.mgr2, first.allocation.id, first.allocation.version)
    statuses = {a.revision: a.status for a in svc.list_allocations(sales.mgr)}
    assert statuses == {1: "draft", 2: "approved"}
    with sales.mgr.reading() as session:
        year = target_amounts(session, YEAR, dt.date(2026, 12, 31), "region")
        company = target_amounts(session, YEAR, dt.date(2026, 12, 31), "company")
    assert year == {sales.ids["N"]: D("8130.00"), sales.ids["S"]: D("3870.00")}
    assert company == {0: D("12000.00")}


def test_a_regional_manager_may_not_draft_a_plan_covering_only_their_region(sales) -> None:
    north = sales.world.user("north_head", ["sales_manager", "regional_admin"], region="N")
    with pytest.raises(PermissionDenied, match="cannot see the sales of S"):
        _draft(sales, who=north)
    with pytest.raises(PermissionDenied, match="cannot see the sales of Rep_S"):
        _draft(sales, who=north, dimension="rep")
    assert svc.list_allocations(sales.planner) == []
    view = _draft(sales, who=sales.mgr)  # the manager of both reps sees every region
    assert _amounts(view) == {"N": D("6775.00"), "S": D("3225.00")}
    with pytest.raises(PermissionDenied, match="cannot see the sales of S"):
        svc.revise_allocation(north, view.allocation.id, total="11000")
    n = next(ln.key_id for ln in view.lines if ln.code == "N")
    with pytest.raises(PermissionDenied, match="cannot see the sales of S"):  # rebalances S
        svc.set_adjustments(north, view.allocation.id, {n: D(10)}, view.allocation.version)
    assert _amounts(svc.get_allocation(sales.mgr, view.allocation.id)) == _amounts(view)


def test_allocation_lines_follow_the_readers_record_rules(sales) -> None:
    view = _draft(sales)
    north = sales.world.user("north_head", ["sales_manager", "regional_admin"], region="N")
    aid = view.allocation.id
    assert {ln.code for ln in svc.get_allocation(sales.planner, aid).lines} == {"N", "S"}
    assert {ln.code for ln in svc.get_allocation(north, aid).lines} == {"N"}
    assert svc.get_allocation(sales.mgr2, aid).lines == []  # a manager without a team
    rows = run_report(north, "target_allocation", {"allocation": aid}).table("lines").materialize()
    assert [r[0] for r in rows] == ["N"] and rows[0][2] == D(2710)
    assert (
        run_report(sales.mgr2, "target_allocation", {"allocation": aid})
        .table("lines")
        .materialize()
        == []
    )


@pytest.mark.salesdesk_sqlite_only
def test_targets_show_prints_only_the_readers_keys(sales, salesdesk_run) -> None:
    """``salesdesk targets show`` goes through the same rule as the report."""
    view = _draft(sales)
    sales.world.user("north_head", ["sales_manager", "regional_admin"], region="N")

    def show(login: str) -> str:
        result = salesdesk_run.cli("targets", "show", str(view.allocation.id), user=login)
        assert result.exit_code == 0, result.output
        return result.output

    planner = show("planner")
    assert "\n  N\t" in planner and "\n  S\t" in planner
    north = show("north_head")
    assert "\n  N\t" in north and "\n  S\t" not in north and "1,290.00" not in north


# -- phased monthly targets (issue #19.3) --------------------------------------------------


def _published(ctx, dimension: str) -> dict[tuple[int, dt.date], D]:
    from core.targets import published_targets

    with ctx.reading() as session:
        return published_targets(session, dimension, YEAR, dt.date(2026, 12, 31))


def test_spring_festival_moves_january_and_february_shares() -> None:
    assert al.spring_festival(2025) == dt.date(2025, 1, 29)
    assert al.spring_festival(2026) == dt.date(2026, 2, 17)
    assert al.spring_festival(2028) == dt.date(2028, 1, 26)
    months = al.months_of(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    last_year = {
        dt.date(2025, 1, 1): D(100),
        dt.date(2025, 2, 1): D(300),
        dt.date(2025, 3, 1): D(200),
    }
    # the holiday leaves January (2025) for February (2026): the shares swap
    assert al.seasonal_weights(months, last_year) == [D(300), D(100), D(200)]
    # 2027's falls in February like 2026's: last year's shares as they were
    months27 = al.months_of(dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    ly27 = {dt.date(2026, 1, 1): D(100), dt.date(2026, 2, 1): D(300)}
    assert al.seasonal_weights(months27, ly27) == [D(100), D(300), D(0)]
    assert al.seasonal_weights(months27, {}) == [D(1)] * 3  # no history: flat


def test_phase_keeps_closed_months_and_the_total_to_the_cent() -> None:
    weights = [D(1), D(2), D(3), D(4)]
    assert al.phase(D("100.00"), weights, [None] * 4) == [D(10), D(20), D(30), D(40)]
    # two months closed at 30 + 10: the other two share the remaining 60 as 3 : 4
    assert al.phase(D("100.00"), weights, [D(30), D(10), None, None]) == [
        D(30),
        D(10),
        D("25.71"),
        D("34.29"),
    ]
    with pytest.raises(ValidationFailed, match="closed months"):
        al.phase(D("30.00"), weights, [D(30), D(10), None, None], "N")


def test_phased_targets_follow_last_years_shares_and_sum_to_the_total(sales) -> None:
    view = _draft(sales, total="10000.01")
    svc.approve_allocation(sales.mgr, view.allocation.id, view.allocation.version)
    region, company = _published(sales.mgr, "region"), _published(sales.mgr, "company")
    n = sales.ids["N"]
    months = al.months_of(YEAR, dt.date(2026, 12, 31))
    n_months = [region[(n, m)] for m in months]
    assert sum(n_months) == next(ln.amount for ln in view.lines if ln.code == "N")
    assert sum(company[(0, m)] for m in months) == D("10000.01")
    # the company's month is the sum of its regions' months (they reconcile)
    assert all(
        company[(0, m)] == sum(v for (k, mm), v in region.items() if mm == m) for m in months
    )
    # 2025's shares: May (1.2) is 1.5 x August (0.8); January takes February's 0.9
    assert float(n_months[4] / n_months[7]) == pytest.approx(1.5, abs=1e-3)
    assert float(n_months[0] / n_months[1]) == pytest.approx(0.9 / 0.8, abs=1e-3)


def test_flat_phasing_only_when_chosen(sales) -> None:
    view = _draft(sales)
    svc.approve_allocation(sales.mgr, view.allocation.id, view.allocation.version, "flat")
    with sales.mgr.reading() as session:
        q1 = target_amounts(session, YEAR, dt.date(2026, 3, 31), "region")
    assert q1[sales.ids["N"]] == D("1693.77")  # 564.59 x 3
    with pytest.raises(ValidationFailed, match="Phasing: got"):
        svc.approve_allocation(sales.mgr2, view.allocation.id, None, "weekly")


def test_forecast_phasing_follows_the_forecasts_profile(sales) -> None:
    view = _draft(sales)
    svc.approve_allocation(sales.mgr, view.allocation.id, view.allocation.version, "forecast")
    region = _published(sales.mgr, "region")
    n = sales.ids["N"]
    # seasonal naive repeats 2025 (no holiday swap: the profile is the forecast's own)
    assert region[(n, dt.date(2026, 1, 1))] == D("451.67")  # 6775 x 1600 / 24000
    assert region[(n, dt.date(2026, 5, 1))] == D("677.50")  # 6775 x 2400 / 24000


def test_a_revision_leaves_closed_months_untouched(sales) -> None:
    first = _draft(sales)
    svc.approve_allocation(sales.mgr, first.allocation.id, first.allocation.version)
    before = _published(sales.mgr, "region")
    company_before = _published(sales.mgr, "company")
    second = svc.revise_allocation(sales.planner, first.allocation.id, total="12000")
    svc.approve_allocation(sales.mgr2, second.allocation.id, second.allocation.version)
    after, company = _published(sales.mgr, "region"), _published(sales.mgr, "company")
    closed = [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]  # today is 16 March 2026
    for key in (sales.ids["N"], sales.ids["S"]):
        assert [after[(key, m)] for m in closed] == [before[(key, m)] for m in closed]
    assert [company[(0, m)] for m in closed] == [company_before[(0, m)] for m in closed]
    n = sales.ids["N"]
    assert sum(v for (k, _m), v in after.items() if k == n) == D("8130.00")
    assert sum(company.values()) == D("12000.00")
    assert after[(n, dt.date(2026, 3, 1))] > before[(n, dt.date(2026, 3, 1))]


def test_the_company_target_and_the_allocations_reconcile_or_show_the_gap(sales) -> None:
    regions = _draft(sales)  # 10000 by region
    svc.approve_allocation(sales.mgr, regions.allocation.id, regions.allocation.version)
    reps = _draft(sales, dimension="rep", total="12000")  # approved last: the company's
    svc.approve_allocation(sales.mgr, reps.allocation.id, reps.allocation.version)
    p = {"period": "ytd", "as_of": "2026-03-16"}
    by_rep = run_report(sales.admin, "target_vs_actual", {**p, "by": "rep"})
    assert not [en for en, _zh in by_rep.captions if "company target" in en]
    by_region = run_report(sales.admin, "target_vs_actual", {**p, "by": "region"})
    # Q1 by rep: 8130 -> 609.75 + 542.00 + 677.50, 3870 -> 290.25 + 258.00 + 322.50
    gap = [(en, zh) for en, zh in by_region.captions if "company target" in en]
    assert (
        gap
        and "2,700.00" in gap[0][0]
        and "2,250.01" in gap[0][0]
        and "449.99" in gap[0][0]
        and "相差 449.99" in gap[0][1]
    )
    budget = run_report(
        sales.admin, "budget_vs_actual", {"as_of": "2026-03-16", "dimension": "region"}
    )
    assert any("2,000.00" in en for en, _zh in budget.captions)  # 12000 vs 10000
