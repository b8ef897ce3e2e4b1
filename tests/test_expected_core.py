"""What a field expects, as the core services refuse it, reads in the reader's language
and in business words: a funnel, a stage or a role by its title, a person by their
name, never an English phrase assembled in the code, a stage's id or a login."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import asyncssh
import pytest
from sqlalchemy.exc import IntegrityError

from core.errors import ValidationFailed
from core.services import customers, keys, numbering, opportunities, users
from core.services.base import integrity_problem, write

MISSING_ID = 987654
# English left in what a Chinese refusal expects: the code's phrases ("one of", "a field
# of", "an open stage of"), which a reverted message shows after 应为
ENGLISH = re.compile(r"\b(one of|of|expected|got|an?|no|not|at least|why)\b")


def refused(call: Any, *args: Any, **kw: Any) -> str:
    with pytest.raises(ValidationFailed) as info:
        call(*args, **kw)
    said = str(info.value)
    assert "应为 " in said and not ENGLISH.search(said.split("应为 ", 1)[1]), said
    return said


def public_key() -> str:
    return asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()


def test_user_refusals_name_roles_and_fields_in_chinese(world: Any, chinese: None) -> None:
    world.user("rep1", "sales_rep", region="EAST")
    taken = {"login": "rep1", "display_name": "钱立", "roles": ["sales_rep"]}
    assert refused(users.add_user, world.admin, taken).endswith("应为 尚无用户使用的登录名")
    unknown_role = refused(users.set_roles, world.admin, "rep1", ["boss"])
    assert "应为 以下之一：" in unknown_role and "sales_rep（业务员）" in unknown_role
    assert refused(users.set_roles, world.admin, "rep1", []).endswith("应为 至少一个角色")
    field = refused(users.update_user, world.admin, "rep1", {"password": "x"})
    assert "应为 以下字段之一：" in field and "姓名、" in field and "display_name" not in field
    region = refused(
        users.add_user,
        world.admin,
        {"login": "new", "display_name": "新人", "roles": ["sales_rep"], "region_id": MISSING_ID},
    )
    assert region.endswith("应为 已有的区域")


def test_deal_refusals_name_the_funnel_and_its_stages_by_title(world: Any, chinese: None) -> None:
    funnel = world.runtime.plugins.funnels.default
    rep = world.user("rep1", "sales_rep", region="EAST")
    customer = world.customer(rep)
    deal = {"customer_id": customer.id, "title": "扩产项目", "amount": "1000"}
    terminal = refused(
        opportunities.create_opportunity, rep, {**deal, "stage": funnel.won_stage.id}
    )
    assert f"应为 {funnel.title_zh}的进行中阶段之一：{funnel.open_stages[0].title_zh}、" in terminal
    assert f"'{funnel.won_stage.title_zh}'" in terminal  # the stage given, by its title
    assert not any(f"{s.id}、" in terminal for s in funnel.stages if s.id != s.title_zh)
    assert "应为 以下之一：" in refused(
        opportunities.create_opportunity, rep, {**deal, "funnel": "ghost"}
    )
    opp = world.opportunity(customer, rep)
    stage = refused(opportunities.move_stage, rep, opp.id, "nowhere")
    assert f"应为 {funnel.title_zh}的阶段之一：" in stage and funnel.lost_stage.title_zh in stage
    reason = refused(opportunities.move_stage, rep, opp.id, funnel.lost_stage.id)
    assert reason == "请更正：原因：填的是 空，应为 商机失败的原因"
    opportunities.win(rep, opp.id)
    closed = refused(opportunities.update_opportunity, rep, opp.id, {"title": "改名"}, None)
    assert closed == "请更正：状态：填的是 '成交'，应为 进行中的商机；此商机已结束"


def test_numbering_customer_and_key_refusals_read_in_chinese(world: Any, chinese: None) -> None:
    ht = numbering.NumberingRule(prefix="HT", width=5)
    on = dt.date(2026, 3, 5)
    write(world.admin, lambda uow: numbering.next_number(uow, "contract", on=on, default=ht))
    assert refused(
        numbering.set_rule, world.admin, "real_estate.contract", {"prefix": "HT", "width": 5}
    ).endswith("应为 其他单据类别未使用的前缀（合同编号已以此开头）")
    customers.create_customer(world.admin, {"name": "甲公司", "code": "C1"})
    assert refused(customers.create_customer, world.admin, {"name": "乙公司", "code": "C1"}) == (
        "请更正：编码：填的是 'C1'，应为 其他客户未使用的编码"
    )
    world.user("qian", "sales_rep", region="EAST")
    users.update_user(world.admin, "qian", {"display_name": "钱立"})
    world.user("sun", "sales_rep", region="EAST")
    key = public_key()
    keys.add_key(world.admin, "qian", key)
    again = refused(keys.add_key, world.admin, "qian", key)
    assert again.startswith("请更正：SSH 密钥：") and again.endswith("应为 钱立 尚未添加的密钥")
    assert "qian" not in again
    assert refused(keys.add_key, world.admin, "sun", key).endswith("应为 尚未分配给其他用户的密钥")
    assert refused(keys.add_key, world.admin, "sun", "钥匙").endswith(
        "应为 OpenSSH 公钥（.pub 文件中的内容，而非私钥）"
    )


def test_a_race_the_checks_missed_reads_in_chinese(chinese: None) -> None:
    def failed(message: str) -> str:
        said = str(integrity_problem(IntegrityError("INSERT", {}, Exception(message))))
        assert not ENGLISH.search(said.split("应为 ", 1)[1]), said
        return said

    assert failed("UNIQUE constraint failed: customer.code").endswith("应为 尚未使用的值")
    assert failed("FOREIGN KEY constraint failed") == "请更正：关联记录：填的是 空，应为 已有的记录"
