"""The built-in exporters: xlsx, csv, csv for Excel (with BOM), html and pdf.

Registered through the ``salesdesk`` entry point like any third-party plugin; heavy
libraries (openpyxl, reportlab) are imported only when a file is written.
"""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookimpl


@hookimpl
def salesdesk_exporters() -> list[Any]:
    from plugins.exporters.exporters.csv_export import CsvExporter
    from plugins.exporters.exporters.html_export import HtmlExporter
    from plugins.exporters.exporters.pdf_export import PdfExporter
    from plugins.exporters.exporters.xlsx import XlsxExporter

    return [XlsxExporter(), CsvExporter(), CsvExporter(bom=True), HtmlExporter(), PdfExporter()]
