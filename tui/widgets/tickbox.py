"""A checkbox whose mark says its state (Textual's shows the same X ticked or not and
tells them apart by colour alone, lost on many terminals and with NO_COLOR)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class TickBox(Checkbox):
    """✓ when ticked, blank when not."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "✓" if self.value else " "
        return super()._button
