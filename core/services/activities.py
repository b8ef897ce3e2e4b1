"""The daily visit report: reps log visits; managers read the team's day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from core.access import visible, visible_follow_ups
from core.context import Context
from core.errors import FieldProblem, PermissionDenied, ValidationFailed
from core.i18n import _
from core.models import Activity, Contact, Customer, DailyReport, User
from core.schemas import ActivityInput
from core.services.base import UnitOfWork, validate, write


def log_visit(ctx: Context, data: ActivityInput | dict[str, Any]) -> Activity:
    values = validate(ActivityInput, data, "visit")
    refuse_future_visit(ctx, values.date)
    check_times(values)

    def work(uow: UnitOfWork) -> Activity:
        uow.require("activity.log")
        rep_id = reporter(ctx, values.rep_id)
        ensure_header(uow, rep_id, values.date)
        check_contact(uow, values)
        if values.customer_id is not None:
            customer = uow.get(Customer, values.customer_id)
            uow.require_record(Customer, values.customer_id)
            if customer.last_follow_up is None or customer.last_follow_up < values.date:
                customer.last_follow_up = values.date
        activity = Activity(
            **values.model_dump(exclude={"rep_id"}), rep_id=rep_id, created_at=ctx.now()
        )
        uow.session.add(activity)
        uow.audit_created(activity)
        uow.after_commit("salesdesk_activity_logged", activity=activity)
        return activity

    return write(ctx, work)


def update_visit(
    ctx: Context, activity_id: int, data: dict[str, Any], expected_version: int | None
) -> Activity:
    def work(uow: UnitOfWork) -> Activity:
        uow.require("activity.log")
        activity = uow.get(Activity, activity_id)
        uow.require_record(Activity, activity_id)
        uow.check_version(activity, expected_version)
        current = activity.model_dump(include=set(ActivityInput.model_fields) - {"rep_id"})
        values = validate(ActivityInput, {**current, **data}, "visit")
        refuse_future_visit(ctx, values.date)
        check_times(values)
        check_contact(uow, values)
        uow.apply_changes(activity, values.model_dump(exclude={"rep_id"}))
        ensure_header(uow, activity.rep_id, activity.date)
        return activity

    return write(ctx, work)


def delete_visit(ctx: Context, activity_id: int) -> None:
    """Remove a visit logged by mistake: the rep's own, or one of their team's for a
    manager (the record rules). The day's header stays: it holds the weather."""

    def work(uow: UnitOfWork) -> None:
        uow.require("activity.log")
        activity = uow.get(Activity, activity_id)
        uow.require_record(Activity, activity_id)
        uow.audit("delete", "activity", activity_id, "customer_id", activity.customer_id, None)
        uow.session.delete(activity)

    write(ctx, work)


def reporter(ctx: Context, rep_id: int | None) -> int:
    """Whose daily report a write is for: the actor's own, or a rep of their team."""
    rep_id = rep_id or ctx.actor.id
    if rep_id != ctx.actor.id and rep_id not in ctx.grant.team_ids:
        raise PermissionDenied(_("You may fill in daily reports only for your own team."))
    assert rep_id is not None  # the actor is a stored user
    return rep_id


def ensure_header(uow: UnitOfWork, rep_id: int, day: dt.date) -> DailyReport:
    """The rep's report header for the day, opened in the rep's region when the first
    visit comes before the header (one header per rep and day, whichever comes first)."""
    found = uow.session.scalar(
        sa.select(DailyReport).where(
            col(DailyReport.rep_id) == rep_id, col(DailyReport.date) == day
        )
    )
    if found is not None:
        return found
    header = DailyReport(
        date=day,
        rep_id=rep_id,
        created_at=uow.ctx.now(),
        region_id=uow.session.scalar(sa.select(col(User.region_id)).where(col(User.id) == rep_id)),
    )
    uow.session.add(header)
    uow.audit_created(header)
    return header


def check_contact(uow: UnitOfWork, values: ActivityInput) -> None:
    """The person met is one of the visited customer's contacts."""
    if values.contact_id is None:
        return
    customer = uow.session.scalar(
        sa.select(col(Contact.customer_id)).where(col(Contact.id) == values.contact_id)
    )
    if customer is None or customer != values.customer_id:
        raise ValidationFailed(
            [
                FieldProblem(
                    "contact_id", values.contact_id, _("one of the visited customer's contacts")
                )
            ],
            "visit",
        )


def check_times(values: ActivityInput) -> None:
    """A visit ends after it starts; an end time needs a start time."""
    start, end = values.visit_time, values.end_time
    if end is None:
        return
    if start is None:
        expected = _("a start time as well: the end time needs the time the visit began")
    elif end <= start:
        expected = _("a time after the start ({start})").format(start=start.strftime("%H:%M"))
    else:
        return
    raise ValidationFailed([FieldProblem("end_time", end.strftime("%H:%M"), expected)], "visit")


def refuse_future_visit(ctx: Context, day: dt.date) -> None:
    """A visit is reported after it happened: a visit dated after today would also count as
    the customer's last follow-up and keep the lead from ever being reclaimed."""
    today = ctx.today()
    if day > today:
        raise ValidationFailed(
            [
                FieldProblem(
                    "date",
                    day.isoformat(),
                    _(
                        "a day up to today ({today}): a visit is reported once it has happened; "
                        "plan a later one as the next visit"
                    ).format(today=today.isoformat()),
                )
            ],
            "visit",
        )


def visits_on(ctx: Context, day: dt.date, rep_id: int | None = None) -> list[Activity]:
    """Visits the actor may see on a day (own for a rep; the team's for a manager)."""
    query = sa.select(Activity).where(col(Activity.date) == day, visible(ctx, Activity))
    if rep_id is not None:
        query = query.where(col(Activity.rep_id) == rep_id)
    with ctx.reading() as session:
        return list(session.scalars(query.order_by(col(Activity.rep_id), col(Activity.visit_time))))


def planned_visits(ctx: Context, day: dt.date) -> list[Activity]:
    """Visits whose next planned visit falls on ``day``, among the planned visits the
    actor is to make (or, for a manager, their team is): a plan handed over moves."""
    query = sa.select(Activity).where(col(Activity.next_visit) == day, visible_follow_ups(ctx))
    with ctx.reading() as session:
        return list(session.scalars(query.order_by(col(Activity.rep_id))))
