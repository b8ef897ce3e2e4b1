"""Textual as salesdesk needs it, beyond the DataTable (``tui.datatable_patches``). Each
patch is installed once, at import, and only on the Textual internals it was written
against (Textual 8; pyproject pins textual below 9); ``tui.base`` imports this module."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


def _inner_outer_by_colour() -> None:
    """Textual caches a widget's two background styles with ``lru_cache`` on the method
    ``StylesCache.get_inner_outer``, so the cache's key holds the widget's StylesCache,
    and with it every line of the widget last drawn, for the last 1,024 widgets drawn:
    the widgets of the screens closed long ago, kept in memory as Strips (some 15,000
    objects a round of the sections), each checked by every full garbage collection.
    The collection after a screen closes (``tui.app.collect_closed``) grew from 35 to
    over 100 ms of the UI thread in three rounds of the sections on large. The styles
    depend only on the two colours: cached by them, the StylesCaches are let go."""
    from textual._styles_cache import StylesCache

    original = StylesCache.__dict__.get("get_inner_outer")
    if original is None or not hasattr(original, "cache_clear"):
        return  # not Textual 8's cached method: left as it is

    @lru_cache(1024)
    def inner_outer(base_background: Any, background: Any) -> Any:
        return original.__wrapped__(None, base_background, background)

    def get_inner_outer(self: StylesCache, base_background: Any, background: Any) -> Any:
        return inner_outer(base_background, background)

    get_inner_outer.by_colour = True  # type: ignore[attr-defined]
    StylesCache.get_inner_outer = get_inner_outer  # type: ignore[method-assign]
    original.cache_clear()


_inner_outer_by_colour()
