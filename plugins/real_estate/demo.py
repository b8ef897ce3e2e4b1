"""Demo data: a project with buildings, signed-off units, a published price list, sales
in several months with payments and settlements, sales plans and calls. Written through
the services by the sales-office roles; the same seed gives the same data."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core.context import Context
from core.models import User
from core.services import users
from plugins.real_estate.models import Building, Project, Unit
from plugins.real_estate.services import calls, control, masterdata, payments, plans, prices

# buildings, floors, units per floor
SIZES = {"small": (1, 6, 4), "medium": (3, 12, 4), "large": (6, 18, 6)}
STAFF = {
    "re_operator": ("business_operator", "业务操作员 Operator"),
    "re_senior": ("re_senior_marketing", "高级经理 Senior"),
    "re_control": ("re_sales_control", "销控 Control"),
    "re_finance": ("re_finance", "现场财务 Finance"),
    "re_service": ("re_sales_service", "销售服务 Service"),
}
LAYOUTS = [
    ("3B2L", "S", Decimal("118.60"), Decimal("96.30")),
    ("2B2L", "S", Decimal("89.40"), Decimal("72.10")),
    ("2B1L", "N", Decimal("78.20"), Decimal("63.00")),
    ("4B2L", "SE", Decimal("142.80"), Decimal("116.40")),
    ("1B1L", "N", Decimal("52.30"), Decimal("41.90")),
    ("3B1L", "W", Decimal("101.50"), Decimal("82.20")),
]


def seed_demo(ctx: Context, scale: str, seed: int) -> None:
    with ctx.reading() as session:
        if session.scalar(sa.select(Project.id).where(Project.code == "LS")):
            return  # already seeded
    rng = random.Random(seed)
    staff = {login: _user(ctx, login, role, name) for login, (role, name) in STAFF.items()}
    count, floors, per_floor = SIZES.get(scale, SIZES["small"])
    rows = [
        _unit(b, f, u)
        for b in range(1, count + 1)
        for f in range(1, floors + 1)
        for u in range(1, per_floor + 1)
    ]
    change = masterdata.submit_units(staff["re_operator"], rows, "initial data 初始资料")
    masterdata.approve_change(staff["re_senior"], change.id, note="demo sign-off")
    with ctx.reading() as session:
        buildings = list(session.scalars(sa.select(Building).order_by(Building.code)))
    for building in buildings:
        _price(staff, building, floors, rng)
        _plans(staff, building, ctx.today())
        _sell(staff, building.id, rng, ctx.today())
    _calls(staff, buildings[0].project_id, rng, ctx.today())


def _user(ctx: Context, login: str, role: str, name: str) -> Context:
    with ctx.reading() as session:
        user = session.scalar(sa.select(User).where(User.login == login))
    if user is None:
        user = users.add_user(ctx, {"login": login, "display_name": name, "roles": [role]})
    return ctx.as_user(user)


def _unit(building: int, floor: int, position: int) -> dict[str, Any]:
    layout, orientation, area, suite = LAYOUTS[(position - 1) % len(LAYOUTS)]
    return {
        "project": "LS",
        "project_name": "Lakeside 湖畔花园",
        "building": f"A{building}",
        "building_name": f"{building}号楼",
        "unit_no": f"{floor}{position:02d}",
        "floor": floor,
        "layout": layout,
        "orientation": orientation,
        "building_area": str(area),
        "suite_area": str(suite),
        "shared_area": str(area - suite),
        "unit_price": "9000",
    }


def _price(staff: dict[str, Context], building: Building, floors: int, rng: random.Random) -> None:
    operator = staff["re_operator"]
    prices.set_base_price(operator, building.id, str(rng.randrange(9000, 13000, 100)))
    for floor in range(1, floors + 1):
        step = (floor - floors // 2) * 60  # higher floors cost more per m2
        prices.set_factor(operator, building.id, "floor", str(floor), str(step))
    for orientation, pct in (("S", "0.03"), ("SE", "0.02"), ("N", "-0.02"), ("W", "-0.01")):
        prices.set_factor(operator, building.id, "orientation", orientation, "0", pct)
    plist = prices.submit_price_list(operator, building.id)
    prices.approve_price_list(staff["re_senior"], plist.id)


def _on(ctx: Context, day: dt.date) -> Context:
    """The same actor on another day (sales spread over past months)."""
    moment = dt.datetime.combine(day, dt.time(10, 0), dt.UTC)
    return Context(ctx.db, ctx.actor, ctx.plugins, lambda: moment)


def _plans(staff: dict[str, Context], building: Building, today: dt.date) -> None:
    for back in range(5, -2, -1):
        month = (today.replace(day=1) - dt.timedelta(days=30 * back)).replace(day=1)
        plans.set_plan(staff["re_senior"], building.id, month, 3, "3000000")


def _sell(staff: dict[str, Context], building_id: int, rng: random.Random, today: dt.date) -> None:
    with staff["re_control"].reading() as session:
        unit_ids = list(
            session.scalars(
                sa.select(Unit.id).where(Unit.building_id == building_id).order_by(Unit.id)
            )
        )
    for n, unit_id in enumerate(rng.sample(unit_ids, len(unit_ids) // 2)):
        day = today - dt.timedelta(days=rng.randint(0, 150))
        ctl = _on(staff["re_control"], day)
        deal = control.reserve(ctl, unit_id, f"买家 Buyer {n + 1}", f"1390000{n:04d}")
        if n % 6 == 5:
            control.cancel(ctl, unit_id, "buyer withdrew 客户退订")
            continue
        if n % 6 == 4:
            continue  # stays reserved
        control.subscribe(ctl, unit_id)
        if n % 6 == 3:
            continue  # subscribed, not yet signed
        control.sign(ctl, unit_id)
        _pay(staff, deal, day, n, today)
    control.hold(staff["re_control"], unit_ids[-1], "show flat 样板间")


def _pay(staff: dict[str, Context], deal: Any, day: dt.date, n: int, today: dt.date) -> None:
    """A plan from the signing day; each payment on its own day, none after today."""
    fin = _on(staff["re_finance"], day)
    down_on, paid_up_on = day + dt.timedelta(days=20), day + dt.timedelta(days=25)
    deposit = Decimal("50000.00")
    down = (deal.price * Decimal("0.3")).quantize(Decimal("0.01")) - deposit
    mortgage = deal.price - deposit - down
    payments.set_plan(
        fin,
        deal.id,
        [
            {"kind": "deposit", "due_on": day, "amount": deposit},
            {"kind": "down_payment", "due_on": day + dt.timedelta(days=30), "amount": down},
            {"kind": "mortgage", "due_on": day + dt.timedelta(days=90), "amount": mortgage},
        ],
    )
    payments.record_payment(fin, deal.id, "deposit", deposit, day)
    if n % 3 == 0 or down_on > today:
        return
    payments.record_payment(_on(fin, down_on), deal.id, "down_payment", down, down_on)
    if n % 3 == 2 and paid_up_on <= today:
        payments.record_payment(_on(fin, paid_up_on), deal.id, "mortgage", mortgage, paid_up_on)
        control.complete_sale(_on(staff["re_control"], paid_up_on), deal.unit_id)
        area = deal.contracted_area + Decimal(n % 5 - 2) / Decimal(2)
        payments.settle(staff["re_service"], deal.id, area)


def _calls(staff: dict[str, Context], project_id: int, rng: random.Random, today: dt.date) -> None:
    for n in range(12):
        ctl = _on(staff["re_control"], today - dt.timedelta(days=rng.randint(0, 20)))
        call = calls.log_call(
            ctl,
            project_id,
            {
                "caller_name": f"来电 Caller {n + 1}",
                "phone": f"1370000{n:04d}",
                "source": rng.choice(calls.SOURCES),
                "grade": rng.choice(calls.GRADES),
            },
        )
        if n % 3 == 0:
            calls.follow_up(ctl, call.id, visited=n % 2 == 0)
