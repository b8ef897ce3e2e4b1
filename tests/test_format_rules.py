"""A value that breaks a text field's format (a phone, a code, a login, ...) is refused
with what the field allows, in business words and the reader's language, never the
regular expression nor "a value in the right format" (``core.schemas.FormatRule``)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import typing
from typing import Any

import pydantic
import pytest

from core.errors import ValidationFailed
from core.i18n import set_lang
from core.schemas import FormatRule
from core.services.base import validate

# (model path, data, what the field is called, English rule, Chinese words it holds)
PHONE_EN = "only digits 0-9, spaces and + - ( ), e.g. +86 21 5555 0101"
PHONE_ZH = "只能是数字 0-9、空格和 + - ( )，如 +86 21 5555 0101"
CODE_EN = "1 to 32 characters, only letters A-Z or a-z, digits 0-9 and _ . - / (no spaces)"
CODE_ZH = "1 到 32 个字符，只能是英文字母 A-Z 或 a-z、数字 0-9 和 _ . - /（不含空格）"
CASES = [
    ("core.schemas:CustomerCreate", {"name": "X", "billing_phone": "call me"},
     ("Billing phone", "开票电话"), PHONE_EN, PHONE_ZH),
    ("core.schemas:CustomerUpdate", {"billing_phone": "021-5555 转 12"},
     ("Billing phone", "开票电话"), PHONE_EN, PHONE_ZH),
    ("core.schemas:CustomerCreate", {"name": "X", "bank_account": "6222#0210"},
     ("Bank account", "银行账号"),
     "only digits 0-9, letters A-Z or a-z, spaces and hyphens (-), e.g. 6222 0210 0101 2345",
     "只能是数字 0-9、英文字母 A-Z 或 a-z、空格和连字符（-），如 6222 0210 0101 2345"),
    ("core.schemas:CustomerUpdate", {"bank_account": "账号 6222"},
     ("Bank account", "银行账号"), "spaces and hyphens (-)", "空格和连字符（-）"),
    ("core.schemas:CustomerCreate", {"name": "X", "code": "客户 1"},
     ("Code", "编码"), CODE_EN, CODE_ZH),
    ("core.schemas:ProductInput", {"code": "P 01", "name": "X"}, ("Code", "编码"),
     CODE_EN, CODE_ZH),
    ("core.schemas:RegionInput", {"code": "华东", "name": "X"}, ("Code", "编码"),
     CODE_EN, CODE_ZH),
    ("core.schemas:ChannelInput", {"code": "D#1", "name": "X"}, ("Code", "编码"),
     CODE_EN, CODE_ZH),
    ("core.schemas:ContactInput", {"name": "X", "phone": "ext. 12"}, ("Phone", "电话"),
     PHONE_EN, PHONE_ZH),
    ("core.schemas:ContactInput", {"name": "X", "email": "li.wei at example"},
     ("Email", "邮箱"),
     "an e-mail address of up to 200 characters: one @ with a dot after it, no spaces, "
     "e.g. li.wei@example.com",
     "最多 200 个字符的电子邮箱地址：含一个 @，其后要有点，不含空格，如 li.wei@example.com"),
    ("core.schemas:UserCreate",
     {"login": "li wei", "display_name": "X", "roles": ["sales_rep"]}, ("Login", "登录名"),
     "1 to 64 characters, only letters A-Z or a-z, digits 0-9 and _ . - @ (no spaces), "
     "e.g. li.wei",
     "1 到 64 个字符，只能是英文字母 A-Z 或 a-z、数字 0-9 和 _ . - @（不含空格），如 li.wei"),
    ("core.schemas:TargetInput", {"month": "2026-03-01", "dimension": "team", "amount": 1},
     ("Dimension", "维度"), "one of company, rep, product, region or channel",
     "以下之一：company、rep、product、region、channel"),
    ("core.services.numbering:NumberingRule", {"prefix": "合同"}, ("Prefix", "前缀"),
     "only letters A-Z or a-z, digits 0-9 and hyphens (-), e.g. HT",
     "只能是英文字母 A-Z 或 a-z、数字 0-9 和连字符（-），如 HT"),
]  # fmt: skip
# the built-in plugins' fields: (plugin, model path, data, English rule, Chinese rule)
PLUGIN_CASES = [
    ("forecast", "plugins.forecast.reports:EvalParams", {"by": "team"},
     "one of company, rep, channel, region or product",
     "以下之一：company、rep、channel、region、product"),
    ("forecast", "plugins.forecast.reports:EvalParams", {"period": "month"},
     "one of mtd (month to date), qtd (quarter to date) or ytd (year to date)",
     "以下之一：mtd（本月累计）、qtd（本季累计）、ytd（本年累计）"),
    ("forecast", "plugins.forecast.reports:ValueAddedParams", {"by": "rep"},
     "one of person or series", "以下之一：person（按人）、series（按预测序列）"),
    ("manufacturing", "plugins.manufacturing.schemas:TenderResultIn", {"result": "中标"},
     "one of won, lost or withdrawn", "以下之一：won（中标）、lost（未中标）、withdrawn（已放弃）"),
    ("marketing", "plugins.marketing.schemas:SegmentInput",
     {"name": "X", "code": "S1", "size": "huge"},
     "empty (any size) or one of small, medium or large",
     "留空（任意规模）或以下之一：small（小）、medium（中）、large（大）"),
    ("marketing", "plugins.marketing.schemas:CampaignInput",
     {"name": "X", "start": "2026-03-01", "end": "2026-03-31", "customer_class": "vip"},
     "empty (any class) or one of potential, promising, closing, customer or dormant",
     "留空（任意分类）或以下之一：potential、promising、closing、customer、dormant"),
    ("real_estate", "plugins.real_estate.forms:PlanForm",
     {"project": "P", "building": "B", "month": "2026/3", "units": 1, "amount": 1},
     "a month as YYYY-MM (year, hyphen, month 01 to 12), e.g. 2026-03",
     "YYYY-MM 格式的月份（年份、连字符、01 到 12 的月份），如 2026-03"),
]  # fmt: skip
# what a regular expression is made of; an example after "e.g." / "如" may hold some
REGEX = re.compile(r"[\^$\[\]\\]|\\d|\.\*|\(\?|\|")


def model_at(path: str) -> type[pydantic.BaseModel]:
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def refusal(model: type[pydantic.BaseModel], data: dict[str, Any], lang: str) -> str:
    set_lang(lang)
    try:
        with pytest.raises(ValidationFailed) as refused:
            validate(model, data, "entry")
        return str(refused.value)
    finally:
        set_lang("en")


def without_example(text: str) -> str:
    return re.sub(r"(e\.g\.|如) \S+", "", text)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@pytest.mark.parametrize(("path", "data", "name", "en", "zh"), CASES)
def test_a_bad_value_is_told_what_the_field_allows(
    path: str, data: dict[str, Any], name: tuple[str, str], en: str, zh: str, lang: str
) -> None:
    said = refusal(model_at(path), data, lang)
    if lang == "en":
        assert f"{name[0]}: got" in said and en in said, said
        assert "right format" not in said, said
    else:
        assert f"{name[1]}：填的是" in said and zh in said, said
        assert "格式正确" not in said, said
    assert "pattern" not in said and not REGEX.search(without_example(said)), said


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@pytest.mark.parametrize(("plugin", "path", "data", "en", "zh"), PLUGIN_CASES)
def test_a_plugin_field_says_what_it_allows(
    plugin: str, path: str, data: dict[str, Any], en: str, zh: str, lang: str
) -> None:
    """The built-in plugins word their fields as a third party would: FormatRule, and
    the Chinese in their own catalogue, which their ``salesdesk_translations`` gives."""
    from core import i18n

    before = dict(i18n._plugin_entries.get("zh_CN", {}))
    entries = importlib.import_module(f"plugins.{plugin}").salesdesk_translations("zh_CN")
    i18n.add_translations("zh_CN", entries or {})
    try:
        said = refusal(model_at(path), data, lang)
    finally:
        i18n._plugin_entries["zh_CN"] = before
    assert (en if lang == "en" else zh) in said, said
    assert ": got" in said if lang == "en" else "：填的是" in said, said
    assert "right format" not in said and "格式正确" not in said, said
    assert "pattern" not in said and not REGEX.search(without_example(said)), said


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_too_long_a_value_is_told_the_same_rule(lang: str) -> None:
    """The rule states the length too: a phone of 51 digits is told the whole rule."""
    said = refusal(model_at("core.schemas:ContactInput"), {"name": "X", "phone": "1" * 51}, lang)
    assert (PHONE_EN if lang == "en" else PHONE_ZH) in said, said
    assert ("up to 50 characters" if lang == "en" else "最多 50 个字符") in said, said


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_field_without_a_rule_falls_back_to_the_generic_words(lang: str) -> None:
    class Free(pydantic.BaseModel):
        fax: str = pydantic.Field(pattern=r"^[0-9]*$")

    said = refusal(Free, {"fax": "x"}, lang)
    assert ("a value in the right format" if lang == "en" else "格式正确的内容") in said, said


def test_a_plugin_field_gets_its_rule_the_same_way() -> None:
    """A third party's schema words its field with the same marker, its Chinese in its
    own catalogue (merged into the shared one by ``salesdesk_translations``)."""
    from core import i18n

    rule = "two letters and four digits, e.g. AB1234"

    class Ticket(pydantic.BaseModel):
        number: typing.Annotated[
            str, pydantic.StringConstraints(pattern=r"^[A-Z]{2}[0-9]{4}$"), FormatRule(rule)
        ]

    before = dict(i18n._plugin_entries.get("zh_CN", {}))
    i18n.add_translations("zh_CN", {rule: "两个字母加四位数字，如 AB1234"})
    try:
        assert "expected two letters and four digits" in refusal(Ticket, {"number": "1"}, "en")
        assert "应为 两个字母加四位数字，如 AB1234" in refusal(Ticket, {"number": "1"}, "zh_CN")
    finally:
        i18n._plugin_entries["zh_CN"] = before


def _patterned(annotation: Any, metadata: list[Any]) -> list[tuple[bool, bool]]:
    """(has a pattern, has a FormatRule) for each constrained text in a field's type."""
    found = []
    if metadata:
        found.append(
            (
                any(getattr(m, "pattern", None) for m in metadata),
                any(isinstance(m, FormatRule) for m in metadata),
            )
        )
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *meta = typing.get_args(annotation)
        return found + _patterned(inner, meta)
    for arg in typing.get_args(annotation):
        found += _patterned(arg, [])
    return found


def _models() -> list[type[pydantic.BaseModel]]:
    import core
    import plugins

    seen: dict[str, type[pydantic.BaseModel]] = {}
    for package in (core, plugins):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" in info.name or ".tests" in info.name or "scaffold" in info.name:
                continue
            try:
                module = importlib.import_module(info.name)
            except Exception:  # a module needing what this test has not (a CLI's extras)
                continue
            for _name, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, pydantic.BaseModel) and obj.__module__ == module.__name__:
                    seen[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return list(seen.values())


def test_every_patterned_field_says_what_it_allows() -> None:
    """Every text field with a pattern, in the core and the built-in plugins, has a
    FormatRule: a new one without it would greet its user with "the right format"."""
    bare = [
        f"{model.__module__}.{model.__qualname__}.{name}"
        for model in _models()
        for name, info in model.model_fields.items()
        if any(p and not r for p, r in _patterned(info.annotation, list(info.metadata)))
    ]
    assert bare == []
