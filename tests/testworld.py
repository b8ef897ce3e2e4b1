"""Test-world builders shared by every test module: a fixed clock and a World.

They live outside ``conftest.py`` because plugin test folders have conftests of their
own, and several modules named ``conftest`` cannot all be imported by that name.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

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

    def _insert(self, row: Any) -> Any:
        with self.runtime.db.write_session() as session, session.begin():
            session.add(row)
        return row

    def region(self, code: str, parent: str | int | None = None, name: str = "") -> Any:
        from core.models import Region

        return self._insert(Region(code=code, name=name or code,
                                   parent_id=self.region_id(parent)))

    def region_id(self, region: str | int | None) -> int | None:
        """A region id from an id or a code (the region is created when missing)."""
        if region is None or isinstance(region, int):
            return region
        from core.models import Region

        with self.runtime.db.read_session() as session:
            found = session.scalar(sa.select(Region.id).where(Region.code == region))
        return found if found is not None else self.region(region).id

    def user(self, login: str, roles: list[str] | str, region: str | int | None = None,
             manager: Any = None, active: bool = True) -> Any:
        """Insert a user and return a Context acting as them.

        ``manager`` may be a Context, a User, a user id or a login.
        """
        from core.models import User

        roles = [roles] if isinstance(roles, str) else list(roles)
        user = self._insert(User(login=login, display_name=login.title(), roles=roles,
                                 region_id=self.region_id(region),
                                 manager_id=self.user_id(manager), active=active,
                                 created_at=self.clock()))
        return self.context(user)

    def user_id(self, who: Any) -> int | None:
        from core.models import User

        if who is None or isinstance(who, int):
            return who
        if isinstance(who, str):
            with self.runtime.db.read_session() as session:
                return session.scalar(sa.select(User.id).where(User.login == who))
        actor = getattr(who, "actor", who)
        return actor.id

    def customer(self, owner: Any = None, region: str | int | None = None,
                 **values: Any) -> Any:
        """Insert a customer owned by ``owner`` (None: the lead pool)."""
        from core.models import Customer

        n = next(self._codes)
        values.setdefault("name", f"Customer {n}")
        values.setdefault("code", f"TC{n:05d}")
        return self._insert(Customer(owner_id=self.user_id(owner),
                                     region_id=self.region_id(region),
                                     created_at=self.clock(), **values))

    def product(self, code: str | None = None, price: str = "100.00", **values: Any) -> Any:
        from core.models import Product

        n = next(self._codes)
        return self._insert(Product(code=code or f"P{n:04d}", name=values.pop("name", f"P {n}"),
                                    list_price=Decimal(price), **values))

    def opportunity(self, customer: Any, owner: Any = None, amount: str = "1000.00",
                    **values: Any) -> Any:
        """Insert an open opportunity in the default funnel's first stage."""
        from core.models import Opportunity

        funnel = self.runtime.plugins.funnels.default
        values.setdefault("title", f"Deal {next(self._codes)}")
        return self._insert(Opportunity(
            customer_id=customer.id, owner_id=self.user_id(owner), amount=Decimal(amount),
            funnel=funnel.id, stage=funnel.first_stage.id, stage_entered_at=self.clock(),
            created_at=self.clock(), **values))


def make_world(runtime: Any, clock: FixedClock) -> World:
    """A World with a group admin ``admin`` made the way ``salesdesk init`` makes one."""
    from core.services.bootstrap import create_first_admin

    world = World(runtime, clock)
    world.admin = world.context(create_first_admin(runtime, "admin", "Admin"))
    return world
