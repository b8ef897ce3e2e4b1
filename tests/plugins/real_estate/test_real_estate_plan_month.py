"""A sales-plan month that looks like YYYY-MM but is no month ("2026-13") is refused as
bad input naming the month and what it may be, in the reader's language, and nothing is
written; never a traceback (it passed the form's pattern, then failed to parse)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from tui_helpers import aio, settle

from core.errors import ValidationFailed
from core.forms import submit_form
from core.i18n import set_lang
from plugins.real_estate.models import Building, SalesPlan
from plugins.real_estate.services import plans

RULE_EN = "a month as YYYY-MM (year, hyphen, month 01 to 12), e.g. 2026-03"
RULE_ZH = "YYYY-MM 格式的月份（年份、连字符、01 到 12 的月份），如 2026-03"
PLAN = {"project": "P1", "building": "A1", "units": "2", "amount": "2000000"}


@pytest.fixture
def lang() -> Iterator[None]:
    yield
    set_lang(None)


def plan_rows(estate: Any) -> int:
    with estate.world.runtime.db.read_session() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(SalesPlan)) or 0)


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "0000-05"])
@pytest.mark.parametrize(
    ("language", "said"),
    [("en", f"Month: got '{{month}}', expected {RULE_EN}"), ("zh_CN", f"月份：{RULE_ZH}")],
)
def test_a_month_that_does_not_exist_is_refused_on_the_plan_form(
    estate: Any, lang: None, month: str, language: str, said: str
) -> None:
    set_lang(language)
    with pytest.raises(ValidationFailed) as refused:
        submit_form(estate.senior, "real_estate_plan", {**PLAN, "month": month})
    text = str(refused.value)
    assert [p.field for p in refused.value.problems] == ["month"]
    if language == "en":
        assert said.format(month=month) in text, text
    else:
        assert "月份" in text and RULE_ZH in text and "Traceback" not in text, text
    assert plan_rows(estate) == 0


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "2026-03xyz", "March", ""])
def test_the_plan_service_refuses_a_month_that_is_no_month(
    estate: Any, lang: None, month: str
) -> None:
    with estate.world.runtime.db.read_session() as session:
        building = session.scalars(sa.select(Building).where(Building.code == "A1")).one()
    for language, words in [("en", ("Month", RULE_EN)), ("zh_CN", ("月份", RULE_ZH))]:
        set_lang(language)
        with pytest.raises(ValidationFailed) as refused:
            plans.set_plan(estate.senior, building.id, month, 2, "100")
        assert all(word in str(refused.value) for word in words), str(refused.value)
    assert plan_rows(estate) == 0
    set_lang("en")
    plans.set_plan(estate.senior, building.id, "2026-04", 2, "100")
    plans.set_plan(estate.senior, building.id, "2026-05-17", 1, "50")  # a day: its month
    assert plan_rows(estate) == 2


def test_the_plan_services_other_refusals_read_in_chinese(estate: Any, lang: None) -> None:
    with estate.world.runtime.db.read_session() as session:
        building = session.scalars(sa.select(Building).where(Building.code == "A1")).one()
    set_lang("zh_CN")
    with pytest.raises(ValidationFailed, match=r"套数：.*0 或以上的整数"):
        plans.set_plan(estate.senior, building.id, "2026-04", "two", "100")
    with pytest.raises(ValidationFailed, match=r"金额：.*数字"):
        plans.set_plan(estate.senior, building.id, "2026-04", 2, "lots")
    with pytest.raises(ValidationFailed, match=r"金额：.*0 或以上"):
        plans.set_plan(estate.senior, building.id, "2026-04", 2, "-1")
    assert plan_rows(estate) == 0


@aio
async def test_the_plan_form_shows_the_refusal_under_the_month_in_chinese(
    estate: Any, lang: None
) -> None:
    from textual.widgets import Static

    from tui.app import SalesdeskApp
    from tui.screens.forms import FormsScreen
    from tui.widgets.form import FormFields

    set_lang("zh_CN")
    app = SalesdeskApp(
        estate.senior, database_label="test.db", profile="real_estate", load_dashboard=False
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.action_section("forms")
        await settle(pilot)
        assert isinstance(app.screen, FormsScreen)
        app.screen._show_form("real_estate_plan")
        await settle(pilot)
        form = app.screen.query_one(FormFields)
        for name, value in {**PLAN, "month": "2026-13"}.items():
            form.widget_for(name).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(app.screen.query_one("#err-month", Static).render())
        assert RULE_ZH in error, error
        assert form.widget_for("month").value == "2026-13"  # nothing typed is lost
    assert plan_rows(estate) == 0


def test_what_a_saved_entry_says_reads_in_chinese(estate: Any, lang: None) -> None:
    set_lang("zh_CN")
    said = submit_form(estate.senior, "real_estate_plan", {**PLAN, "month": "2026-04"})
    assert said == "楼栋 A1 2026-04 的销售计划已保存"
    rep = estate.world.user("rep", "sales_rep")
    call = {"project": "P1", "phone": "139", "source": "web", "grade": "B"}
    assert submit_form(rep, "real_estate_call", call) == "来电已登记，请于 2026-03-19 前回访"
