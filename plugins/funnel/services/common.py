"""Small SQL and number helpers shared by the funnel services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.models import Activity, Customer

DAYS = Decimal("0.1")


def days(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(DAYS)


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def days_between(session: Session, start: Any, end: Any) -> Any:
    """SQL for ``end - start`` in (fractional) days on the session's backend."""
    if is_sqlite(session):
        return sa.func.julianday(end) - sa.func.julianday(start)
    return sa.func.extract("epoch", end - start) / 86400.0


def month_label(session: Session, column: Any) -> Any:
    """SQL for 'YYYY-MM' of a date column."""
    if is_sqlite(session):
        return sa.func.strftime("%Y-%m", column)
    return sa.func.to_char(column, "YYYY-MM")


def add_months(month: dt.date, n: int) -> dt.date:
    total = month.year * 12 + month.month - 1 + n
    return dt.date(total // 12, total % 12 + 1, 1)


def month_labels(first: dt.date, count: int) -> list[str]:
    return [f"{m:%Y-%m}" for m in (add_months(first.replace(day=1), i) for i in range(count))]


def as_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def last_follow_up(today: dt.date) -> Any:
    """SQL for the customer's last follow-up up to ``today``. A stored date after today
    (a visit logged ahead of time, or imported so) is not a follow-up yet: the latest visit
    up to today counts instead, so such a date cannot keep a lead from being reclaimed."""
    visited = (
        sa.select(sa.func.max(Activity.date))
        .where(Activity.customer_id == Customer.id, Activity.date <= today)
        .scalar_subquery()
    )
    return sa.case((Customer.last_follow_up > today, visited), else_=Customer.last_follow_up)
