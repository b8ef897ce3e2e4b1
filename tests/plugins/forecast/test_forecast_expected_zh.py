"""What a forecast, target or evaluation field expects reads in Chinese through the
catalogue: each expectation is an English msgid with its figures in args, looked up when
shown (an f-string or joined text never was), and says what a person types or picks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from refusal_helpers import expects

from plugins.forecast.services import targets as svc
from plugins.forecast.services.evaluation import evaluate
from plugins.forecast.services.forecasting import run_forecast


def _forecast(sales: Any, by: str = "company", **options: Any) -> Callable[[], object]:
    return lambda: run_forecast(sales.mgr, by, horizon=3, processes=1, **options)


def test_a_forecast_run_expects_in_chinese(sales: Any, chinese: None) -> None:
    expects(_forecast(sales, reconcile_how="sideways"), "应为 自下而上或自上而下", "bottom")
    expects(_forecast(sales, level=0.3), "0.5 到 0.99 之间的小数", "fraction")
    text = expects(_forecast(sales, method="nope"), "auto（自动）或以下之一：", "one of")
    assert "、" in text, text  # the methods listed as Chinese lists them
    expects(_forecast(sales, freq="day"), "month（按月）或 week（按周）", "month or week")
    expects(
        _forecast(sales, "region,region"),
        "company（公司），或以逗号分隔的 product、region、channel、rep 中的几项（各一次）",
        "comma list",
    )


def test_no_sales_to_forecast_expects_in_chinese(salesdesk_world: Any, chinese: None) -> None:
    expects(
        lambda: run_forecast(salesdesk_world.admin, "company", horizon=3, processes=1),
        "您有权查看的销售明细",
        "sales lines",
    )


def _draft(sales: Any, **changes: Any) -> Any:
    values: dict[str, Any] = {
        "period_kind": "year",
        "period_start": dt.date(2026, 1, 1),
        "dimension": "region",
        "total": "10000",
        "basis": "ytd",
        **changes,
    }
    return svc.create_allocation(sales.planner, **values)


def test_a_target_allocation_expects_in_chinese(sales: Any, chinese: None) -> None:
    expects(
        lambda: _draft(sales, period_kind="decade"),
        "year（年）、quarter（季度）或 month（月）",
        "quarter or month",
    )
    expects(lambda: _draft(sales, total="-5"), "大于 0 的金额", "positive")
    expects(lambda: _draft(sales, dimension="colour"), "以下之一：product、region", "one of")
    a = _draft(sales).allocation
    north = next(ln.key_id for ln in svc.get_allocation(sales.planner, a.id).lines)
    expects(
        lambda: svc.adjust_by(sales.planner, a.id, north, Decimal(90), a.version),
        "不超出总额 10000.00 的调整",
        "leave room",
    )
    approved = svc.approve_allocation(sales.mgr, a.id, a.version).allocation
    text = expects(
        lambda: svc.approve_allocation(sales.mgr2, a.id, approved.version),
        "状态：填的是 '已审批'，应为 草稿",
        "draft",
    )
    assert "approved" not in text, text


def test_an_evaluation_expects_in_chinese(sales: Any, chinese: None) -> None:
    text = expects(
        lambda: evaluate(sales.mgr, "colour", "ytd"),
        "以下之一：company、rep、channel、region、product",
        "one of",
    )
    assert "以下之一：mtd（本月累计）、qtd（本季累计）、ytd（本年累计）" in text, text
