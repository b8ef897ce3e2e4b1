"""Textual's DataTable as salesdesk needs it: string cells shown as typed (never read as
markup), and plain one-line cells drawn and measured without Rich's general machinery
(most of a list's drawing). Each patch is installed once, at import, and only on the
Textual internals it was written against (Textual 8; pyproject pins textual below 9);
``tui.base`` imports this module, so every screen has it."""

from __future__ import annotations

from typing import Any

from rich.text import Text


def _plain_table_cells() -> None:
    """A DataTable reads a ``str`` cell as Rich markup: a customer named ``[/]`` stopped
    the screen showing it, ``[b]x`` was drawn bold. Table cells in salesdesk are data
    (names, codes, reasons), never markup, so strings are shown as typed. Textual 8 calls
    the module's ``default_cell_formatter``; without it, Textual's behaviour stays."""
    from textual.widgets import _data_table

    original = getattr(_data_table, "default_cell_formatter", None)
    if original is None or getattr(original, "plain_strings", False):
        return

    def plain(obj: Any, wrap: bool = True, height: int = 0) -> Any:
        if isinstance(obj, str):
            obj = Text(obj, no_wrap=not wrap, end="")
        return original(obj, wrap=wrap, height=height)

    plain.plain_strings = True  # type: ignore[attr-defined]
    _data_table.default_cell_formatter = plain  # type: ignore[attr-defined]


_plain_table_cells()


