"""The daily visit report around the visits (docs/domain.md section 7): its header
(region, reporter, date, weather), the visits planned for a later day and whether they
were made, and the day's ranking of the reps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import col

from core.access import follow_up_owner, visible, visible_follow_ups
from core.context import Context
from core.errors import FieldProblem, ValidationFailed
from core.i18n import _
from core.models import Activity, Customer, DailyReport, Region, SalesLine, User, VisitPlan
from core.schemas import DailyReportInput, VisitPlanInput
from core.services.activities import reporter
from core.services.base import UnitOfWork, validate, write

RankBy = Literal["visits", "orders", "collections"]
REP_ROLE = "sales_rep"  # only reps are ranked: a manager's empty day is no "worst"
ZERO = Decimal("0.00")


# -- the header ----------------------------------------------------------------------------


def get_header(ctx: Context, rep_id: int, day: dt.date) -> DailyReport | None:
    """The rep's header for the day, if entered and visible to the actor."""
    with ctx.reading() as session:
        return session.scalar(
            sa.select(DailyReport).where(
                col(DailyReport.rep_id) == rep_id,
                col(DailyReport.date) == day,
                visible(ctx, DailyReport),
            )
        )


def header_of(ctx: Context, rep_id: int, day: dt.date) -> tuple[DailyReport | None, str]:
    """The rep's header for the day (None before it is entered) and the name of the
    region it reports for (the rep's region until then)."""
    header = get_header(ctx, rep_id, day)
    with ctx.reading() as session:
        region_id = (
            header.region_id
            if header
            else session.scalar(sa.select(col(User.region_id)).where(col(User.id) == rep_id))
        )
        name = (
            session.scalar(sa.select(col(Region.name)).where(col(Region.id) == region_id))
            if region_id
            else None
        )
    return header, name or ""


def open_header(ctx: Context, data: DailyReportInput | dict[str, Any]) -> DailyReport:
    """Start a rep's report for a day; a second header for the same rep and day is
    refused (change the one there instead)."""
    values = validate(DailyReportInput, data, "daily report")

    def work(uow: UnitOfWork) -> DailyReport:
        uow.require("activity.log")
        rep_id = reporter(uow.ctx, values.rep_id)
        if (
            uow.session.scalar(
                sa.select(col(DailyReport.id)).where(
                    col(DailyReport.rep_id) == rep_id, col(DailyReport.date) == values.date
                )
            )
            is not None
        ):
            raise ValidationFailed(
                [
                    FieldProblem(
                        "date",
                        values.date.isoformat(),
                        _(
                            "a day without a report: this rep's report for the day is already "
                            "open; change its header instead"
                        ),
                    )
                ],
                "daily report",
            )
        _check_region(uow, values.region_id)
        header = DailyReport(
            date=values.date,
            rep_id=rep_id,
            created_at=uow.ctx.now(),
            region_id=values.region_id or _region_of(uow, rep_id),
            weather=values.weather or "",
            notes=values.notes,
        )
        uow.session.add(header)
        uow.audit_created(header)
        return header

    return write(ctx, work)


def update_header(
    ctx: Context, header_id: int, data: dict[str, Any], expected_version: int | None
) -> DailyReport:
    def work(uow: UnitOfWork) -> DailyReport:
        uow.require("activity.log")
        header = uow.get(DailyReport, header_id)
        uow.require_record(DailyReport, header_id)
        uow.check_version(header, expected_version)
        current = {
            "date": header.date,
            "rep_id": header.rep_id,
            "region_id": header.region_id,
            "weather": header.weather or None,
            "notes": header.notes,
        }
        values = validate(DailyReportInput, {**current, **data}, "daily report")
        if values.date != header.date or values.rep_id != header.rep_id:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "date",
                        values.date.isoformat(),
                        _("the report's own day and rep: open another day's report instead"),
                    )
                ],
                "daily report",
            )
        if values.region_id != header.region_id:
            _check_region(uow, values.region_id)
        uow.apply_changes(
            header,
            {"region_id": values.region_id, "weather": values.weather or "", "notes": values.notes},
        )
        return header

    return write(ctx, work)


def save_header(
    ctx: Context, data: dict[str, Any], expected_version: int | None = None
) -> DailyReport:
    """Open the day's header, or change it when the rep's report is already open (a
    visit logged first opens it)."""
    values = validate(DailyReportInput, data, "daily report")
    rep_id = values.rep_id or ctx.actor.id
    with ctx.reading() as session:
        found = session.scalar(
            sa.select(DailyReport).where(
                col(DailyReport.rep_id) == rep_id, col(DailyReport.date) == values.date
            )
        )
    if found is None:
        return open_header(ctx, values)
    # only what the caller gave: saving the region alone keeps the weather, and back
    changes = values.model_dump(include={"region_id", "weather", "notes"}, exclude_unset=True)
    changes = {k: v for k, v in changes.items() if v is not None or k == "notes"}
    assert found.id is not None  # a stored row's primary key
    return update_header(ctx, found.id, changes, expected_version)


