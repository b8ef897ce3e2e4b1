"""Official sales targets as the rest of salesdesk reads them.

The forecast plugin allocates and approves targets and publishes the approved ones as
``SalesTarget`` rows (one per month, dimension and key) through
``core.services.masterdata.set_targets``. Readers such as the funnel's weighted pipeline or
the contracts' signed-value report call :func:`target_amounts`; an empty dict means "no
targets were set", which is never the same as a target of zero.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.models import SalesTarget

TARGET_CUTS = ("company", "rep", "region", "product", "channel")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def target_amounts(session: Session, start: dt.date, end: dt.date, by: str) -> dict[int, Decimal]:
    """Key id -> target of the months ``start``..``end`` touch (0 is the company's key).

    Targets are monthly, so a period is counted in whole months: pass month boundaries.
    """
    if by not in TARGET_CUTS:
        raise ValueError(f"unknown target cut {by!r}; expected one of {', '.join(TARGET_CUTS)}")
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    rows = session.execute(
        sa.select(col(SalesTarget.key_id), sa.func.sum(SalesTarget.amount))
        .where(
            col(SalesTarget.dimension) == by,
            col(SalesTarget.month) >= month_start(start),
            col(SalesTarget.month) <= month_start(end),
        )
        .group_by(col(SalesTarget.key_id))
    ).all()
    return {key: Decimal(amount) for key, amount in rows}


def published_targets(
    session: Session, by: str, start: dt.date, end: dt.date
) -> dict[tuple[int, dt.date], Decimal]:
    """(key id, month) -> the published target of each month ``start``..``end`` touch."""
    if end < start:
        return {}
    rows = session.execute(
        sa.select(col(SalesTarget.key_id), col(SalesTarget.month), col(SalesTarget.amount)).where(
            col(SalesTarget.dimension) == by,
            col(SalesTarget.month) >= month_start(start),
            col(SalesTarget.month) <= month_start(end),
        )
    ).all()
    return {(key, month): Decimal(str(amount)) for key, month, amount in rows}


_CUT_WORDS = {
    "rep": ("reps", "业务员"),
    "region": ("regions", "区域"),
    "product": ("products", "产品"),
    "channel": ("channels", "渠道"),
}


def reconciliation_caption(
    session: Session, start: dt.date, end: dt.date, by: str
) -> tuple[str, str] | None:
    """Where completion is shown by ``by``: the company target and the sum of the targets
    by ``by`` over the same months, with their difference, when they do not agree (each
    allocation publishes the company target, so the last one approved sets it)."""
    if by not in _CUT_WORDS:
        return None
    company = sum(target_amounts(session, start, end, "company").values(), Decimal(0))
    keys = sum(target_amounts(session, start, end, by).values(), Decimal(0))
    if not company or not keys or company == keys:
        return None
    en, zh = _CUT_WORDS[by]
    gap = (company - keys).quantize(Decimal("0.01"))
    company, keys = company.quantize(Decimal("0.01")), keys.quantize(Decimal("0.01"))
    return (
        f"The company target {company:,} and the targets of the {en} ({keys:,}) differ "
        f"by {gap:,}: completion by {en[:-1]} is measured against {keys:,}.",
        f"公司指标 {company:,} 与各{zh}指标合计 {keys:,} 相差 {gap:,}；"
        f"按{zh}的完成率以 {keys:,} 为准。",
    )
