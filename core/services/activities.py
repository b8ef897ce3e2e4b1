"""The daily visit report: reps log visits; managers read the team's day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from core.access import visible, visible_follow_ups
from core.context import Context
from core.errors import FieldProblem, PermissionDenied, ValidationFailed
from core.i18n import _
from core.models import Activity, Customer
from core.schemas import ActivityInput
from core.services.base import UnitOfWork, validate, write


def log_visit(ctx: Context, data: ActivityInput | dict[str, Any]) -> Activity:
    values = validate(ActivityInput, data, "visit")
    refuse_future_visit(ctx, values.date)

    def work(uow: UnitOfWork) -> Activity:
        uow.require("activity.log")
        rep_id = values.rep_id or ctx.actor.id
        if rep_id != ctx.actor.id and rep_id not in ctx.grant.team_ids:
            raise PermissionDenied(_("You may log visits only for your own team."))
        if values.customer_id is not None:
            customer = uow.get(Customer, values.customer_id)
            uow.require_record(Customer, values.customer_id)
            if customer.last_follow_up is None or customer.last_follow_up < values.date:
                customer.last_follow_up = values.date
        activity = Activity(**values.model_dump(exclude={"rep_id"}), rep_id=rep_id,
                            created_at=ctx.now())
        uow.session.add(activity)
        uow.audit_created(activity)
        uow.after_commit("salesdesk_activity_logged", activity=activity)
        return activity

    return write(ctx, work)


def update_visit(ctx: Context, activity_id: int, data: dict[str, Any],
                 expected_version: int | None) -> Activity:
    def work(uow: UnitOfWork) -> Activity:
        uow.require("activity.log")
        activity = uow.get(Activity, activity_id)
        uow.require_record(Activity, activity_id)
        uow.check_version(activity, expected_version)
        current = activity.model_dump(include=set(ActivityInput.model_fields) - {"rep_id"})
        values = validate(ActivityInput, {**current, **data}, "visit")
        refuse_future_visit(ctx, values.date)
        uow.apply_changes(activity, values.model_dump(exclude={"rep_id"}))
        return activity

    return write(ctx, work)


def refuse_future_visit(ctx: Context, day: dt.date) -> None:
    """A visit is reported after it happened: a visit dated after today would also count as
    the customer's last follow-up and keep the lead from ever being reclaimed."""
    today = ctx.today()
    if day > today:
        raise ValidationFailed([FieldProblem("date", day.isoformat(), _(
            "a day up to today ({today}): a visit is reported once it has happened; "
            "plan a later one as the next visit").format(today=today.isoformat()))],
            "visit")


def visits_on(ctx: Context, day: dt.date, rep_id: int | None = None) -> list[Activity]:
    """Visits the actor may see on a day (own for a rep; the team's for a manager)."""
    query = sa.select(Activity).where(Activity.date == day, visible(ctx, Activity))
    if rep_id is not None:
        query = query.where(Activity.rep_id == rep_id)
    with ctx.reading() as session:
        return list(session.scalars(query.order_by(Activity.rep_id, Activity.visit_time)))


def planned_visits(ctx: Context, day: dt.date) -> list[Activity]:
    """Visits whose next planned visit falls on ``day``, among the planned visits the
    actor is to make (or, for a manager, their team is): a plan handed over moves."""
    query = sa.select(Activity).where(Activity.next_visit == day, visible_follow_ups(ctx))
    with ctx.reading() as session:
        return list(session.scalars(query.order_by(Activity.rep_id)))
