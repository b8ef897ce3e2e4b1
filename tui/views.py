"""What a plugin hands to ``salesdesk_views``: one screen in the navigation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ViewSpec:
    """A plugin screen. ``factory(ctx)`` returns a Textual ``Screen`` for the app's context.

    ``key`` is an optional single key shown on the home screen's navigation list;
    ``permission`` hides the view from users who hold none of it (one permission, or a
    tuple of which any one will do). ``read_ahead(ctx, rows)``, if given, reads what the
    view's first frame needs (``rows``: the rows a new table reads first) while the
    user is on Home, in a local session only; the app keeps what it returns in
    ``SalesdeskApp.read_ahead[id]`` for the view's screen to take.
    """

    id: str
    title_en: str
    title_zh: str
    factory: Callable[[Any], Any]
    key: str = ""
    permission: str | tuple[str, ...] = ""
    read_ahead: Callable[[Any, int], Any] | None = None

    def allowed(self, grant: Any) -> bool:
        needed = (self.permission,) if isinstance(self.permission, str) else self.permission
        return not any(needed) or any(grant.has(name) for name in needed if name)


def collect_views(ctx: Any) -> list[tuple[str, ViewSpec]]:
    """(plugin, view) for every valid view of the enabled plugins; bad ones are reported."""
    found: list[tuple[str, ViewSpec]] = []
    try:
        items = ctx.plugins.contributions("salesdesk_views")
    except AttributeError:  # the TUI hookspecs were not added to this manager
        return found
    for plugin, view in items:
        if not isinstance(view, ViewSpec) or not callable(view.factory):
            ctx.plugins.report(
                plugin,
                "salesdesk_views",
                TypeError(f"expected a ViewSpec, got {type(view).__name__}"),
            )
            continue
        if not view.allowed(ctx.grant):
            continue
        found.append((plugin, view))
    return found
