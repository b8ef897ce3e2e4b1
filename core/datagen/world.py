"""Master data of a generated company: regions, channels, products, users, customers.

Everything small is built as row dicts up front; customers and contacts are streamed in
chunks (100,000 customers would not fit comfortably as dicts). What the sales-line and
pipeline generators need per customer is kept as numpy arrays.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from core.datagen import names
from core.datagen.scales import Scale
from core.models import CustomerClass, CustomerSize, CustomerStatus

BUYER, DORMANT, PROSPECT, POOL = 0, 1, 2, 3
CUSTOMER_CHUNK = 5_000


def rng_for(seed: int, *stream: object) -> random.Random:
    """An independent, reproducible stream per purpose (string seeds hash with SHA-512)."""
    return random.Random(":".join(str(s) for s in (seed, *stream)))


def np_rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def _unset() -> np.ndarray:
    """An empty array until the customer step fills the per-customer columns."""
    return np.empty(0)


@dataclass
class World:
    scale: Scale
    seed: int
    reference: dt.date
    offsets: dict[str, int]
    regions: list[dict] = field(default_factory=list)
    channels: list[dict] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)
    users: list[dict] = field(default_factory=list)
    leaves: list[dict] = field(default_factory=list)
    reps: list[dict] = field(default_factory=list)
    # per customer (index i -> id offsets["customer"] + i + 1)
    kind: np.ndarray = field(default_factory=_unset)
    leaf: np.ndarray = field(default_factory=_unset)  # index into leaves (where they sit)
    # index into regions: where the customer and its sales are booked (its leaf, or the
    # area / the country for a key account)
    home: np.ndarray = field(default_factory=_unset)
    owner: np.ndarray = field(default_factory=_unset)  # rep index, -1 pool
    channel: np.ndarray = field(default_factory=_unset)
    weight: np.ndarray = field(default_factory=_unset)
    active_from: np.ndarray = field(default_factory=_unset)  # day index
    active_to: np.ndarray = field(default_factory=_unset)
    class_override: dict[int, str] = field(default_factory=dict)

    @property
    def first_day(self) -> dt.date:
        ref = self.reference
        month = ref.year * 12 + ref.month - 1 - (self.scale.years * 12 - 1)
        return dt.date(month // 12, month % 12 + 1, 1)

    @property
    def days(self) -> int:
        return (self.reference - self.first_day).days + 1

    def customer_id(self, index: int) -> int:
        return self.offsets["customer"] + index + 1

    def rep_id(self, rep_index: int) -> int:
        return self.reps[rep_index]["id"]


def _next_id(world: World, table: str, rows: list[dict]) -> int:
    return world.offsets[table] + len(rows) + 1


def build_world(
    scale: Scale, seed: int, reference: dt.date, offsets: dict[str, int] | None = None
) -> World:
    world = World(scale, seed, reference, dict(offsets or {}))
    for table in (
        "region",
        "channel",
        "product",
        "sd_user",
        "customer",
        "contact",
        "opportunity",
        "stage_change",
        "activity",
        "daily_report",
        "visit_plan",
        "sales_target",
        "audit_entry",
    ):
        world.offsets.setdefault(table, 0)
    _regions(world)
    _channels(world)
    _products(world, rng_for(seed, "products"))
    _users(world, rng_for(seed, "users"))
    _customer_arrays(world, np_rng(seed, 1))
    return world


def _regions(world: World) -> None:
    root = {
        "id": _next_id(world, "region", world.regions),
        "code": "CN",
        "name": "全国 China",
        "parent_id": None,
    }
    world.regions.append(root)
    areas: dict[str, dict] = {}
    for code, zh, en in names.AREAS[: world.scale.areas]:
        row = {
            "id": _next_id(world, "region", world.regions),
            "code": code,
            "name": f"{zh} {en}",
            "parent_id": root["id"],
        }
        world.regions.append(row)
        areas[code] = row
    cities = [c for c in names.CITIES if c[3] in areas][: world.scale.cities]
    for code, zh, en, area in cities:
        row = {
            "id": _next_id(world, "region", world.regions),
            "code": code,
            "name": f"{zh} {en}",
            "parent_id": areas[area]["id"],
            "_zh": zh,
            "_en": en,
            "_area": area,
        }
        world.regions.append(row)
        world.leaves.append(row)
    for code, row in areas.items():
        if not any(leaf["_area"] == code for leaf in world.leaves):
            zh, en = str(row["name"]).split(" ", 1)
            world.leaves.append({**row, "_zh": zh, "_en": en, "_area": code})


def _channels(world: World) -> None:
    for code, zh, en, kind, area in names.CHANNELS[: world.scale.channels]:
        region = next((r["id"] for r in world.regions if r["code"] == area), None)
        world.channels.append(
            {
                "id": _next_id(world, "channel", world.channels),
                "code": code,
                "name": f"{zh} {en}",
                "kind": kind,
                "region_id": region,
                "active": True,
                "_area": area,
            }
        )


def _products(world: World, rng: random.Random) -> None:
    families = names.PRODUCT_FAMILIES
    for i in range(world.scale.products):
        family = i % len(families)
        category, zh, en, low, high, q_low, q_high, weight = families[family]
        model = f"{names.MODEL_PREFIX[family]}-{100 + 10 * (i // len(families))}"
        # Round list prices to whole yuan at small amounts, to hundreds at large ones.
        price = rng.uniform(low, high)
        price = round(price, -2) if price > 5000 else round(price)
        cost = Decimal(str(price)) * Decimal(str(round(rng.uniform(0.55, 0.75), 2)))
        world.products.append(
            {
                "id": _next_id(world, "product", world.products),
                "code": f"P{i + 1:03d}",
                "name": f"{zh} {en} {model}",
                "category": category,
                "unit": "pcs" if family != 4 else "visit",
                "list_price": Decimal(str(price)).quantize(Decimal("0.01")),
                "standard_cost": cost.quantize(Decimal("0.01")),
                "active": True,
                "_price_cents": round(price * 100),
                "_q": (q_low, q_high),
                "_weight": weight * rng.uniform(0.6, 1.4),
            }
        )


def _user(
    world: World,
    login: str,
    display: str,
    roles: list[str],
    region: int | None,
    manager: int | None,
) -> dict:
    row = {
        "id": _next_id(world, "sd_user", world.users),
        "login": login,
        "display_name": display,
        "roles": roles,
        "region_id": region,
        "manager_id": manager,
        "email": f"{login}@demo.salesdesk.example",
        "active": True,
        "created_at": at_noon(world.first_day),
    }
    world.users.append(row)
    return row


def _users(world: World, rng: random.Random) -> None:
    root = world.regions[0]["id"]
    ceo = _user(world, "ceo", names.person_name(rng, True), ["executive"], root, None)
    _user(world, "finance01", names.person_name(rng, True), ["finance"], root, None)
    _user(world, "ops01", names.person_name(rng, True), ["business_operator"], root, None)
    for i, area in enumerate(r for r in world.regions if r["parent_id"] == root):
        _user(
            world,
            f"radmin{i + 1:02d}",
            names.person_name(rng, True),
            ["regional_admin"],
            area["id"],
            None,
        )
    managers = [
        _user(
            world,
            f"mgr{i + 1:02d}",
            names.person_name(rng, rng.random() < 0.8),
            ["sales_manager"],
            leaf["id"],
            ceo["id"],
        )
        for i, leaf in enumerate(world.leaves)
    ]
    for i in range(world.scale.reps):
        leaf = i % len(world.leaves)
        rep = _user(
            world,
            f"rep{i + 1:03d}",
            names.person_name(rng, rng.random() < 0.8),
            ["sales_rep"],
            world.leaves[leaf]["id"],
            managers[leaf]["id"],
        )
        rep["_leaf"] = leaf
        world.reps.append(rep)


def _customer_arrays(world: World, rng: np.random.Generator) -> None:
    n = world.scale.customers
    days = world.days
    world.kind = rng.choice(4, size=n, p=[0.60, 0.05, 0.23, 0.12])
    leaf_weights = rng.uniform(0.6, 1.4, len(world.leaves))
    world.leaf = rng.choice(len(world.leaves), size=n, p=leaf_weights / leaf_weights.sum())
    reps_by_leaf = [
        np.array([i for i, r in enumerate(world.reps) if r["_leaf"] == leaf])
        for leaf in range(len(world.leaves))
    ]
    picks = rng.random(n)
    world.owner = np.array(
        [
            reps_by_leaf[leaf][int(p * len(reps_by_leaf[leaf]))]
            for leaf, p in zip(world.leaf.tolist(), picks.tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    world.owner[world.kind == POOL] = -1
    # Pareto (80/20-ish) buying weight, capped so one customer never dominates a demo.
    world.weight = np.minimum(rng.pareto(1.2, n) + 1.0, 400.0)
    world.channel = _customer_channels(world, rng)
    world.active_from = np.zeros(n, dtype=np.int64)
    world.active_to = np.full(n, days, dtype=np.int64)
    late = (rng.random(n) < 0.2) & (world.kind == BUYER)  # customers won during the window
    world.active_from[late] = rng.integers(30, int(days * 0.9), int(late.sum()))
    dormant = world.kind == DORMANT
    world.active_to[dormant] = rng.integers(int(days * 0.3), int(days * 0.8), int(dormant.sum()))
    world.home = _key_accounts(world, np_rng(world.seed, 3))


# Key accounts booked above the city: this share of the steady buyers under each area is
# booked at the area, and of all of them at the country (at least KEY_ACCOUNTS_MIN each),
# so every region, not only the cities, has sales of every product.
KEY_ACCOUNT_SHARE = {"area": 0.04, "country": 0.02}
KEY_ACCOUNTS_MIN = 3


def _key_accounts(world: World, rng: np.random.Generator) -> np.ndarray:
    """Each customer's region (index into ``world.regions``): its leaf's, except key
    accounts, which are booked at their area or the country. Drawn from a stream of its
    own, so every other generated figure stays as it was."""
    index = {r["id"]: i for i, r in enumerate(world.regions)}
    leaf_region = np.array([index[leaf["id"]] for leaf in world.leaves], dtype=np.int64)
    home = leaf_region[world.leaf]
    steady = (world.kind == BUYER) & (world.active_from == 0)
    root = world.regions[0]
    uppers = [(0, np.ones(len(home), dtype=bool), KEY_ACCOUNT_SHARE["country"])]
    for i, region in enumerate(world.regions):
        if region["parent_id"] != root["id"] or region["id"] in {lf["id"] for lf in world.leaves}:
            continue  # a city, or an area without cities (already a leaf)
        under = np.array([lf["_area"] == region["code"] for lf in world.leaves])[world.leaf]
        uppers.append((i, under, KEY_ACCOUNT_SHARE["area"]))
    taken = np.zeros(len(home), dtype=bool)
    for i, under, share in uppers:
        pool = np.flatnonzero(steady & under & ~taken)
        count = min(len(pool), max(KEY_ACCOUNTS_MIN, round(share * len(pool))))
        chosen = rng.choice(pool, size=count, replace=False) if count else pool[:0]
        home[chosen] = i
        taken[chosen] = True
    return home


def _customer_channels(world: World, rng: np.random.Generator) -> np.ndarray:
    n = world.scale.customers
    direct = [i for i, c in enumerate(world.channels) if c["kind"] == "direct"]
    others = [i for i, c in enumerate(world.channels) if c["kind"] in ("online", "retail")]
    by_area = {
        c["_area"]: i
        for i, c in enumerate(world.channels)
        if c["kind"] == "distributor" and c["_area"]
    }
    any_dist = [i for i, c in enumerate(world.channels) if c["kind"] == "distributor"]
    roll = rng.random(n)
    pick = rng.integers(0, 1 << 30, n)
    out = np.empty(n, dtype=np.int64)
    for i, (r, leaf, p) in enumerate(
        zip(roll.tolist(), world.leaf.tolist(), pick.tolist(), strict=True)
    ):
        area = world.leaves[leaf]["_area"]
        if r < 0.6 or not (others or any_dist):
            out[i] = direct[p % len(direct)]
        elif r < 0.72 and others:
            out[i] = others[p % len(others)]
        else:
            options = [by_area[area]] if area in by_area else any_dist or direct
            out[i] = options[p % len(options)]
    return out


def customer_chunks(world: World) -> Iterator[tuple[list[dict], list[dict]]]:
    """Customer and contact rows, CUSTOMER_CHUNK customers at a time."""
    n = world.scale.customers
    contact_id = world.offsets["contact"]
    ranks = np.argsort(np.argsort(-world.weight))  # 0 = biggest buyer
    for start in range(0, n, CUSTOMER_CHUNK):
        rng = rng_for(world.seed, "customers", start)
        customers: list[dict] = []
        contacts: list[dict] = []
        for i in range(start, min(n, start + CUSTOMER_CHUNK)):
            row, chinese = _customer_row(world, rng, i, int(ranks[i]))
            customers.append(row)
            for k in range(rng.choice((1, 1, 2, 2, 3))):
                contact_id += 1
                contacts.append(_contact_row(rng, contact_id, row["id"], chinese, k == 0))
        yield customers, contacts


def _customer_row(world: World, rng: random.Random, i: int, rank: int) -> tuple[dict, bool]:
    leaf = world.leaves[int(world.leaf[i])]
    region = world.regions[int(world.home[i])]
    name, industry, chinese = names.company_name(rng, leaf["_zh"], leaf["_en"])
    kind = int(world.kind[i])
    n = world.scale.customers
    size = (
        CustomerSize.LARGE
        if rank < n * 0.1
        else CustomerSize.MEDIUM
        if rank < n * 0.4
        else CustomerSize.SMALL
    )
    if kind in (PROSPECT, POOL):
        size = CustomerSize.SMALL if rng.random() < 0.7 else CustomerSize.MEDIUM
    ref = world.reference
    cls = {
        BUYER: CustomerClass.CUSTOMER,
        DORMANT: CustomerClass.DORMANT,
        PROSPECT: CustomerClass.POTENTIAL,
        POOL: CustomerClass.POTENTIAL,
    }[kind]
    follow_up = {BUYER: (0, 45), DORMANT: (90, 400), PROSPECT: (0, 60), POOL: (60, 200)}[kind]
    created = (
        world.first_day + dt.timedelta(days=int(world.active_from[i]))
        if kind in (BUYER, DORMANT)
        else ref - dt.timedelta(days=rng.randint(5, 300))
    )
    limit = {
        CustomerSize.LARGE: 2_000_000,
        CustomerSize.MEDIUM: 500_000,
        CustomerSize.SMALL: 100_000,
    }[size]
    owner = int(world.owner[i])
    row = {
        "id": world.customer_id(i),
        "code": f"C{i + 1:06d}",
        "name": name,
        "industry": industry,
        "region_id": region["id"],
        "size": str(size),
        "source": rng.choice(names.SOURCES),
        "customer_class": world.class_override.get(i, str(cls)),
        "owner_id": world.rep_id(owner) if owner >= 0 else None,
        "credit_rating": rng.choice("AABBBCD") if kind != POOL else "",
        "credit_limit": Decimal(limit if kind in (BUYER, DORMANT) else 0),
        "status": str(
            CustomerStatus.INACTIVE
            if kind == DORMANT and rng.random() < 0.3
            else CustomerStatus.ACTIVE
        ),
        "last_follow_up": ref - dt.timedelta(days=rng.randint(*follow_up)),
        "pool_since": (
            at_noon(ref - dt.timedelta(days=rng.randint(5, 120))) if kind == POOL else None
        ),
        "notes": "",
        "created_at": at_noon(min(created, ref)),
    }
    return row, chinese


def _contact_row(
    rng: random.Random, contact_id: int, customer_id: int, chinese: bool, primary: bool
) -> dict:
    title_zh, title_en = rng.choice(names.TITLES)
    return {
        "id": contact_id,
        "customer_id": customer_id,
        "name": names.person_name(rng, chinese),
        "title": title_zh if chinese else title_en,
        "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        if chinese
        else f"+852 {rng.randrange(10**8):08d}",
        "email": f"{names.pinyin_initials(rng)}{rng.randrange(100)}@example.com",
        "is_primary": primary,
    }
