"""What a refused real-estate value should have been reads in Chinese: a unit by its
building and number, its status in words, a building or price list by the code or number
people know it by; no English left."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from re_helpers import unit_rows

from core.errors import ValidationFailed
from core.reports import run_report
from plugins.real_estate.services import control, masterdata


def refused(call: Any) -> str:
    with pytest.raises(ValidationFailed) as caught:
        call()
    text = str(caught.value)
    for word in ("expected", "existing", "current price", "workbook", "reserved", "/building"):
        assert word not in text, text
    return text


def test_report_and_import_refusals_in_chinese(estate: Any, tmp_path: Path, chinese: None) -> None:
    senior = estate.senior
    text = refused(lambda: run_report(senior, "real_estate_price_list", {"building": "ZZ9"}))
    assert "应为 已有楼栋的编码" in text
    text = refused(lambda: run_report(senior, "real_estate_price_list", {"project": "ZZ"}))
    assert "应为 已有项目的编码" in text
    params = {"building": "A1", "number": 99}
    text = refused(lambda: run_report(senior, "real_estate_price_list", params))
    assert "应为 已有的价目表编号" in text
    not_a_workbook = tmp_path / "units.xlsx"
    not_a_workbook.write_text("code,name\n", encoding="utf-8")
    text = refused(lambda: masterdata.import_units(estate.operator, not_a_workbook))
    assert "应为 一个 .xlsx 工作簿（" in text


def test_a_sold_units_price_is_named_by_unit_and_status(estate: Any, chinese: None) -> None:
    control.reserve(estate.control, estate.unit("202"), "李娜")
    text = refused(lambda: masterdata.submit_units(estate.operator, unit_rows("9500.00")))
    assert "应为 房间 A1-202 的现价：该房间已预留，面积差异请在其成交上结算" in text
