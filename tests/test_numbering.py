"""Document numbering: format, per-office ranges, exhaustion, and no number issued twice
when many users save at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from core.errors import PermissionDenied, SalesdeskError, ValidationFailed
from core.services import numbering
from core.services.base import write

DAY = dt.date(2026, 3, 5)


def issue(ctx: Any, series: str, office: str = "", on: dt.date = DAY, **kw: Any) -> str:
    return write(ctx, lambda uow: numbering.next_number(uow, series, office=office, on=on, **kw))


def test_default_rule_numbers_from_one_per_year(world: Any) -> None:
    assert issue(world.admin, "quote") == "QUOTE2600001"
    assert issue(world.admin, "quote") == "QUOTE2600002"
    assert issue(world.admin, "quote", on=dt.date(2027, 1, 2)) == "QUOTE2700001"
    default = numbering.NumberingRule(prefix="Q", width=4)
    assert issue(world.admin, "other", default=default) == "Q260001"


def test_office_ranges_from_the_company_setting(world: Any) -> None:
    numbering.set_rule(
        world.admin, "contract", {"prefix": "HT", "width": 5, "offices": {"SH": 1, "BJ": 20001}}
    )
    assert issue(world.admin, "contract", "SH") == "HT2600001"
    assert issue(world.admin, "contract", "BJ") == "HT2620001"
    assert issue(world.admin, "contract", "SH") == "HT2600002"
    with pytest.raises(ValidationFailed, match="one of the numbering offices: BJ, SH"):
        issue(world.admin, "contract", "GZ")


def test_exhausted_range_is_refused_and_nothing_is_issued(world: Any) -> None:
    numbering.set_rule(
        world.admin, "tiny", {"prefix": "T", "width": 3, "offices": {"A": 1, "B": 3}}
    )
    assert [issue(world.admin, "tiny", "A") for _ in range(2)] == ["T26001", "T26002"]
    with pytest.raises(numbering.NumberRangeExhausted, match="001-002"):
        issue(world.admin, "tiny", "A")
    assert issue(world.admin, "tiny", "B") == "T26003"


def test_raising_a_range_start_never_reissues(world: Any) -> None:
    assert issue(world.admin, "po") == "PO2600001"
    numbering.set_rule(world.admin, "po", {"prefix": "PO", "offices": {"": 500}})
    assert issue(world.admin, "po") == "PO2600500"
    numbering.set_rule(world.admin, "po", {"prefix": "PO", "offices": {"": 1}})
    assert issue(world.admin, "po") == "PO2600501"


@pytest.mark.parametrize(
    "rule",
    [
        {"prefix": "HT", "width": 2},
        {"prefix": "H T"},
        {"offices": {"A": 1, "B": 1}},
        {"width": 3, "offices": {"A": 1000}},
        {"prefix": "HT", "colour": "red"},
    ],
)
def test_bad_rules_are_refused_with_a_reason(world: Any, rule: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        numbering.set_rule(world.admin, "contract", rule)
    assert refused.value.subject == "numbering rule contract"
    assert str(refused.value).startswith("Please correct")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@pytest.mark.parametrize("prefix", ["合同", "H T", "SO_1", "HT/", "ABCDEFGHIJK"])
def test_a_refused_prefix_says_what_a_prefix_may_hold(world: Any, lang: str, prefix: str) -> None:
    """A prefix the rule does not allow is refused with the rule itself, in the reader's
    language: up to 10 letters A-Z or a-z, digits and hyphens (not "格式正确的内容", which
    left the user guessing, and never the regular expression)."""
    from core.i18n import set_lang

    set_lang(lang)
    try:
        with pytest.raises(ValidationFailed) as refused:
            numbering.set_rule(world.admin, "contract", {"prefix": prefix})
        said = str(refused.value)
    finally:
        set_lang("en")
    if lang == "zh_CN":
        assert "前缀" in said and "最多 10 个字符" in said, said
        assert "英文字母 A-Z 或 a-z、数字 0-9 和连字符" in said, said
        assert "格式正确" not in said, said
    else:
        assert "Prefix: got" in said, said
        assert "up to 10 characters, only letters A-Z or a-z, digits 0-9 and hyphens" in said
        assert "right format" not in said, said
    assert not re.search(r"[\\^$\[\]*]", said), said  # no regular expression
    numbering.set_rule(world.admin, "contract", {"prefix": "SH-HT0"})  # what it allows


def test_a_broken_stored_rule_names_the_series(world: Any) -> None:
    from core.services.company import set_setting

    set_setting(world.admin, "numbering.order", {"width": "wide"})
    with pytest.raises(SalesdeskError, match="numbering rule saved for order is not valid"):
        issue(world.admin, "order")


def test_only_settings_managers_change_rules(world: Any) -> None:
    rep = world.user("rep1", "sales_rep")
    with pytest.raises(PermissionDenied):
        numbering.set_rule(rep, "contract", {"prefix": "X"})


def test_concurrent_saves_never_share_a_number(world: Any) -> None:
    numbering.set_rule(world.admin, "project", {"prefix": "P", "offices": {"SH": 1, "BJ": 20001}})

    def many(office: str) -> list[str]:
        return [issue(world.admin, "project", office) for _ in range(10)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(many, ["SH", "BJ"] * 3))
    issued = [number for batch in results for number in batch]
    assert len(issued) == len(set(issued)) == 60
    assert sorted(n for n in issued if n.startswith("P2600")) == [
        f"P26{v:05d}" for v in range(1, 31)
    ]
    assert sorted(n for n in issued if n.startswith("P262")) == [
        f"P26{v:05d}" for v in range(20001, 20031)
    ]


def test_a_prefix_belongs_to_one_series_across_plugins(world: Any) -> None:
    """#16.15: two series defaulting to the same prefix would print the same numbers;
    the second is told which series has the prefix, by default or by rule."""
    ht = numbering.NumberingRule(prefix="HT", width=5)
    assert issue(world.admin, "contract", default=ht) == "HT2600001"
    with pytest.raises(numbering.PrefixTaken, match="'HT', which the numbers of contracts"):
        issue(world.admin, "deal.contract", default=ht)
    with pytest.raises(ValidationFailed, match="the numbers of contracts start with it"):
        numbering.set_rule(world.admin, "deal.contract", {"prefix": "HT"})
    assert issue(world.admin, "contract", default=ht) == "HT2600002"  # its own, still
    numbering.set_rule(world.admin, "contract", {"prefix": "HT", "width": 6})
    assert (
        issue(world.admin, "deal.contract", default=numbering.NumberingRule(prefix="GF"))
        == "GF2600001"
    )


def test_the_builtin_series_have_prefixes_of_their_own(world: Any) -> None:
    """Contracts and real-estate deals both numbered HT + 5 digits before #16.15."""
    import ast
    from pathlib import Path

    prefixes: dict[str, list[str]] = {}
    for path in Path(__file__).parents[1].glob("plugins/*/**/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "NumberingRule":
                for kw in node.keywords:
                    if kw.arg == "prefix" and isinstance(kw.value, ast.Constant):
                        prefixes.setdefault(kw.value.value, []).append(str(path))
    assert "HT" in prefixes
    assert {p: places for p, places in prefixes.items() if len(places) > 1} == {}


NUMBERED = re.compile(r"""(?:next_number|core_next|rule_for)\(\s*[\w.]+,\s*"([^"]+)\"""")


@pytest.mark.parametrize("plugin", ["contracts", "manufacturing", "marketing", "real_estate"])
def test_a_builtin_plugin_declares_every_series_it_numbers_with(plugin: str) -> None:
    """Issue #22: Admin names a series by the title its plugin declares
    (``salesdesk_document_series``); one a plugin numbers with but does not declare would
    show as its code. The series: literals passed to the core's numbering, and
    manufacturing's SERIES table."""
    import importlib
    from pathlib import Path

    module = importlib.import_module(f"plugins.{plugin}")
    used: set[str] = set()
    for source in Path(module.__file__ or "").parent.rglob("*.py"):
        used |= set(NUMBERED.findall(source.read_text(encoding="utf-8")))
    if plugin == "manufacturing":
        from plugins.manufacturing.services.common import SERIES

        used |= {series for series, _prefix in SERIES.values()}
    assert used, f"{plugin} numbers nothing: the pattern above misses its calls"
    declared = module.salesdesk_document_series()
    assert all(isinstance(d, numbering.DocumentSeries) and d.title_zh for d in declared)
    assert used <= {d.id for d in declared}


def test_a_series_is_named_by_its_title_and_found_by_it(world: Any) -> None:
    from core.i18n import set_lang

    plugins = world.admin.plugins
    assert numbering.series_title(plugins, "mfg_delivery") == "delivery notes"
    assert numbering.series_title(plugins, "acme_ticket") == "acme_ticket"
    assert numbering.series_named(plugins, " Delivery notes ") == "mfg_delivery"
    assert numbering.series_named(plugins, "送货单") == "mfg_delivery"
    assert numbering.series_named(plugins, "acme_ticket") == "acme_ticket"
    set_lang("zh_CN")
    try:
        assert numbering.series_title(plugins, "mfg_delivery") == "送货单"
    finally:
        set_lang("en")


def test_admin_lists_a_series_by_the_rule_its_plugin_numbers_with(world: Any) -> None:
    """Admin's Company tab showed contracts as numbered CONTRACT + 5 digits (the series
    name, core's last resort) while the contracts plugin issued HT2600001: with no rule
    stored, a declared series lists the rule its plugin numbers with."""
    declared = numbering.series_registry(world.admin.plugins)
    for series in ("contract", "mfg_delivery", "real_estate.contract", "marketing.campaign"):
        issue(world.admin, series, default=declared[series].default_rule)
    rules = numbering.list_rules(world.admin)
    assert {s: rules[s].prefix for s in declared if s in rules} == {
        "contract": "HT",
        "mfg_delivery": "DN",
        "real_estate.contract": "GF",
        "marketing.campaign": "MC",
    }
    issue(world.admin, "acme_ticket")  # declared by no plugin: the series name, as before
    assert numbering.list_rules(world.admin)["acme_ticket"].prefix == "ACMETICKET"
