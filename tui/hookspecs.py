"""Hooks for the terminal UI. Added to the same plugin manager as ``core.hookspecs`` by
the TUI and the CLI, so the core never imports textual. Only a plugin's ``views`` module
should import textual; its ``__init__`` implements this hook with a lazy import."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:
    from tui.views import ViewSpec


@hookspec
def salesdesk_views() -> list[ViewSpec] | None:
    """Contribute screens to the navigation.

    :returns: a list of :class:`tui.views.ViewSpec` (id, titles in English and Chinese,
        a key, and a factory returning a Textual ``Screen`` given the app's context).
        Views of enabled plugins appear in the navigation and the command palette.
    """
