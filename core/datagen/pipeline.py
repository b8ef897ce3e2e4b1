"""Opportunities with stage history, daily visit reports and monthly targets."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import numpy as np

from core.datagen import names
from core.datagen.world import BUYER, DORMANT, PROSPECT, World, at_noon, rng_for
from core.funnels import BASIC_FUNNEL, FunnelDefinition
from core.models import CustomerClass, OpportunityStatus, VisitCustomerType

# Share of deals by position: open stages thin out towards the close; then won and lost.
OPEN_SHAPE = (0.30, 0.20, 0.13, 0.09, 0.06, 0.04)
WON_SHARE, LOST_SHARE = 0.16, 0.12
CLASS_RANK = {
    CustomerClass.POTENTIAL: 0,
    CustomerClass.PROMISING: 1,
    CustomerClass.CLOSING: 2,
    CustomerClass.CUSTOMER: 3,
}


def opportunities(
    world: World, funnel: FunnelDefinition = BASIC_FUNNEL
) -> tuple[list[dict], list[dict]]:
    """Opportunity rows and their stage changes; sets prospects' customer class."""
    rng = rng_for(world.seed, "opportunities")
    open_stages = funnel.open_stages
    shape = [OPEN_SHAPE[min(k, len(OPEN_SHAPE) - 1)] for k in range(len(open_stages))]
    shape += [WON_SHARE, LOST_SHARE]
    kinds = world.kind
    prospects = np.flatnonzero(kinds == PROSPECT).tolist()
    buyers = np.flatnonzero(kinds == BUYER).tolist()
    opps: list[dict] = []
    changes: list[dict] = []
    for n in range(world.scale.opportunities):
        # Enough deals per position that even a small demo uses every stage.
        position = n if n < len(shape) else rng.choices(range(len(shape)), shape)[0]
        pool = prospects if (rng.random() < 0.6 and prospects) else buyers
        customer = rng.choice(pool)
        opp = _opportunity(
            world, rng, funnel, position, customer, world.offsets["opportunity"] + n + 1
        )
        changes.extend(_history(world, rng, funnel, opp, position, changes))
        opps.append(opp)
        _mark_customer(world, funnel, opp, customer)
    for opp in opps:
        opp.pop("_customer", None)
    return opps, changes


def _opportunity(
    world: World,
    rng: random.Random,
    funnel: FunnelDefinition,
    position: int,
    customer: int,
    opp_id: int,
) -> dict:
    product = rng.choice(world.products)
    amount = max(5_000, round(product["_price_cents"] / 100 * rng.randint(5, 400), -3))
    amount = min(amount, 3_000_000)
    n_open = len(funnel.open_stages)
    status = (
        OpportunityStatus.OPEN
        if position < n_open
        else OpportunityStatus.WON
        if position == n_open
        else OpportunityStatus.LOST
    )
    ref = world.reference
    if status == OpportunityStatus.OPEN:
        stage = funnel.open_stages[position]
        expected = ref + dt.timedelta(days=rng.randint(-10, 150))  # a few overdue
    else:
        stage = funnel.won_stage if status == OpportunityStatus.WON else funnel.lost_stage
        expected = ref - dt.timedelta(days=rng.randint(1, 330))
    zh_name, model = product["name"].split(" ")[0], product["name"].split(" ")[-1]
    title = (
        f"{zh_name} {model} 采购项目"
        if rng.random() < 0.6
        else f"{model} supply for {rng.choice(('new line', 'plant upgrade', 'annual need'))}"
    )
    owner = int(world.owner[customer])
    return {
        "id": opp_id,
        "customer_id": world.customer_id(customer),
        "title": title,
        "funnel": funnel.id,
        "stage": stage.id,
        "amount": Decimal(int(amount)),
        "expected_close": expected,
        "probability_override": None,
        "owner_id": world.rep_id(owner),
        "product_id": product["id"],
        "source": rng.choice(names.SOURCES),
        "status": str(status),
        "close_reason": (
            rng.choice(names.WON_REASONS)
            if status == OpportunityStatus.WON
            else rng.choice(names.LOST_REASONS)
            if status == OpportunityStatus.LOST
            else ""
        ),
        "closed_at": None,
        "_customer": customer,
    }


