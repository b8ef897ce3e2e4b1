"""A checkbox and a list of choices whose marks say their state (Textual's show the
same X ticked or not and tell them apart by colour alone, lost on many terminals and
with NO_COLOR)."""

from __future__ import annotations

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import OptionDoesNotExist


class TickBox(Checkbox):
    """✓ when ticked, blank when not."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "✓" if self.value else " "
        return super()._button


class TickList(SelectionList[str]):
    """A list of choices to tick, each marked ✓ when ticked and blank when not
    (Textual's draws the same X on every line, ticked or not)."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 2 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip  # no button on this line
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        mark = "✓" if selection.value in self.selected else " "
        segments[1] = Segment(mark, segments[1].style)
        return Strip(segments, strip.cell_length)
