"""A forecast override's amount is a number a person can mean: not NaN or Infinity, not
below zero, no more than an amount holds. Refused naming the month and the amount, in
the reader's language, with nothing written; the command line likewise, in one sentence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from core.errors import ValidationFailed
from core.i18n import set_lang
from plugins.forecast.models import ForecastOverride
from plugins.forecast.services.forecasting import run_forecast
from plugins.forecast.services.overrides import override_forecast

APRIL = dt.date(2026, 4, 1)


def overrides(sales: Any) -> int:
    with sales.mgr.reading() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(ForecastOverride)))


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-5", "1e20"])
def test_an_override_amount_a_person_cannot_mean_is_refused(sales: Any, amount: str) -> None:
    run = run_forecast(sales.admin, "product", horizon=3, processes=1).run_id
    for lang, words in [("en", "Amount"), ("zh_CN", "金额")]:
        set_lang(lang)
        try:
            with pytest.raises(ValidationFailed) as refused:
                override_forecast(sales.mgr, run, "A", {APRIL: Decimal(amount)}, "why")
        finally:
            set_lang(None)
        assert words in str(refused.value), str(refused.value)
    assert overrides(sales) == 0


@pytest.mark.salesdesk_sqlite_only  # the command's words, not the SQL
@pytest.mark.parametrize(
    ("change", "en", "zh"),
    [
        ("2026-04=NaN", "an amount of 0 or more", "2026-04 的金额：0 或以上"),
        ("2026-13=500", "YYYY-MM=AMOUNT", "YYYY-MM=金额"),
    ],
)
def test_the_override_command_refuses_in_one_sentence(
    sales: Any, monkeypatch: pytest.MonkeyPatch, change: str, en: str, zh: str
) -> None:
    from click.testing import CliRunner

    from tui.cli import cli

    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")
    run = run_forecast(sales.admin, "product", horizon=3, processes=1).run_id
    url = sales.world.runtime.db.url
    for lang, words in [("en", en), ("zh_CN", zh)]:
        set_lang(lang)
        try:
            result = CliRunner().invoke(
                cli,
                ["--database", url, "forecast-override", str(run), "A", change, "--reason", "x"],
            )
        finally:
            set_lang(None)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and words in result.output, result.output
    assert overrides(sales) == 0
