"""The shared fixtures themselves: fresh databases, users, the PostgreSQL guard."""

from __future__ import annotations

import sqlalchemy as sa

from core.models import Customer, User


def test_fresh_database_has_admin_only(world, backend):
    with world.runtime.db.read_session() as session:
        logins = session.scalars(sa.select(User.login)).all()
    assert logins == ["admin"]
    assert world.runtime.db.is_sqlite == (backend == "sqlite")


def test_make_user_builds_team(world, make_user, clock):
    boss = make_user("boss", "sales_manager", region="north")
    rep = make_user("rep1", ["sales_rep"], region="north", manager=boss)
    assert rep.actor.manager_id == boss.actor.id
    assert rep.actor.id in boss.grant.team_ids
    assert rep.now() == clock()
    world.customer(owner=rep)
    with rep.reading() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1
