"""Random sequences of service calls by people of every core role keep two promises
(issue #16, "Done when"):

* the summary tables equal a recomputation from the sales lines, after every import,
  batch delete and edit;
* nobody sees a row outside their scope: the customer and opportunity lists, the
  search, the single reads, every standard report's figures and their drill-downs show
  exactly the rows the role's record rule allows, computed here independently of
  ``core.access`` (a rep: own customers and the pool; a manager: the team; a regional
  admin: the region and below; the others: everything).

Hypothesis drives a ``RuleBasedStateMachine``; every example starts on a fresh database
(a copy of the migrated template), so a failing sequence replays and shrinks the same way.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from core.errors import NotFound, SalesdeskError
from core.models import (
    Activity,
    Customer,
    ImportBatch,
    Opportunity,
    OpportunityStatus,
    Region,
    SalesLine,
    User,
)
from core.models_summary import YTD_COLUMNS, SalesSumCustomerYtd
from core.reports import ColumnKind, drill_report, run_report
from core.services import activities, customers, lists, opportunities
from core.services.importing import delete_sales_batch, import_file
from core.summaries import month_expr, refresh_sales_summaries
from core.testing.world import FixedClock, make_world

ACTORS = ("admin", "op", "fin", "exec", "boss_n", "mgr", "rep_a", "rep_b")
OWNERS = (None, "rep_a", "rep_b", "mgr", "boss_n")
REGIONS = (None, "N", "N1", "S")
HEADER = "date,customer_code,product_code,rep_login,region_code,channel_code,quantity,amount"
FIRST_DAY = dt.date(2025, 10, 1)  # lines fall between this and the clock's 2026-03-16
REPORTS = {
    "daily_sales": {"as_of": "2026-03-10"},
    "activity_stats": {"as_of": "2026-03-16"},
    "rep_monthly": {"month": "2026-03-01"},
    "monthly_sales": {"as_of": "2026-03-16"},
    "customer_changes": {"as_of": "2026-03-16"},
    "multi_year": {"as_of": "2026-03-16"},
    "budget_vs_actual": {"as_of": "2026-03-16", "dimension": "rep"},
    "rep_periods": {"as_of": "2026-03-16"},
    "product_region_months": {"as_of": "2026-03-16"},
    "top_customers": {},
}
GRAINS = {
    "sales_sum_rep_day": ("day", ["rep_id", "region_id"]),
    "sales_sum_rep_month": ("month", ["rep_id", "region_id"]),
    "sales_sum_product_region_month": ("month", ["product_id", "region_id"]),
    "sales_sum_customer_month": ("month", ["customer_id"]),
}


@dataclass
class Cast:
    """The people (one per core role, a manager with a rep, a regional admin of N above
    N1) and the reference data every example shares."""

    world: Any
    ctx: dict[str, Any]
    ids: dict[str, int]
    files: Path
    serial: Any


def make_cast(world: Any, files: Path) -> Cast:
    """The people, and a starting book (a customer, a deal, a visit and sales lines of
    each rep and the manager, a pool lead) written in one transaction: setup, not under
    test, so every example has rows some readers must not see from its first step."""
    from core.models import Product

    with world.runtime.db.write_session() as s, s.begin():
        n, n1, south = (
            Region(code="N", name="N"),
            Region(code="N1", name="N1"),
            Region(code="S", name="S"),
        )
        s.add_all([n, south])
        s.flush()
        n1.parent_id = n.id
        s.add(n1)
        s.flush()
        regions = {"N": n.id, "N1": n1.id, "S": south.id}

        def person(
            login: str, role: str, region: str | None = None, manager: User | None = None
        ) -> User:
            user = User(
                login=login,
                display_name=login.title(),
                roles=[role],
                region_id=regions.get(region or ""),
                manager_id=manager.id if manager else None,
                created_at=world.clock(),
            )
            s.add(user)
            s.flush()
            return user

        people = {
            "op": person("op", "business_operator", "N"),
            "fin": person("fin", "finance"),
            "exec": person("exec", "executive"),
            "boss_n": person("boss_n", "regional_admin", "N"),
            "mgr": person("mgr", "sales_manager", "N1"),
        }
        people["rep_a"] = person("rep_a", "sales_rep", "N1", people["mgr"])
        people["rep_b"] = person("rep_b", "sales_rep", "S")
        products = [Product(code=c, name=c, list_price=Decimal("100.00")) for c in ("P1", "P2")]
        s.add_all(products)
        s.flush()
        funnel = world.runtime.plugins.funnels.default
        for k, (owner, region) in enumerate(
            (("rep_a", "N1"), ("rep_b", "S"), ("mgr", "N1"), (None, "N"))
        ):
            owner_id = people[owner].id if owner else None
            customer = Customer(
                code=f"S{k}",
                name=f"Start {k}",
                owner_id=owner_id,
                region_id=regions[region],
                created_at=world.clock(),
            )
            s.add(customer)
            s.flush()
            s.add(
                Opportunity(
                    customer_id=customer.id,
                    owner_id=owner_id,
                    title=f"Start {k}",
                    amount=Decimal("1000.00"),
                    funnel=funnel.id,
                    stage=funnel.first_stage.id,
                    stage_entered_at=world.clock(),
                    created_at=world.clock(),
                )
            )
            if owner:
                s.add(
                    Activity(
                        date=world.clock().date(),
                        rep_id=owner_id,
                        customer_id=customer.id,
                        created_at=world.clock(),
                    )
                )
            for day, amount in ((dt.date(2026, 3, 2), "100.00"), (dt.date(2025, 12, 31), "45.50")):
                s.add(
                    SalesLine(
                        date=day,
                        customer_id=customer.id,
                        product_id=products[k % 2].id,
                        rep_id=owner_id,
                        region_id=regions[region],
                        quantity=Decimal("1"),
                        amount=Decimal(amount),
                    )
                )
        s.flush()
        refresh_sales_summaries(s, dt.date(2025, 12, 1), dt.date(2026, 3, 1))
    ctx = {"admin": world.admin, **{k: world.context(u) for k, u in people.items()}}
    ids = {**{name: c.actor.id for name, c in ctx.items()}, **regions}
    cast = Cast(world, ctx, ids, files, itertools.count(1))
    path = files / f"start_{id(world)}.csv"  # and one imported batch, to delete later
    path.write_text(
        f"{HEADER}\n2026-01-15,S0,P1,,,,2,300.00\n2026-02-01,S1,P2,rep_a,N1,,1,"
        "80.00\n2026-03-05,S3,P1,,,,1,12.50\n",
        encoding="utf-8",
    )
    import_file(world.admin, "sales_lines", path)
    return cast


# -- the record rules, computed without core.access ------------------------------------------


@dataclass
class Book:
    """Everything in the database, read plainly, and each actor's scope computed from it."""

    users: dict[int, tuple[int | None, int | None, list[str]]]  # id -> region, manager, roles
    parents: dict[int, int | None]
    customers: dict[int, tuple[str, int | None, int | None]]  # id -> code, owner, region
    lines: dict[int, tuple[int | None, int | None, int]]  # id -> rep, region, customer
    opportunities: dict[int, int | None]  # id -> owner
    visits: dict[int, int]  # id -> rep

    def kind(self, user_id: int) -> str:
        roles = set(self.users[user_id][2])
        if roles & {"group_admin", "business_operator", "finance", "executive"}:
            return "all"
        if "regional_admin" in roles:
            return "region"
        return "team" if "sales_manager" in roles else "own"

    def team(self, user_id: int) -> set[int]:
        found, grew = {user_id}, True
        while grew:
            more = {u for u, (_r, m, _ro) in self.users.items() if m in found} - found
            found |= more
            grew = bool(more)
        return found

    def region(self, user_id: int) -> set[int]:
        top = self.users[user_id][0]
        found, grew = ({top} if top is not None else set()), True
        while grew:
            more = {r for r, p in self.parents.items() if p in found} - found
            found |= more
            grew = bool(more)
        return found

    def people(self, user_id: int) -> set[int] | None:
        """Whose records the user sees (None: everyone's)."""
        kind = self.kind(user_id)
        if kind == "all":
            return None
        if kind == "region":
            regions = self.region(user_id)
            return {u for u, (r, _m, _ro) in self.users.items() if r in regions} | {user_id}
        return self.team(user_id) if kind == "team" else {user_id}

    def visible_customers(self, user_id: int) -> set[int]:
        kind = self.kind(user_id)
        if kind == "all":
            return set(self.customers)
        if kind == "region":
            regions = self.region(user_id)
            return {
                c
                for c, (_code, owner, region) in self.customers.items()
                if region in regions or owner is None
            }
        people = self.people(user_id) or set()
        return {
            c
            for c, (_code, owner, _r) in self.customers.items()
            if owner is None or owner in people
        }

    def visible_lines(self, user_id: int) -> set[int]:
        kind = self.kind(user_id)
        if kind == "all":
            return set(self.lines)
        if kind == "region":
            regions = self.region(user_id)
            return {ln for ln, (_rep, region, _c) in self.lines.items() if region in regions}
        people = self.people(user_id) or set()
        return {ln for ln, (rep, _region, _c) in self.lines.items() if rep in people}

    def visible_opportunities(self, user_id: int) -> set[int]:
        people = self.people(user_id)
        return {
            o
            for o, owner in self.opportunities.items()
            if people is None or owner is None or owner in people
        }

    def visible_visits(self, user_id: int) -> set[int]:
        people = self.people(user_id)
        return {v for v, rep in self.visits.items() if people is None or rep in people}


