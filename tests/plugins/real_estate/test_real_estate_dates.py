"""Payments dated after today (issue #16, item 19): refused when recorded; a stored one
has not arrived yet, so it neither sells the unit nor counts as received."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from core.i18n import set_lang
from core.reports import run_report
from plugins.real_estate.models import Payment, Unit
from plugins.real_estate.services import control, payments
from plugins.real_estate.services.common import Refused

D = Decimal


def _signed(estate: Any, no: str = "201") -> Any:
    unit = estate.unit(no)
    deal = control.reserve(estate.control, unit, "陈静", subscribe=True)
    control.sign(estate.control, unit, "HT-TEST-1")
    return deal


def _payments(estate: Any) -> int:
    with estate.world.runtime.db.read_session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Payment))


def test_a_payment_dated_after_today_is_refused(estate: Any) -> None:
    deal = _signed(estate)
    tomorrow = estate.world.clock.now.date() + dt.timedelta(days=1)
    with pytest.raises(
        Refused,
        match=r"the day the money arrived: 2026-03-17 is after "
        r"today \(2026-03-16\)",
    ):
        payments.record_payment(estate.finance, deal.id, "mortgage", "1050600.00", tomorrow)
    assert _payments(estate) == 0
    payments.record_payment(estate.finance, deal.id, "deposit", "50000", "2026-03-16")
    assert _payments(estate) == 1


def test_a_stored_future_payment_neither_sells_the_unit_nor_counts_as_received(estate: Any) -> None:
    """A row recorded before the check (or by another tool) has not arrived yet."""
    deal = _signed(estate)
    future = estate.world.clock.now.date() + dt.timedelta(days=30)
    estate.world.insert(
        Payment(
            deal_id=deal.id,
            kind="mortgage",
            paid_on=future,
            amount=D("1050600.00"),
            recorded_by=estate.finance.actor.id,
        )
    )
    with pytest.raises(Refused, match="a unit is sold only when fully paid"):
        control.complete_sale(estate.control, estate.unit("201"))
    with estate.world.runtime.db.read_session() as session:
        assert session.get(Unit, estate.unit("201")).status == "signed"
    row = run_report(estate.senior, "real_estate_sales_control", {}).table("buildings").rows[0]
    assert row[11] == D("0.00")  # received: nothing yet
    estate.world.clock.advance(days=30)  # the day comes: now it is money received
    control.complete_sale(estate.control, estate.unit("201"))
    row = run_report(estate.senior, "real_estate_sales_control", {}).table("buildings").rows[0]
    assert row[11] == D("1050600.00")


@pytest.fixture
def zh() -> Iterator[None]:
    set_lang("zh_CN")
    yield
    set_lang(None)


def test_the_future_payment_refusal_reads_in_chinese(estate: Any, zh: None) -> None:
    deal = _signed(estate)
    with pytest.raises(Refused, match="收款按实际到账日登记"):
        payments.record_payment(estate.finance, deal.id, "deposit", "50000", "2026-04-01")
