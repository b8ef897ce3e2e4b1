"""What a manufacturing field expects reads in Chinese through the catalogue: the
over-delivery tolerance an administrator types and the quantities a screen reads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.errors import ValidationFailed
from core.i18n import set_lang
from plugins.manufacturing.views import decimals


@pytest.fixture
def chinese() -> Iterator[None]:
    set_lang("zh_CN")
    yield
    set_lang("en")


@pytest.mark.salesdesk_sqlite_only
def test_the_tolerance_expects_a_fraction_in_chinese(
    shop: Any, salesdesk_run: Any, chinese: None
) -> None:
    refused = salesdesk_run.cli("mfg", "tolerance", "5", user="admin")
    assert refused.exit_code == 1, refused.output
    assert "应为 0 到 1 之间的小数，如 0.05 表示 5%" in refused.output, refused.output
    assert "between" not in refused.output and "expected" not in refused.output


def test_a_list_of_quantities_expects_numbers_in_chinese(chinese: None) -> None:
    with pytest.raises(ValidationFailed) as refused:
        decimals("3, lots", "quantity")
    text = str(refused.value)
    assert "应为 以逗号分隔的数字" in text and "separated" not in text, text
