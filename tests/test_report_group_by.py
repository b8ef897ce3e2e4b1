"""A report's parameter ``by`` chooses how its rows are grouped (by rep, region, ...): on
a Chinese report form, in the line naming what a result was run with and in a refusal it
reads 分组方式, not 添加人 ("added by", the core's word for who added a record, which
stays as it is where it means that)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tui_helpers import aio, settle

from core.errors import ValidationFailed
from core.i18n import _, set_lang

REPORTS = ["target_vs_actual", "forecast_value_added", "funnel.pipeline"]


@pytest.fixture
def zh() -> Iterator[None]:
    set_lang("zh_CN")
    yield
    set_lang(None)


@aio
@pytest.mark.parametrize("report_id", REPORTS)
async def test_the_chinese_report_form_labels_by_as_grouping(
    tui_world: dict[str, Any], zh: None, report_id: str
) -> None:
    from textual.widgets import Label

    from tui.app import SalesdeskApp
    from tui.screens.reports import ReportsScreen
    from tui.widgets.form import FormFields

    app = SalesdeskApp(tui_world["admin"], database_label="test.db", profile="standard")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_section("reports")
        await settle(pilot)
        assert isinstance(app.screen, ReportsScreen)
        await app.screen._show_params(report_id)
        await settle(pilot)
        labels = [str(label.render()) for label in app.screen.query_one(FormFields).query(Label)]
    assert "分组方式" in labels, labels
    assert "添加人" not in labels and "按" not in labels, labels


@pytest.mark.parametrize("report_id", REPORTS)
def test_the_run_line_and_a_refusal_name_by_as_grouping(
    tui_world: dict[str, Any], zh: None, report_id: str
) -> None:
    from core.reports import get_report, parse_params
    from tui.screens.report_view import param_line

    admin = tui_world["admin"]
    choice = {"funnel.pipeline": "region", "target_vs_actual": "region"}.get(report_id, "series")
    assert param_line(admin, report_id, {"by": choice}).startswith("分组方式 ")
    with pytest.raises(ValidationFailed) as refused:
        parse_params(get_report(admin, report_id), {"by": "team-x"})
    assert str(refused.value).startswith("请更正：分组方式："), str(refused.value)


def test_by_still_names_who_added_a_record(zh: None) -> None:
    """The core's "By" column (who added a sign-in key) keeps its meaning."""
    assert _("By") == "添加人"


def test_english_reads_group_by() -> None:
    from plugins.forecast.reports import EvalParams
    from tui.screens.reports import param_specs

    set_lang("en")
    try:
        specs, _values = param_specs(EvalParams)
        assert [s.title for s in specs if s.name == "by"] == ["Group by"]
    finally:
        set_lang(None)