def read_book(world: Any) -> Book:
    with world.runtime.db.read_session() as s:
        return Book(
            users={
                u: (r, m, list(roles))
                for u, r, m, roles in s.execute(
                    sa.select(User.id, User.region_id, User.manager_id, User.roles)
                )
            },
            parents={r: p for r, p in s.execute(sa.select(Region.id, Region.parent_id))},
            customers={
                c: (code, o, r)
                for c, code, o, r in s.execute(
                    sa.select(Customer.id, Customer.code, Customer.owner_id, Customer.region_id)
                )
            },
            lines={
                ln: (rep, r, c)
                for ln, rep, r, c in s.execute(
                    sa.select(
                        SalesLine.id, SalesLine.rep_id, SalesLine.region_id, SalesLine.customer_id
                    )
                )
            },
            opportunities={
                o: owner for o, owner in s.execute(sa.select(Opportunity.id, Opportunity.owner_id))
            },
            visits={v: rep for v, rep in s.execute(sa.select(Activity.id, Activity.rep_id))},
        )


# -- summaries recomputed from the lines ------------------------------------------------------


def _m(v: Any) -> Decimal:
    return Decimal(str(v)).quantize(Decimal("0.01"))


def _q(v: Any) -> Decimal:
    return Decimal(str(v)).quantize(Decimal("0.001"))