def header_regions(ctx: Context) -> list[tuple[int, str]]:
    """The regions a report header may name: the actor's region and those below it,
    active ones, in code order."""
    ids = ctx.grant.region_ids
    with ctx.reading() as session:
        return [
            (r.id, r.name)
            for r in session.execute(
                sa.select(col(Region.id), col(Region.name))
                .where(col(Region.id).in_(ids or [-1]), col(Region.active).is_(True))
                .order_by(col(Region.code))
            )
        ]


def _check_region(uow: UnitOfWork, region_id: int | None) -> None:
    """A header reports for a region of the actor's (their own or one below it)."""
    if region_id is None:
        return
    active = uow.session.scalar(sa.select(col(Region.active)).where(col(Region.id) == region_id))
    if region_id not in uow.ctx.grant.region_ids or not active:
        raise ValidationFailed(
            [
                FieldProblem(
                    "region_id", region_id, _("one of your regions (your own or one below it)")
                )
            ],
            "daily report",
        )


def _region_of(uow: UnitOfWork, rep_id: int) -> int | None:
    return uow.session.scalar(sa.select(col(User.region_id)).where(col(User.id) == rep_id))


# -- plans for a later day -----------------------------------------------------------------


def plan_visit(ctx: Context, data: VisitPlanInput | dict[str, Any]) -> VisitPlan:
    """Plan a visit on one day's report for a later day (the next day by default)."""
    values = validate(VisitPlanInput, data, "visit plan")
    day = values.date or values.planned_on + dt.timedelta(days=1)
    if day <= values.planned_on:
        raise ValidationFailed(
            [
                FieldProblem(
                    "date",
                    day.isoformat(),
                    _("a day after the report's day ({day})").format(
                        day=values.planned_on.isoformat()
                    ),
                )
            ],
            "visit plan",
        )

    def work(uow: UnitOfWork) -> VisitPlan:
        uow.require("activity.log")
        rep_id = reporter(uow.ctx, values.rep_id)
        uow.get(Customer, values.customer_id)
        uow.require_record(Customer, values.customer_id)
        if (
            uow.session.scalar(
                sa.select(col(VisitPlan.id)).where(
                    col(VisitPlan.rep_id) == rep_id,
                    col(VisitPlan.date) == day,
                    col(VisitPlan.customer_id) == values.customer_id,
                )
            )
            is not None
        ):
            raise ValidationFailed(
                [
                    FieldProblem(
                        "customer_id",
                        values.customer_id,
                        _("a customer not yet planned for {day}").format(day=day.isoformat()),
                    )
                ],
                "visit plan",
            )
        plan = VisitPlan(
            date=day,
            rep_id=rep_id,
            customer_id=values.customer_id,
            purpose=values.purpose,
            notes=values.notes,
            planned_on=values.planned_on,
            created_at=uow.ctx.now(),
        )
        uow.session.add(plan)
        uow.audit_created(plan)
        return plan

    return write(ctx, work)


def remove_plan(ctx: Context, plan_id: int) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.require("activity.log")
        plan = uow.get(VisitPlan, plan_id)
        uow.require_record(VisitPlan, plan_id)
        uow.audit("delete", "visit_plan", plan_id, "customer_id", plan.customer_id, None)
        uow.session.delete(plan)

    write(ctx, work)


@dataclass
class PlanCheck:
    """One visit planned for a day and whether it was made."""

    rep_id: int
    customer_id: int
    purpose: str
    notes: str
    planned_on: dt.date
    plan_id: int | None  # None: a visit's "next visit" date, not a plan line
    done: bool


