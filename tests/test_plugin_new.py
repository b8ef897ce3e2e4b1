"""``salesdesk plugin new NAME`` (issue #20.4), without installing anything: the files it
writes and the names in them, that they are valid Python / TOML / JSON and lint clean, and
the refusals (a bad name, a taken name, an existing folder), in English and Chinese. No
database is opened. tests/test_plugin_new_install.py installs a generated package and
runs its tests."""

from __future__ import annotations

import ast
import fnmatch
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from core import i18n
from core.scaffold import FILES, TEMPLATES
from tui.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def new(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["plugin", "new", *args])
    return result.exit_code, result.output


def no_database_made() -> bool:
    return not any(Path(os.environ["SALESDESK_HOME"]).rglob("*.db"))


def test_writes_a_package_named_after_the_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = new("price_list")
    assert code == 0, output
    folder = tmp_path / "salesdesk-price-list"
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == [
        ".gitignore",
        "README.md",
        "pyproject.toml",
        "salesdesk_price_list/__init__.py",
        "salesdesk_price_list/locale/zh_CN.json",
        "salesdesk_price_list/reports.py",
        "tests/test_price_list.py",
    ]
    assert "price_list.sales_by_product" in output and str(folder) in output

    project = tomllib.loads((folder / "pyproject.toml").read_text("utf-8"))
    assert project["project"]["name"] == "salesdesk-price-list"
    assert project["project"]["dependencies"] == ["salesdesk>=0.1"]
    assert project["project"]["entry-points"]["salesdesk"] == {"price_list": "salesdesk_price_list"}
    assert project["tool"]["setuptools"]["package-data"] == {
        "salesdesk_price_list": ["locale/*.json"]
    }  # the catalogue ships with the wheel

    reports = (folder / "salesdesk_price_list" / "reports.py").read_text("utf-8")
    assert 'id = "price_list.sales_by_product"' in reports
    assert "from core.report_kit import" in reports and "visible(ctx, SalesLine)" in reports
    catalogue = json.loads((folder / "salesdesk_price_list/locale/zh_CN.json").read_text("utf-8"))
    assert catalogue["Other products"] == "其他产品"
    tests = (folder / "tests" / "test_price_list.py").read_text("utf-8")
    assert 'salesdesk_contract("price_list"' in tests and "salesdesk_run.export" in tests
    readme = (folder / "README.md").read_text("utf-8")
    for step in (
        "pip install -e ./salesdesk-price-list",
        "salesdesk init",
        "salesdesk plugins enable price_list",
        "salesdesk report run price_list.sales_by_product --format xlsx",
        "--format pdf",
        "pytest",
    ):
        assert step in readme
    assert no_database_made()


def test_the_generated_code_imports_no_plugin_and_is_lint_clean(tmp_path: Path) -> None:
    """The longest name allowed, so no line grows past the limit; ruff with the
    project's rules but none of its configuration (the author's package has its own)."""
    name = "a" * 20 + "_bcdefghi9"
    code, output = new(name, "--dir", str(tmp_path / "pkg"))
    assert code == 0, output
    sources = sorted((tmp_path / "pkg").rglob("*.py"))
    assert len(sources) == 3
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [alias.name for alias in node.names]
                )
                assert not any(n.split(".")[0] in ("plugins", "textual", "tui") for n in names), (
                    f"{path}: {names}"
                )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--line-length",
            "100",
            "--select",
            "E,F,W,I,B,UP,SIM,RUF",
            "--ignore",
            "RUF001,RUF002,RUF003",
            ".",
        ],
        cwd=tmp_path / "pkg",  # there, core is a third-party package
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "name", ["Acme", "1acme", "ac-me", "acme_", "ac__me", "_acme", "a" * 31, "acme.x", "我的"]
)
def test_refuses_a_name_that_cannot_name_a_plugin(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = new(name)
    assert code == 1
    assert "cannot name a plugin: use lower-case letters" in output
    assert "Traceback" not in output and not any(tmp_path.iterdir())


def test_refuses_the_name_of_an_installed_plugin(tmp_path: Path) -> None:
    code, output = new("funnel", "--dir", str(tmp_path / "pkg"))
    assert code == 1 and "A plugin named 'funnel' is already installed" in output
    assert not (tmp_path / "pkg").exists()


def test_refuses_an_existing_folder_and_leaves_it_alone(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", "utf-8")
    code, output = new("acme", "--dir", str(folder))
    assert code == 1 and f"{folder} already exists" in output
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert (folder / "notes.txt").read_text("utf-8") == "keep me"


def test_refusals_read_in_chinese(tmp_path: Path) -> None:
    try:
        i18n.set_lang("zh_CN")
        assert "不能用作插件名" in new("Acme", "--dir", str(tmp_path / "a"))[1]
        assert "已安装名为 'funnel' 的插件" in new("funnel", "--dir", str(tmp_path / "b"))[1]
        assert "已存在" in new("acme", "--dir", str(tmp_path))[1]
    finally:
        i18n.set_lang(None)


def test_plugins_new_is_the_same_command_and_plugin_stays_out_of_the_listing(
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["plugins", "new", "acme", "--dir", str(tmp_path / "pkg")])
    assert done.exit_code == 0 and (tmp_path / "pkg" / "salesdesk_acme").is_dir()
    assert "new" in runner.invoke(cli, ["plugins", "--help"]).output
    listing = runner.invoke(cli, ["--help"]).output
    assert " plugins " in listing and " plugin " not in listing
    assert no_database_made()


def test_the_templates_ship_as_package_data() -> None:
    """A non-editable install must carry every template (setuptools' package-data)."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["*"]
    templates = sorted(p.name for p in TEMPLATES.iterdir() if p.suffix == ".tmpl")
    assert templates == sorted(FILES.values())
    assert all(any(fnmatch.fnmatch(t, pattern) for pattern in patterns) for t in templates)
