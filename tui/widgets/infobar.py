"""The top line of every screen: where you are, who you are, which company and database."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from core.i18n import _, listed, pick


class InfoBar(Static):
    DEFAULT_CSS = """
    InfoBar { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def on_mount(self) -> None:
        self.show_info()

    def show_info(self) -> None:
        """Draw the line from the app's session info (again once the database is open)."""
        info = self.app.session_info  # type: ignore[attr-defined]
        ready = getattr(self.app, "ready", True)
        roles = listed(pick(r.title_en, r.title_zh) for r in info["roles"]) or (
            _("no role") if ready else "…"
        )
        line = Text()
        line.append("salesdesk", style="bold")
        if self.title_text:
            line.append(" › " + self.title_text, style="bold")
        line.append(f"  {info['user']} · {roles} │ {info['profile']} │ {info['database']}")
        line.no_wrap = True
        line.overflow = "ellipsis"
        self.update(line)
