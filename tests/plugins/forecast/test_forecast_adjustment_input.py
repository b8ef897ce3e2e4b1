"""An allocation's adjustment is a percentage a person can mean: NaN, Infinity or a word
typed as CODE=PCT is refused naming the adjustment, in the reader's language, with the
allocation left as it was; never a traceback."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.errors import ValidationFailed
from core.i18n import set_lang
from plugins.forecast.services import targets as svc


def _year_by_region(sales: Any) -> Any:
    """The manager's 2026 target of 10,000 split by region on last year's sales."""
    return svc.create_allocation(
        sales.mgr,
        period_kind="year",
        period_start=dt.date(2026, 1, 1),
        dimension="region",
        total="10000",
        basis="ytd",
    )


@pytest.mark.parametrize("pct", ["NaN", "Infinity", "-Infinity", "ten", "-100"])
def test_an_adjustment_that_is_no_percentage_is_refused(sales: Any, pct: str) -> None:
    view = _year_by_region(sales)
    key = view.lines[0].key_id
    for lang, words in [("en", "above -100"), ("zh_CN", "大于 -100")]:
        set_lang(lang)
        try:
            with pytest.raises(ValidationFailed) as refused:
                svc.set_adjustments(sales.mgr, view.allocation.id, {key: pct}, None)
            said = str(refused.value)
        finally:
            set_lang(None)
        assert words in said and "N" in said, said
    again = svc.get_allocation(sales.mgr, view.allocation.id)
    assert [ln.amount for ln in again.lines] == [ln.amount for ln in view.lines]


@pytest.mark.salesdesk_sqlite_only  # the command's words, not the SQL
@pytest.mark.parametrize(
    ("change", "zh"), [("ZZ=5", "代码=百分比"), ("N=NaN", "N 的百分比：大于 -100")]
)
def test_targets_adjust_refuses_in_chinese_in_one_sentence(
    sales: Any, monkeypatch: pytest.MonkeyPatch, change: str, zh: str
) -> None:
    from click.testing import CliRunner

    from tui.cli import cli

    monkeypatch.setattr("core.runtime.os_login", lambda: "mgr")
    view = _year_by_region(sales)
    url = sales.world.runtime.db.url
    set_lang("zh_CN")
    try:
        result = CliRunner().invoke(
            cli, ["--database", url, "targets", "adjust", str(view.allocation.id), change]
        )
    finally:
        set_lang(None)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and zh in result.output, result.output
