"""Errors that services raise; every one carries a message fit to show a user as it is."""

from __future__ import annotations

from dataclasses import dataclass, field


class SalesdeskError(Exception):
    """Base of every error a user may see. ``str(err)`` is the sentence to show."""


@dataclass
class FieldProblem:
    """One bad value: where it was, what it was, and what was expected."""

    field: str
    value: object
    expected: str  # English, the catalogue's msgid; may hold {placeholders} for args
    row: int | None = None
    args: dict[str, object] | None = None
    # a file's problem: the column as the file's header has it ("日期", "Date ")
    column: str | None = None
    # a form's label for the field when it is not the field's name in words (a report's
    # ``by`` is labelled "Group by"): English, the catalogue's msgid
    title: str | None = None

    def expected_text(self) -> str:
        """What was expected, in the reader's language ("at most 40 characters")."""
        from core.i18n import _

        text = _(self.expected)
        return text.format(**self.args) if self.args else text

    def __str__(self) -> str:
        """In the reader's language. A file's problem names its row and column (the user
        has the file); a form's names the field as a person would, not as the code does."""
        from core.i18n import _

        shown = repr(self.value) if not isinstance(self.value, str) else f"'{self.value}'"
        if isinstance(self.value, str) and len(self.value) > 60:
            shown = f"'{self.value[:57]}...'"
        if self.value is None or self.value == "" or self.value == []:
            shown = _("nothing")
        expected = self.expected_text()
        name = business_name(self.field) if self.column is not None else None
        if self.row is not None and name is not None:
            return _(
                "row {row}, {name} (column '{column}' in the file): got {value}, "
                "expected {expected}"
            ).format(row=self.row, name=name, column=self.column, value=shown, expected=expected)
        if self.row is not None:  # a file's header as typed, else the label the screen shows
            column = self.column or (_(self.title) if self.title else self.field)
            return _("row {row}, column '{field}': got {value}, expected {expected}").format(
                row=self.row, field=column, value=shown, expected=expected
            )
        return _("{field}: got {value}, expected {expected}").format(
            field=_(self.title) if self.title else field_title(self.field),
            value=shown,
            expected=expected,
        )


def business_name(column: str) -> str | None:
    """A file column's business name in the reader's language ("Customer code",
    客户编码, for customer_code), or None for a column with no such name."""
    from core.i18n import catalog

    words = column.removesuffix("_id").replace("_", " ").strip()
    if words and words[:1].upper() + words[1:] in catalog("zh_CN"):
        return field_title(column)
    return None


def field_title(name: str) -> str:
    """A field as the forms label it: "credit_limit" is "Credit limit" (信用额度)."""
    from core.i18n import _

    head, *rest = name.split(".")  # "transitions.0": the first transition, numbered
    words = head.removesuffix("_id").replace("_", " ").strip()
    title = _(words[:1].upper() + words[1:]) if words else name
    return " ".join([title, *rest])


@dataclass
class ValidationFailed(SalesdeskError):
    problems: list[FieldProblem] = field(default_factory=list)
    subject: str = "input"

    def __str__(self) -> str:
        from core.i18n import _

        if len(self.problems) == 1:
            return _("Please correct: {problem}").format(problem=self.problems[0])
        head = _("Please correct these {n} entries:").format(n=len(self.problems))
        shown = "\n".join(f"  {p}" for p in self.problems[:50])
        more = len(self.problems) - 50
        tail = "\n  " + _("... and {n} more").format(n=more) if more > 0 else ""
        return f"{head}\n{shown}{tail}"


class PermissionDenied(SalesdeskError):
    pass


class NotFound(SalesdeskError):
    pass


class Conflict(SalesdeskError):
    """A stale write: someone else changed the record since it was read. ``thing`` is
    the record in business words, (English, Chinese): ("contract", "合同");
    ``changed_by_name`` the full name of who changed it (``changed_by`` their login)."""

    def __init__(
        self,
        entity: str,
        entity_id: object,
        changed_by: str | None,
        changed_at: object | None,
        current_version: int | None = None,
        *,
        thing: tuple[str, str] | None = None,
        changed_by_name: str | None = None,
    ) -> None:
        self.entity = entity
        self.entity_id = entity_id
        self.changed_by = changed_by
        self.changed_by_name = changed_by_name or changed_by
        self.changed_at = changed_at
        self.current_version = current_version
        self.thing = thing
        super().__init__(conflict_message(thing, self.changed_by_name, changed_at))


def conflict_message(thing: tuple[str, str] | None, who: str | None, when: object | None) -> str:
    """ "This contract was changed by Qian Li at 2026-03-16 09:30; reopen it to see their
    change." in the reader's language: the record in business words, never a table, an
    id or a login."""
    from core.i18n import _, pick

    noun = pick(*thing) if thing else _("record")
    person = who or _("another user")
    if when is None:
        return _("This {thing} was changed by {who}; reopen it to see their change.").format(
            thing=noun, who=person
        )
    return _("This {thing} was changed by {who} at {when}; reopen it to see their change.").format(
        thing=noun, who=person, when=f"{when:%Y-%m-%d %H:%M}"
    )


def record_noun(model: type) -> tuple[str, str] | None:
    """A record kind in business words, (English, Chinese), as its model declares it in
    ``__noun__`` ("contract", "合同"); None for a kind that declares none."""
    noun = getattr(model, "__noun__", None)
    return noun if isinstance(noun, tuple) and len(noun) == 2 else None


class UnknownUser(SalesdeskError):
    def __init__(self, login: str) -> None:
        self.login = login
        from core.i18n import _

        # the reader's own login: the administrator needs it for the command
        super().__init__(
            _(
                "There is no active salesdesk user for the login '{login}'. Ask an "
                'administrator to run: salesdesk users add {login} --name "Your Name" '
                "--role sales_rep"
            ).format(login=login)
        )


class PluginError(SalesdeskError):
    pass
