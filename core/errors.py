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
    expected: str
    row: int | None = None

    def __str__(self) -> str:
        """In the reader's language. A file's problem names its row and column (the user
        has the file); a form's names the field as a person would, not as the code does."""
        from core.i18n import _

        shown = repr(self.value) if not isinstance(self.value, str) else f"'{self.value}'"
        if isinstance(self.value, str) and len(self.value) > 60:
            shown = f"'{self.value[:57]}...'"
        if self.value is None or self.value == "" or self.value == []:
            shown = _("nothing")
        expected = _(self.expected)
        if self.row is not None:
            return _("row {row}, column '{field}': got {value}, expected {expected}").format(
                row=self.row, field=self.field, value=shown, expected=expected
            )
        return _("{field}: got {value}, expected {expected}").format(
            field=field_title(self.field), value=shown, expected=expected
        )


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
    """A stale write: someone else changed the record since it was read."""

    def __init__(
        self,
        entity: str,
        entity_id: object,
        changed_by: str | None,
        changed_at: object | None,
        current_version: int | None = None,
    ) -> None:
        self.entity = entity
        self.entity_id = entity_id
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_version = current_version
        who = changed_by or "another user"
        when = f" at {changed_at:%Y-%m-%d %H:%M:%S}" if changed_at else ""
        super().__init__(
            f"{entity} {entity_id} was changed by {who}{when} after you opened it; "
            "reload it and apply your change again"
        )


class UnknownUser(SalesdeskError):
    def __init__(self, login: str) -> None:
        self.login = login
        super().__init__(
            f"There is no active salesdesk user for the login '{login}'. Ask an administrator "
            f'to run: salesdesk users add {login} --name "Your Name" --role sales_rep'
        )


class PluginError(SalesdeskError):
    pass
