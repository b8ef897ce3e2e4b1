"""The organisation (#17): region tree, channels, company settings, products, credit codes.

Every admin action is run by every core role: the allowed ones leave an audit entry, the
refused ones raise PermissionDenied and leave none. Regions and channels in use are
deactivated, never deleted; a region never moves under itself; reports group past sales
by today's tree and say so in their caption.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from core.errors import PermissionDenied, ValidationFailed
from core.i18n import set_lang
from core.invoicing import credit_code_check, is_credit_code
from core.models import AuditEntry, Channel, Customer, Product, Region
from core.reports import run_report
from core.services import customers, masterdata, numbering, organisation
from core.services.importing import import_file
from tui.cli import cli

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
    """hq > north > north_east, hq > south; the regional admin runs north."""
    w = module_world
    w.region("hq")
    w.region("north", parent="hq")
    w.region("north_east", parent="north")
    w.region("south", parent="hq")
    return {
        GA: w.admin,
        RA: w.user("ra", RA, region="north"),
        BO: w.user("bo", BO, region="hq"),
        MGR: w.user("mgr", MGR, region="north"),
        REP: w.user("rep", REP, region="north_east"),
        FIN: w.user("fin", FIN, region="hq"),
        EXE: w.user("exe", EXE, region="hq"),
    }


def _fresh(w: Any, parent: str) -> Region:
    return w.region(uniq("r"), parent=parent)


def _channel(w: Any, region: str | None) -> Channel:
    return w.insert(Channel(code=uniq("ch"), name="Dealer", region_id=w.region_id(region)))


# -- the actions: each makes its own target, then acts as ``ctx`` ------------------------


def region_add_in_own(w: Any, ctx: Any) -> None:
    organisation.add_region(
        ctx,
        {
            "code": uniq("R"),
            "name": "Harbin office",
            "kind": "office",
            "parent_id": w.region_id("north_east"),
        },
    )


def region_add_elsewhere(w: Any, ctx: Any) -> None:
    organisation.add_region(
        ctx, {"code": uniq("R"), "name": "Canton", "parent_id": w.region_id("south")}
    )


def region_add_top(w: Any, ctx: Any) -> None:
    organisation.add_region(ctx, {"code": uniq("R"), "name": "Second group", "kind": "group"})


def region_rename(w: Any, ctx: Any) -> None:
    organisation.rename_region(ctx, _fresh(w, "north").id, "Renamed office")


def region_move_within(w: Any, ctx: Any) -> None:
    organisation.move_region(ctx, _fresh(w, "north").id, w.region_id("north_east"))


def region_move_out(w: Any, ctx: Any) -> None:
    organisation.move_region(ctx, _fresh(w, "north").id, w.region_id("south"))


def region_deactivate(w: Any, ctx: Any) -> None:
    organisation.set_region_active(ctx, _fresh(w, "north_east").id, False)


def region_deactivate_elsewhere(w: Any, ctx: Any) -> None:
    organisation.set_region_active(ctx, _fresh(w, "south").id, False)


def channel_add_in_own(w: Any, ctx: Any) -> None:
    organisation.add_channel(
        ctx,
        {
            "code": uniq("CH"),
            "name": "Harbin dealer",
            "kind": "distributor",
            "region_id": w.region_id("north"),
        },
    )


def channel_add_company_wide(w: Any, ctx: Any) -> None:
    organisation.add_channel(ctx, {"code": uniq("CH"), "name": "Online shop", "kind": "online"})


def channel_rename(w: Any, ctx: Any) -> None:
    organisation.update_channel(ctx, _channel(w, "north_east").id, {"name": "New name"})


def channel_deactivate(w: Any, ctx: Any) -> None:
    organisation.update_channel(
        ctx, _channel(w, "north_east").id, {"active": False}, action="deactivate"
    )


def channel_move_out(w: Any, ctx: Any) -> None:
    organisation.update_channel(
        ctx, _channel(w, "north_east").id, {"region_id": w.region_id("south")}
    )


def company_set(w: Any, ctx: Any) -> None:
    organisation.set_company(ctx, {"name": uniq("ACME "), "fiscal_year_start": 4})


def numbering_set(w: Any, ctx: Any) -> None:
    numbering.set_rule(ctx, uniq("Q"), {"prefix": "FQ", "offices": {"SH": 1, "BJ": 20001}})


def product_deactivate(w: Any, ctx: Any) -> None:
    masterdata.set_product_active(ctx, w.product().id, False)


def product_vat(w: Any, ctx: Any) -> None:
    product = w.product()
    masterdata.update_product(ctx, product.id, {"vat_rate": "0.09"}, product.version)


TREE_ADMINS = {GA, BO}
ALLOWED: dict[Callable[..., None], set[str]] = {
    region_add_in_own: TREE_ADMINS | {RA},
    region_add_elsewhere: TREE_ADMINS,
    region_add_top: TREE_ADMINS,
    region_rename: TREE_ADMINS | {RA},
    region_move_within: TREE_ADMINS | {RA},
    region_move_out: TREE_ADMINS,
    region_deactivate: TREE_ADMINS | {RA},
    region_deactivate_elsewhere: TREE_ADMINS,
    channel_add_in_own: TREE_ADMINS | {RA},
    channel_add_company_wide: TREE_ADMINS,
    channel_rename: TREE_ADMINS | {RA},
    channel_deactivate: TREE_ADMINS | {RA},
    channel_move_out: TREE_ADMINS,
    company_set: {GA},
    numbering_set: {GA},
    product_deactivate: {GA, BO},
    product_vat: {GA, BO},
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
def test_admin_action_by_role(
    module_world: Any, people: dict[str, Any], action: Any, role: str, allowed: bool
) -> None:
    ctx = people[role]
    before_all = audit_count(module_world)
    before_mine = audit_count(module_world, ctx.actor.login)
    if allowed:
        action(module_world, ctx)
        assert audit_count(module_world, ctx.actor.login) > before_mine, "no audit entry"
    else:
        with pytest.raises(PermissionDenied):
            action(module_world, ctx)
        assert audit_count(module_world) == before_all, "a refused write left an audit entry"


# -- the tree ----------------------------------------------------------------------------


@pytest.fixture
def tree(world: Any) -> dict[str, Any]:
    """grp > east > sh (office), grp > west; a regional admin runs east."""
    w = world
    ids = {
        code: w.region(code, parent=parent).id
        for code, parent in (("grp", None), ("east", "grp"), ("sh", "east"), ("west", "grp"))
    }
    return {"ids": ids, "ra": w.user("ra_east", RA, region="east")}


def test_a_region_never_moves_under_itself_or_below_itself(world: Any, tree: dict) -> None:
    ids = tree["ids"]
    for new_parent in ("grp", "east", "sh"):  # itself and its descendants
        with pytest.raises(ValidationFailed) as refused:
            organisation.move_region(world.admin, ids["grp"], ids[new_parent])
        assert "not grp itself nor below it" in str(refused.value)
    with pytest.raises(ValidationFailed):
        organisation.move_region(world.admin, ids["east"], ids["sh"])
    with world.runtime.db.read_session() as session:
        assert session.get(Region, ids["east"]).parent_id == ids["grp"]


def test_moving_a_region_is_audited_and_takes_its_subtree(world: Any, tree: dict) -> None:
    ids = tree["ids"]
    moved = organisation.move_region(world.admin, ids["east"], ids["west"])
    assert moved.parent_id == ids["west"]
    nodes = {n.region.code: n.depth for n in organisation.list_regions(world.admin)}
    assert nodes == {"grp": 0, "west": 1, "east": 2, "sh": 3}
    with world.runtime.db.read_session() as session:
        entry = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.entity == "region", AuditEntry.action == "move")
        ).one()
    assert (entry.old_value, entry.new_value) == (str(ids["grp"]), str(ids["west"]))


def test_regional_admin_cannot_move_or_deactivate_their_own_region(world: Any, tree: dict) -> None:
    ids, ra = tree["ids"], tree["ra"]
    with pytest.raises(PermissionDenied, match="below"):
        organisation.move_region(ra, ids["east"], ids["west"])
    with pytest.raises(PermissionDenied):
        organisation.set_region_active(ra, ids["east"], False)
    with pytest.raises(PermissionDenied):
        organisation.move_region(ra, ids["sh"], ids["west"])  # out of their subtree
    # A region the regional admin adds is theirs at once (the tree is read live).
    new = organisation.add_region(ra, {"code": "hz", "name": "Hangzhou", "parent_id": ids["east"]})
    organisation.move_region(ra, new.id, ids["sh"])
    organisation.rename_region(ra, new.id, "Hangzhou branch")


def test_deactivate_instead_of_delete(world: Any, tree: dict) -> None:
    ids = tree["ids"]
    customer = world.customer(region="sh")
    with pytest.raises(ValidationFailed, match="sh"):
        organisation.set_region_active(world.admin, ids["east"], False)  # sh is active below
    organisation.set_region_active(world.admin, ids["sh"], False)
    organisation.set_region_active(world.admin, ids["east"], False)
    with world.runtime.db.read_session() as session:
        assert session.get(Region, ids["sh"]) is not None
        assert session.get(Customer, customer.id).region_id == ids["sh"]
    shown = [n.region.code for n in organisation.list_regions(world.admin)]
    assert shown == ["grp", "west"]
    every = [n.region.code for n in organisation.list_regions(world.admin, True)]
    assert every == ["grp", "east", "sh", "west"]
    for add_under in (
        lambda: organisation.add_region(
            world.admin, {"code": "x1", "name": "X", "parent_id": ids["east"]}
        ),
        lambda: organisation.move_region(world.admin, ids["west"], ids["east"]),
        lambda: organisation.add_channel(
            world.admin, {"code": "c1", "name": "C", "region_id": ids["sh"]}
        ),
    ):
        with pytest.raises(ValidationFailed, match="active region"):
            add_under()
    with pytest.raises(ValidationFailed):  # its parent is still deactivated
        organisation.set_region_active(world.admin, ids["sh"], True)
    organisation.set_region_active(world.admin, ids["east"], True)
    organisation.set_region_active(world.admin, ids["sh"], True)
    assert not hasattr(organisation, "delete_region")


def test_channel_deactivated_stays_listed_with_all(world: Any, tree: dict) -> None:
    ch = organisation.add_channel(
        world.admin,
        {
            "code": "dist",
            "name": "Distributor",
            "kind": "distributor",
            "region_id": tree["ids"]["east"],
        },
    )
    organisation.update_channel(world.admin, ch.id, {"active": False}, action="deactivate")
    assert [c.code for c in organisation.list_channels(world.admin)] == []
    assert [c.code for c in organisation.list_channels(world.admin, True)] == ["dist"]
    with world.runtime.db.read_session() as session:
        assert session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.entity == "channel", AuditEntry.field == "active")
            .order_by(AuditEntry.id)
        ).all() == ["create", "deactivate"]


def test_problems_name_business_fields(world: Any, tree: dict) -> None:
    with pytest.raises(ValidationFailed) as refused:
        organisation.add_region(world.admin, {"code": "bad code!", "name": ""})
    text = str(refused.value)
    assert "Code: got 'bad code!'" in text and "Name: got nothing" in text
    with pytest.raises(ValidationFailed) as refused:
        organisation.set_company(world.admin, {"currency": "yuan", "vat_rate": "13"})
    text = str(refused.value)
    assert "three-letter currency code" in text and "VAT rate" in text
    assert "vat_rate" not in text and "^[" not in text
    set_lang("zh_CN")
    try:
        with pytest.raises(ValidationFailed) as refused:
            organisation.set_company(world.admin, {"currency": "yuan"})
        assert "货币" in str(refused.value)
    finally:
        set_lang(None)


# -- company settings --------------------------------------------------------------------


def test_company_settings_round_trip_and_audit(world: Any) -> None:
    defaults = organisation.company_settings(world.admin)
    assert (defaults.currency, defaults.fiscal_year_start, defaults.vat_rate) == (
        "CNY",
        1,
        Decimal("0.13"),
    )
    organisation.set_company(
        world.admin,
        {"name": "华东精密锻造", "currency": "usd", "fiscal_year_start": 4, "vat_rate": "0.09"},
    )
    saved = organisation.company_settings(world.admin)
    assert (saved.name, saved.currency, saved.fiscal_year_start, saved.vat_rate) == (
        "华东精密锻造",
        "USD",
        4,
        Decimal("0.09"),
    )
    with world.runtime.db.read_session() as session:
        keys = set(
            session.scalars(
                sa.select(AuditEntry.entity_id).where(AuditEntry.entity == "company_setting")
            )
        )
    assert {
        "company.name",
        "company.currency",
        "company.fiscal_year_start",
        "company.vat_rate",
    } <= keys
    for bad in (
        {"fiscal_year_start": 13},
        {"vat_rate": "1"},
        {"vat_rate": "-0.1"},
        {"currency": "RMB1"},
        {"colour": "red"},
    ):
        with pytest.raises(ValidationFailed):
            organisation.set_company(world.admin, bad)


# -- the region-move rule in a report ----------------------------------------------------


def _sales_file(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(
        "date,customer_code,product_code,region_code,quantity,amount\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    return path


def test_reports_group_past_sales_by_todays_tree(world: Any, tree: dict, tmp_path: Path) -> None:
    """sh sold 100 in 2025 while under east; after sh moves to west, every report counts
    that sale under west (today's tree) and says so in its caption."""
    ids = tree["ids"]
    customer = world.customer(region="sh", code="CU1")
    world.product(code="P1")
    import_file(
        world.admin,
        "sales_lines",
        _sales_file(
            tmp_path,
            "s.csv",
            [
                f"2025-05-10,{customer.code},P1,sh,1,100.00",
                f"2025-06-10,{customer.code},P1,west,1,7.00",
            ],
        ),
    )

    def year_total(region: str) -> Decimal:
        result = run_report(
            world.admin, "multi_year", {"region": region, "as_of": "2025-12-31", "years": 2}
        )
        assert organisation.REGION_RULE_EN in result.caption_lines("en")
        assert organisation.REGION_RULE_ZH in result.caption_lines("zh_CN")
        return result.table("months").totals[2]

    assert (year_total("east"), year_total("west")) == (Decimal("100.00"), Decimal("7.00"))
    organisation.move_region(world.admin, ids["sh"], ids["west"])
    assert (year_total("east"), year_total("west")) == (Decimal("0.00"), Decimal("107.00"))
    assert year_total("grp") == Decimal("107.00")


# -- products ----------------------------------------------------------------------------


def test_product_has_vat_rate_and_is_deactivated_not_deleted(world: Any) -> None:
    product = masterdata.add_product(
        world.admin,
        {
            "code": "V1",
            "name": "Valve",
            "unit": "set",
            "category": "valves",
            "list_price": "1280.00",
            "vat_rate": "0.09",
        },
    )
    assert product.vat_rate == Decimal("0.09")
    with pytest.raises(ValidationFailed):
        masterdata.add_product(world.admin, {"code": "V2", "name": "X", "vat_rate": "1.3"})
    organisation.set_company(world.admin, {"vat_rate": "0.06"})
    assert masterdata.add_product(
        world.admin, {"code": "S1", "name": "Service"}
    ).vat_rate == Decimal("0.06")  # a new product takes the company's default rate
    masterdata.set_product_active(world.admin, product.id, False)
    assert [p.code for p in masterdata.list_products(world.admin)] == ["S1"]
    with world.runtime.db.read_session() as session:
        assert session.get(Product, product.id).active is False


# -- the unified social credit code ------------------------------------------------------

VALID_CODE = "91350100M000100Y43"


def test_credit_code_checksum() -> None:
    assert is_credit_code(VALID_CODE)
    assert credit_code_check(VALID_CODE[:17]) == "3"
    assert not is_credit_code(VALID_CODE[:17] + "4")  # wrong check character
    assert not is_credit_code("91350100M000100Y4")  # 17 characters
    assert not is_credit_code("91350100M00O100Y43")  # O is not used in credit codes
    swapped = VALID_CODE[:2] + VALID_CODE[3] + VALID_CODE[2] + VALID_CODE[4:]
    assert not is_credit_code(swapped)  # a transposition is caught


def test_customer_invoicing_fields(world: Any) -> None:
    customer = customers.create_customer(
        world.admin,
        {
            "name": "福州精密机械有限公司",
            "credit_code": VALID_CODE.lower(),
            "invoice_title": "福州精密机械有限公司",
            "bank_name": "中国工商银行福州分行",
            "bank_account": "1402 0200 0920 1234 567",
            "billing_address": "福州市鼓楼区 1 号",
            "billing_phone": "0591-8888 6666",
        },
    )
    assert customer.credit_code == VALID_CODE
    with pytest.raises(ValidationFailed, match="unified social credit code"):
        customers.update_customer(
            world.admin, customer.id, {"credit_code": VALID_CODE[:17] + "0"}, customer.version
        )
    with pytest.raises(ValidationFailed):
        customers.create_customer(world.admin, {"name": "X", "billing_phone": "call me"})


# -- the command line --------------------------------------------------------------------


def test_cli_admin_commands(world: Any, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli, ["--database", db_url, *args])
        assert result.exit_code == code, result.output
        return result.output

    run("regions", "add", "GRP", "--name", "Group", "--kind", "group")
    run("regions", "add", "EAST", "--name", "East", "--parent", "GRP")
    run("regions", "add", "SH", "--name", "Shanghai", "--parent", "EAST", "--kind", "office")
    run("regions", "move", "EAST", "--under", "SH", code=1)
    run("regions", "rename", "SH", "Shanghai branch")
    out = run("regions", "list")
    assert out.splitlines()[2].split()[:2] == ["SH", "Shanghai"]
    assert "salesdesk: there is no region with code 'NOPE'" in run(
        "regions", "move", "SH", "--under", "NOPE", code=1
    )
    run("channels", "add", "D1", "--name", "Dealer", "--region", "EAST")
    run("channels", "deactivate", "D1")
    assert "(deactivated)" in run("channels", "list", "--all")
    run("company", "set", "--name", "ACME", "--fiscal-year-start", "4", "--vat-rate", "0.09")
    assert "Fiscal year starts in month: 4" in run("company", "show")
    run("company", "numbering", "HT", "--prefix", "HT", "--office", "SH=1", "--office", "BJ=20001")
    run("products", "add", "P9", "--name", "Valve", "--price", "12.50")
    assert "9 %" in run("products", "list")  # the company's default VAT rate
    run("products", "deactivate", "P9")
    assert "P9" not in run("products", "list")
    monkeypatch.setattr("core.runtime.os_login", lambda: "rep9")
    world.user("rep9", REP)
    assert "may not" in run("regions", "add", "X", "--name", "X", code=1)
