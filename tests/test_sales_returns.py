"""Issue #17.5 on imported sales: a VAT rate per line and returns (退货) as lines with a
negative quantity and amount plus a return reason. The summaries stay equal to a
recomputation and the standard forms net the returns (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from reports_helpers import build, by_key, column
from test_summaries import _assert_like_rebuild

from core.errors import ValidationFailed
from core.models import SalesLine
from core.reports import run_report
from core.services.import_rows import (
    RETURN_BOTH_NEGATIVE,
    RETURN_REASON_NEEDED,
    RETURN_REASON_UNUSED,
)
from core.services.importing import import_file

M = Decimal
HEADER = (
    "date,customer_code,product_code,rep_login,region_code,channel_code,quantity,"
    "amount,tax_rate,return_reason"
)


def _file(tmp_path: Path, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / "sales.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def _problems(ctx, path: Path) -> set[tuple]:
    with pytest.raises(ValidationFailed) as info:
        import_file(ctx, "sales_lines", path)
    return {(p.row, p.field, p.expected) for p in info.value.problems}


@pytest.fixture
def sw(world):
    return build(world)


def test_returns_and_tax_rates_are_stored_and_netted(sw, tmp_path):
    march = run_report(sw.admin, "monthly_sales", {"as_of": "2026-03-31"})
    before = column(march, "months", "amount")[-1]
    path = _file(
        tmp_path,
        "2026-03-20,C1,P1,rep_a,N1,,2,200.00,13%,",
        "2026-03-21,C1,P1,rep_a,N1,,2,200.00,0.13,",  # fast path: rate seen
        "2026-03-25,C1,P1,rep_a,N1,,-1,-100.00,0.13,质量问题 damaged",
        "2026-03-26,C2,P2,,,,3,30.00,,",
    )
    assert import_file(sw.admin, "sales_lines", path).rows == 4
    with sw.world.runtime.db.read_session() as session:
        rows = session.execute(
            sa.select(
                SalesLine.quantity, SalesLine.amount, SalesLine.tax_rate, SalesLine.return_reason
            )
            .where(SalesLine.batch_id.is_not(None))
            .order_by(SalesLine.date)
        ).all()
    assert [tuple(r) for r in rows] == [
        (M("2.000"), M("200.00"), M("0.1300"), None),
        (M("2.000"), M("200.00"), M("0.1300"), None),
        (M("-1.000"), M("-100.00"), M("0.1300"), "质量问题 damaged"),
        (M("3.000"), M("30.00"), None, None),
    ]
    _assert_like_rebuild(sw.world)
    march = run_report(sw.admin, "monthly_sales", {"as_of": "2026-03-31"})
    assert column(march, "months", "amount")[-1] == before + M("330.00")
    assert by_key(march, "products", "product", "total")["P1"] > 0
    # March as of its last day (the month runs to the report date); C2 is rep_a's too
    rep = run_report(sw.admin, "rep_monthly", {"month": "2026-03-01", "as_of": "2026-03-31"})
    assert by_key(rep, "reps", "rep", "actual")["rep_a"] == M("1149.50") + M("330.00")


def test_a_return_alone_in_a_month_nets_the_summaries_to_its_negative(sw, tmp_path):
    path = _file(
        tmp_path,
        "2026-05-02,C3,P2,rep_b,S,,-2,-120.00,,wrong model",
        "2026-05-03,C3,P2,rep_b,S,,2,120.00,,",
    )
    import_file(sw.admin, "sales_lines", path)
    kept = _assert_like_rebuild(sw.world)
    may = [v for k, v in kept["sales_sum_customer_month"].items() if k[0] == "2026-05-01"]
    assert may == [(M("0.00"), M("0.000"), 2)]


def test_bad_returns_and_rates_are_each_named(sw, tmp_path):
    path = _file(
        tmp_path,
        "2026-03-20,C1,P1,,,,-1,-100.00,,",  # no reason
        "2026-03-20,C1,P1,,,,1,-100.00,,oops",  # amount alone below 0
        "2026-03-20,C1,P1,,,,-1,100.00,,oops",  # quantity alone below 0
        "2026-03-20,C1,P1,,,,1,100.00,,why",  # a reason on a sale
        "2026-03-20,C1,P1,,,,1,100.00,1.3,",  # not a VAT rate
        "2026-03-20,C1,P1,,,,-0,-0,,zero",  # minus zero is no return
        "2026-03-20,C1,P1,,,,-1,-1.005,,cents",
    )  # still two decimals
    problems = _problems(sw.admin, path)
    assert {(r, f) for r, f, _ in problems} == {
        (2, "return_reason"),
        (3, "amount"),
        (4, "quantity"),
        (5, "return_reason"),
        (6, "tax_rate"),
        (7, "quantity"),
        (7, "amount"),
        (8, "amount"),
    }
    assert (2, "return_reason", RETURN_REASON_NEEDED) in problems
    assert (3, "amount", RETURN_BOTH_NEGATIVE) in problems
    assert (5, "return_reason", RETURN_REASON_UNUSED) in problems
    with sw.world.runtime.db.read_session() as session:
        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(SalesLine)
                .where(SalesLine.batch_id.is_not(None))
            )
            == 0
        )


def test_a_file_without_the_new_columns_still_refuses_negatives(sw, tmp_path):
    header = HEADER.rsplit(",", 2)[0]
    path = _file(tmp_path, "2026-03-20,C1,P1,,,,-1,-100.00", header=header)
    assert _problems(sw.admin, path) == {(2, "return_reason", RETURN_REASON_NEEDED)}