def summaries_and_recomputation(session: Any) -> tuple[dict, dict]:
    line = SalesLine.__table__
    kept, wanted = {}, {}
    for table, (grain, keys) in GRAINS.items():
        t = sa.table(
            table, *[sa.column(c) for c in [grain, *keys, "amount", "quantity", "line_count"]]
        )
        kept[table] = {
            tuple(str(v) for v in r[:-3]): (_m(r[-3]), _q(r[-2]), r[-1])
            for r in session.execute(
                sa.select(
                    t.c[grain], *[t.c[k] for k in keys], t.c.amount, t.c.quantity, t.c.line_count
                )
            )
        }
        when = line.c.date if grain == "day" else month_expr(session, line.c.date)
        wanted[table] = {
            tuple(str(v) for v in r[:-3]): (_m(r[-3]), _q(r[-2]), r[-1])
            for r in session.execute(
                sa.select(
                    when,
                    *[line.c[k] for k in keys],
                    sa.func.sum(line.c.amount),
                    sa.func.sum(line.c.quantity),
                    sa.func.count(),
                ).group_by(when, *[line.c[k] for k in keys])
            )
        }
    ytd = SalesSumCustomerYtd.__table__
    kept["ytd"] = {
        (r.year, r.customer_id): tuple(_m(r._mapping[c]) for c in YTD_COLUMNS)
        for r in session.execute(sa.select(ytd))
    }
    by_month: dict[tuple[int, int], list[Decimal]] = {}
    for day, customer, amount in session.execute(
        sa.select(line.c.date, line.c.customer_id, line.c.amount)
    ):
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
        months = by_month.setdefault((day.year, customer), [Decimal(0)] * 12)
        for m in range(day.month, 13):
            months[m - 1] += Decimal(str(amount))
    wanted["ytd"] = {k: tuple(_m(v) for v in months) for k, months in by_month.items()}
    return kept, wanted


# -- the machine ----------------------------------------------------------------------------


