"""A test world for salesdesk and its plugins: a fixed clock, and a World that builds
regions, users, customers, products, channels and sales lines directly in the database
(setup, not under test) and hands out contexts acting as its users.

Shipped with salesdesk so plugin authors build the same worlds (``core.testing.pytest_plugin``
gives them as fixtures); salesdesk's own tests use it too.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

FIXED_NOW = dt.datetime(2026, 3, 16, 9, 30, tzinfo=dt.UTC)  # a Monday


@dataclass
class FixedClock:
    """A clock that stands still until a test moves it."""

    now: dt.datetime = FIXED_NOW

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@dataclass
class World:
    """Builds regions, users and records directly (setup, not under test) and contexts."""

    runtime: Any
    clock: FixedClock
    admin: Any = None
    _codes: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def context(self, user: Any) -> Any:
        from core.context import Context

        return Context(self.runtime.db, user, self.runtime.plugins, self.clock)

    def insert(self, row: Any) -> Any:
        """Insert any row (a plugin's own model, or a core table without a factory here)
        and return it with its id."""
        with self.runtime.db.write_session() as session, session.begin():
            session.add(row)
        return row

    def region(self, code: str, parent: str | int | None = None, name: str = "") -> Any:
        from core.models import Region

        return self.insert(Region(code=code, name=name or code, parent_id=self.region_id(parent)))

    def region_id(self, region: str | int | None) -> int | None:
        """A region id from an id or a code (the region is created when missing)."""
        if region is None or isinstance(region, int):
            return region
        from core.models import Region

        with self.runtime.db.read_session() as session:
            found = session.scalar(sa.select(col(Region.id)).where(col(Region.code) == region))
        return found if found is not None else self.region(region).id

    def user(
        self,
        login: str,
        roles: list[str] | str,
        region: str | int | None = None,
        manager: Any = None,
        active: bool = True,
    ) -> Any:
        """Insert a user and return a Context acting as them.

        ``manager`` may be a Context, a User, a user id or a login.
        """
        from core.models import User

        roles = [roles] if isinstance(roles, str) else list(roles)
        user = self.insert(
            User(
                login=login,
                display_name=login.title(),
                roles=roles,
                region_id=self.region_id(region),
                manager_id=self.user_id(manager),
                active=active,
                created_at=self.clock(),
            )
        )
        return self.context(user)

    def user_id(self, who: Any) -> int | None:
        from core.models import User

        if who is None or isinstance(who, int):
            return who
        if isinstance(who, str):
            with self.runtime.db.read_session() as session:
                return session.scalar(sa.select(col(User.id)).where(col(User.login) == who))
        actor = getattr(who, "actor", who)
        return actor.id

    def customer(self, owner: Any = None, region: str | int | None = None, **values: Any) -> Any:
        """Insert a customer owned by ``owner`` (None: the lead pool)."""
        from core.models import Customer

        n = next(self._codes)
        values.setdefault("name", f"Customer {n}")
        values.setdefault("code", f"TC{n:05d}")
        return self.insert(
            Customer(
                owner_id=self.user_id(owner),
                region_id=self.region_id(region),
                created_at=self.clock(),
                **values,
            )
        )

    def product(self, code: str | None = None, price: str = "100.00", **values: Any) -> Any:
        from core.models import Product

        n = next(self._codes)
        return self.insert(
            Product(
                code=code or f"P{n:04d}",
                name=values.pop("name", f"P {n}"),
                list_price=Decimal(price),
                **values,
            )
        )

    def opportunity(
        self, customer: Any, owner: Any = None, amount: str = "1000.00", **values: Any
    ) -> Any:
        """Insert an open opportunity in the default funnel's first stage."""
        from core.models import Opportunity

        funnel = self.runtime.plugins.funnels.default
        values.setdefault("title", f"Deal {next(self._codes)}")
        return self.insert(
            Opportunity(
                customer_id=customer.id,
                owner_id=self.user_id(owner),
                amount=Decimal(amount),
                funnel=funnel.id,
                stage=funnel.first_stage.id,
                stage_entered_at=self.clock(),
                created_at=self.clock(),
                **values,
            )
        )

    def channel(self, code: str | None = None, name: str = "") -> Any:
        from core.models import Channel

        code = code or f"CH{next(self._codes)}"
        return self.insert(Channel(code=code, name=name or code))

    def sales_lines(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert sales lines and refresh the monthly summaries the reports read.

        Each row names ``date``, ``customer`` and ``product`` (rows or ids) and
        ``amount`` (text or ``Decimal``); optional ``quantity`` (default 1), ``rep`` (a
        Context, User, id or login; default the customer's owner), ``region`` (code or
        id; default the customer's region) and ``channel`` (row or id). Returns how many.
        """
        from core.models import Customer, SalesLine
        from core.summaries import refresh_sales_summaries

        lines = []
        with self.runtime.db.read_session() as session:
            for row in rows:
                customer_id = _id(row["customer"])
                customer = session.get(Customer, customer_id)
                rep = row.get("rep", customer.owner_id if customer else None)
                region = row.get("region", customer.region_id if customer else None)
                lines.append(
                    {
                        "date": row["date"],
                        "customer_id": customer_id,
                        "product_id": _id(row["product"]),
                        "rep_id": self.user_id(rep),
                        "region_id": self.region_id(region),
                        "channel_id": _id(row.get("channel")),
                        "quantity": Decimal(str(row.get("quantity", 1))),
                        "amount": Decimal(str(row["amount"])),
                    }
                )
        if not lines:
            return 0
        with self.runtime.db.write_session() as session, session.begin():
            session.execute(sa.insert(SalesLine), lines)
            refresh_sales_summaries(
                session, min(r["date"] for r in lines), max(r["date"] for r in lines)
            )
        return len(lines)

    def sales_line(
        self,
        customer: Any,
        product: Any,
        amount: str | Decimal,
        date: dt.date | None = None,
        **extra: Any,
    ) -> None:
        """One sales line (on the clock's day unless ``date`` says otherwise)."""
        self.sales_lines(
            [
                {
                    "customer": customer,
                    "product": product,
                    "amount": amount,
                    "date": date or self.clock().date(),
                    **extra,
                }
            ]
        )

    def staff(self) -> Staff:
        """One user of each everyday role over two regions (N, S), as contexts."""
        north, south = self.region_id("N"), self.region_id("S")
        manager = self.user("manager", "sales_manager", region=north)
        return Staff(
            admin=self.admin,
            regional_admin=self.user("regional_admin", "regional_admin", region=north),
            manager=manager,
            rep=self.user("rep", "sales_rep", region=north, manager=manager),
            other_rep=self.user("other_rep", "sales_rep", region=south),
            operator=self.user("operator", "business_operator", region=north),
            finance=self.user("finance", "finance"),
            executive=self.user("executive", "executive"),
        )


@dataclass
class Staff:
    """Contexts acting as one user of each role: ``rep`` in region N reports to
    ``manager``; ``other_rep`` works in region S; ``regional_admin`` runs N."""

    admin: Any
    regional_admin: Any
    manager: Any
    rep: Any
    other_rep: Any
    operator: Any
    finance: Any
    executive: Any

    def by_role(self) -> dict[str, Any]:
        return {
            "group_admin": self.admin,
            "regional_admin": self.regional_admin,
            "sales_manager": self.manager,
            "sales_rep": self.rep,
            "business_operator": self.operator,
            "finance": self.finance,
            "executive": self.executive,
        }


def _id(row: Any) -> int | None:
    return row if row is None or isinstance(row, int) else row.id


def make_world(runtime: Any, clock: FixedClock) -> World:
    """A World with a group admin ``admin`` made the way ``salesdesk init`` makes one."""
    from core.services.bootstrap import create_first_admin

    world = World(runtime, clock)
    world.admin = world.context(create_first_admin(runtime, "admin", "Admin"))
    return world
