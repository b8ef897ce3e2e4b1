"""Dates the business cannot have, in the core: a visit is reported after it happened
(issue #16, item 19). The funnel, real-estate and manufacturing dates are pinned in
their plugins' test folders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from core.errors import ValidationFailed
from core.i18n import set_lang
from core.models import Customer
from core.services import activities


@pytest.fixture
def zh() -> Iterator[None]:
    set_lang("zh_CN")
    yield
    set_lang(None)


def _last_follow_up(world: Any, customer: Any) -> dt.date | None:
    with world.runtime.db.read_session() as session:
        return session.get(Customer, customer.id).last_follow_up


def test_a_visit_dated_after_today_is_refused(world: Any) -> None:
    rep = world.user("rep", "sales_rep")
    customer = world.customer(rep)
    today = world.clock.now.date()
    with pytest.raises(ValidationFailed, match="reported once it has happened") as refused:
        activities.log_visit(
            rep, {"date": today + dt.timedelta(days=1), "customer_id": customer.id}
        )
    assert refused.value.problems[0].field == "date"
    assert today.isoformat() in refused.value.problems[0].expected
    assert _last_follow_up(world, customer) is None  # nothing written
    visit = activities.log_visit(
        rep, {"date": today, "customer_id": customer.id, "next_visit": today + dt.timedelta(days=7)}
    )
    assert _last_follow_up(world, customer) == today  # a planned next visit is fine
    with pytest.raises(ValidationFailed, match="reported once it has happened"):
        activities.update_visit(
            rep, visit.id, {"date": today + dt.timedelta(days=2)}, visit.version
        )


def test_the_clock_decides_what_today_is(world: Any) -> None:
    rep = world.user("rep", "sales_rep")
    ahead = world.clock.now.date() + dt.timedelta(days=3)
    world.clock.advance(days=3)  # the same date is fine once that day has come
    assert activities.log_visit(rep, {"date": ahead}).date == ahead


def test_the_future_visit_refusal_reads_in_chinese(world: Any, zh: None) -> None:
    rep = world.user("rep", "sales_rep")
    with pytest.raises(ValidationFailed) as refused:
        activities.log_visit(rep, {"date": world.clock.now.date() + dt.timedelta(days=1)})
    assert "拜访发生后才填日报" in refused.value.problems[0].expected


def test_today_is_the_company_date_not_utc(world: Any) -> None:
    """At 07:30 in Shanghai UTC still reads the day before: a visit made that morning is
    dated that day once the company works in Asia/Shanghai, and a day later is refused."""
    from core.services.organisation import company_settings, set_company

    admin = world.user("boss", "group_admin")
    rep = world.user("rep", "sales_rep")
    world.clock.now = dt.datetime(2026, 3, 16, 23, 30, tzinfo=dt.UTC)
    set_company(admin, {"timezone": "UTC"})
    with pytest.raises(ValidationFailed, match="reported once it has happened"):
        activities.log_visit(rep, {"date": dt.date(2026, 3, 17)})
    set_company(admin, {"timezone": "Asia/Shanghai"})
    assert company_settings(rep).timezone == "Asia/Shanghai"
    assert rep.today() == dt.date(2026, 3, 17)
    assert activities.log_visit(rep, {"date": dt.date(2026, 3, 17)}).date == dt.date(2026, 3, 17)
    with pytest.raises(ValidationFailed, match="reported once it has happened"):
        activities.log_visit(rep, {"date": dt.date(2026, 3, 18)})


def test_a_time_zone_the_world_does_not_know_is_refused_in_words(world: Any, zh: None) -> None:
    from core.services.organisation import set_company

    admin = world.user("boss", "group_admin")
    with pytest.raises(ValidationFailed) as refused:
        set_company(admin, {"timezone": "Asia/Beijing"})
    problem = refused.value.problems[0]
    assert problem.field == "时区" and "Asia/Shanghai" in problem.expected
    assert "时区名称" in problem.expected
