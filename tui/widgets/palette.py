"""Ctrl+P's search palette in the reader's language: Textual's says "Search for
commands…" and "No matches found" whatever the language."""

from __future__ import annotations

from typing import Any

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

from core.i18n import _


class SearchPalette(CommandPalette):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(placeholder=_("Search screens, customers, deals and reports…"), **kwargs)

    def _start_no_matches_countdown(self, search_value: str) -> None:
        """Textual's (8.x) countdown to its "No matches found" line, with that line in
        the reader's words."""
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(_("Nothing found"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:  # nothing typed: Textual shows no such line either
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
