"""The standard sales forms read amounts net of VAT (不含税, the default) or including it
(价税合计), and say which in their caption. Figures by hand from tests/reports_helpers.py
with VAT rates set on the March 2026 lines: 100.00 at 9 % -> 109.00, 50.50 at 6 % ->
53.53; lines without a rate take the company's (13 % unless changed)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from reports_helpers import build

from core.models import SalesLine
from core.reports import run_report
from core.services.organisation import set_company

M = Decimal
AS_OF = {"as_of": "2026-03-16"}


@pytest.fixture
def sw(salesdesk_world):
    sw = build(salesdesk_world)
    with salesdesk_world.runtime.db.write_session() as session, session.begin():
        for amount, rate in (("100.00", "0.09"), ("50.50", "0.06")):
            session.execute(
                sa.update(SalesLine).where(SalesLine.amount == M(amount)).values(tax_rate=M(rate))
            )
    return sw


def _totals(result, table_id, *columns):
    table = result.table(table_id)
    return tuple(table.value(table.totals, c) for c in columns)


def test_daily_sales_net_by_default_and_gross_when_asked(sw):
    net = run_report(sw.admin, "daily_sales", AS_OF)
    assert _totals(net, "reps", "amount", "mtd") == (M("10.00"), M("160.50"))
    assert ("Amounts are net of VAT.", "金额不含税。") in net.captions
    gross = run_report(sw.admin, "daily_sales", {**AS_OF, "amounts": "gross"})
    # today: 10.00 + 13 % = 11.30; month to date: 109.00 + 53.53 + 11.30
    assert _totals(gross, "reps", "amount", "mtd") == (M("11.30"), M("173.83"))
    assert _totals(gross, "products", "amount") == (M("11.30"),)
    assert any("价税合计" in zh for _en, zh in gross.captions)


def test_monthly_sales_gross_like_for_like(sw):
    result = run_report(sw.admin, "monthly_sales", {**AS_OF, "amounts": "gross"})
    months = {r[0]: (r[3], r[5]) for r in result.table("months").rows}
    # Jan 40.00 -> 45.20, Feb 300.00 -> 339.00; last year Feb 200.00 -> 226.00, 1-16 Mar
    # 80.00 -> 90.40 (the line of 17 March 2025 is after the same day)
    assert months == {
        "2026-01": (M("45.20"), M("0.00")),
        "2026-02": (M("339.00"), M("226.00")),
        "2026-03": (M("173.83"), M("90.40")),
    }
    assert _totals(result, "months", "amount", "ly") == (M("558.03"), M("316.40"))
    net = run_report(sw.admin, "monthly_sales", AS_OF)
    assert _totals(net, "months", "amount", "ly") == (M("500.50"), M("280.00"))


def test_multi_year_gross_and_the_company_rate(sw):
    set_company(sw.admin, {"vat_rate": "0.10"})
    result = run_report(sw.admin, "multi_year", {**AS_OF, "years": "2", "amounts": "gross"})
    # 40.00 -> 44.00, 300.00 -> 330.00, 10.00 -> 11.00 at 10 %; 109.00 and 53.53 keep theirs
    assert _totals(result, "months", "y2025", "y2026") == (M("308.00"), M("547.53"))
    assert _totals(result, "regions", "y2026") == (M("547.53"),)


def test_a_region_reads_gross_within_its_subtree(sw):
    result = run_report(sw.admin, "monthly_sales", {**AS_OF, "amounts": "gross", "region": "N"})
    # N and N1 only: March 109.00 + 53.53 + 11.30 (the S lines of Jan/Feb are left out)
    assert _totals(result, "months", "amount") == (M("173.83"),)


def test_a_rep_reads_only_their_own_lines_gross(sw):
    result = run_report(sw.rep_a, "daily_sales", {**AS_OF, "amounts": "gross"})
    assert _totals(result, "reps", "mtd") == (M("162.53"),)


def test_forms_compared_with_net_targets_have_no_gross_choice(sw):
    from core.reports import get_report

    for report_id in ("rep_monthly", "rep_periods", "budget_vs_actual"):
        assert "amounts" not in get_report(sw.admin, report_id).Params.model_fields


def test_the_form_offers_the_choice_in_business_words(sw):
    from core.i18n import set_lang
    from core.reports import get_report
    from tui.screens.reports import param_specs

    model = get_report(sw.admin, "daily_sales").Params
    set_lang("zh_CN")
    try:
        specs, values = param_specs(model)
    finally:
        set_lang("en")
    amounts = next(s for s in specs if s.name == "amounts")
    assert amounts.choices == [("不含税", "net"), ("价税合计（含税）", "gross")]
    assert values["amounts"] == "net"
