"""A hand-checked building for the real-estate tests.

Project P1, building A1, base price 10,000.00 per m2; factors: floor 1 -300/m2, floor 2
+200/m2, south +3 %, north -2 %, unit 202 +50/m2. By hand:

    101  (10000 - 300) x 1.03        =  9,991.00  x 100.00 m2 =   999,100.00
    102  (10000 - 300) x 0.98        =  9,506.00  x  80.50 m2 =   765,233.00
    201  (10000 + 200) x 1.03        = 10,506.00  x 100.00 m2 = 1,050,600.00
    202  (10000 + 200 + 50) x 0.98   = 10,045.00  x  80.50 m2 =   808,622.50
    total 361.00 m2, 3,623,555.50; average 3,623,555.50 / 361 = 10,037.55
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

D = Decimal
UNITS = [  # unit_no, floor, orientation, layout, building, suite, shared
    ("101", 1, "S", "3B2L", "100.00", "80.00", "20.00"),
    ("102", 1, "N", "2B1L", "80.50", "65.00", "15.50"),
    ("201", 2, "S", "3B2L", "100.00", "80.00", "20.00"),
    ("202", 2, "N", "2B1L", "80.50", "65.00", "15.50"),
]
EXPECTED = {
    "101": ("9991.00", "999100.00"),
    "102": ("9506.00", "765233.00"),
    "201": ("10506.00", "1050600.00"),
    "202": ("10045.00", "808622.50"),
}
FACTORS = [
    ("floor", "1", "-300", "0"),
    ("floor", "2", "200", "0"),
    ("orientation", "S", "0", "0.03"),
    ("orientation", "N", "0", "-0.02"),
    ("unit", "202", "50", "0"),
]


def unit_rows(price: str = "9000.00") -> list[dict[str, Any]]:
    return [
        {
            "project": "P1",
            "project_name": "Lakeside 湖畔花园",
            "building": "A1",
            "building_name": "Tower A1",
            "unit_no": no,
            "floor": floor,
            "orientation": ori,
            "layout": layout,
            "building_area": area,
            "suite_area": suite,
            "shared_area": shared,
            "unit_price": price,
        }
        for no, floor, ori, layout, area, suite, shared in UNITS
    ]


@dataclass
class Estate:
    world: Any
    operator: Any
    senior: Any
    control: Any
    control2: Any
    finance: Any
    service: Any
    manager: Any
    building_id: int = 0
    project_id: int = 0
    units: dict[str, int] | None = None

    def unit(self, no: str) -> int:
        assert self.units is not None
        return self.units[no]


def make_estate(world: Any, *, published: bool = True) -> Estate:
    """Users of a sales office; the building's units signed off and (by default) the
    hand-checked price list published."""
    import sqlalchemy as sa

    from plugins.real_estate.models import Building, Unit
    from plugins.real_estate.services import masterdata

    estate = Estate(
        world,
        world.user("op", "business_operator"),
        world.user("senior", "re_senior_marketing"),
        world.user("ctl", "re_sales_control"),
        world.user("ctl2", "re_sales_control"),
        world.user("fin", "re_finance"),
        world.user("svc", "re_sales_service"),
        world.user("mgr", "sales_manager"),
    )
    change = masterdata.submit_units(estate.operator, unit_rows(), "initial data")
    masterdata.approve_change(estate.senior, change.id, change.version)
    with world.runtime.db.read_session() as session:
        building = session.scalars(sa.select(Building).where(Building.code == "A1")).one()
        estate.building_id, estate.project_id = building.id, building.project_id
        estate.units = {
            u.unit_no: u.id
            for u in session.scalars(sa.select(Unit).where(Unit.building_id == building.id))
        }
    if published:
        publish_hand_checked(estate)
    return estate


def publish_hand_checked(estate: Estate) -> Any:
    from plugins.real_estate.services import prices

    prices.set_base_price(estate.operator, estate.building_id, "10000")
    for kind, key, amount, percent in FACTORS:
        prices.set_factor(estate.operator, estate.building_id, kind, key, amount, percent)
    plist = prices.submit_price_list(estate.operator, estate.building_id)
    return prices.approve_price_list(estate.senior, plist.id, plist.version)