def _one_line(cell: Any, width: int) -> str | None:
    """The text a plain one-line ``Text`` cell shows in ``width`` columns, as Rich would
    draw it (justified, cut with its overflow), or None when Rich's own drawing is
    needed (spans, a style, several lines, tabs, wrapping, full justification)."""
    from rich.cells import cell_len, set_cell_size

    if (
        type(cell) is not Text
        or cell._spans
        or cell.style
        or cell.end not in ("", "\n")
        or cell.overflow not in (None, "fold", "crop", "ellipsis")
        or cell.justify not in (None, "default", "left", "right", "center")
    ):
        return None
    plain = cell.plain
    if "\n" in plain or "\t" in plain or (cell.no_wrap is False and cell_len(plain) > width):
        return None
    overflow = cell.overflow or "fold"

    def cut(text: str, pad: bool = False) -> str:
        length = cell_len(text)
        if length > width:
            text = (
                set_cell_size(text, width - 1) + "…"
                if overflow == "ellipsis"
                else set_cell_size(text, width)
            )
        return text + " " * (width - length) if pad and length < width else text

    if cell.justify == "left":
        plain = cut(plain, pad=True)
    elif cell.justify == "right":
        plain = cut(plain.rstrip())
        plain = " " * (width - cell_len(plain)) + plain
    elif cell.justify == "center":
        plain = cut(plain.rstrip())
        plain = " " * ((width - cell_len(plain)) // 2) + plain
        plain += " " * (width - cell_len(plain))
    return cut(plain)


def _fast_table_cells() -> None:
    """Draw a DataTable's plain one-line cells straight to segments. Textual draws each
    cell through Rich's general machinery (``Styled(Padding(Text))`` and
    ``console.render_lines``): about 150 us of CPU per cell, most of a table's drawing, and
    a new page, a focus change or a screen opened draws every visible cell again (a
    served session's CPU per key, each section's opening). The segments made here are
    the ones Rich makes (``tests/test_tui_redraw.py`` compares them cell by cell); any
    other cell, the header and the row labels are Textual's. Installed only on the
    ``_render_cell`` it was written against (Textual 8)."""
    from rich.cells import cell_len
    from rich.segment import Segment
    from rich.style import Style
    from textual.widgets import DataTable

    original = DataTable._render_cell
    names = ("self", "row_index", "column_index", "base_style", "width", "cursor", "hover")
    if (
        getattr(original, "fast_cells", False)
        or original.__code__.co_varnames[:7] != names
        or not hasattr(DataTable, "_get_styles_to_render_cell")
    ):
        return

    def render_cell(
        self: Any,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        args = (self, row_index, column_index, base_style, width, cursor, hover)
        if row_index < 0 or column_index < 0:
            return original(*args)
        row_key = self._row_locations.get_key(row_index)
        key = (
            row_key,
            self._column_locations.get_key(column_index),
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(key)
        if cached is not None:
            return cached
        pad = self.cell_padding
        if self.rows[row_key].height != 1 or width - 2 * pad < 1:
            return original(*args)
        text = _one_line(self._get_row_renderables(row_index)[1][column_index], width - 2 * pad)
        if text is None:
            return original(*args)
        component, post = self._get_styles_to_render_cell(
            False,
            False,
            row_index < self.fixed_rows or column_index < self.fixed_columns,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        style = base_style + Style.from_meta({"row": row_index, "column": column_index})
        style += component
        if post:
            style = style + post if style else post
        line = [Segment(text, style)]
        if cell_len(text) < width - 2 * pad:
            line.append(Segment(" " * (width - 2 * pad - cell_len(text)), style))
        if pad:
            line = [Segment(" " * pad, style), *line, Segment(" " * pad, style)]
        lines = [line]
        self._cell_render_cache[key] = lines
        return lines

    render_cell.fast_cells = True  # type: ignore[attr-defined]
    render_cell.textual = original  # type: ignore[attr-defined]  # the tests compare
    DataTable._render_cell = render_cell  # type: ignore[method-assign]


_fast_table_cells()


def _fast_cell_widths() -> None:
    """Measure a plain one-line ``Text`` cell by its length in cells. DataTable measures
    every new row's cells for its automatic column widths through Rich's
    ``__rich_measure__`` (about 55 us a cell, most of it making ``console.options``):
    13 ms of CPU for each page of a list. The width is the same: a one-line text's
    widest line is itself (tests/test_tui_redraw.py compares)."""
    from rich.cells import cell_len
    from textual.widgets import _data_table

    original = _data_table.measure
    if getattr(original, "fast_widths", False):
        return

    def measure(console: Any, renderable: Any, default: int, **kw: Any) -> int:
        if type(renderable) is Text and not kw:
            plain = renderable.plain
            if plain.isprintable():  # no line breaks, tabs or other controls
                return cell_len(plain)
        return original(console, renderable, default, **kw)

    measure.fast_widths = True  # type: ignore[attr-defined]
    measure.textual = original  # type: ignore[attr-defined]  # the tests compare
    _data_table.measure = measure


_fast_cell_widths()


class _DrawnStyles:
    """A component's styles as ``get_component_styles`` gives them, with the Rich style
    worked out once (see ``_styles_once_a_drawing``)."""

    __slots__ = ("_styles", "rich_style")

    def __init__(self, styles: Any) -> None:
        self._styles = styles
        self.rich_style = styles.rich_style

    def __getattr__(self, name: str) -> Any:
        return getattr(self._styles, name)


def _styles_once_a_drawing() -> None:
    """Work out a DataTable's own Rich style and its rows' styles once each time it draws,
    not for every line. Textual asks for them once or twice a line (the table's style,
    the header's and the zebra row's), each time walking every ancestor of the table to
    blend their backgrounds (``DOMNode.rich_style``) and making a new styles object: some
    100 walks for a screenful of rows, a fifth of drawing Admin's regions as it opens,
    and again on every cursor move in a list. Nothing restyles a widget while it draws
    (``render_lines`` runs in one go), so the styles are the same throughout. Installed
    only on the Textual 8 internals it was written against."""
    from textual.dom import DOMNode
    from textual.widgets import DataTable

    original_lines = DataTable.render_lines
    original_styles = DataTable.get_component_styles
    base = DOMNode.__dict__.get("rich_style")
    if (
        getattr(original_lines, "styles_once", False)
        or not isinstance(base, property)
        or "rich_style" in DataTable.__dict__
        or "get_component_styles" in DataTable.__dict__
    ):
        return

    def render_lines(self: Any, crop: Any) -> Any:
        self._drawing_styles = {}
        try:
            return original_lines(self, crop)
        finally:
            self._drawing_styles = None

    def rich_style(self: Any) -> Any:
        drawing = self.__dict__.get("_drawing_styles")
        if drawing is None:
            return base.fget(self)  # type: ignore[misc]
        if () not in drawing:
            drawing[()] = base.fget(self)  # type: ignore[misc]
        return drawing[()]

    def get_component_styles(self: Any, *names: str) -> Any:
        drawing = self.__dict__.get("_drawing_styles")
        if drawing is None:
            return original_styles(self, *names)
        if names not in drawing:
            drawing[names] = _DrawnStyles(original_styles(self, *names))
        return drawing[names]

    render_lines.styles_once = True  # type: ignore[attr-defined]
    render_lines.textual = (  # type: ignore[attr-defined]  # the tests compare
        original_lines,
        original_styles,
        base,
    )
    DataTable.render_lines = render_lines  # type: ignore[method-assign]
    DataTable.rich_style = property(rich_style)  # type: ignore[assignment]
    DataTable.get_component_styles = get_component_styles  # type: ignore[method-assign]


_styles_once_a_drawing()