def plan_vs_done(ctx: Context, day: dt.date, rep_id: int | None = None) -> list[PlanCheck]:
    """The visits planned for ``day`` (plan lines entered on earlier reports, and earlier
    visits' next-visit dates), each done when its rep visited that customer that day.
    One line per rep and customer: a plan line wins over a next-visit date."""
    plans = sa.select(VisitPlan).where(col(VisitPlan.date) == day, visible(ctx, VisitPlan))
    owner = follow_up_owner()
    follow_ups = sa.select(Activity, owner).where(
        col(Activity.next_visit) == day,
        col(Activity.date) < day,
        col(Activity.customer_id).is_not(None),
        visible_follow_ups(ctx),
    )
    if rep_id is not None:
        plans = plans.where(col(VisitPlan.rep_id) == rep_id)
        follow_ups = follow_ups.where(owner == rep_id)
    made = sa.select(col(Activity.rep_id), col(Activity.customer_id)).where(
        col(Activity.date) == day, col(Activity.customer_id).is_not(None)
    )
    with ctx.reading() as session:
        visited = {(r, c) for r, c in session.execute(made)}
        found: dict[tuple[int, int], PlanCheck] = {}
        for plan in session.scalars(plans.order_by(col(VisitPlan.id))):
            found[(plan.rep_id, plan.customer_id)] = PlanCheck(
                plan.rep_id,
                plan.customer_id,
                plan.purpose,
                plan.notes,
                plan.planned_on,
                plan.id,
                (plan.rep_id, plan.customer_id) in visited,
            )
        for visit, who in session.execute(
            follow_ups.order_by(col(Activity.date), col(Activity.id))
        ):
            key = (who, visit.customer_id)
            if key not in found:
                found[key] = PlanCheck(
                    who,
                    visit.customer_id,
                    visit.purpose,
                    visit.result,
                    visit.date,
                    None,
                    key in visited,
                )
    return sorted(found.values(), key=lambda p: (p.rep_id, p.plan_id is None, p.customer_id))


# -- the day's ranking ---------------------------------------------------------------------


@dataclass
class RepDay:
    rep_id: int
    name: str
    visits: int = 0
    orders: int = 0  # visits whose purpose was an order
    sales: Decimal = ZERO  # sales lines of the day
    planned: int = 0  # visits planned for this day on earlier reports
    done: int = 0  # of those, made
    order_amount: Decimal = ZERO  # ordered at the day's visits
    collection_amount: Decimal = ZERO  # collected at the day's visits
    login: str = ""

    @property
    def completion(self) -> Decimal | None:
        """Plans made as a fraction of plans (None: nothing was planned)."""
        return (
            (Decimal(self.done) / self.planned).quantize(Decimal("0.0001"))
            if self.planned
            else None
        )


RANK_KEYS = {
    "visits": lambda r: (-r.visits, -r.order_amount, -r.collection_amount, r.name),
    "orders": lambda r: (-r.order_amount, -r.visits, -r.collection_amount, r.name),
    "collections": lambda r: (-r.collection_amount, -r.visits, -r.order_amount, r.name),
}


def day_ranking(
    ctx: Context, day: dt.date, rank_by: RankBy = "visits", rep_ids: set[int] | None = None
) -> list[RepDay]:
    """The day of every sales rep the actor may see (of ``rep_ids`` when given), best
    first by ``rank_by``. Users without the rep role are never ranked: a manager
    making no visits is not the day's worst."""
    with ctx.reading() as session:
        reps = {
            u.id: RepDay(u.id, u.display_name, login=u.login)
            for u in session.execute(
                sa.select(
                    col(User.id),
                    col(User.login),
                    col(User.display_name),
                    col(User.roles),
                    col(User.active),
                ).where(visible(ctx, User))
            )
            if REP_ROLE in (u.roles or []) and (rep_ids is None or u.id in rep_ids)
        }
        active = set(session.scalars(sa.select(col(User.id)).where(col(User.active).is_(True))))
        worked: set[int] = set()
        for rid, n, orders, ordered, collected in session.execute(
            sa.select(
                col(Activity.rep_id),
                sa.func.count(),
                sa.func.sum(sa.case((col(Activity.purpose) == "order", 1), else_=0)),
                sa.func.sum(col(Activity.order_amount)),
                sa.func.sum(col(Activity.collection_amount)),
            )
            .where(
                col(Activity.date) == day,
                visible(ctx, Activity),
                col(Activity.rep_id).in_(list(reps) or [-1]),
            )
            .group_by(col(Activity.rep_id))
        ):
            entry = reps[rid]
            entry.visits, entry.orders = n, int(orders or 0)
            entry.order_amount, entry.collection_amount = _cents(ordered), _cents(collected)
            worked.add(rid)
        for rid, amount in session.execute(
            sa.select(col(SalesLine.rep_id), sa.func.sum(col(SalesLine.amount)))
            .where(
                col(SalesLine.date) == day,
                visible(ctx, SalesLine),
                col(SalesLine.rep_id).in_(list(reps) or [-1]),
            )
            .group_by(col(SalesLine.rep_id))
        ):
            assert rid is not None  # only the ranked reps' lines
            reps[rid].sales = _cents(amount)
            worked.add(rid)
    for check in plan_vs_done(ctx, day):
        if check.rep_id in reps:
            reps[check.rep_id].planned += 1
            reps[check.rep_id].done += int(check.done)
    kept = [r for r in reps.values() if r.rep_id in active or r.rep_id in worked]
    return sorted(kept, key=RANK_KEYS[rank_by])


def _cents(value: Any) -> Decimal:
    """A SUM from either backend (SQLite may hand back floats) as exact cents."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))
