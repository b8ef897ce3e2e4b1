"""Call-in register (来电登记): every inbound call logged the same day, graded, followed up;
a call converts to a visit and, through ``control.reserve(call_id=...)``, to a deal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from core.access import Scope
from core.context import Context
from core.errors import FieldProblem, ValidationFailed
from core.services.base import UnitOfWork, detached, write
from plugins.real_estate.models import Call, Project
from plugins.real_estate.services.common import CALLS, _

SOURCES = ("newspaper", "web", "billboard", "referral", "passing", "tv", "other")
# each source as the register and the call form read it (an English msgid)
SOURCE_TITLES = {
    "newspaper": "Newspaper",
    "web": "Web",
    "billboard": "Billboard",
    "referral": "Referral",
    "passing": "Passing",
    "tv": "TV",
    "other": "Other",
}
GRADES = ("A", "B", "C")  # A hot, B warm, C cold
FOLLOW_UP_DAYS = {"A": 1, "B": 3, "C": 7}  # by grade: how soon to call back


def log_call(ctx: Context, project_id: int, values: dict[str, Any]) -> Call:
    source = str(values.get("source") or "").strip().lower()
    grade = str(values.get("grade") or "").strip().upper()
    problems = []
    if source not in SOURCES:
        shown = ", ".join(_(SOURCE_TITLES[s]) for s in SOURCES)  # as the form offers them
        problems.append(FieldProblem("source", source, "one of {values}", args={"values": shown}))
    if grade not in GRADES:
        problems.append(FieldProblem("grade", grade, "A (hot), B (warm) or C (cold)"))
    phone = str(values.get("phone") or "").strip()
    name = str(values.get("caller_name") or "").strip()
    if not phone and not name:
        problems.append(FieldProblem("phone", phone, "a phone number or the caller's name"))
    if problems:
        raise ValidationFailed(problems, "call")
    due = values.get("follow_up_on") or ctx.today() + dt.timedelta(
        days=FOLLOW_UP_DAYS.get(grade, 3)
    )
    if isinstance(due, str):
        try:
            due = dt.date.fromisoformat(due)
        except ValueError:
            raise ValidationFailed(
                [FieldProblem("follow_up_on", due, "a date YYYY-MM-DD")], "call"
            ) from None

    def work(uow: UnitOfWork) -> Call:
        uow.require(CALLS)
        uow.get(Project, project_id)
        call = Call(
            project_id=project_id,
            called_at=ctx.now(),
            caller_name=name[:100],
            phone=phone[:32],
            source=source,
            grade=grade,
            agent_id=ctx.actor.id,
            notes=str(values.get("notes") or "")[:500],
            follow_up_on=due,
        )
        uow.session.add(call)
        uow.audit_created(call)
        return detached(call)

    return write(ctx, work)


def follow_up(
    ctx: Context,
    call_id: int,
    *,
    visited: bool = False,
    next_on: dt.date | None = None,
    notes: str = "",
    version: int | None = None,
) -> Call:
    """Record a follow-up; ``visited`` when the caller came to the sales office."""

    def work(uow: UnitOfWork) -> Call:
        uow.require(CALLS)
        call = uow.get(Call, call_id)
        uow.check_version(call, version)
        changes: dict[str, Any] = {"followed_up_on": ctx.today(), "follow_up_on": next_on}
        if visited and call.visited_on is None:
            changes["visited_on"] = ctx.today()
        if notes.strip():
            changes["notes"] = (call.notes + "\n" + notes.strip()).strip()[:500]
        uow.apply_changes(call, changes)
        return detached(call)

    return write(ctx, work)


def due_follow_ups(ctx: Context, on: dt.date | None = None) -> list[Call]:
    """Calls whose follow-up is due on or before ``on``; a rep sees their own."""
    day = on or ctx.today()
    query = (
        sa.select(Call)
        .where(Call.follow_up_on.is_not(None), Call.follow_up_on <= day, Call.deal_id.is_(None))
        .order_by(Call.follow_up_on, Call.id)
    )
    if ctx.grant.scope is Scope.OWN:
        query = query.where(Call.agent_id == ctx.actor.id)
    with ctx.reading() as session:
        return list(session.scalars(query))
