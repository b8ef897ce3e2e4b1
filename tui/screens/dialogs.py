"""Small modal dialogs: the keys of the screen, a conflict, a reason, a message."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Label, Static

from core.errors import Conflict
from core.i18n import _
from tui.base import BaseModal

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 72; max-width: 100%; height: auto; max-height: 100%;
    border: round $accent; padding: 0 1; background: $surface; }}
{name} .title {{ text-style: bold; margin-bottom: 1; }}
{name} .keys {{ color: $text-muted; margin-top: 1; }}
"""


class KeysDialog(BaseModal):
    """``?``: every key of the screen underneath, with what it does."""

    DEFAULT_CSS = DIALOG_CSS.format(name="KeysDialog") + """
    KeysDialog DataTable { height: auto; max-height: 18; }
    """
    BINDINGS = [Binding("question_mark", "dismiss_none", "Close", id="close-keys")]

    def __init__(self, bindings: list[tuple[str, str]], title: str) -> None:
        super().__init__()
        self.rows = bindings
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Keys: {screen}").format(screen=self.title_text), classes="title")
            table: DataTable[str] = DataTable(cursor_type="row", show_header=False)
            table.add_columns(_("Key"), _("Action"))
            for key, description in self.rows:
                table.add_row(key, description)
            yield table
            yield Static(_("Arrows move, Enter opens, Tab goes to the next field. Escape "
                           "closes. Ctrl+P searches screens, customers, deals and reports."),
                         classes="keys")


class ConflictDialog(BaseModal):
    """Someone else saved first: reload theirs, keep yours, or go back to the form."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ConflictDialog")
    BINDINGS = [
        Binding("r", "choose('reload')", "Reload theirs", id="conflict.reload"),
        Binding("k", "choose('keep')", "Keep mine", id="conflict.keep"),
    ]

    def __init__(self, conflict: Conflict) -> None:
        super().__init__()
        self.conflict = conflict

    def compose(self) -> ComposeResult:
        who = self.conflict.changed_by or _("another user")
        when = (f"{self.conflict.changed_at:%Y-%m-%d %H:%M}" if self.conflict.changed_at
                else "?")
        with Vertical():
            yield Label(_("Changed by someone else"), classes="title")
            yield Static(_("This record was changed by {who} at {when} after you opened "
                           "it.").format(who=who, when=when))
            yield Static(_("r: reload theirs (your typing is dropped)   k: keep mine "
                           "(save your changes over theirs)   Esc: back to the form"),
                         classes="keys")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class PromptDialog(BaseModal):
    """Ask for one line of text (a reason, a path); Enter confirms, Escape cancels."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PromptDialog")

    def __init__(self, title: str, prompt: str, value: str = "") -> None:
        super().__init__()
        self.title_text, self.prompt, self.value = title, prompt, value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield Static(self.prompt)
            yield Input(self.value, id="prompt-input")
            yield Static(_("Enter confirms, Escape cancels."), classes="keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


class TableDialog(BaseModal):
    """A read-only table (stage history, details)."""

    # As wide as its columns need, up to the terminal (side-by-side versions, previews).
    DEFAULT_CSS = DIALOG_CSS.format(name="TableDialog") + """
    TableDialog > Vertical { width: auto; min-width: 72; max-width: 96%; }
    TableDialog DataTable { width: auto; max-width: 100%; height: auto; max-height: 18; }
    """

    def __init__(self, title: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        super().__init__()
        self.title_text, self.columns, self.rows = title, columns, rows

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            table: DataTable[Any] = DataTable(cursor_type="row")
            table.add_columns(*self.columns)
            for row in self.rows:
                table.add_row(*row)
            yield table
            yield Static(_("Escape closes."), classes="keys")


class FormDialog(BaseModal):
    """A small form in a dialog. ``submit(values)`` saves through a service; its
    ValidationFailed is shown next to the fields and the dialog stays open."""

    DEFAULT_CSS = DIALOG_CSS.format(name="FormDialog") + """
    FormDialog FormFields { height: auto; max-height: 16; }
    """
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="dialog.save", priority=True)]

    def __init__(self, title: str, specs: list[Any], values: dict[str, Any],
                 submit: Any) -> None:
        super().__init__()
        self.title_text, self.specs, self.values, self.submit = title, specs, values, submit

    def compose(self) -> ComposeResult:
        from tui.widgets.form import FormFields

        with Vertical():
            yield Label(self.title_text, classes="title")
            yield FormFields(self.specs, self.values)
            yield Static(_("Ctrl+S saves, Escape cancels."), classes="keys")

    def on_mount(self) -> None:
        from tui.widgets.form import FormFields

        self.query_one(FormFields).widget_for(self.specs[0].name).focus()

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        from core.errors import ValidationFailed
        from tui.widgets.form import FormFields

        form = self.query_one(FormFields)
        try:
            result = self.guard(self.submit, form.values())
        except ValidationFailed as exc:
            form.show_problems(exc.problems)
            return
        if result is not None:
            self.dismiss(result)
