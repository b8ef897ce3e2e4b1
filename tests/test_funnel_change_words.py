"""A refused funnel change reads in the administrator's language (`salesdesk funnel
set-stage` / `remove-stage`): what was expected is an English msgid looked up when shown,
stages and funnels are named by their titles (with the stage id the administrator typed),
never the English f-strings core/funnels.py used to build."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.errors import ValidationFailed
from core.funnels import (
    BASIC_FUNNEL,
    FunnelChangeRefused,
    FunnelRegistry,
    apply_override,
    change_problems,
)
from core.models import Opportunity
from plugins.funnel.services.funnels import set_override

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ("stage ", "funnel", "must be", "still has", "open deal", "expected", "got ")


def no_english(text: str) -> None:
    assert not [word for word in ENGLISH if word in text], text


def refused(call: Callable[[], object], *chinese: str) -> str:
    with pytest.raises(ValidationFailed) as caught:
        call()
    text = str(caught.value)
    assert all(part in text for part in chinese), text
    no_english(text)
    return text


def test_set_override_refusals_read_in_chinese(world: Any, chinese: None) -> None:
    admin = world.admin
    refused(
        lambda: set_override(admin, "b2b", {"stages": {"proposal": {"probability": "1.5"}}}),
        "报价投标（proposal）阶段 0 到 1 之间的赢单概率，而不是 1.5",
    )
    refused(
        lambda: set_override(admin, "b2b", {"stages": {"lead": {"max_days": 0}}}),
        "用作潜在线索（lead）阶段停滞天数的大于 0 的整数，而不是 0",
    )
    refused(
        lambda: set_override(admin, "b2b", {"stages": {"won": {"probability": "0.9"}}}),
        "赢单（won）是结束商机的阶段，其概率固定不变",
    )
    refused(
        lambda: set_override(admin, "b2b", {"stages": {"nope": {"max_days": 3}}}),
        "B2B销售漏斗的阶段之一：潜在线索（lead）、需求确认（qualified）",
        "没有阶段 nope",
    )
    refused(
        lambda: set_override(admin, "b2b", {"remove": ["lost"]}),
        "输单（lost）是结束商机的阶段，须保留在B2B销售漏斗中",
    )


def test_a_stage_still_holding_deals_reads_in_chinese(world: Any, chinese: None) -> None:
    rep = world.user("r1", "sales_rep", region="N")
    customer = world.customer(rep, "N")
    world.insert(
        Opportunity(
            customer_id=customer.id,
            title="d",
            funnel="b2b",
            stage="solution",
            amount=Decimal("10"),
            owner_id=rep.actor.id,
            stage_entered_at=world.clock(),
            created_at=world.clock(),
        )
    )
    refused(
        lambda: set_override(world.admin, "b2b", {"remove": ["solution"]}),
        "接收方案演示（solution）阶段现有 1 个在谈商机的阶段",
        "以下之一：潜在线索（lead）、",
    )
    refused(
        lambda: set_override(world.admin, "b2b", {"remove": ["solution"]}, {"solution": "won"}),
        "won 不是进行中的阶段",
    )


def test_the_core_words_a_change_in_chinese(chinese: None) -> None:
    with pytest.raises(FunnelChangeRefused) as caught:
        apply_override(BASIC_FUNNEL, {"stages": {"lead": {"colour": "red"}}})
    assert caught.value.expected.startswith("changes to {fields}")  # the msgid, kept
    assert str(caught.value) == (
        "仅限修改线索（lead）阶段的赢单概率、停滞天数、拜访间隔天数、响应时限小时数；"
        "colour 不能修改"
    )
    with pytest.raises(FunnelChangeRefused) as caught:
        apply_override(BASIC_FUNNEL, {"remove": [s.id for s in BASIC_FUNNEL.open_stages]})
    assert str(caught.value) == "不会使基本销售漏斗无法使用的修改：没有进行中的阶段"
    after = apply_override(BASIC_FUNNEL, {"remove": ["qualified"]})
    (problem,) = change_problems(BASIC_FUNNEL, after, {"qualified": 3}, {})
    text = str(problem)
    assert "基本销售漏斗中接收已确认需求（qualified）阶段现有 3 个在谈商机的阶段" in text
    no_english(text)
    registry = FunnelRegistry([BASIC_FUNNEL], overrides={"basic": {"x": 1}, "ghost": {}})
    shown = [str(p) for p in registry.problems]
    assert shown[0].startswith("漏斗设置（funnel.overrides）中对基本销售漏斗的修改未被使用")
    assert "没有任何已启用插件提供的漏斗（ghost）" in shown[1]
    no_english(" ".join(shown).replace("funnel.overrides", ""))


def test_every_funnel_refusal_is_a_catalogue_msgid() -> None:
    """Each refusal core/funnels.py words is a literal the core catalogue holds."""
    catalogue = json.loads((ROOT / "core/locale/zh_CN.json").read_text(encoding="utf-8"))
    tree = ast.parse((ROOT / "core/funnels.py").read_text(encoding="utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) in {"FunnelChangeRefused", "FunnelProblem"}
    ]
    assert len(calls) >= 10
    for call in calls:
        msgid = call.args[0]
        if isinstance(msgid, ast.Attribute):  # FunnelProblem(self.expected, ...) passes one on
            continue
        assert isinstance(msgid, ast.Constant) and msgid.value in catalogue, ast.dump(msgid)
