"""#22: click's own usage errors ("Usage: ...", "Error: Missing argument", "No such
option", "Try ... --help") read in the reader's language: under SALESDESK_LANG=zh_CN
they printed English on a Chinese terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LATIN = re.compile(r"[A-Za-z]+")
# command and option names as typed, the kinds of import (codes a user types), the
# file named
COMMANDS = {
    "salesdesk", "import", "help", "bogus", "nosuch", "customers", "products", "sales",
    "lines", "receipts", "regions", "channels", "users", "h", "nowhere", "csv",
}  # fmt: skip


def run(*args: str, lang: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SALESDESK_LANG": lang, "PYTHONPATH": str(ROOT)}
    env.pop("SALESDESK_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", "from tui.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args",
    [("import", "--bogus"), ("import",), ("nosuch",), ("import", "customers", "/nowhere.csv")],
)
def test_usage_errors_read_in_chinese(args: tuple[str, ...]) -> None:
    result = run(*args, lang="zh_CN")
    assert result.returncode == 2, result.stderr
    text = result.stderr
    assert re.search(r"[\u4e00-\u9fff]", text), text
    assert "用法" in text and "错误" in text, text
    latin = set(LATIN.findall(text)) - COMMANDS
    assert latin == set(), text


def test_usage_errors_stay_english_in_english() -> None:
    result = run("import", "--bogus", lang="en")
    assert result.returncode == 2
    assert "Usage: salesdesk import" in result.stderr
    assert "Error: No such option '--bogus'." in result.stderr
