"""A compact form: one line per field (label, input), the field's error right under it.

``FormFields.values()`` reads what is typed; ``show_problems`` puts each
``FieldProblem`` of a ``ValidationFailed`` next to its field. Nothing typed is cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from core.errors import FieldProblem, field_title
from core.i18n import _, labelled
from tui.widgets.compact import compact


@dataclass
class FieldSpec:
    name: str
    title: str  # English; translated when shown
    choices: list[tuple[str, Any]] | None = None  # a Select when given
    placeholder: str = ""
    read_only: bool = False


class AcrossColumns(Static):
    """A line of a form across both columns of its grid (the message, a field's problem
    or hint), as tall as its text wrapped to the width it is drawn in. Textual 8's grid
    sizes an ``auto`` row by measuring a cell that spans columns at each column's width
    alone: at the labels' width, a hint that fits in one line took two."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # the grid passes the form's whole width as the container: the width across the
        # columns, less this line's margin (a problem starts under its field); laid out
        # in its own region, ``width`` is already that
        across = container.width - self.styles.margin.width - self.styles.gutter.width
        return super().get_content_height(container, viewport, max(width, across))


class FormFields(VerticalScroll):
    """The fields in a grid of two columns, the labels and the fields, each field's line
    for a problem or a hint under it, across both (a row container per field, the way it
    was, was a quarter of a form's widgets, and mounting, styling and laying them out was
    most of opening one: 9 fields, 88 ms to open Forms on large)."""

    DEFAULT_CSS = """
    FormFields {
        height: 1fr; padding: 0 1;
        layout: grid; grid-size: 2; grid-columns: 18 1fr; grid-rows: auto;
    }
    FormFields > Label { width: 18; max-height: 1; }
    FormFields > Input, FormFields > Select { width: 1fr; max-height: 1; }
    FormFields .error {
        color: $text-error; height: auto; min-height: 1; margin: 0 0 0 18; column-span: 2;
    }
    FormFields #form-message { color: $text-error; height: auto; column-span: 2; }
    FormFields #form-message.-empty { display: none; }
    FormFields .error.-hint { color: $text-muted; }
    """
    # Tab goes from field to field, never to the box around them: focused, the box
    # passed the digits of a date typed next to the app (2 opened Customers, 4 Daily).
    # Focusing a field scrolls it into view; the wheel scrolls without focus.
    can_focus = False

    def __init__(self, specs: list[FieldSpec], values: dict[str, Any], **kw: Any) -> None:
        super().__init__(**kw)
        self.specs = specs
        self.initial = dict(values)
        self._saved: dict[str, Any] | None = None  # what the fields showed when opened
        self._hints: dict[str, str] = {}  # a placeholder's part not shown in its field

    def on_mount(self) -> None:
        self.mark_clean()

    def mark_clean(self) -> None:
        """What the fields show now counts as saved (opened, reloaded, saved)."""
        self._saved = self.values()

    @property
    def dirty(self) -> bool:
        """True when something was typed or chosen since the form was opened or saved."""
        return self._saved is not None and self.values() != self._saved

    def compose(self) -> ComposeResult:
        from rich.cells import cell_len

        # labels as wide as the longest (a fixed 18 cut "Unified social credit code")
        width = min(32, max([cell_len(_(s.title)) + 2 for s in self.specs] + [18]))
        self.styles.grid_columns = f"{width} 1fr"
        yield AcrossColumns("", id="form-message", classes="-empty")
        for spec in self.specs:
            label = Label(_(spec.title))
            label.styles.width = width
            yield label
            yield self._widget(spec, self.initial.get(spec.name))
            line = AcrossColumns("", id=f"err-{spec.name}", classes="error -empty")
            line.styles.margin = (0, 0, 0, width)
            yield line

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_placeholders)

    def _fit_placeholders(self) -> None:
        """A placeholder wider than its field ("Rep's login (default: " at 80 columns)
        is read whole on the line under the field; the field keeps the part that fits
        (a date's "YYYY-MM-DD") or nothing, so no word is ever shown cut. Runs after a
        refresh: a form replaced meanwhile (Reports, the highlighted report changed) has
        lost its fields, and is left alone (looking for them stopped the app)."""
        from rich.cells import cell_len

        for spec in self.specs:
            found = self.query(f"#f-{spec.name}")
            widget = found.first() if found else None
            if not spec.placeholder or not isinstance(widget, Input):
                continue
            text, width = _(spec.placeholder), widget.content_size.width
            if not width:
                continue  # not laid out yet
            head, _sep, rest = text.partition(" · ")
            if cell_len(text) <= width:
                widget.placeholder, self._hints[spec.name] = text, ""
            elif rest and cell_len(head) <= width:
                widget.placeholder, self._hints[spec.name] = head, rest
            else:
                widget.placeholder, self._hints[spec.name] = "", text
            self._show_hint(spec.name)

    def _show_hint(self, name: str) -> None:
        """The field's hint on its line, unless a problem is shown there."""
        line = self.query_one(f"#err-{name}", Static)
        if line.has_class("-empty") or line.has_class("-hint"):
            hint = self._hints.get(name, "")
            line.update(hint)
            line.set_class(not hint, "-empty")
            line.set_class(bool(hint), "-hint")

    def _widget(self, spec: FieldSpec, value: Any) -> Widget:
        if spec.choices is not None:
            allowed = {v for _l, v in spec.choices}
            return compact(
                Select(
                    spec.choices,
                    value=value if value in allowed else Select.NULL,
                    id=f"f-{spec.name}",
                    prompt="—",
                )
            )
        widget = compact(
            Input(
                "" if value is None else str(value),
                id=f"f-{spec.name}",
                placeholder=_(spec.placeholder),
            )
        )
        widget.disabled = spec.read_only
        return widget

    def widget_for(self, name: str) -> Input | Select[Any]:
        return self.query_one(f"#f-{name}")  # type: ignore[return-value]

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in self.specs:
            widget = self.widget_for(spec.name)
            if isinstance(widget, Select):
                out[spec.name] = None if widget.value is Select.NULL else widget.value
            else:
                out[spec.name] = widget.value
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        for spec in self.specs:
            widget = self.widget_for(spec.name)
            value = values.get(spec.name)
            if isinstance(widget, Select):
                widget.value = value if value is not None else Select.NULL
            else:
                widget.value = "" if value is None else str(value)
        self.mark_clean()

    def clear_problems(self) -> None:
        for node in self.query(".error"):
            node.update("")  # type: ignore[attr-defined]
            node.add_class("-empty")
            node.remove_class("-hint")
        for name in self._hints:
            self._show_hint(name)
        self.show_message("")

    def show_message(self, text: str) -> None:
        node = self.query_one("#form-message", Static)
        node.update(text)
        node.set_class(not text, "-empty")

    def show_problems(self, problems: list[FieldProblem]) -> None:
        """Each problem under its field; problems for unknown fields go on top."""
        self.clear_problems()
        names = {s.name for s in self.specs}
        loose: list[str] = []
        first: str | None = None
        for problem in problems:
            name = problem.field.split(".")[0]
            text = _("expected {what}").format(what=problem.expected_text())
            if name in names:
                node = self.query_one(f"#err-{name}", Static)
                node.update(text)
                node.remove_class("-empty", "-hint")
                first = first or name
            else:
                loose.append(labelled(field_title(problem.field), text))  # its title, not its id
        self.show_message("\n".join(loose))
        if first:
            self.widget_for(first).focus()
