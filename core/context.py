"""The Context every service call takes first: who acts, on which database, with which
plugins, at what time."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core.access import Grant, RoleRegistry, build_grant
from core.company import TIMEZONE_KEY
from core.db import Database
from core.models import User, utcnow
from core.plugins import PluginManager


@dataclass
class Context:
    """An actor working on a database. Cheap to make; make one per user per process."""

    db: Database
    actor: User
    plugins: PluginManager
    clock: Callable[[], dt.datetime] = utcnow
    _grant: Grant | None = field(default=None, repr=False)

    @property
    def roles(self) -> RoleRegistry:
        return self.plugins.roles

    @property
    def grant(self) -> Grant:
        if self._grant is None:
            with self.db.read_session() as session:
                self._grant = build_grant(session, self.actor, self.roles)
        return self._grant

    def refresh_grant(self) -> None:
        """Recompute permissions after the actor's roles, region or team changed."""
        self._grant = None

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        """The date at the company, not in UTC: a visit made at 07:30 in Shanghai is
        dated that day, though UTC still reads the day before."""
        now = self.clock()
        if now.tzinfo is None:
            return now.date()
        return now.astimezone(company_zone(self.plugins.company_settings)).date()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A short read-only session."""
        with self.db.read_session() as session:
            yield session

    def as_user(self, user: User) -> Context:
        return Context(self.db, user, self.plugins, self.clock)


@functools.lru_cache(maxsize=8)
def _zone(name: str) -> dt.tzinfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None  # checked when set; a zone the machine lacks falls back to its own


def company_zone(settings: dict[str, Any]) -> dt.tzinfo | None:
    """The company's time zone (None: the server machine's own)."""
    name = settings.get(TIMEZONE_KEY)
    return _zone(name) if isinstance(name, str) and name else None


def fire(ctx: Context, hook_name: str, **kwargs: Any) -> None:
    """Fire an event hook; called by services after their transaction committed."""
    ctx.plugins.fire(hook_name, ctx=ctx, **kwargs)
