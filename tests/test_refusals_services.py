"""The core services' refusals read in the reader's language and in business words: the
actor is "you" (您), other people go by their names, a record by its kind, a file by its
name and row; never a login, a model's class, a table, a column or a database id."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from refusal_helpers import refused

from core.errors import NotFound, PermissionDenied, SalesdeskError
from core.services import activities, customers, keys, numbering, opportunities, sessions, users
from core.services.base import write
from core.services.bootstrap import create_first_admin
from core.services.import_files import UnreadableFile
from core.services.importing import (
    AlreadyImported,
    ImportCancelled,
    delete_sales_batch,
    import_file,
)

MISSING_ID = 987654  # no record has it; a refusal must not show it either


def test_user_administration_refusals_say_you(world: Any, chinese: None) -> None:
    regional = world.user("sun", "regional_admin", region="EAST")
    rep = world.user("rep1", "sales_rep", region="EAST")
    far = world.user("far", "sales_rep", region="WEST")
    said = [
        refused(PermissionDenied, users.deactivate, regional, "far"),
        refused(PermissionDenied, users.set_roles, regional, "rep1", ["finance"]),
        refused(PermissionDenied, sessions.list_open, rep),
        refused(PermissionDenied, keys.list_keys, rep, "far"),
        refused(PermissionDenied, activities.reporter, rep, far.actor.id),
    ]
    assert said == [
        "您只能管理本区域的用户。",
        "您无权授予财务：区域管理员只能授予限于本区域的角色；请联系集团管理员。",
        "您无权查看或结束他人的会话。",
        "您只能查看自己的密钥。",
        "您只能为自己的团队填写日报。",
    ]
    assert refused(NotFound, keys.list_keys, world.admin, "nobody") == (
        "没有以 nobody 登录的用户，请检查拼写。"  # the login the administrator typed
    )


def test_a_missing_record_is_named_by_its_kind_not_its_id(world: Any, chinese: None) -> None:
    rep = world.user("rep1", "sales_rep", region="EAST")
    said = [
        refused(NotFound, activities.delete_visit, rep, MISSING_ID),
        refused(NotFound, customers.get_customer, rep, MISSING_ID),
        refused(NotFound, opportunities.get_opportunity, rep, MISSING_ID),
    ]
    assert said == [
        "该拜访不存在（可能已被他人删除）；请刷新后重试。",
        "该客户不存在，或您无权查看。",
        "该商机不存在，或您无权查看。",
    ]


def test_a_deactivated_account_is_told_so_without_its_login(world: Any, chinese: None) -> None:
    rep = world.user("rep1", "sales_rep", region="EAST")  # opened before the deactivation
    users.deactivate(world.admin, "rep1")
    said = refused(PermissionDenied, customers.create_customer, rep, {"name": "迟到有限公司"})
    assert said == "您的账号已停用，请联系管理员。"


def test_a_second_first_admin_is_told_to_ask_in_chinese(world: Any, chinese: None) -> None:
    said = refused(SalesdeskError, create_first_admin, world.runtime, "late", "Late")
    assert said == "此数据库已有用户；请集团管理员添加您（salesdesk users add late ...）。"


def test_import_refusals_name_the_file_and_row_not_the_importer(
    world: Any, chinese: None, tmp_path: Path
) -> None:
    world.region("R1")
    world.user("rep2", "sales_rep", region="R1")
    clerk = world.user("clerk", ["sales_rep", "finance"], region="R1")  # may not assign
    operator = world.user("op", "business_operator")  # may not set credit
    owners = tmp_path / "客户.csv"
    owners.write_text("code,name,region_code,owner_login\nC1,甲,R1,rep2\n", encoding="utf-8")
    credit = tmp_path / "信用.csv"
    credit.write_text("code,name,credit_limit\nC2,乙,5000\n", encoding="utf-8")
    said = [
        refused(PermissionDenied, import_file, clerk, "customers", owners),
        refused(PermissionDenied, import_file, operator, "customers", credit),
    ]
    assert said == [
        "客户.csv 第 2 行：您无权把客户分配给他人（文件中的 'owner_login' 列）；"
        "请让您的经理导入此文件。",
        "信用.csv 第 2 行：您无权设置客户的信用等级或信用额度（文件中的 'credit_limit' 列）；"
        "请让您的经理导入此文件。",
    ]
    assert not any("clerk" in s or "op " in s for s in said)


def test_a_file_imported_twice_names_who_imported_it(
    world: Any, chinese: None, tmp_path: Path
) -> None:
    operator = world.user("op", "business_operator")
    users.update_user(world.admin, "op", {"display_name": "钱立"})
    products = tmp_path / "产品.csv"
    products.write_text("code,name,unit,list_price\nP9,螺丝,个,1.50\n", encoding="utf-8")
    first = import_file(operator, "products", products)
    said = refused(AlreadyImported, import_file, operator, "products", products)
    assert said.startswith("产品.csv 已由钱立于 2026-")
    assert f"导入为批次 {first.batch_id}（“产品.csv”，1 行）；再次导入会重复计算" in said


def test_unreadable_files_and_unknown_kinds_read_in_chinese(
    world: Any, chinese: None, tmp_path: Path
) -> None:
    operator = world.user("op", "business_operator")
    empty = tmp_path / "空.csv"
    empty.write_text("\n\n", encoding="utf-8")
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"not a workbook at all")
    assert refused(UnreadableFile, import_file, operator, "customers", empty) == (
        "空.csv 是空的：第一行应为列标题。"
    )
    assert refused(UnreadableFile, import_file, operator, "customers", broken).startswith(
        "无法将 坏.xlsx 作为电子表格读取："
    )
    assert refused(SalesdeskError, import_file, operator, "planets", empty).startswith(
        "无法导入“planets”：请从以下选择：customers、products、sales-lines、"
    )
    cancel = threading.Event()
    cancel.set()
    products = tmp_path / "产品.csv"
    products.write_text("code,name,unit,list_price\nP9,螺丝,个,1.50\n", encoding="utf-8")
    assert refused(ImportCancelled, import_file, operator, "products", products, cancel=cancel) == (
        "产品.csv 的导入已取消；未写入任何数据。"
    )
    assert refused(SalesdeskError, delete_sales_batch, operator, 999) == (
        "没有编号为 999 的销售明细导入批次。"  # the batch number the user typed
    )


def issue(ctx: Any, series: str, office: str = "", **kw: Any) -> str:
    day = dt.date(2026, 3, 5)
    return write(ctx, lambda uow: numbering.next_number(uow, series, office=office, on=day, **kw))


def test_numbering_refusals_name_the_series_as_people_call_it(world: Any, chinese: None) -> None:
    ht = numbering.NumberingRule(prefix="HT", width=5)
    issue(world.admin, "contract", default=ht)
    assert refused(
        numbering.PrefixTaken, issue, world.admin, "real_estate.contract", "", default=ht
    ) == (
        "房产销售合同编号将以“HT”开头，而合同编号已在使用该前缀；"
        "请管理员为房产销售合同另设前缀（管理，编号规则与办事处号段）。"
    )
    numbering.set_rule(
        world.admin, "contract", {"prefix": "HT", "width": 3, "offices": {"A": 1, "B": 3}}
    )
    issue(world.admin, "contract", "A")
    issue(world.admin, "contract", "A")
    assert refused(numbering.NumberRangeExhausted, issue, world.admin, "contract", "A") == (
        "办事处 A 2026 年的合同编号已全部用完（001-002）；"
        "请管理员扩大其号段（管理，编号规则与办事处号段）。"
    )


def test_a_fields_own_check_reads_in_chinese_with_the_value_typed(
    world: Any, chinese: None
) -> None:
    """A field validator's refusal (the credit rating, a next visit before the visit) was
    a ValueError in English: shown at its field with what was typed, in the reader's words."""
    from core.errors import ValidationFailed

    world.region("EAST")
    rep = world.user("rep1", "sales_rep", region="EAST")
    manager = world.user("boss", "sales_manager", region="EAST")
    customer = world.customer(rep, "EAST")
    change = {"credit_rating": "Z"}
    rating = refused(
        ValidationFailed, customers.update_customer, manager, customer.id, change, None
    )
    assert "信用等级：填的是 'Z'，应为 以下之一：AAA, AA, A" in rating, rating
    visit = {"date": "2026-03-16", "next_visit": "2026-03-10", "customer_id": customer.id}
    said = refused(ValidationFailed, activities.log_visit, rep, visit)
    assert "不早于拜访日期（2026-03-16）的日期" in said and "visit date" not in said, said
