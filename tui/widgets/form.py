"""A compact form: one line per field (label, input), the field's error right under it.

``FormFields.values()`` reads what is typed; ``show_problems`` puts each
``FieldProblem`` of a ``ValidationFailed`` next to its field. Nothing typed is cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from core.errors import FieldProblem, field_title
from core.i18n import _
from tui.widgets.compact import compact


@dataclass
class FieldSpec:
    name: str
    title: str  # English; translated when shown
    choices: list[tuple[str, Any]] | None = None  # a Select when given
    placeholder: str = ""
    read_only: bool = False


class FormFields(VerticalScroll):
    DEFAULT_CSS = """
    FormFields { height: 1fr; padding: 0 1; }
    FormFields .row { height: 1; }
    FormFields .row Label { width: 18; }
    FormFields .row Input, FormFields .row Select { width: 1fr; }
    FormFields .error { color: $text-error; height: auto; min-height: 1; margin: 0 0 0 18; }
    FormFields #form-message { color: $text-error; height: auto; }
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
        yield Static("", id="form-message", classes="-empty")
        for spec in self.specs:
            with Horizontal(classes="row"):
                label = Label(_(spec.title))
                label.styles.width = width
                yield label
                yield self._widget(spec, self.initial.get(spec.name))
            line = Static("", id=f"err-{spec.name}", classes="error -empty")
            line.styles.margin = (0, 0, 0, width)
            yield line

    def on_descendant_focus(self, event: Any) -> None:
        """A placeholder longer than its field ("Handover number (default: th") is shown
        whole under the field while it has the focus."""
        from rich.cells import cell_len

        self._clear_hints()
        widget = event.widget
        spec = next((s for s in self.specs if widget.id == f"f-{s.name}"), None)
        if spec is None or not spec.placeholder or not isinstance(widget, Input):
            return
        text = _(spec.placeholder)
        line = self.query_one(f"#err-{spec.name}", Static)
        if cell_len(text) > widget.size.width and line.has_class("-empty"):
            line.update(text)
            line.remove_class("-empty")
            line.add_class("-hint")

    def on_descendant_blur(self, event: Any) -> None:
        self._clear_hints()

    def _clear_hints(self) -> None:
        for line in self.query(".-hint"):
            line.update("")  # type: ignore[attr-defined]
            line.remove_class("-hint")
            line.add_class("-empty")

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
                node.remove_class("-empty")
                first = first or name
            else:
                loose.append(f"{field_title(problem.field)}: {text}")  # its title, not its id
        self.show_message("\n".join(loose))
        if first:
            self.widget_for(first).focus()
