"""A number typed into the sales office (a base price, a what-if price, a payment) that
no amount can hold ("1e30") is refused naming the field and the most it may be, in the
reader's language; it used to raise InvalidOperation while the prices were worked out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.errors import ValidationFailed
from core.i18n import set_lang
from plugins.real_estate.models import Building
from plugins.real_estate.services import prices


@pytest.fixture
def lang() -> Iterator[None]:
    yield
    set_lang(None)


def base_price(estate: Any) -> Any:
    with estate.world.runtime.db.read_session() as session:
        return session.get(Building, estate.building_id).base_price


@pytest.mark.parametrize("typed", ["1e30", "99999999999999999"])
def test_a_price_no_amount_holds_is_refused(estate: Any, lang: None, typed: str) -> None:
    before = base_price(estate)
    for language, words in [
        ("en", ("Base price", "at most 99,999,999,999,999.99")),
        ("zh_CN", ("基准价", "最多 99,999,999,999,999.99")),
    ]:
        set_lang(language)
        for call in (prices.what_if, prices.set_base_price):
            with pytest.raises(ValidationFailed) as refused:
                call(estate.operator, estate.building_id, typed)
            said = str(refused.value)
            assert all(word in said for word in words), said
    assert base_price(estate) == before


@pytest.mark.parametrize(
    ("typed", "zh"), [("NaN", "数字"), ("-5", "大于 0 的数字"), ("abc", "数字")]
)
def test_a_price_that_is_no_price_is_refused_in_chinese(
    estate: Any, lang: None, typed: str, zh: str
) -> None:
    set_lang("zh_CN")
    with pytest.raises(ValidationFailed) as refused:
        prices.what_if(estate.operator, estate.building_id, typed)
    said = str(refused.value)
    assert said.startswith("请更正：基准价：") and said.endswith(f"应为 {zh}"), said
