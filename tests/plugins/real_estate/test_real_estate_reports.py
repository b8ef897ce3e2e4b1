"""The sales-office reports on a small hand-built sales day; every figure by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from re_helpers import make_estate

from core.reports import drill_report, run_report
from plugins.real_estate.services import calls, control, payments, plans

D = Decimal


@pytest.fixture(scope="module")
def sold_some(module_world: Any) -> Any:
    """201 signed and fully paid then sold; 101 signed with a deposit; 102 reserved;
    202 held. Plans for March: 2 units, 2,000,000.00. Built once per backend; the tests
    using it only read."""
    estate = make_estate(module_world)
    c = estate.control
    d201 = control.reserve(c, estate.unit("201"), "A", subscribe=True)
    control.sign(c, estate.unit("201"))
    payments.record_payment(estate.finance, d201.id, "mortgage", "1050600.00")
    control.complete_sale(c, estate.unit("201"))
    d101 = control.reserve(c, estate.unit("101"), "B", subscribe=True)
    control.sign(c, estate.unit("101"))
    payments.set_plan(
        estate.finance,
        d101.id,
        [
            {"kind": "deposit", "due_on": "2026-03-10", "amount": "100000.00"},
            {"kind": "mortgage", "due_on": "2026-06-01", "amount": "899100.00"},
        ],
    )
    payments.record_payment(estate.finance, d101.id, "deposit", "40000.00")
    control.reserve(c, estate.unit("102"), "C")
    control.hold(c, estate.unit("202"))
    plans.set_plan(estate.senior, estate.building_id, "2026-03", 2, "2000000")
    return estate


def test_sales_control_summary(sold_some: Any) -> None:
    result = run_report(sold_some.senior, "real_estate_sales_control", {})
    table = result.table("buildings")
    (row,) = table.rows
    assert row[:9] == ("P1", "A1", 4, 0, 1, 1, 0, 1, 1)
    # signed/sold area 100 + 100; amount 1,050,600 + 999,100; received 1,050,600 + 40,000
    assert row[9:] == (D("200.00"), D("2049700.00"), D("1090600.00"), D("0.5"))
    assert table.totals[2] == 4 and table.totals[-1] == D("0.5")
    units = drill_report(
        sold_some.senior, "real_estate_sales_control", {}, "buildings", row, "signed"
    )
    assert [r[1] for r in units.rows] == ["101"]


def test_price_list_totals(sold_some: Any) -> None:
    table = run_report(sold_some.senior, "real_estate_price_list", {"building": "A1"}).table(
        "units"
    )
    assert [r[1] for r in table.rows] == ["201", "202", "101", "102"]
    assert table.totals[5] == D("361.00") and table.totals[9] == D("3623555.50")
    assert table.totals[8] == D("10037.55")


def test_plan_vs_actual(sold_some: Any) -> None:
    table = run_report(sold_some.senior, "real_estate_plan_actual", {"year": 2026}).table("plan")
    assert table.rows == [("A1", "2026-03", 2, 2, D("2000000.00"), D("2049700.00"), D("1.0249"))]


def test_receivables_as_of(sold_some: Any) -> None:
    table = run_report(sold_some.senior, "real_estate_receivables", {"as_of": "2026-03-31"}).table(
        "deals"
    )
    by_unit = {r[1]: r for r in table.rows}
    # 101: price 999,100; received 40,000; deposit of 100,000 due by 03-10 -> 60,000 overdue
    assert by_unit["101"][4:] == (
        D("999100.00"),
        D("0.00"),
        D("40000.00"),
        D("959100.00"),
        D("60000.00"),
    )
    assert by_unit["201"][7:] == (D("0.00"), D("0.00"))
    assert by_unit["102"][7] == D("765233.00")
    assert table.totals[7] == D("959100.00") + D("765233.00")


def test_call_statistics(estate: Any) -> None:
    rep = estate.world.user("rep", "sales_rep")
    first = calls.log_call(rep, estate.project_id, {"phone": "139", "source": "web", "grade": "a"})
    assert first.follow_up_on == dt.date(2026, 3, 17)  # grade A: call back the next day
    calls.log_call(rep, estate.project_id, {"phone": "138", "source": "web", "grade": "C"})
    calls.log_call(rep, estate.project_id, {"caller_name": "Z", "source": "referral", "grade": "B"})
    calls.follow_up(rep, first.id, visited=True)
    control.reserve(estate.control, estate.unit("101"), "Caller", call_id=first.id)
    table = run_report(estate.senior, "real_estate_calls", {}).table("sources")
    assert table.rows == [
        ("referral", 1, 0, 1, 0, 0, 0, 0, D("0")),
        ("web", 2, 1, 0, 1, 1, 1, 1, D("0.5")),
    ]
    assert table.totals == ("Total", 3, 1, 1, 1, 1, 1, 1, D("0.3333"))
    funnel = run_report(estate.senior, "real_estate_calls", {}).table("funnel")
    # 3 calls, 1 visit, 1 reserved (101), none subscribed or signed this month
    assert [(r[0], r[1], r[2]) for r in funnel.rows] == [
        ("Calls", 3, None),
        ("Visits", 1, D("0.3333")),
        ("Reserved", 1, D("1")),
        ("Subscribed", 0, D("0")),
        ("Signed", 0, None),
    ]


def test_summary_exports_to_xlsx(sold_some: Any, tmp_path: Path) -> None:
    from core.exports import export_report

    result = run_report(sold_some.senior, "real_estate_sales_control", {})
    path = export_report(sold_some.senior, result, "xlsx", tmp_path / "control.xlsx")
    assert Path(path).stat().st_size > 0


def test_price_list_versions_stay_printable(estate: Any) -> None:
    from plugins.real_estate.services import prices

    prices.set_base_price(estate.operator, estate.building_id, "11000")
    second = prices.submit_price_list(estate.operator, estate.building_id)
    prices.approve_price_list(estate.senior, second.id)
    old = run_report(
        estate.senior, "real_estate_price_list", {"building": "A1", "number": 1}
    ).table("units")
    new = run_report(estate.senior, "real_estate_price_list", {"building": "A1"}).table("units")
    assert old.totals[9] == D("3623555.50")
    # each unit +1000/m2 before its percent: 201 (11200 x 1.03) = 11536.00
    assert {r[1]: r[8] for r in new.rows}["201"] == D("11536.00")
    with pytest.raises(Exception, match="existing price list number"):
        run_report(estate.senior, "real_estate_price_list", {"building": "A1", "number": 9})


def test_receivables_are_finance_data(sold_some: Any) -> None:
    from core.errors import PermissionDenied

    world = sold_some.world
    for login, role in (("rep_r", "sales_rep"), ("svc_r", "re_sales_service")):
        with pytest.raises(PermissionDenied, match="finance data"):
            run_report(world.user(login, role), "real_estate_receivables", {})
    for who in (sold_some.finance, world.user("exec_r", "executive")):
        assert run_report(who, "real_estate_receivables", {}).tables[0].row_count == 3


def test_money_received_follows_the_receivables_rule(sold_some: Any) -> None:
    """Issue #16.10: the summary by building showed money received to sales control and
    reps while the receivables report refused them; both now ask one rule."""
    from core.errors import PermissionDenied
    from plugins.real_estate.services import queries

    world = sold_some.world
    deal_id = next(
        u.deal_id
        for u in queries.board(sold_some.senior, sold_some.building_id)
        if u.unit_no == "201"
    )
    for who in (sold_some.control, world.user("rep_sc", "sales_rep")):
        table = run_report(who, "real_estate_sales_control", {}).table("buildings")
        assert "received" not in [c.id for c in table.columns]
        assert table.rows[0][:9] == ("P1", "A1", 4, 0, 1, 1, 0, 1, 1)
        assert D("1090600.00") not in table.rows[0] and len(table.totals) == len(table.columns)
        with pytest.raises(PermissionDenied, match="finance data"):
            run_report(who, "real_estate_receivables", {})
        with pytest.raises(PermissionDenied, match="finance data"):  # the unit board's line
            queries.deal_balance(who, deal_id)
    for who in (sold_some.finance, sold_some.senior):
        table = run_report(who, "real_estate_sales_control", {}).table("buildings")
        received = [c.id for c in table.columns].index("received")
        assert table.rows[0][received] == D("1090600.00")
        assert queries.deal_balance(who, deal_id).paid == D("1050600.00")


def test_a_rep_counts_only_their_own_calls(estate: Any) -> None:
    rep, other = estate.world.user("rep", "sales_rep"), estate.world.user("rep2", "sales_rep")
    calls.log_call(rep, estate.project_id, {"phone": "1", "source": "web", "grade": "A"})
    calls.log_call(other, estate.project_id, {"phone": "2", "source": "web", "grade": "B"})
    assert run_report(rep, "real_estate_calls", {}).table("sources").totals[1] == 1
    assert run_report(estate.senior, "real_estate_calls", {}).table("sources").totals[1] == 2


def test_printed_status_is_a_title_not_a_code(sold_some: Any) -> None:
    """The price list and the drilled units printed "available"/"signed" even in Chinese."""
    from core.i18n import set_lang

    table = run_report(sold_some.senior, "real_estate_price_list", {}).table("units")
    assert {r[1]: r[-1] for r in table.rows}["101"] == "Signed"
    set_lang("zh_CN")
    try:
        table = run_report(sold_some.senior, "real_estate_price_list", {}).table("units")
        owed = run_report(sold_some.senior, "real_estate_receivables", {}).table("deals")
    finally:
        set_lang(None)
    assert {r[1]: r[-1] for r in table.rows} == {
        "201": "售出",
        "202": "保留",
        "101": "签约",
        "102": "预留",
    }
    assert {r[1]: r[3] for r in owed.rows}["102"] == "预留"
