"""An import's problems say what was expected in the reader's language (#22): the
Import screen's 应为 column showed English ("a code of 1-32 letters ...") and texts
assembled in code ("at most 200 characters (got 201)") that no catalogue could hold."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from core.errors import ValidationFailed
from core.i18n import set_lang
from core.services.importing import import_file

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["core/services/import_rows.py", "core/services/import_org.py"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def expected_texts(path: Path) -> set[str]:
    """Every English "what was expected" a module states: ``Bad(...)``'s message, the
    fourth argument of ``add(...)``, the *_EXPECTED and return constants, ``expected =``
    and the second word of each (column, expected) pair passed to ref_parser."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def text(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "<f-string>"  # never a catalogue entry: a finding by itself
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            picked = {"Bad": 0, "add": 3, "ref_parser": 1}.get(name)
            if picked is not None and len(node.args) > picked:
                found.add(text(node.args[picked]) or "")
        elif isinstance(node, ast.Assign):
            names = {getattr(t, "id", "") for t in node.targets}
            if "expected" in names:
                found.add(text(node.value) or "")
            if any(n.startswith("RETURN_") and n != "RETURN_REASON_MAX" for n in names):
                found.add(text(node.value) or "")
    return {s for s in found if s}


def test_every_expected_format_of_an_import_is_in_the_chinese_catalogue() -> None:
    from core.invoicing import CREDIT_CODE_EXPECTED
    from core.services.import_rows import LINE_AMOUNT_EXPECTED

    catalogue = json.loads((ROOT / "core/locale/zh_CN.json").read_text(encoding="utf-8"))
    wanted = set().union(*(expected_texts(ROOT / m) for m in MODULES))
    from core.services import import_rows

    constants = {v for k, v in vars(import_rows).items() if k.endswith("_EXPECTED")}
    wanted |= constants | {CREDIT_CODE_EXPECTED, LINE_AMOUNT_EXPECTED}
    wanted |= {"(whole row)", "{n} cells", "column {n}", "the code of an existing channel"}
    wanted |= {"a manager who does not report to this user"}
    wanted |= {"a parent that is not itself nor below it"}
    wanted.discard("expected")  # the ref_parser parameter's name, not a text
    assert "<f-string>" not in wanted, "an expected text assembled in code cannot be translated"
    missing = sorted(w for w in wanted if w not in catalogue)
    assert missing == []


@pytest.fixture
def zh() -> Any:
    set_lang("zh_CN")
    yield
    set_lang("en")


def test_a_refused_file_reads_in_chinese(world: Any, tmp_path: Path, zh: Any) -> None:
    world.region("R1")
    op = world.user("op", "business_operator")
    world.customer(region="R1", code="C1")
    long_name = "长" * 201
    path = tmp_path / "customers.csv"
    path.write_text(
        "code,name,size,credit_rating,region_code,notes\n"
        f"C40,{long_name},huge,ZZ,R404,\n"
        "C 41,,,,,\n"
        "C1,Again,,,,\n"
        "C42,A,small,A,R1,x,extra\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as info:
        import_file(op, "customers", path)
    problems = info.value.problems
    assert len(problems) >= 6
    for problem in problems:
        shown = problem.expected_text()
        assert CJK.search(shown), shown
        assert "{" not in shown and "characters" not in shown and "one of" not in shown
    by_field = {p.field: p.expected_text() for p in problems if p.row == 2}
    assert "200" in by_field["name"] and "201" in by_field["name"]
    assert "huge" not in by_field["size"] and "small" in by_field["size"]


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [
        ("en", "row 2, Size (column 'Size' in the file): got 'huge', expected"),
        ("zh_CN", "第 2 行，规模（文件中的“Size”列）：填的是 'huge'，应为"),
    ],
)
def test_a_file_problem_names_the_business_field_and_the_typed_column(
    world: Any, tmp_path: Path, lang: str, wanted: str
) -> None:
    """The command line's problem lines named the column as the code knows it ("size
    列"): they name the field in the reader's language and, in brackets, the column as
    the file has it, with the row and what was expected."""
    world.region("R1")
    op = world.user("op", "business_operator")
    path = tmp_path / "customers.csv"
    path.write_text("code,name,Size ,region_code\nC40,Acme,huge,R1\n", encoding="utf-8")
    set_lang(lang)
    try:
        with pytest.raises(ValidationFailed) as info:
            import_file(op, "customers", path)
        (problem,) = info.value.problems
        assert str(problem).startswith(wanted), str(problem)
    finally:
        set_lang("en")
