"""The guided first set-up: where a new company stands, derived from its data.

A step is done when its data exists (a company name, a region, a channel, a product, a
user besides the first admin) or when the admin finished or skipped it; that record is
one company setting (``SETUP_KEY``), written through ``set_setting`` (audited, needs
``settings.manage``). So quitting half-way and opening the app again resumes at the
first step still open, and nothing but the data and that setting says where it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from core.company import COMPANY_NAME_KEY, get_setting
from core.context import Context
from core.models import AuditEntry, Channel, Customer, Product, Region, User
from core.services.company import set_setting

SETUP_KEY = "setup.progress"
STEPS = ("company", "regions", "channels", "products", "users")
# What only the group admin may do in the set-up: settings, the organisation, users.
SETUP_PERMISSIONS = ("settings.manage", "masterdata.manage", "user.manage")


@dataclass(frozen=True)
class SetupState:
    """Each step's state ('open', 'done', 'skipped'), whether the admin started or
    finished the guide, and whether the database is still new (no company name, region,
    channel, product, customer nor any other record yet; users do not count: the admin
    may have added some with ``salesdesk users add``)."""

    steps: dict[str, str]
    started: bool
    finished: bool
    fresh: bool

    @property
    def current(self) -> str | None:
        """The first step still open (None: every step is done or skipped)."""
        return next((s for s in STEPS if self.steps[s] == "open"), None)

    @property
    def pending(self) -> bool:
        """The guide should open by itself: not finished, and started or still new."""
        return not self.finished and (self.started or self.fresh)


def may_set_up(ctx: Context) -> bool:
    return all(ctx.grant.has(name) for name in SETUP_PERMISSIONS)


def setup_state(ctx: Context) -> SetupState:
    with ctx.reading() as session:
        stored = get_setting(session, SETUP_KEY) or {}
        has = {
            name: _any(session, sa.select(col(model.id)))
            for name, model in (
                ("regions", Region),
                ("channels", Channel),
                ("products", Product),
                ("customers", Customer),
            )
        }
        has["users"] = _any(session, sa.select(col(User.id)).offset(1))  # besides the admin
        named = bool(get_setting(session, COMPANY_NAME_KEY))
        # New: nothing of the company yet, and nothing recorded but users and settings
        # (a plugin's own records, real-estate units say, mean the company is in use).
        fresh = not (
            named
            or has["regions"]
            or has["channels"]
            or has["products"]
            or has["customers"]
            or _any(
                session,
                sa.select(col(AuditEntry.id)).where(
                    col(AuditEntry.entity).not_in(("sd_user", "user_key", "company_setting"))
                ),
            )
        )
    recorded: dict[str, str] = dict(stored.get("steps") or {})
    has_data = {"company": named, **has}
    steps = {s: recorded.get(s) or ("done" if has_data[s] else "open") for s in STEPS}
    return SetupState(steps, bool(stored.get("started")), bool(stored.get("finished")), fresh)


def _any(session: Any, query: Any) -> bool:
    return session.scalars(query.limit(1)).first() is not None


def _record(
    ctx: Context, change: dict[str, Any], step: str | None = None, outcome: str = ""
) -> None:
    with ctx.reading() as session:
        stored = dict(get_setting(session, SETUP_KEY) or {})
    steps = dict(stored.get("steps") or {})
    if step is not None:
        steps[step] = outcome
    set_setting(ctx, SETUP_KEY, {**stored, **change, "steps": steps})


def start_setup(ctx: Context) -> None:
    """The admin opened the guide: it opens again by itself until it is finished."""
    _record(ctx, {"started": True, "finished": False})


def finish_step(ctx: Context, step: str) -> None:
    _record(ctx, {"started": True}, step, "done")


def skip_step(ctx: Context, step: str) -> None:
    _record(ctx, {"started": True}, step, "skipped")


def finish_setup(ctx: Context) -> None:
    _record(ctx, {"started": True, "finished": True})


def reopen_setup(ctx: Context) -> None:
    """Open the guide again (from Admin): the skipped steps are offered again."""
    with ctx.reading() as session:
        stored = dict(get_setting(session, SETUP_KEY) or {})
    steps = {s: v for s, v in (stored.get("steps") or {}).items() if v != "skipped"}
    set_setting(ctx, SETUP_KEY, {**stored, "started": True, "finished": False, "steps": steps})
