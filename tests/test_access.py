"""Permissions and record rules: every service action for every core role.

The table below says which roles may run each action; every other core role must be
refused with PermissionDenied and leave no trace (no audit entry). Record rules are
checked on their own: a rep sees own customers plus the pool, a manager the team, a
regional admin the region subtree, an executive everything while writing nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from core.access import visible
from core.errors import NotFound, PermissionDenied, UnknownUser
from core.models import Activity, AuditEntry, Contact, Customer, Opportunity, SalesLine, User
from core.services import activities, company, customers, masterdata, opportunities, users

GA, RA, BO, REP, MGR, FIN, EXE = (
    "group_admin",
    "regional_admin",
    "business_operator",
    "sales_rep",
    "sales_manager",
    "finance",
    "executive",
)
ROLES = (GA, RA, BO, REP, MGR, FIN, EXE)
_serial = itertools.count(1)


def uniq(prefix: str) -> str:
    return f"{prefix}{next(_serial)}"


@pytest.fixture(scope="module")
def people(module_world: Any) -> dict[str, Any]:
    """One actor per core role, plus a teammate of the rep and a rep in another region.

    Regions: hq > north > north_east, hq > south. The rep and rep2 work in north_east for
    the manager (north); the regional admin runs north.
    """
    w = module_world
    w.region("hq")
    w.region("north", parent="hq")
    w.region("north_east", parent="north")
    w.region("south", parent="hq")
    p = {
        GA: w.admin,
        RA: w.user("ra", RA, region="north"),
        BO: w.user("bo", BO, region="hq"),
        MGR: w.user("mgr", MGR, region="north"),
    }
    p[REP] = w.user("rep", REP, region="north_east", manager=p[MGR])
    p[FIN] = w.user("fin", FIN, region="hq")
    p[EXE] = w.user("exe", EXE, region="hq")
    p["rep2"] = w.user("rep2", REP, region="north_east", manager=p[MGR])
    p["south_rep"] = w.user("srep", REP, region="south")
    return p


# -- the actions: each sets up its own target records, then acts as ``ctx`` -------------


def _rep_customer(w: Any, p: dict[str, Any]) -> Customer:
    return w.customer(owner=p[REP], region="north_east")


def _contact(w: Any, p: dict[str, Any]) -> Contact:
    return w.insert(Contact(customer_id=_rep_customer(w, p).id, name="Wang Fang"))


def _rep_opportunity(w: Any, p: dict[str, Any]) -> Opportunity:
    return w.opportunity(_rep_customer(w, p), owner=p[REP])


def _rep_visit(w: Any, p: dict[str, Any]) -> Activity:
    return w.insert(
        Activity(
            date=dt.date(2026, 3, 16), rep_id=p[REP].actor.id, customer_id=_rep_customer(w, p).id
        )
    )


def _north_east_user(w: Any) -> str:
    login = uniq("target")
    w.user(login, REP, region="north_east")
    return login


def customer_create(w: Any, p: dict[str, Any], ctx: Any) -> None:
    customers.create_customer(
        ctx, {"name": "北方机械有限公司", "region_id": w.region_id("north_east")}
    )


def customer_update(w: Any, p: dict[str, Any], ctx: Any) -> None:
    c = _rep_customer(w, p)
    customers.update_customer(ctx, c.id, {"name": "Renamed Ltd"}, c.version)


def customer_assign(w: Any, p: dict[str, Any], ctx: Any) -> None:
    c = _rep_customer(w, p)
    customers.assign_customer(ctx, c.id, p["rep2"].actor.id, c.version)


def customer_to_pool(w: Any, p: dict[str, Any], ctx: Any) -> None:
    c = _rep_customer(w, p)
    customers.assign_customer(ctx, c.id, None, c.version)


def customer_credit(w: Any, p: dict[str, Any], ctx: Any) -> None:
    c = _rep_customer(w, p)
    customers.update_customer(ctx, c.id, {"credit_rating": "A", "credit_limit": "50000"}, c.version)


def contact_add(w: Any, p: dict[str, Any], ctx: Any) -> None:
    customers.add_contact(ctx, _rep_customer(w, p).id, {"name": "Li Lei", "phone": "+86 10"})


def contact_update(w: Any, p: dict[str, Any], ctx: Any) -> None:
    contact = _contact(w, p)
    customers.update_contact(ctx, contact.id, {"title": "CFO"}, contact.version)


def opportunity_create(w: Any, p: dict[str, Any], ctx: Any) -> None:
    opportunities.create_opportunity(
        ctx, {"customer_id": _rep_customer(w, p).id, "title": "Pumps", "amount": "1200.50"}
    )


def opportunity_update(w: Any, p: dict[str, Any], ctx: Any) -> None:
    o = _rep_opportunity(w, p)
    opportunities.update_opportunity(ctx, o.id, {"amount": "2500"}, o.version)


def opportunity_move(w: Any, p: dict[str, Any], ctx: Any) -> None:
    o = _rep_opportunity(w, p)
    opportunities.move_stage(ctx, o.id, "qualified", o.version)


def opportunity_win(w: Any, p: dict[str, Any], ctx: Any) -> None:
    o = _rep_opportunity(w, p)
    opportunities.win(ctx, o.id, o.version)


def opportunity_lose(w: Any, p: dict[str, Any], ctx: Any) -> None:
    o = _rep_opportunity(w, p)
    opportunities.lose(ctx, o.id, "price too high", o.version)


def visit_log(w: Any, p: dict[str, Any], ctx: Any) -> None:
    activities.log_visit(
        ctx,
        {
            "date": "2026-03-16",
            "customer_id": _rep_customer(w, p).id,
            "purpose": "order",
            "result": "订货 20 台",
        },
    )


def visit_update(w: Any, p: dict[str, Any], ctx: Any) -> None:
    a = _rep_visit(w, p)
    activities.update_visit(ctx, a.id, {"result": "signed"}, a.version)


def user_add(w: Any, p: dict[str, Any], ctx: Any) -> None:
    users.add_user(
        ctx,
        {
            "login": uniq("new"),
            "display_name": "New Rep",
            "roles": [REP],
            "region_id": w.region_id("north_east"),
        },
    )


def user_set_role(w: Any, p: dict[str, Any], ctx: Any) -> None:
    users.set_roles(ctx, _north_east_user(w), [MGR])


def user_update(w: Any, p: dict[str, Any], ctx: Any) -> None:
    users.update_user(ctx, _north_east_user(w), {"display_name": "Renamed"})


def user_deactivate(w: Any, p: dict[str, Any], ctx: Any) -> None:
    users.deactivate(ctx, _north_east_user(w))


def product_add(w: Any, p: dict[str, Any], ctx: Any) -> None:
    masterdata.add_product(ctx, {"code": uniq("PX"), "name": "Valve", "list_price": "9.90"})


def product_update(w: Any, p: dict[str, Any], ctx: Any) -> None:
    product = w.product()
    masterdata.update_product(ctx, product.id, {"list_price": "12.00"}, product.version)


def region_add(w: Any, p: dict[str, Any], ctx: Any) -> None:
    masterdata.add_region(ctx, {"code": uniq("R"), "name": "West", "parent_id": w.region_id("hq")})


def channel_add(w: Any, p: dict[str, Any], ctx: Any) -> None:
    masterdata.add_channel(ctx, {"code": uniq("CH"), "name": "Distributor", "kind": "distributor"})


def target_set(w: Any, p: dict[str, Any], ctx: Any) -> None:
    masterdata.set_target(
        ctx, {"month": "2026-04-01", "dimension": "rep", "key_id": next(_serial), "amount": "10000"}
    )


def setting_set(w: Any, p: dict[str, Any], ctx: Any) -> None:
    company.set_setting(ctx, "company.name", uniq("ACME "))


def plugin_switch(w: Any, p: dict[str, Any], ctx: Any) -> None:
    company.set_plugin_enabled(ctx, sorted(ctx.plugins.info)[0], True)


def profile_set(w: Any, p: dict[str, Any], ctx: Any) -> None:
    company.set_profile(ctx, None)


EDITORS = {GA, RA, BO, REP, MGR}
DEAL_MAKERS = {GA, REP, MGR}
ALLOWED: dict[Callable[..., None], set[str]] = {
    customer_create: EDITORS,
    customer_update: EDITORS,
    customer_assign: {GA, RA, BO, MGR},
    customer_to_pool: {GA, RA, BO, MGR},
    customer_credit: {GA, FIN},
    contact_add: EDITORS,
    contact_update: EDITORS,
    opportunity_create: DEAL_MAKERS,
    opportunity_update: DEAL_MAKERS,
    opportunity_move: DEAL_MAKERS,
    opportunity_win: DEAL_MAKERS,
    opportunity_lose: DEAL_MAKERS,
    visit_log: DEAL_MAKERS,
    visit_update: DEAL_MAKERS,
    user_add: {GA, RA},
    user_set_role: {GA, RA},
    user_update: {GA, RA},
    user_deactivate: {GA, RA},
    product_add: {GA, BO},
    product_update: {GA, BO},
    region_add: {GA, BO},
    channel_add: {GA, BO},
    target_set: {GA, MGR},
    setting_set: {GA},
    plugin_switch: {GA},
    profile_set: {GA},
}
CASES = [
    pytest.param(action, role, role in allowed, id=f"{action.__name__}-{role}")
    for action, allowed in ALLOWED.items()
    for role in ROLES
]


def audit_count(w: Any, login: str | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(AuditEntry)
    if login is not None:
        query = query.where(AuditEntry.actor_login == login)
    with w.runtime.db.read_session() as session:
        return session.scalar(query)


@pytest.mark.parametrize(("action", "role", "allowed"), CASES)
def test_action_by_role(
    module_world: Any, people: dict[str, Any], action: Any, role: str, allowed: bool
) -> None:
    ctx = people[role]
    before_all = audit_count(module_world)
    before_mine = audit_count(module_world, ctx.actor.login)
    if allowed:
        action(module_world, people, ctx)
        assert audit_count(module_world, ctx.actor.login) > before_mine, "no audit entry"
    else:
        with pytest.raises(PermissionDenied):
            action(module_world, people, ctx)
        assert audit_count(module_world) == before_all, "a refused write left an audit entry"


def test_every_core_role_is_in_the_table(module_world: Any) -> None:
    registered = {name for name in module_world.runtime.plugins.roles.roles}
    assert set(ROLES) <= registered
    core_services = {
        customers.create_customer,
        customers.update_customer,
        customers.assign_customer,
        customers.add_contact,
        customers.update_contact,
        opportunities.create_opportunity,
        opportunities.update_opportunity,
        opportunities.move_stage,
        opportunities.win,
        opportunities.lose,
        activities.log_visit,
        activities.update_visit,
        users.add_user,
        users.set_roles,
        users.update_user,
        users.deactivate,
        masterdata.add_product,
        masterdata.update_product,
        masterdata.add_region,
        masterdata.add_channel,
        masterdata.set_target,
        company.set_setting,
        company.set_plugin_enabled,
        company.set_profile,
    }
    assert len(ALLOWED) >= len(core_services)


# -- record rules ------------------------------------------------------------------------


@pytest.fixture
def org(world: Any) -> dict[str, Any]:
    """A small organisation with one customer per owner and one in the pool."""
    w = world
    w.region("hq")
    w.region("north", parent="hq")
    w.region("north_east", parent="north")
    w.region("south", parent="hq")
    mgr = w.user("mgr", MGR, region="north")
    o = {
        "mgr": mgr,
        "ra": w.user("ra", RA, region="north"),
        "rep": w.user("rep", REP, region="north_east", manager=mgr),
        "rep2": w.user("rep2", REP, region="north_east", manager=mgr),
        "srep": w.user("srep", REP, region="south"),
        "exe": w.user("exe", EXE),
    }
    o["c_rep"] = w.customer(owner=o["rep"], region="north_east", name="rep's")
    o["c_rep2"] = w.customer(owner=o["rep2"], region="north_east", name="rep2's")
    o["c_mgr"] = w.customer(owner=mgr, region="north", name="mgr's")
    o["c_south"] = w.customer(owner=o["srep"], region="south", name="south's")
    o["c_pool"] = w.customer(owner=None, region="south", name="pool")
    return o


def visible_names(ctx: Any, model: type = Customer, column: Any = Customer.name) -> set[str]:
    with ctx.reading() as session:
        return set(session.scalars(sa.select(column).where(visible(ctx, model))))


def test_rep_sees_own_customers_and_pool(org: dict[str, Any]) -> None:
    rep = org["rep"]
    assert visible_names(rep) == {"rep's", "pool"}
    with pytest.raises(NotFound):
        customers.get_customer(rep, org["c_rep2"].id)
    c = org["c_rep2"]
    with pytest.raises(PermissionDenied):
        customers.update_customer(rep, c.id, {"name": "mine now"}, c.version)


def test_rep_may_claim_a_pool_customer_but_not_a_colleagues(org: dict[str, Any]) -> None:
    rep = org["rep"]
    claimed = customers.assign_customer(rep, org["c_pool"].id, rep.actor.id)
    assert claimed.owner_id == rep.actor.id and claimed.pool_since is None
    with pytest.raises(PermissionDenied):
        customers.assign_customer(rep, org["c_rep2"].id, rep.actor.id)


def test_manager_sees_team(org: dict[str, Any]) -> None:
    assert visible_names(org["mgr"]) == {"rep's", "rep2's", "mgr's", "pool"}
    south = org["c_south"]
    with pytest.raises(PermissionDenied):
        customers.update_customer(org["mgr"], south.id, {"name": "x"}, south.version)
    with pytest.raises(PermissionDenied):  # cannot hand a customer to someone outside the team
        customers.assign_customer(org["mgr"], org["c_rep"].id, org["srep"].actor.id)


def test_regional_admin_sees_region_subtree(org: dict[str, Any]) -> None:
    ra = org["ra"]
    assert visible_names(ra) == {"rep's", "rep2's", "mgr's", "pool"}
    assert visible_names(ra, User, User.login) == {"mgr", "ra", "rep", "rep2"}
    south = org["c_south"]
    with pytest.raises(PermissionDenied):
        customers.update_customer(ra, south.id, {"name": "x"}, south.version)


def test_executive_reads_everything(org: dict[str, Any]) -> None:
    assert visible_names(org["exe"]) == {"rep's", "rep2's", "mgr's", "south's", "pool"}
    assert org["exe"].grant.read_only


def test_opportunities_activities_and_sales_lines_follow_the_owner(
    world: Any, org: dict[str, Any]
) -> None:
    rep, rep2, mgr = org["rep"], org["rep2"], org["mgr"]
    mine = world.opportunity(org["c_rep"], owner=rep, title="mine")
    world.opportunity(org["c_rep2"], owner=rep2, title="colleague's")
    world.opportunity(org["c_south"], owner=org["srep"], title="south")
    world.opportunity(org["c_pool"], owner=None, title="unowned")
    assert visible_names(rep, Opportunity, Opportunity.title) == {"mine", "unowned"}
    assert visible_names(mgr, Opportunity, Opportunity.title) == {"mine", "colleague's", "unowned"}
    with pytest.raises(NotFound):
        opportunities.get_opportunity(org["srep"], mine.id)

    day = dt.date(2026, 3, 16)
    for ctx in (rep, rep2, org["srep"]):
        world.insert(Activity(date=day, rep_id=ctx.actor.id, result=ctx.actor.login))
    assert {a.result for a in activities.visits_on(rep, day)} == {"rep"}
    assert {a.result for a in activities.visits_on(mgr, day)} == {"rep", "rep2"}
    with pytest.raises(PermissionDenied):  # a rep may not log a visit for a colleague
        activities.log_visit(rep, {"date": day, "rep_id": rep2.actor.id})
    activities.log_visit(mgr, {"date": day, "rep_id": rep2.actor.id, "result": "by mgr"})

    product = world.product()
    for ctx, customer in ((rep, org["c_rep"]), (org["srep"], org["c_south"])):
        world.insert(
            SalesLine(
                date=day,
                customer_id=customer.id,
                product_id=product.id,
                rep_id=ctx.actor.id,
                amount=Decimal("10"),
            )
        )
    assert visible_names(rep, SalesLine, SalesLine.rep_id) == {rep.actor.id}
    assert len(visible_names(org["exe"], SalesLine, SalesLine.rep_id)) == 2


# -- user administration: regional admins stay in their region and cannot escalate -------


def test_regional_admin_limited_to_own_region(world: Any, org: dict[str, Any]) -> None:
    ra = org["ra"]
    south_id, north_east_id = world.region_id("south"), world.region_id("north_east")
    with pytest.raises(PermissionDenied):
        users.add_user(
            ra, {"login": "s1", "display_name": "S", "roles": [REP], "region_id": south_id}
        )
    with pytest.raises(PermissionDenied):
        users.add_user(ra, {"login": "s2", "display_name": "S", "roles": [REP]})
    with pytest.raises(PermissionDenied):
        users.deactivate(ra, "srep")
    with pytest.raises(PermissionDenied):
        users.set_roles(ra, "srep", [MGR])
    with pytest.raises(PermissionDenied):  # moving a user out of the region
        users.update_user(ra, "rep", {"region_id": south_id})
    users.add_user(
        ra, {"login": "n1", "display_name": "N", "roles": [REP], "region_id": north_east_id}
    )
    users.update_user(ra, "n1", {"display_name": "North One"})


@pytest.mark.parametrize("roles", [[GA], [RA], [REP, GA]])
def test_regional_admin_cannot_escalate(world: Any, org: dict[str, Any], roles: list[str]) -> None:
    ra, region = org["ra"], world.region_id("north_east")
    with pytest.raises(PermissionDenied):
        users.add_user(ra, {"login": "x", "display_name": "X", "roles": roles, "region_id": region})
    with pytest.raises(PermissionDenied):
        users.set_roles(ra, "rep", roles)


@pytest.mark.parametrize("roles", [[FIN], [BO], [EXE], [REP, FIN], ["sales_planner"]])
def test_regional_admin_grants_nothing_wider_than_the_region(
    world: Any, org: dict[str, Any], roles: list[str]
) -> None:
    """Issue #16.8: a company-wide role would let the new user read every region (as
    ``multi_year`` did), so a regional admin may not create or grant one."""
    ra, region = org["ra"], world.region_id("north_east")
    with pytest.raises(PermissionDenied, match="limited to their own region"):
        users.add_user(
            ra, {"login": uniq("wide"), "display_name": "W", "roles": roles, "region_id": region}
        )
    with pytest.raises(PermissionDenied, match="limited to their own region"):
        users.set_roles(ra, "rep", roles)
    assert users.find_user(ra, "rep").roles == [REP]
    made = users.add_user(
        ra, {"login": uniq("ok"), "display_name": "OK", "roles": [REP, MGR], "region_id": region}
    )
    assert made.roles == [REP, MGR]
    users.set_roles(ra, made.login, [MGR])
    users.set_roles(world.admin, made.login, [FIN])  # the group admin still may
    with pytest.raises(PermissionDenied):  # and the regional admin may not take it back
        users.set_roles(ra, made.login, [REP])


def test_regional_admin_cannot_touch_a_fellow_admin(world: Any, org: dict[str, Any]) -> None:
    ra = org["ra"]
    world.user("ra2", RA, region="north_east")
    with pytest.raises(PermissionDenied):
        users.deactivate(ra, "ra2")
    with pytest.raises(PermissionDenied):  # demoting a peer admin is as bad as promoting
        users.set_roles(ra, "ra2", [REP])


def test_admin_cannot_deactivate_self(admin_ctx: Any) -> None:
    with pytest.raises(PermissionDenied):
        users.deactivate(admin_ctx, "admin")


# -- deactivated users -------------------------------------------------------------------


def test_deactivated_user_cannot_act(world: Any, org: dict[str, Any]) -> None:
    rep = org["rep"]  # a context opened before the deactivation (a running session)
    users.deactivate(world.admin, "rep")
    with pytest.raises(PermissionDenied, match="deactivated"):
        customers.create_customer(rep, {"name": "After hours Ltd"})
    with pytest.raises(UnknownUser):
        world.runtime.context_for("rep")
    inactive = world.user("gone", REP, active=False)
    with pytest.raises(PermissionDenied):
        customers.create_customer(inactive, {"name": "Never Ltd"})


def test_role_change_applies_to_a_running_session(world: Any, org: dict[str, Any]) -> None:
    mgr = org["mgr"]
    c = org["c_rep"]
    customers.assign_customer(mgr, c.id, org["rep2"].actor.id)  # grant computed: manager
    users.set_roles(world.admin, "mgr", [REP])
    c2 = org["c_rep2"]
    with pytest.raises(PermissionDenied):
        customers.assign_customer(mgr, c2.id, org["rep"].actor.id)


def test_regional_admin_places_customers_only_in_own_region(
    world: Any, org: dict[str, Any]
) -> None:
    """A regional admin cannot create or move a customer outside their region subtree."""
    ra = org["ra"]
    south_id, north_east_id = world.region_id("south"), world.region_id("north_east")
    with pytest.raises(PermissionDenied):
        customers.create_customer(ra, {"name": "Far away", "region_id": south_id})
    with pytest.raises(PermissionDenied):
        customers.create_customer(ra, {"name": "No region"})
    made = customers.create_customer(ra, {"name": "Near", "region_id": north_east_id})
    with pytest.raises(PermissionDenied):
        customers.update_customer(ra, made.id, {"region_id": south_id}, made.version)
