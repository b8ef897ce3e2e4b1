"""The core's refusals (core.access, reports, report kit, forms, exports, summaries) read
in the reader's language and in business words: "您无权…", the record by its business
noun, a report or an export format by its title, a person by their name; never the
actor's login, a model class, a table or an internal id."""

from __future__ import annotations

import datetime as dt
import re
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.errors import NotFound, PermissionDenied, SalesdeskError
from core.exports import ExportCancelled, export_report
from core.forms import submit_form
from core.models import SalesLine, User
from core.models_summary import SalesSumRepMonth
from core.reports import ReportResult, Table, drill_report, run_report
from core.services import customers
from core.summaries import SummaryOverflow, check_totals

LATIN = re.compile(r"[A-Za-z]{4,}")  # an English word (codes and names here are shorter)


def person(world: Any, login: str, roles: list[str], name: str, active: bool = True) -> Any:
    """A context acting as a user whose login is nothing like their name."""
    user = world.insert(User(login=login, display_name=name, roles=roles, active=active))
    return world.context(user)


def refusal(exc: pytest.ExceptionInfo[SalesdeskError], *logins: str) -> str:
    text = str(exc.value)
    for login in logins:
        assert login not in text, text
    return text


def test_a_customer_outside_ones_own_is_refused_in_chinese(world: Any, chinese: None) -> None:
    rep = person(world, "rep_wxm", ["sales_rep"], "吴雪梅")
    other = person(world, "rep_zw", ["sales_rep"], "张伟")
    theirs = world.customer(owner=other, code="C77", name="远方贸易")
    with pytest.raises(PermissionDenied) as info:
        customers.update_customer(rep, theirs.id, {"name": "改名"}, None)
    text = refusal(info, "rep_wxm", "rep_zw")
    assert text == "您无权修改此客户：它不属于您、您的团队或您的区域。"
    assert str(theirs.id) not in text and not LATIN.search(text)


def test_a_missing_permission_names_the_roles_by_title(world: Any, chinese: None) -> None:
    rep = person(world, "rep_wxm", ["sales_rep"], "吴雪梅")
    other = person(world, "rep_zw", ["sales_rep"], "张伟")
    lead = world.customer(owner=rep, code="C78")
    with pytest.raises(PermissionDenied) as info:
        customers.assign_customer(rep, lead.id, other.actor.id)
    assert refusal(info, "rep_wxm", "sales_rep") == "您无权分配客户。您的角色：业务员。"


def test_reports_refuse_the_deactivated_and_those_without_a_role(world: Any, chinese: None) -> None:
    gone = person(world, "old_rep", ["sales_rep"], "李娜", active=False)
    with pytest.raises(PermissionDenied) as info:
        run_report(gone, "price_list", {})
    assert refusal(info, "old_rep") == "您的账号已停用，请联系管理员。"
    nobody = person(world, "temp_x", [], "王芳")
    with pytest.raises(PermissionDenied) as info:
        run_report(nobody, "price_list", {})
    assert refusal(info, "temp_x") == "您无权运行报表。"
    with pytest.raises(PermissionDenied) as info:
        customers.create_customer(nobody, {"name": "新客户"})
    assert refusal(info, "temp_x") == "您无权新建客户：您还没有任何角色，请联系管理员。"


def test_unknown_reports_forms_and_drill_downs(world: Any, chinese: None) -> None:
    with pytest.raises(NotFound) as info:
        run_report(world.admin, "nope", {})
    text = str(info.value)
    assert text.startswith("没有报表“nope”；现有的报表：") and "、" in text
    with pytest.raises(NotFound) as info:
        submit_form(world.admin, "nope", {})
    assert str(info.value) == "没有表单“nope”；提供它的插件是否已启用？"
    with pytest.raises(NotFound) as info:  # the collection rate has no rows behind it
        drill_report(world.admin, "collection_status", {}, "collection", None, "rate")
    assert str(info.value) == "报表“回款情况表”不能查看此数字背后的明细。"


def result() -> ReportResult:
    return ReportResult("demo", "Demo", "演示", {}, [Table("t", "T", "表", [], [("a",)])])


def test_export_refusals_read_in_chinese(world: Any, chinese: None, tmp_path: Path) -> None:
    with pytest.raises(NotFound) as info:
        export_report(world.admin, result(), "odt", tmp_path / "r.odt")
    assert str(info.value).startswith("没有导出格式“odt”；现有的格式：xlsx、csv")
    with pytest.raises(NotFound) as info:
        export_report(world.admin, result(), "csv", tmp_path / "missing" / "r.csv")
    assert str(info.value).startswith("无法导出到 ") and str(info.value).endswith("不存在。")
    stop = threading.Event()
    stop.set()
    with pytest.raises(ExportCancelled) as info:
        export_report(world.admin, result(), "csv", tmp_path / "r.csv", cancel=stop)
    assert str(info.value) == "导出已取消，未写入任何文件。"
    assert list(tmp_path.iterdir()) == []


def test_an_overflowing_total_names_the_rep_by_name(world: Any, chinese: None) -> None:
    rep = person(world, "rep_wxm", ["sales_rep"], "吴雪梅")
    month = dt.date(2026, 1, 1)
    world.insert(SalesSumRepMonth(month=month, rep_id=rep.actor.id, amount=Decimal(10**15)))
    with (
        world.runtime.db.write_session() as session,
        pytest.raises(SummaryOverflow) as info,
    ):
        check_totals(session, month, month)
    text = refusal(info, "rep_wxm", "sd_user", SalesLine.__tablename__)
    assert text.startswith("业务员 吴雪梅、无区域在 2026-01 的销售额在报表中的合计将达到 ")
    assert text.endswith("；未导入任何数据。")


def test_the_catalogue_covers_these_modules() -> None:
    """tests/test_i18n.py reads the TUI's strings; these modules' refusals are checked here."""
    from core.i18n import catalog
    from core.testing.strings import strings_in

    root = Path(__file__).resolve().parents[1] / "core"
    names = ("access", "reports", "report_kit", "forms", "exports", "summaries", "errors")
    missing = strings_in([root / f"{name}.py" for name in names]) - set(catalog("zh_CN"))
    assert not missing, f"add these to core/locale/zh_CN.json: {sorted(missing)}"


def test_an_unknown_user_is_told_in_chinese_what_to_ask_for(chinese: None) -> None:
    """Its own login is named: the administrator needs it for the command quoted."""
    from core.errors import UnknownUser

    said = str(UnknownUser("nobody"))
    assert said.startswith("没有登录名为“nobody”的在用 salesdesk 用户。"), said
    assert "salesdesk users add nobody" in said and "Ask an" not in said, said
