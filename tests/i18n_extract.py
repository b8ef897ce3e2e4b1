"""Find every English UI string in the TUI source (by reading its syntax tree), so a test
can check that the Chinese catalog covers all of them."""

from __future__ import annotations

from pathlib import Path

from core.testing.strings import from_tree, strings_in  # noqa: F401  (used by tests)

ROOT = Path(__file__).resolve().parents[1]
# English strings the code hands to _() indirectly (values computed at run time)
DYNAMIC = {"built-in", "entry point", "registered"}


def english_strings() -> set[str]:
    """UI strings of the TUI and the core, which the core catalog must cover."""
    paths = [p for p in ROOT.glob("tui/**/*.py") if p.name != "cli.py"]
    core = [ROOT / "core/services/dashboard.py", ROOT / "core/schemas.py"]
    return strings_in([*paths, *core]) | DYNAMIC


def plugin_dirs() -> list[Path]:
    return sorted(p.parent for p in ROOT.glob("plugins/*/__init__.py"))


def plugin_strings(plugin_dir: Path) -> set[str]:
    """UI strings of one plugin, which its own ``locale/zh_CN.json`` must cover."""
    return strings_in(sorted(plugin_dir.glob("**/*.py")))


if __name__ == "__main__":
    import json
    import sys

    catalog_path = ROOT / "core" / "locale" / "zh_CN.json"
    catalog = json.loads(catalog_path.read_text()) if catalog_path.exists() else {}
    missing = sorted(english_strings() - set(catalog))
    json.dump({s: "" for s in missing}, sys.stdout, ensure_ascii=False, indent=1)
