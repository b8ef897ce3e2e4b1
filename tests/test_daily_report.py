"""The daily visit report to the paper form (issue #22, docs/domain.md section 7): one
header per rep and day with the weather, start and end times and the order and
collection amounts of each visit, the next day's plan checked against the visits made,
and the day's ranking among reps only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.errors import PermissionDenied, ValidationFailed
from core.i18n import set_lang
from core.models import DailyReport
from core.services import activities, daily
from core.services.overview import team_day


@pytest.fixture
def zh() -> Iterator[None]:
    set_lang("zh_CN")
    yield
    set_lang(None)


@pytest.fixture
def team(world: Any) -> Any:
    world.region("EAST", name="East")
    mgr = world.user("mgr", "sales_manager", region="EAST")
    rep_a = world.user("rep_a", "sales_rep", region="EAST", manager=mgr)
    rep_b = world.user("rep_b", "sales_rep", region="EAST", manager=mgr)
    mgr = world.context(mgr.actor)  # sees the team made after it
    customers = [world.customer(rep_a, region="EAST") for _ in range(3)]
    return world, mgr, rep_a, rep_b, customers


def _today(world: Any) -> dt.date:
    return world.clock.now.date()


# -- times and amounts ---------------------------------------------------------------------


def test_a_visit_keeps_its_times_and_amounts(team: Any) -> None:
    world, _mgr, rep, _rep_b, customers = team
    visit = activities.log_visit(
        rep,
        {
            "date": _today(world),
            "customer_id": customers[0].id,
            "visit_time": "09:30",
            "end_time": "10:15",
            "order_amount": "12500.50",
            "collection_amount": "3000",
        },
    )
    assert (visit.visit_time, visit.end_time) == (dt.time(9, 30), dt.time(10, 15))
    assert visit.order_amount == Decimal("12500.50")
    assert visit.collection_amount == Decimal("3000")


@pytest.mark.parametrize(
    ("start", "end"), [("10:00", "09:00"), ("10:00", "10:00"), (None, "10:00")]
)
def test_a_visit_ends_after_it_starts(team: Any, start: str | None, end: str) -> None:
    world, _mgr, rep, _rep_b, customers = team
    with pytest.raises(ValidationFailed) as refused:
        activities.log_visit(
            rep,
            {
                "date": _today(world),
                "customer_id": customers[0].id,
                "visit_time": start,
                "end_time": end,
            },
        )
    assert refused.value.problems[0].field == "end_time"
    assert not activities.visits_on(rep, _today(world))


def test_an_end_time_moved_before_the_start_is_refused(team: Any) -> None:
    world, _mgr, rep, _rep_b, customers = team
    visit = activities.log_visit(
        rep,
        {
            "date": _today(world),
            "customer_id": customers[0].id,
            "visit_time": "14:00",
            "end_time": "15:00",
        },
    )
    with pytest.raises(ValidationFailed, match="14:00"):
        activities.update_visit(rep, visit.id, {"end_time": "13:30"}, visit.version)


def test_the_end_time_refusal_reads_in_chinese(team: Any, zh: None) -> None:
    world, _mgr, rep, _rep_b, customers = team
    with pytest.raises(ValidationFailed) as refused:
        activities.log_visit(
            rep,
            {
                "date": _today(world),
                "customer_id": customers[0].id,
                "visit_time": "10:00",
                "end_time": "09:00",
            },
        )
    assert "开始时间" in refused.value.problems[0].expected


@pytest.mark.parametrize("field", ["order_amount", "collection_amount"])
@pytest.mark.parametrize("amount", ["-1", "1.005", "NaN", "abc"])
def test_amounts_are_money_and_never_negative(team: Any, field: str, amount: str) -> None:
    world, _mgr, rep, _rep_b, customers = team
    with pytest.raises(ValidationFailed) as refused:
        activities.log_visit(
            rep, {"date": _today(world), "customer_id": customers[0].id, field: amount}
        )
    assert refused.value.problems[0].field == field


# -- the header ----------------------------------------------------------------------------


def test_one_header_per_rep_and_day(team: Any) -> None:
    world, _mgr, rep, rep_b, _customers = team
    day = _today(world)
    header = daily.open_header(rep, {"date": day, "weather": "rain"})
    assert (header.weather, header.region_id) == ("rain", world.region_id("EAST"))
    with pytest.raises(ValidationFailed) as refused:
        daily.open_header(rep, {"date": day, "weather": "sunny"})
    assert refused.value.problems[0].field == "date"
    assert daily.open_header(rep_b, {"date": day}).rep_id == rep_b.actor.id  # another rep
    with world.runtime.db.engine.begin() as conn, pytest.raises(IntegrityError):
        conn.execute(
            sa.insert(DailyReport).values(
                date=day,
                rep_id=rep.actor.id,
                weather="",
                notes="",
                created_at=world.clock(),
                version=1,
            )
        )  # the database holds the rule too


def test_the_weather_is_a_choice(team: Any) -> None:
    world, _mgr, rep, _rep_b, _customers = team
    with pytest.raises(ValidationFailed) as refused:
        daily.open_header(rep, {"date": _today(world), "weather": "nice"})
    assert refused.value.problems[0].field == "weather"


def test_the_first_visit_opens_the_header_and_saving_changes_it(team: Any) -> None:
    world, _mgr, rep, _rep_b, customers = team
    day = _today(world)
    activities.log_visit(rep, {"date": day, "customer_id": customers[0].id})
    activities.log_visit(rep, {"date": day, "customer_id": customers[1].id})
    header = daily.get_header(rep, rep.actor.id, day)
    assert header is not None and header.weather == ""
    saved = daily.save_header(rep, {"date": day, "weather": "snow"}, header.version)
    assert saved.id == header.id and saved.weather == "snow"
    with world.runtime.db.read_session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(DailyReport)) == 1


def test_a_rep_may_not_fill_in_another_reps_report(team: Any) -> None:
    world, mgr, rep, rep_b, _customers = team
    with pytest.raises(PermissionDenied):
        daily.open_header(rep, {"date": _today(world), "rep_id": rep_b.actor.id})
    assert daily.open_header(mgr, {"date": _today(world), "rep_id": rep_b.actor.id})


# -- plan vs done --------------------------------------------------------------------------


def test_the_next_days_plan_is_marked_done_by_the_visits_made(team: Any) -> None:
    world, _mgr, rep, _rep_b, customers = team
    day = _today(world)
    for customer in customers[:2]:
        daily.plan_visit(rep, {"planned_on": day, "customer_id": customer.id, "purpose": "order"})
    activities.log_visit(
        rep, {"date": day, "customer_id": customers[2].id, "next_visit": day + dt.timedelta(days=1)}
    )
    world.clock.advance(days=1)
    tomorrow = day + dt.timedelta(days=1)
    activities.log_visit(rep, {"date": tomorrow, "customer_id": customers[0].id})
    activities.log_visit(rep, {"date": tomorrow, "customer_id": customers[2].id})
    checks = daily.plan_vs_done(rep, tomorrow, rep.actor.id)
    assert {(c.customer_id, c.plan_id is not None, c.done) for c in checks} == {
        (customers[0].id, True, True),
        (customers[1].id, True, False),
        (customers[2].id, False, True),
    }
    (mine,) = [r for r in daily.day_ranking(rep, tomorrow)]
    assert (mine.planned, mine.done, mine.completion) == (3, 2, Decimal("0.6667"))


def test_a_plan_is_for_a_later_day_and_only_once(team: Any) -> None:
    world, _mgr, rep, _rep_b, customers = team
    day = _today(world)
    with pytest.raises(ValidationFailed) as refused:
        daily.plan_visit(rep, {"planned_on": day, "date": day, "customer_id": customers[0].id})
    assert refused.value.problems[0].field == "date"
    plan = daily.plan_visit(rep, {"planned_on": day, "customer_id": customers[0].id})
    assert plan.date == day + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed):
        daily.plan_visit(rep, {"planned_on": day, "customer_id": customers[0].id})
    daily.remove_plan(rep, plan.id)
    assert daily.plan_vs_done(rep, plan.date) == []


# -- the day's ranking ---------------------------------------------------------------------


def test_the_ranking_holds_reps_only(team: Any) -> None:
    """A manager without visits used to be ranked the day's worst."""
    world, mgr, rep_a, rep_b, customers = team
    day = _today(world)
    activities.log_visit(
        rep_a, {"date": day, "customer_id": customers[0].id, "order_amount": "100"}
    )
    activities.log_visit(rep_b, {"date": day, "collection_amount": "900"})
    activities.log_visit(rep_b, {"date": day})
    ranking = team_day(mgr, day)
    assert [r.login for r in ranking] == ["rep_b", "rep_a"]
    assert "mgr" not in [r.login for r in daily.day_ranking(mgr, day, "orders")]
    assert [r.login for r in daily.day_ranking(mgr, day, "orders")] == ["rep_a", "rep_b"]
    by_collections = daily.day_ranking(mgr, day, "collections")
    assert [(r.login, r.collection_amount) for r in by_collections] == [
        ("rep_b", Decimal("900.00")),
        ("rep_a", Decimal("0.00")),
    ]


