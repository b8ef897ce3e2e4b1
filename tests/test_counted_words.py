"""Counts read as English does (#22: "1 contracts"): a count of things is worded with
``core.i18n.plural`` (one form for 1, another for the rest; Chinese has one form)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from core.i18n import plural, set_lang

ROOT = Path(__file__).resolve().parents[1]
# "{n} contracts", "{count} units", "{rows} rows": a count and a plural noun
COUNTED = re.compile(r"\{(n|count|rows)\} (?!of\b)[a-z]+s\b")
# counts that are never 1 where they are said
NEVER_ONE = {
    "Please correct these {n} entries:",  # said for two problems or more
    "{n} cells",  # a row wider than its header: two cells or more
    "{n} cells, like the header",
    "at most {n} characters",
}


def test_plural_picks_the_english_form_and_the_catalogues_chinese() -> None:
    assert plural(1, "{n} contract", "{n} contracts").format(n=1) == "1 contract"
    assert plural(0, "{n} contract", "{n} contracts").format(n=0) == "0 contracts"
    set_lang("zh_CN")
    try:
        text = plural(1, "{n} record", "{n} records").format(n=1)
    finally:
        set_lang("en")
    assert text != "1 record" and "1" in text


def test_no_count_is_worded_with_a_fixed_plural() -> None:
    found = []
    for path in [
        *ROOT.glob("tui/**/*.py"),
        *ROOT.glob("plugins/**/*.py"),
        *ROOT.glob("core/**/*.py"),
    ]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or getattr(node.func, "id", "") != "_":
                continue
            text = (
                node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else ""
            )
            if not isinstance(text, str) or text in NEVER_ONE or "at most {n} " in text:
                continue  # "at most 40 characters": a limit, never 1
            if COUNTED.search(text):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text}")
    assert found == []
