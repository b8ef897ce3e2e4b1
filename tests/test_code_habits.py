"""Habits the code keeps: ruff finds nothing and would reformat nothing, and core
type-checks clean with mypy ([tool.mypy] in pyproject.toml).

CI runs it with the rest of the suite (mypy is in the ``test`` extra); locally,
``.venv/bin/mypy`` from the repository root gives the same answer.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_core_type_checks_clean() -> None:
    pytest.importorskip("mypy", reason="mypy is not installed: pip install -e '.[test]'")
    # One process for the whole package: the files, plugins and overrides come from
    # pyproject.toml, read because mypy runs from the repository root.
    done = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert done.returncode == 0 and not errors, (
        f"mypy reports {len(errors)} errors in core (exit {done.returncode}):\n"
        f"{done.stdout}{done.stderr}"
    )


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("ruff", reason="ruff is not installed: pip install -e '.[test]'")
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ruff_finds_nothing() -> None:
    done = _ruff("check", "--output-format", "concise", ".")
    assert done.returncode == 0, f"ruff check:\n{done.stdout}{done.stderr}"


def test_the_code_is_formatted() -> None:
    """``ruff format .`` was applied once to the whole tree; this keeps it so."""
    done = _ruff("format", "--check", ".")
    assert done.returncode == 0, (
        f"files ruff format would change (run .venv/bin/ruff format):\n{done.stdout}{done.stderr}"
    )
