"""Small hostile workbooks, built by the tests (no binaries in the repository).

``declared_xlsx`` names a huge ``<dimension>`` (or, with ``far_cell``, holds one cell at
the sheet's far corner) while weighing a few KB; ``bomb_xlsx`` inflates far beyond its
size. calamine sizes a sheet's rectangle from either, so without the checks of
``core.services.import_files`` the first two abort the process (a 512 GiB allocation).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _cells(row: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{row}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values)
    )
    return f'<row r="{row}">{cells}</row>'


def _sheet(
    header: list[str], dimension: str | None, extra_rows: str = "", padding: str = ""
) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{_cells(1, header)}{padding}{extra_rows}</sheetData></worksheet>"
    )


def _write(path: Path, sheet: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def declared_xlsx(path: Path, header: list[str], far_cell: bool = False) -> Path:
    """A workbook of a header row that declares (or, with ``far_cell``, reaches)
    XFD1048576: 16,384 columns x 1,048,576 rows."""
    if far_cell:
        far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
        return _write(path, _sheet(header, None, far))
    return _write(path, _sheet(header, "A1:XFD1048576"))


def bomb_xlsx(path: Path, header: list[str], inflated_bytes: int) -> Path:
    """A valid workbook whose sheet inflates to ``inflated_bytes`` of blank space."""
    return _write(path, _sheet(header, "A1:H1", padding=" " * inflated_bytes))


def lying_xlsx(path: Path, header: list[str], inflated_bytes: int) -> Path:
    """``bomb_xlsx`` whose zip directory claims the sheet inflates to 10 bytes."""
    data = bytearray(bomb_xlsx(path, header, inflated_bytes).read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:  # central directory entries
        if data[at + 46 : at + 46 + len(name)] == name:
            data[at + 24 : at + 28] = (10).to_bytes(4, "little")
        at += 4
    path.write_bytes(bytes(data))
    return path
