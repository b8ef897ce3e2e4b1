"""Textual calls an ``on_<event>`` handler of every class in a widget's MRO by itself:
a subclass's handler that also calls ``super().on_<event>()`` runs the base's twice (the
handover's refusal was shown twice over, a dialog's first field focused twice)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _handlers_calling_super() -> list[str]:
    found = []
    for path in [*ROOT.joinpath("tui").rglob("*.py"), *ROOT.joinpath("plugins").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if not node.name.startswith("on_") or node.name == "on_event":
                continue  # on_event is a plain override: Textual calls only the last
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == node.name
                    and isinstance(call.func.value, ast.Call)
                    and getattr(call.func.value.func, "id", "") == "super"
                ):
                    found.append(f"{path.relative_to(ROOT)}:{call.lineno} {node.name}")
    return found


def test_no_event_handler_calls_its_base_handler_again() -> None:
    assert _handlers_calling_super() == []
