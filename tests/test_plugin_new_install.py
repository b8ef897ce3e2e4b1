"""``salesdesk plugin new`` end to end, as a third-party author meets it (issue #20.4,
"Done when"): salesdesk (this checkout, not editable, so only what its wheel ships) is
installed into a fresh virtual environment; its ``salesdesk plugin new acme`` writes the
package; pip installs that; the package's own tests pass as generated, found through the
``pytest11`` entry point with no ``-p`` and no conftest (the plugin contract among
them); and the README's steps work: ``salesdesk init``, ``plugins enable acme``, the
report to xlsx and pdf.

Offline: the venv is made without pip and sees the test environment's packages through
a ``.pth`` line (that folder's own ``.pth`` files, the editable salesdesk among them,
are not run), so nothing is downloaded; builds use ``--no-build-isolation``. The
environment's variables do not reach it (no PYTHONPATH, a home of its own) but
``SALESDESK_TEST_PG_URL``, so the generated tests also run on PostgreSQL when it is set.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("pyproject.toml", "README.md", "core", "plugins", "tui")
PG = "SALESDESK_TEST_PG_URL"
PIP = ("-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index")


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-4000:]}\n{done.stderr[-3000:]}"
    return done


def fresh_venv(folder: Path) -> Path:
    """A venv without pip whose site-packages also reads this environment's packages."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120
    )
    python = folder / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "test_environment.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return python


def checkout_copy(source: Path) -> Path:
    """What salesdesk's wheel is built from, copied so the build leaves nothing here."""
    source.mkdir()
    for name in SHIPPED:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name,
                source / name,
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"),
            )
        else:
            shutil.copy(ROOT / name, source / name)
    return source


@pytest.mark.slow
def test_a_new_plugin_installs_passes_its_tests_and_exports(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONPATH" and (k == PG or not k.startswith("SALESDESK_"))
    }
    env["SALESDESK_HOME"] = str(tmp_path / "home")
    python = fresh_venv(tmp_path / "venv")
    salesdesk = str(tmp_path / "venv" / "bin" / "salesdesk")

    run([str(python), *PIP, str(checkout_copy(tmp_path / "salesdesk-src"))], tmp_path, env)

    made = run([salesdesk, "plugin", "new", "acme"], tmp_path, env)
    package = tmp_path / "salesdesk-acme"
    assert str(package) in made.stdout
    run([str(python), *PIP, str(package)], tmp_path, env)
    for path in package.rglob("*.py"):  # what the author got imports the core only
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] not in ("plugins", "tui"), path

    tests = run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], package, env)
    backends = 2 if os.environ.get(PG) else 1  # the fixtures run on PostgreSQL too
    assert f"{7 * backends} passed" in tests.stdout, tests.stdout[-2000:]

    url = f"sqlite:///{tmp_path / 'company.db'}"  # the README's steps
    run([salesdesk, "--database", url, "init"], tmp_path, env)
    enabled = run([salesdesk, "--database", url, "plugins", "enable", "acme"], tmp_path, env)
    assert "acme enabled" in enabled.stdout
    for fmt in ("xlsx", "pdf"):
        out = tmp_path / f"sales.{fmt}"
        run(
            [
                salesdesk,
                "--database",
                url,
                "report",
                "run",
                "acme.sales_by_product",
                "--format",
                fmt,
                "-o",
                str(out),
            ],
            tmp_path,
            env,
        )
        assert out.read_bytes()[:4] == (b"PK\x03\x04" if fmt == "xlsx" else b"%PDF")
