"""The translation function, language detection and the Chinese catalog's coverage."""

from __future__ import annotations

import re
from typing import Any

import pytest
from i18n_extract import english_strings, plugin_dirs, plugin_strings

from core import i18n


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_TW.UTF-8"}, "zh_CN"),
        ({"LANG": "zh_CN.UTF-8", "SALESDESK_LANG": "en"}, "en"),
        ({"SALESDESK_LANG": "zh_CN"}, "zh_CN"),
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins, as in POSIX
    ],
)
def test_detect_lang(env: dict[str, str], lang: str) -> None:
    assert i18n.detect_lang(env) == lang


def test_translate_and_pick() -> None:
    try:
        i18n.set_lang("zh_CN")
        assert i18n._("Customers") == "客户"
        assert i18n._("a string nobody translated") == "a string nobody translated"
        assert i18n.pick("Lead", "线索") == "线索"
        assert i18n.pick("Lead", "") == "Lead"
        i18n.set_lang("en")
        assert i18n._("Customers") == "Customers"
        assert i18n.pick("Lead", "线索") == "Lead"
    finally:
        i18n.set_lang(None)
    with pytest.raises(ValueError):
        i18n.set_lang("fr")


@pytest.mark.parametrize(
    ("lang", "line", "around"),
    [
        ("en", "Stage: Proposal", "Proposal (60%)"),
        ("zh_CN", "阶段：方案", "方案（60%）"),  # #22: "阶段: 方案" read as a typo
    ],
)
def test_labelled_and_bracketed_use_the_readers_punctuation(
    lang: str, line: str, around: str
) -> None:
    """A label and its value joined by the code, in the language ``_`` speaks."""
    try:
        i18n.set_lang(lang)
        assert i18n.labelled(i18n._("Stage"), i18n.pick("Proposal", "方案")) == line
        assert i18n.bracketed(i18n.pick("Proposal", "方案"), "60%") == around
        assert i18n.labelled(i18n._("Amount"), 1) == ("金额：1" if lang == "zh_CN" else "Amount: 1")
        listed = "草稿、签订" if lang == "zh_CN" else "Draft, Signed"
        assert (
            i18n.listed(i18n.pick(en, zh) for en, zh in [("Draft", "草稿"), ("Signed", "签订")])
            == listed
        )
    finally:
        i18n.set_lang(None)


def test_catalog_covers_every_ui_string() -> None:
    catalog = i18n.catalog("zh_CN")
    missing = sorted(english_strings() - set(catalog))
    assert not missing, f"add these to core/locale/zh_CN.json: {missing}"
    assert all(catalog.values()), "empty translations"


def test_placeholders_match() -> None:
    for en, zh in i18n.catalog("zh_CN").items():
        assert set(re.findall(r"{\w+}", en)) == set(re.findall(r"{\w+}", zh)), en


@pytest.mark.parametrize("plugin_dir", plugin_dirs(), ids=lambda p: p.name)
def test_each_plugin_catalog_covers_its_ui_strings(plugin_dir) -> None:
    """A plugin ships its own catalog (core entries count, so shared words need no copy)."""
    own = i18n.plugin_catalog(str(plugin_dir / "__init__.py"), "zh_CN")
    missing = sorted(plugin_strings(plugin_dir) - set(i18n.catalog("zh_CN")) - set(own))
    assert not missing, f"add these to {plugin_dir.name}/locale/zh_CN.json: {missing}"
    assert all(own.values()), "empty translations"
    for en, zh in own.items():
        assert set(re.findall(r"{\w+}", en)) == set(re.findall(r"{\w+}", zh)), en


def test_plugin_translations_reach_the_ui() -> None:
    """``salesdesk_translations`` entries are used by ``_()``; the core catalog wins a clash."""
    from core.hookspecs import hookimpl
    from core.plugins import PluginManager

    class Shipped:
        @hookimpl
        def salesdesk_translations(self, lang: str) -> dict[str, str]:
            return {"Tender board": "投标看板", "Customers": "顾客"} if lang == "zh_CN" else {}

    class Broken:
        @hookimpl
        def salesdesk_translations(self, lang: str) -> list[str]:
            return ["not a dict"]

    manager = PluginManager()
    assert manager.register(Shipped(), "shipped")
    assert not manager.register(Broken(), "broken")
    assert "salesdesk_translations" in manager.info["broken"].last_error
    try:
        i18n.set_lang("zh_CN")
        assert i18n._("Tender board") == "投标看板"
        assert i18n._("Customers") == "客户"
        i18n.set_lang("en")
        assert i18n._("Tender board") == "Tender board"
    finally:
        i18n.set_lang(None)


