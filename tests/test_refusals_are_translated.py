"""Every refusal a service raises reads in the user's language and in business words: the
sentence goes through a translator (``_``), and never names the actor's login. The TUI and
the CLI show ``str(error)`` as it is, so an English f-string here reached a Chinese user
as "rep001 may not run reports"."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Errors whose first argument is not a sentence: a record kind (Conflict builds its own
# translated message) or a list of field problems (each worded by FieldProblem).
NOT_A_SENTENCE = {"Conflict", "ValidationFailed"}
# Read only by a plugin's author or an operator, at load or start, in English on purpose:
# the class names a fault in code or in the server's set-up, not a user's request.
FOR_DEVELOPERS = {"PluginError", "PluginOlderThanData", "SchemaOutOfDate", "SchemaTooNew"}


def _sources() -> dict[Path, ast.Module]:
    files = [
        path
        for folder in ("core", "plugins")
        for path in (ROOT / folder).rglob("*.py")
        if "testing" not in path.relative_to(ROOT).parts
    ]
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in files}


def _error_classes(trees: dict[Path, ast.Module], roots: set[str] | None = None) -> set[str]:
    """``roots`` (SalesdeskError) and every class that derives from them, by name."""
    found = set(roots or {"SalesdeskError"})
    grew = True
    while grew:
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in found:
                    bases = {getattr(b, "id", getattr(b, "attr", None)) for b in node.bases}
                    if bases & found:
                        found.add(node.name)
                        grew = True
    return found


def _is_untranslated(arg: ast.expr) -> bool:
    """A literal, an f-string, or a literal's .format(): text no translator saw."""
    if isinstance(arg, ast.JoinedStr):
        return True
    if isinstance(arg, ast.Constant):
        return isinstance(arg.value, str)
    if isinstance(arg, ast.BinOp):
        return _is_untranslated(arg.left) or _is_untranslated(arg.right)
    if isinstance(arg, ast.IfExp):
        return _is_untranslated(arg.body) or _is_untranslated(arg.orelse)
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute):
        return arg.func.attr == "format" and _is_untranslated(arg.func.value)
    return False


def _names_a_login(arg: ast.expr) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "login" for n in ast.walk(arg))


def _refusals(trees: dict[Path, ast.Module], errors: set[str]) -> Iterator[tuple[str, str]]:
    """(where, what is wrong) for each error raised or returned with a bad sentence."""
    for path, tree in trees.items():
        for node in ast.walk(tree):
            call = getattr(node, "exc" if isinstance(node, ast.Raise) else "value", None)
            if not isinstance(node, ast.Raise | ast.Return) or not isinstance(call, ast.Call):
                continue
            name = getattr(call.func, "id", getattr(call.func, "attr", None))
            if name not in errors or not call.args:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno} {name}"
            if _is_untranslated(call.args[0]):
                yield where, "not translated"
            if _names_a_login(call.args[0]):
                yield where, "names a login"


def _sentences_made_by_errors(
    trees: dict[Path, ast.Module], errors: set[str]
) -> Iterator[tuple[str, str]]:
    """An error class that builds its own sentence (``super().__init__(...)``)."""
    for path, tree in trees.items():
        for cls in ast.walk(tree):
            if not isinstance(cls, ast.ClassDef) or cls.name not in errors:
                continue
            for node in ast.walk(cls):
                func = node.func if isinstance(node, ast.Call) else None
                made_by_super = (
                    isinstance(func, ast.Attribute)
                    and func.attr == "__init__"
                    and isinstance(func.value, ast.Call)
                    and getattr(func.value.func, "id", None) == "super"
                )
                if made_by_super and node.args and _is_untranslated(node.args[0]):
                    yield f"{path.relative_to(ROOT)}:{node.lineno} {cls.name}", "not translated"


def test_every_refusal_is_translated_and_names_no_login() -> None:
    trees = _sources()
    errors = _error_classes(trees) - _error_classes(trees, NOT_A_SENTENCE) - FOR_DEVELOPERS
    assert {"NotFound", "PermissionDenied", "Refused"} <= errors  # the scan sees the errors
    found = [*_refusals(trees, errors), *_sentences_made_by_errors(trees, errors)]
    bad = [f"{where}: {what}" for where, what in found]
    assert not bad, "\n".join(bad)


def test_the_scan_finds_an_english_refusal_and_a_login() -> None:
    """The scan itself: an f-string naming the actor's login is caught twice over."""
    tree = ast.parse('raise PermissionDenied(f"{ctx.actor.login} may not run reports")')
    found = list(_refusals({ROOT / "x.py": tree}, {"PermissionDenied"}))
    assert [what for _, what in found] == ["not translated", "names a login"]
    tree = ast.parse('raise NotFound(_("gone") if gone else f"no {code}")')
    assert [what for _, what in _refusals({ROOT / "x.py": tree}, {"NotFound"})] == [
        "not translated"
    ]
    tree = ast.parse('raise PermissionDenied(_("You may not run reports."))')
    assert not list(_refusals({ROOT / "x.py": tree}, {"PermissionDenied"}))


def _catalogue(path: Path) -> set[str]:
    """The msgids a module's words are looked up in: the core's, and its plugin's own."""
    keys = set(json.loads((ROOT / "core/locale/zh_CN.json").read_text(encoding="utf-8")))
    parts = path.relative_to(ROOT).parts
    own = ROOT / "plugins" / parts[1] / "locale/zh_CN.json" if parts[0] == "plugins" else None
    if own is not None and own.exists():
        keys |= set(json.loads(own.read_text(encoding="utf-8")))
    return keys


def _expectations(trees: dict[Path, ast.Module]) -> Iterator[tuple[str, str]]:
    """(where, what is wrong) for each FieldProblem whose ``expected`` cannot be looked
    up: it is translated when shown (``FieldProblem.expected_text``), so it must be an
    English msgid some catalogue has, placeholders filled from ``args``."""
    for path, tree in trees.items():
        keys: set[str] | None = None
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if getattr(node.func, "id", getattr(node.func, "attr", None)) != "FieldProblem":
                continue
            named = {k.arg: k.value for k in node.keywords}
            expected = node.args[2] if len(node.args) > 2 else named.get("expected")
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if isinstance(expected, ast.JoinedStr):
                yield where, "an f-string, which no catalogue can hold"
            elif isinstance(expected, ast.Constant) and isinstance(expected.value, str):
                keys = _catalogue(path) if keys is None else keys
                if expected.value not in keys:
                    yield where, f"{expected.value!r} is in no catalogue"


def test_what_a_field_expects_is_in_a_catalogue() -> None:
    bad = [f"{where}: {what}" for where, what in _expectations(_sources())]
    assert not bad, "\n".join(bad)


def test_the_scan_finds_an_untranslatable_expectation() -> None:
    tree = ast.parse(
        'FieldProblem("mode", v, f"one of {known}")\n'
        'FieldProblem("mode", v, "a mode no catalogue has, surely")\n'
        'FieldProblem("region", v, "an existing region code")'
    )
    found = [what for _, what in _expectations({ROOT / "core/x.py": tree})]
    assert found == [
        "an f-string, which no catalogue can hold",
        "'a mode no catalogue has, surely' is in no catalogue",
    ]