def _history(
    world: World,
    rng: random.Random,
    funnel: FunnelDefinition,
    opp: dict,
    position: int,
    so_far: list[dict],
) -> list[dict]:
    """Walk the deal from the first stage to where it is now, dating each move."""
    open_ids = [s.id for s in funnel.open_stages]
    if opp["status"] == OpportunityStatus.OPEN:
        path = open_ids[: position + 1]
        # Most deals moved recently; about one in four sits past its stage's limit.
        dwell = rng.randint(1, 20) if rng.random() < 0.75 else rng.randint(30, 90)
        end = at_noon(world.reference) - dt.timedelta(days=dwell)
    else:
        last_open = (
            len(open_ids)
            if opp["status"] == OpportunityStatus.WON
            else rng.choices(
                range(1, len(open_ids) + 1), [max(1, 4 - k) for k in range(len(open_ids))]
            )[0]
        )
        path = [*open_ids[:last_open], opp["stage"]]
        end = at_noon(opp["expected_close"]) + dt.timedelta(hours=rng.randint(-48, 48))
        end = min(end, at_noon(world.reference))
        opp["closed_at"] = end
    moments = [end]
    for _ in path[1:]:
        moments.append(moments[-1] - dt.timedelta(days=rng.randint(3, 35), hours=rng.randint(0, 8)))
    moments.reverse()
    opp["created_at"] = moments[0]
    opp["stage_entered_at"] = moments[-1]
    first_id = world.offsets["stage_change"] + len(so_far) + 1
    return [
        {
            "id": first_id + k,
            "opportunity_id": opp["id"],
            "from_stage": path[k - 1] if k else None,
            "to_stage": stage,
            "changed_at": moments[k],
            "changed_by_id": opp["owner_id"],
        }
        for k, stage in enumerate(path)
    ]


def _mark_customer(world: World, funnel: FunnelDefinition, opp: dict, customer: int) -> None:
    """A prospect's class follows its furthest deal (won makes it a customer)."""
    if int(world.kind[customer]) != PROSPECT:
        return
    stage = funnel.stage(opp["stage"])
    if stage is None or stage.lost:
        return
    new = stage.customer_class
    old = world.class_override.get(customer)
    if old is None or CLASS_RANK.get(new, 0) > CLASS_RANK.get(CustomerClass(old), 0):
        world.class_override[customer] = str(new)


def activities(world: World) -> list[dict]:
    """Daily visit reports for the last ``activity_days`` days, today included.

    Today's visits (and some earlier ones) plan the next visit for tomorrow, so the
    'planned visits' views have something to show.
    """
    rng = rng_for(world.seed, "activities")
    ref = world.reference
    tomorrow = ref + dt.timedelta(days=1)
    by_rep: dict[int, list[int]] = {}
    for i, owner in enumerate(world.owner.tolist()):
        if owner >= 0 and int(world.kind[i]) != DORMANT:
            by_rep.setdefault(owner, []).append(i)
    rows: list[dict] = []
    for back in range(world.scale.activity_days - 1, -1, -1):
        day = ref - dt.timedelta(days=back)
        if day.weekday() == 6 and back:
            continue  # nobody visits on Sunday, but today always has visits
        weather = {leaf["_area"]: rng.choice(names.WEATHER) for leaf in world.leaves}
        for rep_index, rep in enumerate(world.reps):
            mine = by_rep.get(rep_index)
            if not mine:
                continue
            for slot in range(rng.choice((2, 3, 3, 4))):
                rows.append(
                    _visit(
                        world,
                        rng,
                        rep,
                        rng.choice(mine),
                        day,
                        slot,
                        tomorrow,
                        weather[world.leaves[rep["_leaf"]]["_area"]],
                        len(rows),
                    )
                )
    return rows


def _visit(
    world: World,
    rng: random.Random,
    rep: dict,
    customer: int,
    day: dt.date,
    slot: int,
    tomorrow: dt.date,
    weather: str,
    n: int,
) -> dict:
    kind = int(world.kind[customer])
    prospect = kind == PROSPECT
    purpose = rng.choice(
        ("development", "development", "explanation")
        if prospect
        else ("order", "order", "collection", "service", "explanation")
    )
    zh, en = rng.choice(names.VISIT_RESULTS[purpose])
    chinese = rng.random() < 0.7
    customer_type = (
        VisitCustomerType.PROSPECT
        if prospect
        else VisitCustomerType.NEW
        if world.active_from[customer] > world.days - 120
        else VisitCustomerType.EXISTING
    )
    today = day == tomorrow - dt.timedelta(days=1)
    if today and rng.random() < 0.6:
        next_visit: dt.date | None = tomorrow
    elif rng.random() < 0.7:
        next_visit = day + dt.timedelta(days=rng.randint(1, 21))  # some already overdue
    else:
        next_visit = None
    return {
        "id": world.offsets["activity"] + n + 1,
        "date": day,
        "rep_id": rep["id"],
        "customer_id": world.customer_id(customer),
        "visit_time": dt.time(9 + 2 * slot + rng.randint(0, 1), rng.choice((0, 15, 30, 45))),
        "purpose": purpose,
        "result": zh if chinese else en,
        "customer_type": str(customer_type),
        "next_visit": next_visit,
        "notes": "" if rng.random() < 0.7 else ("需要报价单" if chinese else "Needs a quote"),
        "weather": weather,
        "created_at": at_noon(day),
    }


