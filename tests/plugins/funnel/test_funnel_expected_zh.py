"""What a funnel field expects reads in Chinese through the catalogue: the lead pool's,
the assignment rules', the funnel map's and a rules file's refusals. Each expectation is
an English msgid looked up at display time (an f-string or joined text never was), and
names a rep by name, never by login."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from refusal_helpers import expects

from core.services import users
from plugins.funnel.cli import _json
from plugins.funnel.services import funnels, leads, pool


def test_pool_refusals_expect_in_chinese(team: Any, chinese: None) -> None:
    owned = team.customer(team.r1, "N")
    expects(lambda: pool.claim(team.r1, owned.id), "线索池中的线索；该客户已有负责人", "pool")
    expects(lambda: pool.return_to_pool(team.r1, owned.id, " "), "退回线索池的原因", "why the lead")
    lead = team.customer(None, "N")
    expects(
        lambda: pool.return_to_pool(team.mgr, lead.id, "no budget"),
        "有负责人的客户；该客户在线索池中",
        "owned customer",
    )
    expects(lambda: pool.reassign(team.mgr, [], "r2"), "至少一个客户", "at least one")
    expects(
        lambda: pool.reassign(team.mgr, [owned.id], "nobody"),
        "salesdesk 用户的登录名",
        "user name",
    )


def test_a_deactivated_rep_is_named_not_by_login(team: Any, chinese: None) -> None:
    owned = team.customer(team.r1, "N")
    users.deactivate(team.admin, "r2")
    text = expects(
        lambda: pool.reassign(team.mgr, [owned.id], "r2"), "在用的用户：R2 已停用", "active user"
    )
    assert "'r2'" not in text and "新负责人：" in text, text  # "To" would read 新阶段


def test_the_rules_cap_and_regions_expect_in_chinese(team: Any, chinese: None) -> None:
    expects(
        lambda: leads.set_rules(team.admin, [{"name": "a", "reps": ["r1"]}] * 2),
        "每条规则各用不同的名称",
        "different name",
    )
    leads.set_rules(team.admin, [{"name": "north", "reps": ["r1"], "cap": 1}])
    team.customer(team.r1, "N")
    lead = team.customer(None, "N")
    expects(
        lambda: pool.claim(team.r1, lead.id),
        "您持有的线索：填的是 1，应为 持有的线索少于 1 条（分配规则设定的上限）",
        "leads held",
    )
    leads.set_rules(team.admin, [{"name": "far", "regions": ["NOWHERE"], "reps": ["r1"]}])
    expects(lambda: pool.auto_assign(team.mgr), "已有的区域编码", "region codes")


def test_a_lead_file_with_owners_expects_in_chinese(
    team: Any, chinese: None, tmp_path: Path
) -> None:
    owned = tmp_path / "owned.csv"
    owned.write_text("code,name,owner_login\nL3,X,r1\n", encoding="utf-8")
    expects(
        lambda: leads.import_leads(team.admin, owned),
        "不含负责人列：线索进入线索池，由分配规则分配",
        "owner column",
    )


def test_the_funnel_map_expects_in_chinese(team: Any, chinese: None) -> None:
    text = expects(
        lambda: funnels.map_orphans(team.admin, "nope", "a", "b"), "在用的漏斗之一：", "funnels"
    )
    assert "b2b、basic" in text, text  # the funnels an administrator may type
    expects(
        lambda: funnels.map_orphans(team.admin, "basic", "nope", "won"),
        "的进行中阶段之一：线索（lead）、",  # by title, with the id typed after --to
        "open stage",
    )


def test_a_bad_rules_file_says_where_in_chinese(team: Any, chinese: None, tmp_path: Path) -> None:
    # ``team`` loads the plugins, as the CLI has before it reads the file: the funnel's
    # words are in its catalogue (alone in a worker, this test read them in English)
    broken = tmp_path / "rules.json"
    broken.write_text('[{"name": "a",\n "reps": ]', encoding="utf-8")
    text = expects(
        lambda: _json(str(broken)), "JSON 文件：第 2 行第 10 列处不是有效的 JSON", "JSON file"
    )
    assert "Expecting" not in text and "规则文件：" in text, text  # not the parser's English
    expects(lambda: _json(str(tmp_path / "none.json")), "存在且您有权读取的文件", "exists")
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(json.dumps(["é"], ensure_ascii=False).encode("latin-1"))
    expects(lambda: _json(str(latin1)), "以 UTF-8 编码保存的 JSON 文件", "UTF-8 text")
