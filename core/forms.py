"""The data-entry form contract: what a plugin hands to ``salesdesk_forms``.

A form is a pydantic model (one record: its fields, types, constraints and titles) plus
the service function that saves it. The TUI builds an entry screen from the model, and
``submit_form`` is how every client (TUI, CLI, tests) saves one: the typed values are
validated into the model first, so a bad value comes back as a ``ValidationFailed`` that
names the field, and only a valid record reaches the plugin's service, which checks
permissions and writes in one transaction like any other service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pydantic

from core.access import require
from core.errors import NotFound
from core.i18n import _
from core.services.base import validate

if TYPE_CHECKING:
    from core.context import Context
    from core.plugins import PluginManager

HOOK = "salesdesk_forms"


@dataclass(frozen=True)
class FormSpec:
    """One entry form. ``save(ctx, record)`` writes the record and returns a sentence for
    the user (e.g. "Tender T2600012 saved"); ``permission`` hides the form from users
    without it (the save service checks again)."""

    id: str
    title_en: str
    title_zh: str
    model: type[pydantic.BaseModel]
    save: Callable[[Context, Any], str]
    permission: str = ""
    description_en: str = ""
    description_zh: str = ""


def shape_problems(item: Any) -> list[str]:
    if not isinstance(item, FormSpec):
        return [f"expected a core.forms.FormSpec, got {type(item).__name__}"]
    found = []
    if not item.id or not item.title_en:
        found.append("needs an id and an English title")
    if not (isinstance(item.model, type) and issubclass(item.model, pydantic.BaseModel)):
        found.append("model must be a pydantic model class")
    if not callable(item.save):
        found.append("save must be callable")
    return found


def form_registry(plugins: PluginManager) -> dict[str, FormSpec]:
    """Every valid form of the enabled plugins by id, in registration order."""
    return plugins.keyed_contributions(HOOK, "form", shape_problems)


def forms_for(ctx: Context) -> list[FormSpec]:
    """The forms this user may fill in."""
    return [
        form
        for form in form_registry(ctx.plugins).values()
        if not form.permission or ctx.grant.has(form.permission)
    ]


def submit_form(ctx: Context, form_id: str, raw: dict[str, Any]) -> str:
    """Validate ``raw`` (typed values, blanks as ``""``) and save it with the form's service."""
    form = form_registry(ctx.plugins).get(form_id)
    if form is None:
        raise NotFound(
            _("There is no form '{form}'; is the plugin that provides it enabled?").format(
                form=form_id
            )
        )
    if form.permission:
        require(ctx, form.permission)
    # A blank field means "not given": the model's default applies, or it is reported
    # as required.
    cleaned = {k: v for k, v in raw.items() if v not in ("", None)}
    record = validate(form.model, cleaned, form.title_en)
    return form.save(ctx, record)
