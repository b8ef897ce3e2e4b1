"""Imports of regions (with parent), channels, users and product VAT rates (#17.3).

Same contract as every import: all or nothing, every bad row listed with its column and
value, one batch audit entry. Runs on SQLite and PostgreSQL (the ``world`` fixture).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.errors import PermissionDenied, ValidationFailed
from core.models import AuditEntry, Channel, Customer, ImportBatch, Product, Region, User
from core.services.importing import import_file
from core.services.organisation import set_company


def write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def counts(world: Any) -> dict[str, int]:
    with world.runtime.db.read_session() as session:
        return {
            m.__name__: session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Region, Channel, User, Product, ImportBatch, AuditEntry)
        }


def problems_of(ctx: Any, kind: str, path: Path) -> set[tuple[int | None, str, object]]:
    with pytest.raises(ValidationFailed) as info:
        import_file(ctx, kind, path)
    found = {(p.row, p.field, p.value) for p in info.value.problems}
    rows = len({row for row, _, _ in found})
    assert f"{len(found)} problem(s) in {rows} row(s); nothing was imported" in str(info.value)
    return found


def test_regions_with_parents_in_any_order(world: Any, tmp_path: Path) -> None:
    world.region("GRP")
    path = write(
        tmp_path,
        "code,name,parent_code,kind\n"
        "SH,上海办事处,EAST,office\n"  # its parent comes two rows later
        "WEST,West,GRP,\n"
        "EAST,East,GRP,region\n",
    )
    result = import_file(world.admin, "regions", path)
    assert result.rows == 3 and result.batch_id is not None
    with world.runtime.db.read_session() as session:
        tree = {r.code: (r.parent_id, r.kind) for r in session.scalars(sa.select(Region))}
        batch_audits = session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "import_batch")
        )
    ids = {code: rid for code, rid in ((c, world.region_id(c)) for c in tree)}
    assert tree["SH"] == (ids["EAST"], "office")
    assert tree["EAST"] == (ids["GRP"], "region")
    assert batch_audits == 1


def test_bad_region_file_lists_every_row_and_writes_nothing(world: Any, tmp_path: Path) -> None:
    world.region("GRP")
    world.region("OLD")
    before = counts(world)
    path = write(
        tmp_path,
        "code,name,parent_code,kind\n"
        "A,A,B,\n"  # A and B are each other's parent: a loop
        "B,B,A,\n"
        "C,C,NOWHERE,\n"
        "OLD,Again,GRP,\n"
        "D,,GRP,planet\n"
        "E,E,GRP,office\n",
    )
    found = problems_of(world.admin, "regions", path)
    assert found == {
        (2, "parent_code", "B"),
        (3, "parent_code", "A"),
        (4, "parent_code", "NOWHERE"),
        (5, "code", "OLD"),
        (6, "name", ""),
        (6, "kind", "planet"),
    }
    assert counts(world) == before


def test_channels_import(world: Any, tmp_path: Path) -> None:
    world.region("EAST")
    path = write(
        tmp_path,
        "code,name,kind,region_code,active\n"
        "D1,华东经销商,distributor,EAST,\nOL,Online,online,,no\n",
    )
    assert import_file(world.admin, "channels", path).rows == 2
    with world.runtime.db.read_session() as session:
        rows = {c.code: (c.region_id, c.active) for c in session.scalars(sa.select(Channel))}
    assert rows == {"D1": (world.region_id("EAST"), True), "OL": (None, False)}
    before = counts(world)
    bad = write(tmp_path, "code,name,region_code\nD2,X,NOPE\nD1,Y,\n", "bad.csv")
    assert problems_of(world.admin, "channels", bad) == {
        (2, "region_code", "NOPE"),
        (3, "code", "D1"),
    }
    assert counts(world) == before


def test_users_import_with_managers_in_the_file(world: Any, tmp_path: Path) -> None:
    world.region("EAST")
    path = write(
        tmp_path,
        "login,display_name,roles,region_code,manager_login,email\n"
        "wang,Wang Fang,sales_rep,EAST,li,wang@example.com\n"
        "li,Li Lei,sales_manager;sales_rep,EAST,admin,\n",
    )
    assert import_file(world.admin, "users", path).rows == 2
    with world.runtime.db.read_session() as session:
        users = {u.login: u for u in session.scalars(sa.select(User))}
    assert users["wang"].manager_id == users["li"].id
    assert users["li"].manager_id == users["admin"].id
    assert users["li"].roles == ["sales_manager", "sales_rep"]


def test_bad_users_file_lists_every_row(world: Any, tmp_path: Path) -> None:
    before = counts(world)
    path = write(
        tmp_path,
        "login,display_name,roles,region_code,manager_login,email\n"
        "a,A,sales_rep,,b,\n"
        "b,B,sales_rep,,a,\n"  # a and b manage each other
        "admin,Again,sales_rep,,,\n"
        "c,C,wizard,,,\n"
        "d d,D,sales_rep,,,not-an-address\n"
        "e,E,sales_rep,NOPE,ghost,\n",
    )
    found = problems_of(world.admin, "users", path)
    assert found == {
        (2, "manager_login", "b"),
        (3, "manager_login", "a"),
        (4, "login", "admin"),
        (5, "roles", "wizard"),
        (6, "login", "d d"),
        (6, "email", "not-an-address"),
        (7, "region_code", "NOPE"),
        (7, "manager_login", "ghost"),
    }
    assert counts(world) == before


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        ("business_operator", "users"),
        ("regional_admin", "regions"),
        ("regional_admin", "users"),
        ("sales_rep", "channels"),
        ("finance", "regions"),
    ],
)
def test_org_imports_need_the_admin_rights(
    world: Any, tmp_path: Path, role: str, kind: str
) -> None:
    ctx = world.user("someone", role, region="EAST")
    header = "login,display_name,roles\nx,X,sales_rep\n" if kind == "users" else "code,name\nX1,X\n"
    before = counts(world)
    with pytest.raises(PermissionDenied):
        import_file(ctx, kind, write(tmp_path, header))
    assert counts(world) == before


def test_products_import_vat_rate_defaults_to_the_company(world: Any, tmp_path: Path) -> None:
    set_company(world.admin, {"vat_rate": "0.09"})
    path = write(
        tmp_path, "code,name,list_price,vat_rate\nP1,Valve,10,\nP2,Book,5,13%\nP3,Service,1,0.06\n"
    )
    assert import_file(world.admin, "products", path).rows == 3
    with world.runtime.db.read_session() as session:
        rates = dict(session.execute(sa.select(Product.code, Product.vat_rate)).all())
    assert rates == {"P1": Decimal("0.09"), "P2": Decimal("0.13"), "P3": Decimal("0.06")}
    bad = write(tmp_path, "code,name,vat_rate\nP4,X,1.5\nP5,Y,abc\n", "bad.csv")
    assert problems_of(world.admin, "products", bad) == {
        (2, "vat_rate", "1.5"),
        (3, "vat_rate", "abc"),
    }


def test_customers_import_invoicing_fields_with_credit_code_check(
    world: Any, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "编码,名称,统一社会信用代码,开票抬头,开户行,银行账号\n"
        "C1,福州精密,91350100m000100y43,福州精密机械有限公司,工行福州分行,1402020009\n",
    )
    assert import_file(world.admin, "customers", path).rows == 1
    with world.runtime.db.read_session() as session:
        row = session.scalars(sa.select(Customer)).one()
    assert (row.credit_code, row.invoice_title, row.bank_account) == (
        "91350100M000100Y43",
        "福州精密机械有限公司",
        "1402020009",
    )
    before = counts(world)
    bad = write(tmp_path, "code,name,credit_code\nC2,X,91350100M000100Y44\nC3,Y,\n", "bad.csv")
    assert problems_of(world.admin, "customers", bad) == {(2, "credit_code", "91350100M000100Y44")}
    assert counts(world) == before
