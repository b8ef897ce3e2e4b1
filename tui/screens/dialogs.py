"""Small modal dialogs: the keys of the screen, a conflict, a reason, a message, and the
one confirmation asked before anything that cannot be undone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Label, Static

from core.errors import Conflict
from core.i18n import _
from tui.base import BaseModal, report_error

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 72; max-width: 100%; height: auto; max-height: 100%;
    border: round $accent; padding: 0 1; background: $surface; }}
{name} .title {{ text-style: bold; margin-bottom: 1; }}
{name} .keys {{ color: $text-muted; margin-top: 1; }}
"""


class KeysDialog(BaseModal):
    """``?``: every key of the screen underneath, with what it does."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="KeysDialog")
        + """
    KeysDialog DataTable { height: auto; max-height: 18; }
    """
    )
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
            yield Static(
                _(
                    "Arrows move, Enter opens, Tab goes to the next field. Escape "
                    "closes. Ctrl+P searches screens, customers, deals and reports."
                ),
                classes="keys",
            )


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
        with Vertical():
            yield Label(_("Changed by someone else"), classes="title")
            yield Static(str(self.conflict), markup=False, id="conflict-text")
            yield Static(
                _(
                    "r: reload theirs (your typing is dropped)   k: keep mine "
                    "(save your changes over theirs)   Esc: back to the form"
                ),
                classes="keys",
            )

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class PromptDialog(BaseModal):
    """Ask for one line of text (a reason, a path); Enter confirms, Escape cancels."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PromptDialog")

    def __init__(self, title: str, prompt: str, value: str = "") -> None:
        super().__init__()
        self.title_text, self.prompt, self.value = title, prompt, value

    def compose(self) -> ComposeResult:
        # the title and prompt often carry a customer's or a deal's name: never markup
        with Vertical():
            yield Label(self.title_text, classes="title", markup=False)
            yield Static(self.prompt, markup=False)
            yield Input(self.value, id="prompt-input")
            yield Static(_("Enter confirms, Escape cancels."), classes="keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


class TableDialog(BaseModal):
    """A read-only table (stage history, details)."""

    # As wide as its columns need, up to the terminal (side-by-side versions, previews).
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="TableDialog")
        + """
    TableDialog > Vertical { width: auto; min-width: 72; max-width: 96%; }
    TableDialog DataTable { width: auto; max-width: 100%; height: auto; max-height: 18; }
    """
    )

    def __init__(self, title: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        super().__init__()
        self.title_text, self.columns, self.rows = title, columns, rows

    def compose(self) -> ComposeResult:
        # titles and cells are names, reasons, numbers as typed: never markup
        with Vertical():
            yield Label(self.title_text, classes="title", markup=False)
            table: DataTable[Any] = DataTable(cursor_type="row")
            table.add_columns(*self.columns)
            for row in self.rows:
                table.add_row(*(Text(v) if isinstance(v, str) else v for v in row))
            yield table
            yield Static(_("Escape closes."), classes="keys")


class TextDialog(BaseModal):
    """Read-only text that wraps and scrolls: a report row whose cells were cut."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="TextDialog")
        + """
    TextDialog > Vertical { width: 90%; max-width: 110; }
    TextDialog VerticalScroll { height: auto; max-height: 30; }
    """
    )

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text, self.text = title, text

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll

        with Vertical():
            yield Label(self.title_text, classes="title")
            with VerticalScroll():
                yield Static(self.text, markup=False, id="text")
            yield Static(_("Escape closes."), classes="keys")


class FormDialog(BaseModal):
    """A small form in a dialog. ``submit(values)`` saves through a service; its
    ValidationFailed is shown next to the fields and the dialog stays open."""

    GUARDS_INPUT = True
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="FormDialog")
        + """
    FormDialog FormFields { height: auto; max-height: 16; }
    """
    )
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="dialog.save", priority=True)]

    def __init__(self, title: str, specs: list[Any], values: dict[str, Any], submit: Any) -> None:
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

        if self.specs:  # a form may come with no field to fill (nothing to deliver)
            self.query_one(FormFields).widget_for(self.specs[0].name).focus()

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        """``submit`` runs in a thread worker (a save is database work): the dialog stays
        open with what was typed until it succeeds; a refusal is shown next to the
        fields, or as a message. Ctrl+S again while it runs does nothing."""
        from tui.widgets.form import FormFields

        if self.writing():
            return
        form = self.query_one(FormFields)
        values = self.typed()
        keys = self.query_one(".keys", Static)
        shown = keys.content
        keys.update(_("Saving…"))

        def done(result: Any) -> None:
            keys.update(shown)
            self._close_when_saved = False
            if result is not None:
                self.dismiss(result)

        def not_saved() -> None:
            # an Escape pressed meanwhile is not carried out over a refusal: what was
            # typed stays, with why it was not saved
            leaving, self._close_when_saved = self._close_when_saved, False
            keys.update(_("Not saved. Escape again closes without saving.") if leaving else shown)

        def refused(exc: Any) -> None:
            not_saved()
            form.show_problems(exc.problems)

        def failed(exc: BaseException) -> None:
            not_saved()
            report_error(self.app, exc)

        self.write_then(lambda: self.submit(values), done, refused=refused, failed=failed)

    def typed(self) -> dict[str, Any]:
        """What ``submit`` gets: the form's values (read on the UI thread)."""
        from tui.widgets.form import FormFields

        return self.query_one(FormFields).values()

    _close_when_saved = False

    def action_dismiss_none(self) -> None:
        """Escape while the save runs does not cut it short (a save is all or nothing, and
        its thread cannot be stopped half-way) nor drop what was typed: the dialog says it
        closes once saved, which it does. A refused save leaves it open (see action_save)."""
        if self.writing():
            self._close_when_saved = True
            self.query_one(".keys", Static).update(_("Saving… the dialog closes once it is saved."))
            return
        super().action_dismiss_none()


class ConfirmDialog(BaseModal):
    """Ask before a step that cannot be undone (signing, approving, handing customers
    over) or that throws away what was typed. It names the thing in business words and
    may list what will change. Cancel has the focus, so Enter pressed twice (or a key
    typed ahead) never confirms by accident: Tab or → reaches the confirm button.
    Dismisses with True (confirmed) or False."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ConfirmDialog")
        + """
    ConfirmDialog > Vertical { width: auto; min-width: 60; max-width: 96%; }
    ConfirmDialog DataTable { width: auto; max-width: 100%; height: auto; max-height: 14;
        margin-top: 1; }
    ConfirmDialog #confirm-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmDialog Button { margin-left: 2; }
    """
    )
    BINDINGS = [
        Binding("left", "pick('cancel')", "Cancel", id="confirm.left", show=False),
        Binding("right", "pick('confirm')", "Confirm", id="confirm.right", show=False),
    ]

    def __init__(
        self,
        title: str,
        question: str,
        confirm: str,
        *,
        columns: list[str] | None = None,
        rows: list[tuple[Any, ...]] | None = None,
        cancel: str = "",
    ) -> None:
        super().__init__()
        self.title_text, self.question, self.confirm_text = title, question, confirm
        self.cancel_text = cancel or _("Cancel")
        self.columns, self.rows = columns or [], rows or []

    def compose(self) -> ComposeResult:
        # names, titles and amounts are the user's text: shown as typed, never as markup
        with Vertical():
            yield Label(self.title_text, classes="title", markup=False)
            yield Static(self.question, id="confirm-question", markup=False)
            if self.columns:
                table: DataTable[Any] = DataTable(cursor_type="row", id="confirm-rows")
                table.add_columns(*self.columns)
                for row in self.rows:
                    table.add_row(*(Text(v) if isinstance(v, str) else v for v in row))
                yield table
            with Horizontal(id="confirm-buttons"):
                yield Button(self.cancel_text, id="cancel", variant="primary", compact=True)
                yield Button(self.confirm_text, id="confirm", variant="error", compact=True)
            yield Static(
                _(
                    "Enter presses the highlighted button; Tab or the arrows move "
                    "between them. Escape cancels."
                ),
                classes="keys",
            )

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def action_pick(self, button: str) -> None:
        self.query_one(f"#{button}", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_dismiss_none(self) -> None:
        self.dismiss(False)


def confirm(
    app: Any,
    title: str,
    question: str,
    confirm_label: str,
    then: Callable[[], Any],
    *,
    columns: list[str] | None = None,
    rows: list[tuple[Any, ...]] | None = None,
) -> None:
    """Show a ConfirmDialog and call ``then()`` only if the user confirms."""
    app.push_screen(
        ConfirmDialog(title, question, confirm_label, columns=columns, rows=rows),
        lambda confirmed: then() if confirmed else None,
    )
