"""#22: what a command prints after it ran reads in the reader's language (SALESDESK_LANG
or LANG): "imported N rows", "(deactivated)", "x is deactivated." were English on a
Chinese terminal. Codes, logins and file names stay as they are."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from core.i18n import set_lang
from tui.cli import cli

# a run of Latin letters that is not a code, a login or a file name of this test
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,}")
ALLOWED = {"admin", "rep9", "good", "csv", "salesdesk", "upgrade", "sqlite"}


def latin_words(text: str) -> set[str]:
    return {w for w in LATIN.findall(text) if w not in ALLOWED}


@pytest.fixture
def run_zh(world: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")

    def run(*args: str) -> Result:
        result = CliRunner().invoke(cli, ["--database", world.runtime.db.url, *args])
        assert result.exit_code == 0, result.output
        return result

    assert run("db", "upgrade").exit_code == 0
    set_lang("zh_CN")
    yield run
    set_lang("en")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_command_summaries_read_in_chinese(
    world: Any, run_zh: Any, tmp_path: Path, backend: str
) -> None:
    world.region("EAST", name="East")
    world.user("rep9", "sales_rep", region="EAST")
    customer = world.customer(region="EAST", name="Acme", code="C9")
    product = world.product(code="P9")
    good = tmp_path / "good.csv"
    good.write_text(
        "date,customer_code,product_code,quantity,amount\n"
        f"2026-03-02,{customer.code},{product.code},3,1200.50\n"
    )
    said = {
        "deactivate": run_zh("users", "deactivate", "rep9").output,
        "list": run_zh("users", "list", "--all").output,
        "dry run": run_zh("import", "sales-lines", str(good), "--dry-run").output,
        "import": run_zh("import", "sales-lines", str(good)).output,
    }
    assert "rep9 已停用" in said["deactivate"]
    assert "(已停用)" in said["list"] or "（已停用）" in said["list"], said["list"]
    assert "已从 good.csv 导入 1 行销售明细" in said["import"], said["import"]
    for what, output in said.items():
        if what == "list":  # the users' names are data (root, Admin)
            output = "\n".join(line for line in output.splitlines() if "rep9" in line)
            output = output.replace("rep9", "")
            output = re.sub(r"^\s*\S+", "", output)  # the display name
        output = re.sub(r"\d{4}-\d\d-\d\d|/\S+", "", output)  # dates and paths
        assert not latin_words(output), (what, output)
