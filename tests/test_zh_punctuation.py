"""#22: Chinese text uses full-width punctuation between Chinese words (；：，（）？！):
"m 切换我的/团队;r 打开报表" read as a typo. Kept out of every zh_CN catalogue; the
allowlist holds the entries where the half-width mark is what the user types (a
separator the parser reads) or part of a code."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
HALF_WIDTH = re.compile(rf"(?<={CJK})\s?[;:,()?!]|[;:,()?!]\s?(?={CJK})")
# beside a placeholder in Chinese text: "{who}:{n} 笔收款" shows "全部客户:0 笔收款"
BY_PLACEHOLDER = re.compile(r"(?<=\})[;:,?!]|[;:,?!](?=\{)")
# msgid -> why a half-width mark stays
ALLOWED = {
    "Name (role); Name (role)": "the parties as typed: ';' separates them for the parser",
    "YYYY-MM-DD amount condition; ...": "milestones as typed: ';' separates them",
    "up to 50 characters, only digits 0-9, spaces and + - ( ), e.g. +86 21 5555 0101": (
        "the characters a phone number may hold, as typed: '(' and ')'"
    ),
}


def catalogues() -> list[Path]:
    return [ROOT / "core/locale/zh_CN.json", *sorted(ROOT.glob("plugins/*/locale/zh_CN.json"))]


def test_chinese_uses_full_width_punctuation_between_chinese_words() -> None:
    found = []
    for path in catalogues():
        for msgid, text in json.loads(path.read_text(encoding="utf-8")).items():
            beside = re.search(CJK, text) and BY_PLACEHOLDER.search(text)
            if msgid not in ALLOWED and (HALF_WIDTH.search(text) or beside):
                found.append(f"{path.relative_to(ROOT)}: {text!r}")
    assert found == [], f"{len(found)} entries:\n" + "\n".join(found)


def test_the_allowlist_names_entries_that_exist() -> None:
    msgids = {m for path in catalogues() for m in json.loads(path.read_text(encoding="utf-8"))}
    assert set(ALLOWED) <= msgids


TITLE_ZH = re.compile(r'^\s*title_zh = "([^"]*)"', re.M)


def test_report_titles_use_full_width_punctuation() -> None:
    """A report's Chinese title, shown in the Reports list and on its page, read
    "业务员业绩:本月/本季/本年累计" and "销售漏斗(按阶段)"."""
    found = []
    for path in sorted([*ROOT.glob("core/**/*.py"), *ROOT.glob("plugins/**/*.py")]):
        for title in TITLE_ZH.findall(path.read_text(encoding="utf-8")):
            if HALF_WIDTH.search(title):
                found.append(f"{path.relative_to(ROOT)}: {title}")
    assert found == [], "\n".join(found)


# Chinese in the code that keeps a half-width mark, and why.
CODE_ALLOWED = {
    "Acme Forge; 华东锻造": "demo data: a tender's competitors as typed, ';' between them",
    "新建合同草稿；收款节点格式：'YYYY-MM-DD 金额 条件; ...'": "as typed: ';' between milestones",
}
# English text naming a Chinese term keeps English punctuation: "Ordinary invoice (普票)"
ENGLISH = re.compile(r"[A-Za-z]{2,} [a-z]{2,}")


def chinese_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of the string constants holding Chinese in ``path`` outside its
    docstrings, the parts of f-strings one by one (a format spec such as ``:,`` is code)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    specs = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None
        for part in ast.walk(node.format_spec)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docs | specs
        and re.search(CJK, node.value)
    ]


def test_chinese_in_the_code_uses_full_width_punctuation() -> None:
    """Chinese the code holds (a report column "账龄(天)", a role "高层(只读)", a note
    "本年累计:实际与指标") reaches the screen as the catalogues' text does."""
    found = []
    folders = ("core", "tui", "plugins", "examples")
    paths = [p for f in folders for p in sorted((ROOT / f).glob("**/*.py"))]
    for path in paths:
        if "tests" in path.relative_to(ROOT).parts:
            continue
        for line, text in chinese_literals(path):
            if text in CODE_ALLOWED or ENGLISH.search(text):
                continue
            if HALF_WIDTH.search(text):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    assert found == [], f"{len(found)} strings:\n" + "\n".join(found)


def test_the_code_check_skips_docstrings_and_format_specs(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""销售(示例): a docstring."""\nx = f"{v:,.4g}万"\ny = "账龄(天)"\nz = f"下限({pct}%)"\n',
        encoding="utf-8",
    )
    assert [t for _, t in chinese_literals(sample) if HALF_WIDTH.search(t)] == ["账龄(天)", "下限("]
