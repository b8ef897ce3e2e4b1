"""What a plugin's ``salesdesk`` subcommands share: the acting user's context on the
database the main command names, and errors as one line with exit code 1.

Plugins contribute click commands through ``salesdesk_cli_commands``; they must not
import ``tui`` (the design keeps Textual in views only), so these live in the core.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from core.context import Context


def acting_context(click_ctx: click.Context) -> Context:
    """The OS user's context on ``--database`` (or the settings), every enabled plugin
    loaded as the app loads them; the engine is closed when the command ends."""
    from core.runtime import open_runtime

    url = click_ctx.find_root().params.get("database")
    runtime = open_runtime(url, require_current=True)
    click_ctx.call_on_close(runtime.db.dispose)
    click_ctx.call_on_close(runtime.save_plugin_failures)  # runs first: the engine is open
    return runtime.context_for()


def friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """A SalesdeskError becomes ``salesdesk: <message>`` and exit code 1, never a
    traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from core.errors import SalesdeskError

        try:
            return func(*args, **kwargs)
        except SalesdeskError as exc:
            click.echo(f"salesdesk: {exc}", err=True)
            sys.exit(1)

    return wrapper
