"""#16.16: hostile workbooks are refused by the one checked reader every importer uses,
before calamine allocates anything: a 1.5 KB file declaring (or reaching) cell
XFD1048576, and a zip bomb. Without the checks the first two abort the whole process
(``memory allocation of 549755813888 bytes failed``) or run for minutes.

The files are built here, small; the engine does not matter, so SQLite only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile_files import bomb_xlsx, declared_xlsx, lying_xlsx

from core.errors import SalesdeskError
from core.services import import_files
from core.services.importing import import_file

SALES = ["date", "customer_code", "product_code", "quantity", "amount"]
LEADS = ["code", "name"]
UNITS = ["项目", "楼栋", "房号", "楼层", "建筑面积", "套内面积", "公摊面积", "单价"]
SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _sales(world: Any, path: Path) -> Any:
    return import_file(world.admin, "sales_lines", path)


def _leads(world: Any, path: Path) -> Any:
    from plugins.funnel.services.leads import import_leads

    return import_leads(world.admin, path)


def _units(world: Any, path: Path) -> Any:
    from plugins.real_estate.services.masterdata import import_units

    return import_units(world.admin, path)


IMPORTERS: dict[str, tuple[Callable[[Any, Path], Any], list[str]]] = {
    "sales-lines": (_sales, SALES),
    "funnel-leads": (_leads, LEADS),
    "real-estate-units": (_units, UNITS),
}


def _refused(world: Any, importer: str, path: Path, words: str) -> str:
    run, _header = IMPORTERS[importer]
    started = time.perf_counter()
    with pytest.raises(SalesdeskError) as info:
        run(world, path)
    assert time.perf_counter() - started < 10
    text = str(info.value)
    assert words in text and path.name in text
    return text


@SQLITE
@pytest.mark.parametrize("importer", list(IMPORTERS))
@pytest.mark.parametrize("far_cell", [False, True], ids=["declared", "far-cell"])
def test_a_sheet_spanning_the_whole_grid_is_refused(
    world: Any, tmp_path: Path, importer: str, far_cell: bool
) -> None:
    path = declared_xlsx(tmp_path / "grid.xlsx", IMPORTERS[importer][1], far_cell)
    assert path.stat().st_size < 2000
    text = _refused(world, importer, path, "1,048,576 rows x 16,384 columns")
    assert "Traceback" not in text


@SQLITE
@pytest.mark.parametrize("importer", list(IMPORTERS))
def test_a_zip_bomb_is_refused_before_it_inflates(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, importer: str
) -> None:
    # The real cap is 1 GiB; a smaller one keeps the test's own file small and fast.
    monkeypatch.setattr(import_files, "MAX_INFLATED_BYTES", 8 << 20)
    path = bomb_xlsx(tmp_path / "bomb.xlsx", IMPORTERS[importer][1], 32 << 20)
    assert path.stat().st_size < 100_000
    _refused(world, importer, path, "inflates to more than 8 MiB")


def test_a_sheet_that_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    """The zip directory's sizes are not trusted: the sheet is inflated and checked."""
    path = lying_xlsx(tmp_path / "liar.xlsx", SALES, 4 << 20)
    with pytest.raises(import_files.UnreadableFile, match=r"liar\.xlsx"):
        import_files.check_workbook(path)


@SQLITE
def test_ordinary_workbooks_still_import(world: Any, tmp_path: Path) -> None:
    """A real sheet wider than Z passes the checks (the column scan reads wide refs)."""
    xlsxwriter = pytest.importorskip("xlsxwriter")
    world.customer(code="C1")
    world.product(code="P1")
    path = tmp_path / "wide.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, [*SALES, *[""] * 30])
    sheet.write_row(1, 0, ["2026-01-05", "C1", "P1", 2, 21])
    sheet.write(1, 33, "")
    book.close()
    assert _sales(world, path).rows == 1