def test_a_plugin_module_reads_its_own_catalog_first() -> None:
    """Marketing's "Medium" is the advertising medium (媒体); the core's is a size (中)."""
    import plugins.marketing.views as marketing_views

    try:
        i18n.set_lang("zh_CN")
        assert marketing_views._("Medium") == "媒体"
        assert i18n._("Medium") == "中"
        assert marketing_views._("Customers") == "客户数"
        assert marketing_views._("Quit") == i18n._("Quit") == "退出"  # not its own: shared
        i18n.set_lang("en")
        assert marketing_views._("Medium") == "Medium"
    finally:
        i18n.set_lang(None)


def test_cjk_cells_are_measured_double_width() -> None:
    """Tables line up because cells are measured in terminal cells, not characters."""
    from rich.cells import cell_len

    assert cell_len("上海精密锻造") == 12
    assert cell_len("Acme") == 4


def test_a_refusal_reads_in_the_readers_language() -> None:
    """A permission refusal speaks to the reader ("you"), names what they may not do and
    their roles by title, never their login."""
    from types import SimpleNamespace

    from core.access import RoleRegistry, require
    from core.errors import PermissionDenied

    actor = SimpleNamespace(login="rep001", display_name="吴雪梅", roles=["sales_rep"], active=True)
    ctx = SimpleNamespace(
        actor=actor, roles=RoleRegistry.core(), grant=SimpleNamespace(has=lambda name: False)
    )
    try:
        i18n.set_lang("zh_CN")
        with pytest.raises(PermissionDenied, match=r"^您无权导入数据。您的角色：业务员。$"):
            require(ctx, "sales.import")
        i18n.set_lang("en")
        with pytest.raises(
            PermissionDenied, match=r"^You may not import .*\. Your role: Sales rep\.$"
        ):
            require(ctx, "sales.import")
    finally:
        i18n.set_lang(None)


def test_validation_expectations_read_in_chinese() -> None:
    """What a field expects reads in Chinese on a Chinese screen (pydantic's own words are
    English and may name a regular expression); English stays pydantic's wording."""
    import pydantic

    from core.errors import ValidationFailed
    from core.services.base import validate

    class Person(pydantic.BaseModel):
        login: str = pydantic.Field(min_length=1)
        phone: str = pydantic.Field("", pattern=r"^[0-9+()\- ]*$")
        limit: int = 0

    def expected(lang: str) -> list[str]:
        i18n.set_lang(lang)
        try:
            with pytest.raises(ValidationFailed) as failed:
                validate(Person, {"login": "", "phone": "abc", "limit": "many"}, "user")
        finally:
            i18n.set_lang(None)
        return [p.expected for p in failed.value.problems]

    assert expected("zh_CN") == ["至少 1 个字符", "格式正确的内容", "整数"]
    assert expected("en") == [
        "at least 1 character",
        "a value in the right format",
        "a whole number",
    ]


@pytest.mark.parametrize(
    ("data", "english", "chinese"),
    [
        ({"roles": []}, "at least 1 chosen", "至少 1 项"),
        ({"roles": ["a", "b", "c"]}, "at most 2 chosen", "最多 2 项"),
        ({"amount": "ten"}, "a number", "有效的数字"),
        ({"amount": "1.234"}, "at most 2 decimal places", "最多 2 位小数"),
        ({"amount": "123456.5"}, "at most 5 digits before the decimal point", "整数部分最多 5 位"),
        ({"day": "2026-13-01"}, "a date as YYYY-MM-DD", "YYYY-MM-DD 格式的日期"),
        ({"code": "x" * 11}, "at most 10 characters", "最多 10 个字符"),
    ],
)
def test_pydantics_checks_read_as_business_words(
    data: dict[str, Any], english: str, chinese: str
) -> None:
    """The new-user dialog refused no role with "Roles: expected list should have at
    least 1 item after validation, not 0": pydantic's own English reads as a developer's
    note. Each of its common checks says what is expected, in either language."""
    import datetime as dt
    from decimal import Decimal

    import pydantic

    from core.errors import ValidationFailed
    from core.services.base import validate

    class Entry(pydantic.BaseModel):
        roles: list[str] = pydantic.Field(["a"], min_length=1, max_length=2)
        amount: Decimal = pydantic.Field(Decimal(0), max_digits=7, decimal_places=2)
        day: dt.date = dt.date(2026, 1, 1)
        code: str = pydantic.Field("", max_length=10)

    def expected(lang: str) -> str:
        i18n.set_lang(lang)
        try:
            with pytest.raises(ValidationFailed) as failed:
                validate(Entry, data, "entry")
        finally:
            i18n.set_lang(None)
        (problem,) = failed.value.problems
        return problem.expected

    assert expected("en") == english
    assert expected("zh_CN") == chinese


def test_every_example_in_the_catalog_is_still_shown() -> None:
    """An example ("e.g. …", shown in an empty field) is translated only while a screen
    shows it: one left behind when its field changed ("e.g. mfg_order", a series' code
    where the dialog now names the series by its title) is a dead entry."""
    examples = {en for en in i18n.catalog("zh_CN") if en.startswith("e.g.")}
    left = sorted(examples - english_strings())
    assert not left, f"remove these from core/locale/zh_CN.json: {left}"
