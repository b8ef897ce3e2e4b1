"""A check across fields (an end before its start, reclaim days out of order, two
offices with one first number) is refused at the field a person corrects, with its
value, in the reader's language; never the fields' code names or the whole record."""

from __future__ import annotations

from typing import Any

import pytest

from core import i18n
from core.errors import ValidationFailed
from core.services.base import validate


@pytest.fixture(autouse=True)
def _plugins_words() -> None:
    """The plugins' catalogues, as the plugin manager adds them when it loads them."""
    import plugins.contracts
    import plugins.funnel
    import plugins.marketing

    for plugin in (plugins.contracts, plugins.funnel, plugins.marketing):
        i18n.add_translations("zh_CN", i18n.plugin_catalog(plugin.__file__, "zh_CN"))


def _refused(model: type, data: dict[str, Any], lang: str) -> tuple[str, object, str]:
    i18n.set_lang(lang)
    try:
        with pytest.raises(ValidationFailed) as failed:
            validate(model, data, "entry")
        (problem,) = failed.value.problems
        return problem.field, problem.value, str(failed.value)
    finally:
        i18n.set_lang(None)


def _contract() -> tuple[type, dict[str, Any]]:
    from plugins.contracts.schemas import ContractCreate

    data = {"title": "Pumps", "customer_id": 1, "start_date": "2026-03-01"}
    return ContractCreate, {**data, "end_date": "2026-02-01"}


def _campaign() -> tuple[type, dict[str, Any]]:
    from plugins.marketing.schemas import CampaignInput

    return CampaignInput, {"name": "Spring", "start": "2026-03-01", "end": "2026-02-01"}


@pytest.mark.parametrize(("make", "end"), [(_contract, "end_date"), (_campaign, "end")])
def test_an_end_before_its_start_is_refused_at_the_end(make: Any, end: str) -> None:
    model, data = make()
    field, value, said = _refused(model, data, "en")
    assert field == end and str(value) == "2026-02-01"
    assert "expected a date on or after the start (2026-03-01)" in said, said
    assert "start_date" not in said and "{" not in said, said
    _field, _value, said = _refused(model, data, "zh_CN")
    assert "不早于开始日期（2026-03-01）的日期" in said and "start" not in said, said


def test_reclaim_days_that_do_not_rise_are_refused_in_words() -> None:
    from plugins.funnel.services.policy import Ladder

    field, value, said = _refused(Ladder, {"remind": 5, "manager": 3, "reclaim": 7}, "en")
    assert (field, value) == ("manager", 3)
    assert "the reminder (5 days) no later than the manager's alert (3 days)" in said, said
    assert "<=" not in said, said
    field, _value, said = _refused(Ladder, {"remind": 3, "manager": 5, "reclaim": 4}, "zh_CN")
    assert field == "reclaim" and "告知经理不晚于回收（4 天）" in said, said


def test_two_offices_with_one_first_number_are_refused_in_words() -> None:
    from core.services.numbering import NumberingRule

    data = {"prefix": "HT", "width": 5, "offices": {"SH": 1, "BJ": 1}}
    field, value, said = _refused(NumberingRule, data, "en")
    assert field == "offices" and value == {"SH": 1, "BJ": 1}
    assert "a different first number for each office" in said, said
    _field, _value, said = _refused(NumberingRule, {**data, "offices": {"SH": 0}}, "zh_CN")
    assert "1 到 99999 之间的起始号" in said, said
