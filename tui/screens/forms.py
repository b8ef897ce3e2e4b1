"""Forms: every data-entry form the enabled plugins contribute (price tables, tenders,
quotes...), each an entry screen built from the form's pydantic model. Ctrl+S saves through
``core.forms.submit_form``; a bad value is shown under its field and nothing typed is lost."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core.errors import SalesdeskError
from core.i18n import _, pick
from tui.base import BaseScreen, ask_to_discard, report_error
from tui.screens.reports import param_specs
from tui.widgets.form import FormFields


class FormsScreen(BaseScreen):
    TITLE_EN = "Forms"
    GUARDS_INPUT = True
    DEFAULT_CSS = """
    FormsScreen #forms-body { height: 1fr; }
    FormsScreen #form-list { width: 30; height: 1fr; border: round $primary; }
    FormsScreen #entry-box { width: 1fr; height: 1fr; border: round $primary; }
    FormsScreen #form-about { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="forms.save", priority=True),
        Binding("ctrl+n", "clear", "New", id="forms.new", priority=True),
    ]

    def __init__(self, form_id: str | None = None) -> None:
        super().__init__()
        self.form_id = form_id
        self.forms: dict[str, Any] = {}
        self._composed_with: list[Any] | None = None  # the forms listed as composed

    def body(self) -> ComposeResult:
        # The forms, once the app has read them (it does while Home is shown), are
        # listed and the first one's fields composed here: the screen's first frame
        # shows them, rather than a "Loading…" frame, a worker and a second layout.
        known = getattr(self.app, "known_forms", None)
        self._composed_with = known
        form = None
        if known:
            self.forms = {f.id: f for f in known}
            form = self.forms.get(self.form_id or "") or known[0]
            self.form_id = form.id
        with Horizontal(id="forms-body"):
            listing = OptionList(id="form-list")
            listing.border_title = _("Forms")
            if known:  # added, not given to the constructor (see ReportsScreen.body)
                listing.add_options(_options(known))
                listing.highlighted = list(self.forms).index(self.form_id)
            yield listing
            with Vertical(id="entry-box") as box:
                box.border_title = _("Entry")
                yield Static(_about(form, known), id="form-about")
                with Vertical(id="entry"):
                    if form is not None:
                        yield FormFields(*param_specs(form.model))

    def on_mount(self) -> None:
        """The forms this user may fill in are listed once read in a worker (the plugins'
        form modules are imported the first time); "Loading…" until then. Read ahead by
        the app, they were listed as the screen was composed."""
        from core.forms import forms_for

        self.query_one("#form-list", OptionList).focus()
        if self._composed_with is not None:
            return
        self.query_one("#form-about", Static).update(_("Loading…"))
        # the arrows and Enter typed meanwhile are for the list: kept until it is there
        self.read_then(lambda: forms_for(self.ctx), self._list, group="forms", hold_keys=True)

    def _list(self, found: list[Any]) -> None:
        self.query_one("#form-about", Static).update(_about(None, found))
        self.forms = {form.id: form for form in found}
        listing = self.query_one("#form-list", OptionList)
        # in one go: each add_option asks for a layout and sizes the list again
        listing.add_options(_options(found))
        if not found:
            return
        wanted = self.form_id if self.form_id in self.forms else found[0].id
        self.form_id = None
        listing.highlighted = list(self.forms).index(wanted)
        self._show_form(wanted)
        listing.focus()

    @on(OptionList.OptionHighlighted, "#form-list")
    def _highlight(self, event: OptionList.OptionHighlighted) -> None:
        form_id = event.option.id or ""
        if form_id != self.form_id:
            ask_to_discard(self.app, [self], lambda: self._show_form(form_id))

    @on(OptionList.OptionSelected, "#form-list")
    def _select(self, event: OptionList.OptionSelected) -> None:
        form_id = event.option.id or ""
        if form_id == self.form_id:
            self.focus_next()
        else:
            ask_to_discard(self.app, [self], lambda: (self._show_form(form_id), self.focus_next()))

    def _show_form(self, form_id: str, force: bool = False) -> None:
        form = self.forms.get(form_id)
        if form is None or (self.form_id == form_id and not force):
            return
        self.form_id = form_id
        specs, values = param_specs(form.model)
        box = self.query_one("#entry", Vertical)
        box.remove_children()
        box.mount(FormFields(specs, values))
        self.query_one("#form-about", Static).update(_about(form, None))

    def action_clear(self) -> None:
        if self.form_id:
            ask_to_discard(
                self.app, [self], lambda: self._show_form(self.form_id or "", force=True)
            )

    def action_save(self) -> None:
        """The entry is saved in a thread worker; the form keeps what was typed until it
        succeeds (a refusal shows under the fields). Ctrl+S again meanwhile does nothing."""
        from core.forms import submit_form

        if not self.form_id or not self.query(FormFields) or self.writing():
            return
        fields = self.query_one(FormFields)
        raw = {k: ("" if v is None else v) for k, v in fields.values().items()}
        form_id = self.form_id

        def saved(message: str) -> None:
            self.notify(message, title=_("Saved"))
            if fields.is_attached:
                fields.clear_problems()
                fields.mark_clean()
                self.action_clear()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, SalesdeskError) and fields.is_attached:
                fields.show_message(str(exc))
            else:
                report_error(self.app, exc)

        self.write_then(
            lambda: submit_form(self.ctx, form_id, raw),
            saved,
            refused=lambda exc: fields.show_problems(exc.problems) if fields.is_attached else None,
            failed=failed,
        )


def _options(found: list[Any]) -> list[Option]:
    return [Option(pick(f.title_en, f.title_zh), id=f.id) for f in found]


def _about(form: Any, found: list[Any] | None) -> str:
    """What the box above the fields says: the form shown, else what to do."""
    if form is not None:
        about = pick(form.description_en, form.description_zh)
        return (
            f"[b]{pick(form.title_en, form.title_zh)}[/b]"
            + (f"\n{about}" if about else "")
            + "\n"
            + _("Ctrl+S saves; Ctrl+N starts a new one.")
        )
    if found is not None and not found:
        return _("No form is available: enable a plugin that provides forms.")
    return _("Choose a form; Tab moves to its fields.")