def daily_reports(
    world: World, visits: list[dict], primary: dict[int, int]
) -> tuple[list[dict], list[dict]]:
    """The daily report around the visits (docs/domain.md section 7): each visit gets an
    end time, the amount ordered or collected and mostly the customer's primary contact
    (``primary``: customer id -> contact id); each rep's reported day one header
    (region, weather); each day a plan for the rep's next day out, mostly kept, and today
    a plan for tomorrow. A stream of its own, so the visits themselves stay as they were."""
    rng = rng_for(world.seed, "daily")
    days: dict[int, dict[dt.date, list[dict]]] = {}
    for visit in visits:
        _time_and_amounts(rng, visit)
        met = primary.get(visit["customer_id"])
        visit["contact_id"] = met if met is not None and rng.random() < 0.8 else None
        days.setdefault(visit["rep_id"], {}).setdefault(visit["date"], []).append(visit)
    region = {rep["id"]: rep["region_id"] for rep in world.reps}
    headers: list[dict] = []
    plans: list[dict] = []
    for rep_id, by_day in days.items():
        known = sorted({v["customer_id"] for day in by_day.values() for v in day})
        order = sorted(by_day)
        for i, day in enumerate(order):
            headers.append(
                {
                    "id": world.offsets["daily_report"] + len(headers) + 1,
                    "date": day,
                    "rep_id": rep_id,
                    "region_id": region.get(rep_id),
                    "weather": names.WEATHER_CODES.get(by_day[day][0]["weather"], ""),
                    "notes": "",
                    "created_at": at_noon(day),
                }
            )
            later = order[i + 1] if i + 1 < len(order) else day + dt.timedelta(days=1)
            made = [v["customer_id"] for v in by_day.get(later, [])]
            for customer in _planned(rng, made, known):
                plans.append(
                    {
                        "id": world.offsets["visit_plan"] + len(plans) + 1,
                        "date": later,
                        "rep_id": rep_id,
                        "customer_id": customer,
                        "purpose": rng.choice(("order", "collection", "service", "development")),
                        "notes": "",
                        "planned_on": day,
                        "created_at": at_noon(day),
                    }
                )
    return headers, plans


def _time_and_amounts(rng: random.Random, visit: dict) -> None:
    start = dt.datetime.combine(visit["date"], visit["visit_time"])
    visit["end_time"] = (start + dt.timedelta(minutes=rng.choice((30, 45, 60, 60, 90)))).time()
    ordered = visit["purpose"] == "order" and rng.random() < 0.8
    collected = visit["purpose"] == "collection" and rng.random() < 0.85
    visit["order_amount"] = Decimal(rng.randint(150, 6000) * 10) if ordered else Decimal(0)
    visit["collection_amount"] = Decimal(rng.randint(300, 9000) * 10) if collected else Decimal(0)


def _planned(rng: random.Random, made: list[int], known: list[int]) -> list[int]:
    """Customers planned for the next day out: most of them visited then, one often not."""
    chosen = {c for c in made if rng.random() < 0.7}
    if known and (rng.random() < 0.4 or not chosen):
        chosen.add(rng.choice(known))
    return sorted(chosen)


def targets(world: World, by_rep_month: np.ndarray) -> list[dict]:
    """Monthly targets per rep and for the company, from the window's first month to the
    end of the reference year: last year's same month plus ~10%, rounded to 1,000 yuan."""
    rng = rng_for(world.seed, "targets")
    first = world.first_day
    last_month = (world.reference.year - first.year) * 12 + 12 - first.month
    rows: list[dict] = []
    current = by_rep_month.shape[1] - 1  # the reference month, still partial
    for m in range(last_month + 1):
        month = dt.date(first.year + (first.month - 1 + m) // 12, (first.month - 1 + m) % 12 + 1, 1)
        company = 0
        for rep_index, rep in enumerate(world.reps):
            basis_month = m - 12 if m >= 12 else m
            if basis_month >= current:
                basis_month -= 12  # the current month is partial: look a year further back
            uplift = 1.10 if m >= 12 else 1.0
            yuan = by_rep_month[rep_index, basis_month] / 100 * uplift * rng.uniform(0.92, 1.12)
            amount = max(1000, round(yuan, -3))
            company += amount
            rows.append(_target(world, rows, month, "rep", rep["id"], amount))
        rows.append(_target(world, rows, month, "company", 0, company))
    return rows


def _target(
    world: World, rows: list[dict], month: dt.date, dimension: str, key: int, amount: float
) -> dict:
    return {
        "id": world.offsets["sales_target"] + len(rows) + 1,
        "month": month,
        "dimension": dimension,
        "key_id": key,
        "amount": Decimal(int(amount)),
    }
