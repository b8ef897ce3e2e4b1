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
