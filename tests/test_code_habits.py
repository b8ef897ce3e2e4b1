"""Habits the code keeps: core type-checks clean with mypy ([tool.mypy] in pyproject.toml).

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
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert done.returncode == 0 and not errors, (
        f"mypy reports {len(errors)} errors in core (exit {done.returncode}):\n"
        f"{done.stdout}{done.stderr}")
