"""click's own words (usage errors, "Usage:", "Try ... for help.") in the reader's
language: click looks each of them up with ``gettext`` when it prints, through a module
global ``_`` (and ``ngettext``) in each of its modules; those are pointed at salesdesk's
catalogue, so SALESDESK_LANG=zh_CN reads 用法 and 错误, not "Usage:" and "Error:".

Checked against click 8.x: the modules below import ``gettext as _`` and ``ngettext``
at their top and use them at call time. A click without them keeps its English."""

from __future__ import annotations

from typing import Any

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.types

from core.i18n import _, current_lang, plural

MODULES = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.types,
)


def _ngettext(one: str, many: str, n: int) -> str:
    return plural(n, one, many)


def speak_the_readers_language() -> None:
    """Point click's lookups at salesdesk's catalogue (once; harmless twice)."""
    for module in MODULES:
        if hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]
    _translate_metavars()


def _translate_metavars() -> None:
    """ "[OPTIONS]" and an argument's "FILE" in a usage line are click's literals, not
    looked up: they are translated as they are made."""
    if getattr(click.Argument.make_metavar, "translated", False):
        return
    metavar = click.Argument.make_metavar

    def make_metavar(self: click.Argument, *args: Any, **kwargs: Any) -> str:
        return _(metavar(self, *args, **kwargs))

    make_metavar.translated = True  # type: ignore[attr-defined]
    click.Argument.make_metavar = make_metavar  # type: ignore[method-assign]
    for cls in (click.Command, click.Group):  # a group adds "[COMMAND] [ARGS]..."
        cls.collect_usage_pieces = _translated(cls.collect_usage_pieces)  # type: ignore[method-assign]


def _translated(pieces: Any) -> Any:
    def collect_usage_pieces(self: click.Command, ctx: click.Context) -> list[str]:
        return [_(piece) if current_lang() != "en" else piece for piece in pieces(self, ctx)]

    return collect_usage_pieces


# at import: click's types name themselves (a path's "file") as commands are defined
speak_the_readers_language()