def test_a_rep_without_visits_is_ranked_last(team: Any) -> None:
    world, mgr, rep_a, _rep_b, customers = team
    activities.log_visit(rep_a, {"date": _today(world), "customer_id": customers[0].id})
    assert [(r.login, r.visits) for r in team_day(mgr, _today(world))] == [
        ("rep_a", 1),
        ("rep_b", 0),
    ]


# -- the migration -------------------------------------------------------------------------


def test_older_visits_get_their_header_and_zero_amounts(world: Any) -> None:
    """Upgrading from 0010: each rep's reported day gets one header in the rep's region,
    with the weather the visits named; old visits carry zero amounts."""
    from core import db as dbmod
    from core.models import Activity

    runtime = world.runtime
    world.region("EAST")
    rep = world.user("rep", "sales_rep", region="EAST")
    locations = runtime.plugins.migration_locations()
    dbmod.downgrade(runtime.db, "0010_vat_sales_receipts", locations)
    with runtime.db.engine.begin() as conn:
        for weather in ("小雨 Light rain", "小雨 Light rain"):
            conn.execute(
                sa.text(
                    "INSERT INTO activity (date, rep_id, purpose, result, customer_type, notes, "
                    "weather, created_at, version) VALUES ('2026-03-02', :rep, 'order', '', "
                    "'existing', '', :w, :at, 1)"
                ),
                {"rep": rep.actor.id, "w": weather, "at": world.clock()},
            )
    runtime.upgrade()
    with runtime.db.read_session() as session:
        headers = list(session.scalars(sa.select(DailyReport)))
        amounts = set(session.execute(sa.select(Activity.order_amount, Activity.collection_amount)))
    assert [(h.date, h.rep_id, h.region_id, h.weather) for h in headers] == [
        (dt.date(2026, 3, 2), rep.actor.id, world.region_id("EAST"), "rain")
    ]
    assert amounts == {(Decimal("0.00"), Decimal("0.00"))}


