"""Shared pieces of the standard reports: months, names and keys (the base class,
parameters and numbers come from ``core.report_kit``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.access import Scope, visible
from core.context import Context
from core.errors import NotFound
from core.i18n import pick, translator
from core.models import Customer, Product, Region, SalesLine, User
from core.services.base import record_noun
from core.summaries import add_months, month_start
from core.targets import reconciliation_caption

# No locale folder of its own: the words are in the core catalogue (core/locale/zh_CN.json)
_ = translator(__file__)


def target_gap(
    ctx: Context, session: Session, start: dt.date, end: dt.date, by: str
) -> list[tuple[str, str]]:
    """The caption naming the gap between the company target and the targets by ``by``
    (for a company-wide reader, who sees both), or nothing when they agree."""
    if ctx.grant.scope is not Scope.ALL:
        return []
    gap = reconciliation_caption(session, start, end, by)
    return [gap] if gap else []


# -- months and periods ------------------------------------------------------------------


def month_label(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def parse_month(label: str) -> dt.date:
    return dt.date(int(label[:4]), int(label[5:7]), 1)


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def months_of(first: dt.date, last: dt.date) -> list[dt.date]:
    out, month = [], month_start(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


# -- names and keys ----------------------------------------------------------------------


class Names:
    """Code and name lookups for the small dimension tables, loaded once per run."""

    def __init__(self, session: Session) -> None:
        self.users = {
            r.id: (r.login, r.display_name)
            for r in session.execute(sa.select(User.id, User.login, User.display_name))
        }
        self.regions = {
            r.id: (r.code, r.name)
            for r in session.execute(sa.select(Region.id, Region.code, Region.name))
        }
        self.products = {
            r.id: (r.code, r.name)
            for r in session.execute(sa.select(Product.id, Product.code, Product.name))
        }

    def user(self, user_id: int | None) -> tuple[str | None, str | None]:
        return self.users.get(user_id, (None, None)) if user_id is not None else (None, None)

    def region(self, region_id: int | None) -> tuple[str | None, str | None]:
        return self.regions.get(region_id, (None, None)) if region_id is not None else (None, None)

    def product(self, product_id: int) -> tuple[str | None, str | None]:
        return self.products.get(product_id, (None, None))


def customer_names(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str, Any]]:
    ids = list(ids)
    out: dict[int, tuple[str, str, Any]] = {}
    for chunk in range(0, len(ids), 900):
        part = ids[chunk : chunk + 900]
        out.update(
            {
                r.id: (r.code, r.name, r.region_id)
                for r in session.execute(
                    sa.select(Customer.id, Customer.code, Customer.name, Customer.region_id).where(
                        Customer.id.in_(part)
                    )
                )
            }
        )
    return out


def key_condition(
    column: Any, session: Session, model: Any, code_column: Any, code: str | None
) -> Any:
    """``column`` equal to the id of the row whose code is ``code`` (NULL for None)."""
    if code is None:
        return column.is_(None)
    found = session.scalar(sa.select(model.id).where(code_column == code))
    if found is None:
        raise NotFound(_missing(model, code))
    return column == found


def _missing(model: Any, code: str) -> str:
    """Why a drilled row's record is not found: it went away since the report ran."""
    if model is User:  # a user's key is a login, which a message never shows
        return _("The salesperson of this row is no longer there: run the report again.")
    noun = record_noun(model)
    return _("No {noun} has the code {code} any more: run the report again.").format(
        noun=pick(*noun) if noun else _("record"), code=code
    )


def rep_condition(session: Session, login: str | None) -> Any:
    return key_condition(SalesLine.rep_id, session, User, User.login, login)


def visible_users(ctx: Context, session: Session, role: str | None = None) -> list[Any]:
    """Active users the reader may see (optionally holding ``role``), by login."""
    users = session.execute(
        sa.select(User.id, User.login, User.display_name, User.region_id, User.roles)
        .where(visible(ctx, User), User.active.is_(True))
        .order_by(User.login)
    ).all()
    return [u for u in users if role is None or role in (u.roles or [])]
