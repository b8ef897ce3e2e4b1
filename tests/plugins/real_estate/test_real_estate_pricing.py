"""Price-table arithmetic on the hand-checked building (see conftest) and area settlement
under the 3 % clause, computed by hand in each docstring."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from re_helpers import EXPECTED, FACTORS, UNITS

from plugins.real_estate.services.pricing import (
    Factor,
    UnitShape,
    price_table,
    round2,
    settle_area,
)

D = Decimal


def hand_checked_table() -> Any:
    units = [
        UnitShape(no, floor, ori, "", layout, D(area))
        for no, floor, ori, layout, area, _s, _sh in UNITS
    ]
    factors = [Factor(kind, key, D(amount), D(pct)) for kind, key, amount, pct in FACTORS]
    return price_table(D("10000"), units, factors)


def test_price_table_matches_the_hand_calculation() -> None:
    table = hand_checked_table()
    for no, (unit_price, total) in EXPECTED.items():
        line = table.line(no)
        assert (line.unit_price, line.total_price) == (D(unit_price), D(total)), no
    assert table.unit_count == 4
    assert table.total_area == D("361.00")
    assert table.total_value == D("3623555.50")
    assert table.average_price == D("10037.55")


def test_factor_keys_match_case_insensitively_and_only_their_kind() -> None:
    unit = UnitShape("1", 3, "se", "lake", "2B", D("50"))
    line = price_table(
        D("8000"),
        [unit],
        [
            Factor("orientation", "SE", percent=D("0.01")),
            Factor("view", "LAKE", amount=D("100")),
            Factor("floor", "SE", amount=D("999")),
        ],
    ).lines[0]
    # (8000 + 100) x 1.01 = 8181.00; x 50 = 409050.00; the floor factor keyed "SE" misses
    assert (line.unit_price, line.total_price) == (D("8181.00"), D("409050.00"))


def test_rounding_is_half_up_to_the_cent() -> None:
    assert round2(D("0.005")) == D("0.01") and round2(D("2.345")) == D("2.35")
    unit = UnitShape("1", 1, "", "", "", D("33.33"))
    line = price_table(D("7777.77"), [unit], [Factor("floor", "1", percent=D("0.015"))]).lines[0]
    # 7777.77 x 1.015 = 7894.43655 -> 7894.44; x 33.33 = 263121.6852 -> 263121.69
    assert (line.unit_price, line.total_price) == (D("7894.44"), D("263121.69"))


@pytest.mark.parametrize(
    "measured, amount",
    [
        ("101.50", "15759.00"),  # +1.50 within 3 %: 1.50 x 10506 paid by the buyer
        ("100.00", "0.00"),
        ("97.00", "-31518.00"),  # -3.00 exactly at the limit: refunded at the unit price
        ("104.00", "31518.00"),  # +4.00: the buyer pays 3.00 x 10506, the developer bears 1.00
        ("95.00", "-73542.00"),  # -5.00: 3.00 x 10506 + 2.00 x 10506 x 2 = 31518 + 42024
    ],
)
def test_area_settlement_under_the_three_percent_clause(measured: str, amount: str) -> None:
    result = settle_area(D("100.00"), D(measured), D("10506.00"))
    assert result.amount == D(amount)
    assert result.difference == D(measured) - D("100.00")


def test_area_settlement_ratio_and_custom_tolerance() -> None:
    result = settle_area(D("80.50"), D("81.30"), D("9506.00"), tolerance=D("0.005"))
    # limit 80.50 x 0.005 = 0.4025 m2 < +0.80: buyer pays 0.4025 x 9506 = 3826.165 -> 3826.17
    assert result.amount == D("3826.17")
    assert result.ratio == D("0.0099")


def test_what_if_changes_nothing_and_the_published_list_holds_the_figures(estate: Any) -> None:
    from plugins.real_estate.models import PriceList, PriceListLine, Unit
    from plugins.real_estate.services import prices

    trial = prices.what_if(
        estate.operator, estate.building_id, "11000", [Factor("floor", "2", amount=D("500"))]
    )
    # 201: (11000 + 500) x 1.03 = 11845.00
    assert trial.line("201").unit_price == D("11845.00")
    with estate.world.runtime.db.read_session() as session:
        units = {u.unit_no: u for u in session.scalars(sa.select(Unit))}
        published = session.scalars(sa.select(PriceList)).one()
        lines = session.scalars(sa.select(PriceListLine)).all()
    for no, (unit_price, total) in EXPECTED.items():
        assert (units[no].unit_price, units[no].total_price) == (D(unit_price), D(total))
    assert published.status == "published" and published.number == 1
    assert (published.total_value, published.average_price) == (D("3623555.50"), D("10037.55"))
    assert sum(line.total_price for line in lines) == D("3623555.50")