def test_a_plan_for_a_later_day_follows_the_customer_to_its_new_owner(team: Any) -> None:
    from core.services import customers as customer_service

    world, mgr, rep_a, rep_b, customers = team
    day = _today(world)
    plan = daily.plan_visit(rep_a, {"planned_on": day, "customer_id": customers[0].id})
    customer_service.assign_customer(mgr, customers[0].id, rep_b.actor.id)
    assert [c.rep_id for c in daily.plan_vs_done(mgr, plan.date)] == [rep_b.actor.id]
    assert daily.plan_vs_done(rep_a, plan.date) == []


def test_the_contact_met_is_one_of_the_customers(team: Any) -> None:
    from core.services import customers as customer_service

    world, _mgr, rep, _rep_b, customers = team
    mine = customer_service.add_contact(rep, customers[0].id, {"name": "王经理"})
    theirs = customer_service.add_contact(rep, customers[1].id, {"name": "李工"})
    visit = activities.log_visit(
        rep, {"date": _today(world), "customer_id": customers[0].id, "contact_id": mine.id}
    )
    assert visit.contact_id == mine.id
    with pytest.raises(ValidationFailed) as refused:
        activities.log_visit(
            rep, {"date": _today(world), "customer_id": customers[0].id, "contact_id": theirs.id}
        )
    assert refused.value.problems[0].field == "contact_id"
    with pytest.raises(ValidationFailed):
        activities.update_visit(rep, visit.id, {"contact_id": theirs.id}, visit.version)


# -- changing a visit and the header's region (the TUI's follow-ups) ----------------------


def test_a_visit_is_changed_by_its_rep_or_their_manager_only(team: Any) -> None:
    from core.errors import Conflict

    world, mgr, rep, rep_b, customers = team
    visit = activities.log_visit(rep, {"date": _today(world), "customer_id": customers[0].id})
    with pytest.raises(PermissionDenied):
        activities.update_visit(rep_b, visit.id, {"result": "theirs"}, visit.version)
    changed = activities.update_visit(rep, visit.id, {"order_amount": "80"}, visit.version)
    assert changed.order_amount == Decimal("80.00")
    with pytest.raises(Conflict):  # read before the rep's change
        activities.update_visit(mgr, visit.id, {"result": "stale"}, visit.version)
    assert activities.update_visit(mgr, visit.id, {"result": "ok"}, changed.version).result == "ok"


def test_a_visit_is_deleted_by_its_rep_or_their_manager_only(team: Any) -> None:
    world, mgr, rep, rep_b, customers = team
    day = _today(world)
    first = activities.log_visit(rep, {"date": day, "customer_id": customers[0].id})
    second = activities.log_visit(rep, {"date": day, "customer_id": customers[1].id})
    with pytest.raises(PermissionDenied):
        activities.delete_visit(rep_b, first.id)
    activities.delete_visit(rep, first.id)
    activities.delete_visit(mgr, second.id)
    assert activities.visits_on(rep, day, rep.actor.id) == []


def test_the_header_region_is_one_the_reporter_may_use(team: Any) -> None:
    world, _mgr, rep, _rep_b, _customers = team
    city = world.region("EAST_SH", parent="EAST", name="Shanghai")
    world.region("WEST", name="West")
    rep = world.context(rep.actor)  # sees the sub-region made after it
    day = _today(world)
    assert [name for _id, name in daily.header_regions(rep)] == ["East", "Shanghai"]
    saved = daily.save_header(rep, {"date": day, "region_id": city.id})
    assert saved.region_id == city.id
    with pytest.raises(ValidationFailed) as refused:
        daily.save_header(rep, {"date": day, "region_id": world.region_id("WEST")}, saved.version)
    assert refused.value.problems[0].field == "region_id"
