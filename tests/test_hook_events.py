"""The core's events and its permission hook, seen from a plugin: each event reaches a
registered plugin after its write committed, with the actor's context and the documented
arguments; a permission a plugin declares can be granted through a role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from core.access import PermissionSpec, RoleSpec
from core.errors import PermissionDenied
from core.hookspecs import hookimpl
from core.models import Activity, Customer, Opportunity
from core.services import activities, customers, opportunities

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


class Recorder:
    """Records each event with what the plugin can read of it at that moment."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.seen: list[tuple[str, Any]] = []

    def _committed(self, model: type, row_id: int) -> bool:
        """The row is visible to another session: the event came after the commit."""
        with self.runtime.db.read_session() as session:
            return session.scalar(sa.select(model.id).where(model.id == row_id)) is not None

    @hookimpl
    def salesdesk_customer_created(self, ctx: Any, customer: Any) -> None:
        self.seen.append(
            (
                "customer_created",
                (ctx.actor.login, customer.name, self._committed(Customer, customer.id)),
            )
        )

    @hookimpl
    def salesdesk_customer_updated(self, ctx: Any, customer: Any, changes: Any) -> None:
        self.seen.append(("customer_updated", (ctx.actor.login, customer.id, changes)))

    @hookimpl
    def salesdesk_opportunity_created(self, ctx: Any, opportunity: Any) -> None:
        self.seen.append(
            (
                "opportunity_created",
                (ctx.actor.login, opportunity.title, self._committed(Opportunity, opportunity.id)),
            )
        )

    @hookimpl
    def salesdesk_opportunity_stage_changed(
        self, ctx: Any, opportunity: Any, from_stage: str, to_stage: str
    ) -> None:
        self.seen.append(
            ("stage_changed", (ctx.actor.login, from_stage, to_stage, str(opportunity.status)))
        )

    @hookimpl
    def salesdesk_activity_logged(self, ctx: Any, activity: Any) -> None:
        self.seen.append(
            (
                "activity_logged",
                (ctx.actor.login, activity.result, self._committed(Activity, activity.id)),
            )
        )

    def events(self, kind: str) -> list[Any]:
        return [detail for name, detail in self.seen if name == kind]


@pytest.fixture
def recorder(world: Any) -> Recorder:
    plugin = Recorder(world.runtime)
    assert world.runtime.plugins.register(plugin, "recorder")
    return plugin


@SQLITE_ONLY
def test_customer_events_carry_the_actor_and_the_changes(world: Any, recorder: Recorder) -> None:
    made = customers.create_customer(world.admin, {"name": "Hook Trading"})
    assert recorder.events("customer_created") == [("admin", "Hook Trading", True)]
    customers.update_customer(world.admin, made.id, {"industry": "Retail"}, made.version)
    ((login, customer_id, changes),) = recorder.events("customer_updated")
    assert (login, customer_id) == ("admin", made.id)
    assert changes == {"industry": ("", "Retail")}


@SQLITE_ONLY
def test_an_unchanged_customer_fires_no_update(world: Any, recorder: Recorder) -> None:
    made = customers.create_customer(world.admin, {"name": "Still Ltd", "industry": "Retail"})
    customers.update_customer(world.admin, made.id, {"industry": "Retail"}, made.version)
    assert recorder.events("customer_updated") == []


@SQLITE_ONLY
def test_opportunity_events_follow_the_funnel(world: Any, recorder: Recorder) -> None:
    customer = world.customer(world.admin)
    funnel = world.runtime.plugins.funnels.default
    opp = opportunities.create_opportunity(
        world.admin, {"customer_id": customer.id, "title": "Hook deal"}
    )
    assert recorder.events("opportunity_created") == [("admin", "Hook deal", True)]
    second = funnel.stages[1].id
    opportunities.move_stage(world.admin, opp.id, second)
    opportunities.win(world.admin, opp.id)
    moves = recorder.events("stage_changed")
    assert moves[0] == ("admin", funnel.first_stage.id, second, "open")
    assert moves[-1][1] == second and moves[-1][3] == "won"


@SQLITE_ONLY
def test_a_logged_visit_reaches_the_plugin_after_commit(world: Any, recorder: Recorder) -> None:
    customer = world.customer(world.admin)
    activities.log_visit(
        world.admin,
        {
            "date": world.clock().date() - dt.timedelta(days=1),
            "customer_id": customer.id,
            "result": "Met buyer",
        },
    )
    assert recorder.events("activity_logged") == [("admin", "Met buyer", True)]


@SQLITE_ONLY
def test_a_failed_write_fires_no_event(world: Any, recorder: Recorder) -> None:
    rep = world.user("rep_events", "sales_rep")
    with pytest.raises(PermissionDenied):
        customers.update_customer(rep, world.customer(world.admin).id, {"industry": "X"}, None)
    assert recorder.seen == []


class Licensing:
    """A plugin declaring a permission and a role that grants it."""

    @hookimpl
    def salesdesk_permissions(self) -> list[PermissionSpec]:
        return [PermissionSpec("licence.issue", "Issue licences", "签发许可证")]

    @hookimpl
    def salesdesk_roles(self) -> list[RoleSpec]:
        return [
            RoleSpec("licence_clerk", "Licence clerk", "许可证专员", frozenset({"licence.issue"}))
        ]


@SQLITE_ONLY
def test_a_declared_permission_is_granted_through_a_plugin_role(world: Any) -> None:
    assert world.runtime.plugins.register(Licensing(), "licensing")
    registry = world.runtime.plugins.roles
    assert "licence.issue" in registry.permissions
    clerk = world.user("clerk", "licence_clerk")
    assert clerk.grant.has("licence.issue")
    assert not world.user("rep_lic", "sales_rep").grant.has("licence.issue")


def test_a_role_naming_an_undeclared_permission_is_refused() -> None:
    from core.plugins import PluginManager

    class Undeclared:
        @hookimpl
        def salesdesk_roles(self) -> list[RoleSpec]:
            return [RoleSpec("ghost", "Ghost", "幽灵", frozenset({"licence.issue"}))]

    manager = PluginManager()
    manager.register(Undeclared(), "undeclared")
    assert "ghost" not in manager.roles.roles
    assert "licence.issue" in manager.info["undeclared"].errors[0]
