"""The repository documents itself: the domain and the performance goals live in
docs/domain.md and docs/performance.md, and no tracked file points at notes kept outside
the repository (the domain and performance notes that used to sit in a shared folder
beside it)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# Spelled in pieces so this file does not match itself.
OUTSIDE = ["DOMAIN" + ".md", "PERFORMANCE" + ".md", "../" + "shared", "/work/" + "shared"]
SECTION_REF = re.compile(r"docs/domain\.md sections? ([\d, and]+)")


def tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return [ROOT / name for name in out.decode().split("\0") if name]


def texts() -> list[tuple[str, str]]:
    found = []
    for path in tracked_files():
        if not path.is_file():  # deleted in the work tree, not yet committed
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        found.append((str(path.relative_to(ROOT)), data.decode("utf-8", "replace")))
    return found


def test_no_tracked_file_points_outside_the_repository() -> None:
    offenders = [
        f"{name}:{n}: {line.strip()}"
        for name, text in texts()
        for n, line in enumerate(text.splitlines(), 1)
        if any(ref in line for ref in OUTSIDE)
    ]
    assert offenders == []


def test_the_scan_sees_a_reference_outside() -> None:
    """The check above can fail: the same test on a line naming the old notes."""
    line = "see " + OUTSIDE[0] + " section 2"
    assert any(ref in line for ref in OUTSIDE)


def test_domain_sections_referred_to_exist() -> None:
    headings = set(re.findall(r"^## (\d+)\. ", (DOCS / "domain.md").read_text(), re.M))
    assert headings == {str(n) for n in range(1, 9)}
    cited = {
        num
        for _, text in texts()
        for group in SECTION_REF.findall(text)
        for num in re.findall(r"\d+", group)
    }
    assert cited, "code and READMEs cite docs/domain.md by section"
    assert cited <= headings


def test_performance_page_names_a_script_for_each_bench_file() -> None:
    page = (DOCS / "performance.md").read_text()
    scripts = {p.name for p in (ROOT / "bench").glob("bench_*.py")}
    assert scripts
    assert {s for s in scripts if f"bench/{s}" not in page} == set()
