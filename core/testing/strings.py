"""Find the English UI strings in Python source (by reading its syntax tree), so a test
can check that a Chinese catalogue covers all of them: ``_("...")`` calls, key bindings,
form field titles, what a text field's format allows (``FormatRule``) and the title lists
and tables the screens declare."""

from __future__ import annotations

import ast
from pathlib import Path

TITLE_LISTS = {"COLUMNS", "FIGURE_TITLES", "TABS"}


def _strings(node: ast.AST | None) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.List | ast.Tuple):
        return [s for elt in node.elts for s in _strings(elt)]
    return []


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def from_tree(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name, args = _call_name(node), node.args
            if name == "_" and args:
                found.update(_strings(args[0]))
            elif name == "plural" and len(args) >= 3:
                found.update(_strings(args[2]))  # the form the catalogue holds
            elif name == "Binding" and len(args) >= 3:
                found.update(_strings(args[2]))
                for kw in node.keywords:
                    if kw.arg == "tooltip":
                        found.update(_strings(kw.value))
            elif name == "FormatRule" and args:  # what a text field's format allows
                found.update(_strings(args[0]))
            elif name in ("FieldSpec", "refusal_at") and len(args) >= 2:
                found.update(_strings(args[1]))  # a field's title; a check across fields
            elif name in ("_fill", "Drill") and len(args) >= 1:
                index = 1 if name == "_fill" else 0
                if len(args) > index:
                    found.update(_strings(args[index]))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {getattr(t, "id", getattr(t, "attr", "")) for t in targets}
            value = node.value
            if "TITLE_EN" in names:
                found.update(_strings(value))
            if names & TITLE_LISTS and isinstance(value, ast.List):
                for elt in value.elts:
                    if isinstance(elt, ast.Tuple) and len(elt.elts) >= 2:
                        found.update(_strings(elt.elts[1]))
            if "LABELS" in names and isinstance(value, ast.Dict):
                # plain strings only: a (en, zh) tuple carries its own translation
                found.update(
                    s for v in value.values if not isinstance(v, ast.Tuple) for s in _strings(v)
                )
            if "SECTIONS" in names and isinstance(value, ast.Dict):
                for v in value.values:
                    if isinstance(v, ast.Tuple):
                        found.update(_strings(v.elts[1]))
    return found


def strings_in(paths: list[Path]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        found |= from_tree(ast.parse(path.read_text(encoding="utf-8")))
    return {s for s in found if s.strip()}
