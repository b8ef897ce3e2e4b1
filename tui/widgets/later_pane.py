"""A tab whose content is made the first time it is shown (the day's plans and team,
Admin's channels and company settings)."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.widget import AwaitMount
from textual.widgets import TabPane


class LaterPane(TabPane):
    """A tab whose content is made (``content``, composed as ``compose`` would) the first
    time it is shown, not with the screen: tabs most openings never show, composed and
    styled unseen as the screen opened."""

    def __init__(self, title: str, content: Callable[[], ComposeResult], *, id: str) -> None:
        super().__init__(title, id=id)
        self._content: Callable[[], ComposeResult] | None = content
        self._making: AwaitMount | None = None

    @property
    def made(self) -> bool:
        return self._content is None and self._making is None

    async def make(self) -> bool:
        """Mount the content, once: True for the caller that made it (a second caller
        waits for the first's mounting)."""
        first = self._content is not None
        if self._content is not None:
            content, self._content = self._content, None
            self._making = self.mount_compose(content())
        if self._making is not None:
            await self._making
            self._making = None
        return first