actors = st.sampled_from(ACTORS)
# Imports and batch deletes are for the three roles holding sales.import; half the draws
# pick one of them, so sequences reach deletes of earlier imports.
importers = st.one_of(st.sampled_from(("admin", "op", "fin")), actors)
picks = st.integers(0, 10_000)
line_rows = st.lists(
    st.tuples(
        st.integers(0, 166),
        picks,
        st.sampled_from(["P1", "P2"]),
        st.sampled_from(["", "rep_a", "rep_b", "mgr"]),
        st.sampled_from(["", "N", "N1", "S"]),
        st.sampled_from(["1", "2.5", "0.125"]),
        st.sampled_from(["0", "17", "99.99", "1234.56", "-20.00"]),
    ),
    min_size=1,
    max_size=6,
)


class Desk(RuleBasedStateMachine):
    backend: str
    factory: Any
    files: Path

    def __init__(self) -> None:
        from core.runtime import open_runtime

        super().__init__()
        self.url = self.factory.new(self.backend)
        self.world = make_world(open_runtime(self.url), FixedClock())
        self.cast = make_cast(self.world, self.files)

    def teardown(self) -> None:
        self.world.runtime.db.dispose()
        self.factory.release(self.url)

    # ---- helpers ----

    def _ctx(self, name: str) -> Any:
        return self.cast.ctx[name]

    def _id(self, name: str | None) -> int | None:
        return None if name is None else self.cast.ids[name]

    def _pick(self, model: Any, n: int, *where: Any) -> int | None:
        with self.world.runtime.db.read_session() as session:
            ids = list(session.scalars(sa.select(model.id).where(*where).order_by(model.id)))
        return ids[n % len(ids)] if ids else None

    def _codes(self) -> list[str]:
        with self.world.runtime.db.read_session() as session:
            return list(session.scalars(sa.select(Customer.code).order_by(Customer.id)))

    @staticmethod
    def _try(call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except SalesdeskError:
            return None  # refused (no right, out of scope, bad value): a refusal is fine

    # ---- rules: what people do ----

    @rule(who=actors, owner=st.sampled_from(OWNERS), region=st.sampled_from(REGIONS))
    def create_customer(self, who: str, owner: str | None, region: str | None) -> None:
        n = next(self.cast.serial)
        self._try(
            customers.create_customer,
            self._ctx(who),
            {
                "name": f"Kunde {n}",
                "code": f"K{n:05d}",
                "owner_id": self._id(owner),
                "region_id": self._id(region),
            },
        )

    @rule(who=actors, n=picks, region=st.sampled_from(REGIONS))
    def edit_customer(self, who: str, n: int, region: str | None) -> None:
        cid = self._pick(Customer, n)
        if cid is not None:
            self._try(
                customers.update_customer,
                self._ctx(who),
                cid,
                {"region_id": self._id(region), "notes": f"edit {n}"},
                None,
            )

    @rule(who=actors, n=picks, owner=st.sampled_from(OWNERS))
    def reassign(self, who: str, n: int, owner: str | None) -> None:
        cid = self._pick(Customer, n)
        if cid is not None:
            self._try(customers.assign_customer, self._ctx(who), cid, self._id(owner))

    @rule(who=importers, rows=line_rows)
    def import_lines(self, who: str, rows: list[tuple]) -> None:
        codes = self._codes()
        if not codes:
            return
        text = [HEADER] + [
            ",".join(
                [
                    (FIRST_DAY + dt.timedelta(days=d)).isoformat(),
                    codes[c % len(codes)],
                    p,
                    rep,
                    region,
                    "",
                    q,
                    a,
                ]
            )
            for d, c, p, rep, region, q, a in rows
        ]
        path = self.cast.files / f"lines_{next(self.cast.serial)}.csv"
        path.write_text("\n".join(text) + "\n", encoding="utf-8")
        self._try(import_file, self._ctx(who), "sales_lines", path)

    @rule(who=importers, n=picks)
    def delete_batch(self, who: str, n: int) -> None:
        batch = self._pick(ImportBatch, n, ImportBatch.kind == "sales_lines")
        if batch is not None:
            self._try(delete_sales_batch, self._ctx(who), batch)

    @rule(who=actors, n=picks, amount=st.sampled_from(["0", "500.00", "12345.67"]))
    def open_deal(self, who: str, n: int, amount: str) -> None:
        cid = self._pick(Customer, n)
        if cid is not None:
            self._try(
                opportunities.create_opportunity,
                self._ctx(who),
                {"customer_id": cid, "title": f"Deal {n}", "amount": amount},
            )

    @rule(who=actors, n=picks, won=st.booleans())
    def close_deal(self, who: str, n: int, won: bool) -> None:
        oid = self._pick(Opportunity, n, Opportunity.status == OpportunityStatus.OPEN)
        if oid is None:
            return
        if won:
            self._try(opportunities.win, self._ctx(who), oid)
        else:
            self._try(opportunities.lose, self._ctx(who), oid, "price")

    @rule(who=actors, n=picks, back=st.integers(0, 20))
    def log_visit(self, who: str, n: int, back: int) -> None:
        cid = self._pick(Customer, n)
        day = self.world.clock.now.date() - dt.timedelta(days=back)
        self._try(activities.log_visit, self._ctx(who), {"date": day, "customer_id": cid})

    @rule(who=actors, report=st.sampled_from(sorted(REPORTS)))
    def read_report(self, who: str, report: str) -> None:
        """A report's rows and every drill-down stay within the reader's scope, and each
        drilled figure is the sum of the rows behind it."""
        ctx = self._ctx(who)
        book = read_book(self.world)
        me = ctx.actor.id
        allowed = {
            "sales_lines": ("line_id", book.visible_lines(me)),
            "activities": ("activity_id", book.visible_visits(me)),
            "opportunities": ("opportunity_id", book.visible_opportunities(me)),
        }
        params = REPORTS[report]
        try:
            result = run_report(ctx, report, params)
        except SalesdeskError:
            return  # refused to this role
        for table in result.tables:
            for col in (c for c in table.columns if c.id in table.drill_columns):
                for row in [*table.rows[:8], None]:
                    figure = (table.totals if row is None else row)[table.index(col.id)]
                    try:
                        drilled = drill_report(ctx, report, params, table.id, row, col.id)
                    except NotFound:
                        continue
                    if drilled.id in allowed:
                        key, scope = allowed[drilled.id]
                        shown = {r[drilled.index(key)] for r in drilled.rows}
                        assert shown <= scope, (
                            who,
                            report,
                            table.id,
                            col.id,
                            sorted(shown - scope),
                        )
                    if (
                        figure is not None
                        and col.kind is ColumnKind.MONEY
                        and drilled.id == "sales_lines"
                    ):
                        assert drilled.totals[drilled.index("amount")] == figure, (
                            who,
                            report,
                            table.id,
                            col.id,
                            row,
                        )

    # ---- invariants: after every step ----

    @invariant()
    def summaries_equal_the_lines(self) -> None:
        with self.world.runtime.db.read_session() as session:
            kept, wanted = summaries_and_recomputation(session)
        for name, rows in wanted.items():
            assert kept[name] == rows, name

    @invariant()
    def lists_and_search_stay_in_scope(self) -> None:
        book = read_book(self.world)
        for who in ACTORS:
            ctx = self._ctx(who)
            me = ctx.actor.id
            mine = book.visible_customers(me)
            flt = lists.CustomerFilter()
            total = lists.count_customers(ctx, flt)
            page = {r.id for r in lists.customer_page(ctx, flt, 0, 10_000)}
            assert (total, page) == (len(mine), mine), who
            for c in sorted(book.customers)[-4:]:  # the newest few: search by code
                hit = lists.find_customer_by_code(ctx, book.customers[c][0])
                assert (hit is not None) == (c in mine), (who, c)
            assert {
                c for c, _code, _name in lists.customer_choices(ctx, "Kunde", 10_000)
            } <= mine, who
            deals = {r.id for r in lists.opportunity_rows(ctx, status=None, limit=10_000)}
            assert deals == book.visible_opportunities(me), who
            for cid in sorted(set(book.customers) - mine)[-2:]:  # a single read refuses
                with pytest.raises(NotFound):
                    customers.get_customer(ctx, cid)
            today = self.world.clock.now.date()
            seen = {
                v.id
                for day in (today, today - dt.timedelta(days=3))
                for v in activities.visits_on(ctx, day)
            }
            assert seen <= book.visible_visits(me), who


def test_random_service_calls_keep_summaries_and_scopes(
    backend: str, db_factory: Any, tmp_path: Path
) -> None:
    class Machine(Desk):
        pass

    Machine.backend, Machine.factory, Machine.files = backend, db_factory, tmp_path
    examples, steps = (6, 10) if backend == "sqlite" else (3, 8)
    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
