"""What a plugin's ``salesdesk`` subcommands share: the acting user's context on the
database the main command names, and errors as one line with exit code 1.

Plugins contribute click commands through ``salesdesk_cli_commands``; they must not
import ``tui`` (the design keeps Textual in views only), so these live in the core.
"""

from __future__ import annotations

import click

from core.context import Context
from core.failures import friendly

__all__ = ["acting_context", "friendly"]


def acting_context(click_ctx: click.Context) -> Context:
    """The OS user's context on ``--database`` (or the settings), every enabled plugin
    loaded as the app loads them; the engine is closed when the command ends."""
    from core.runtime import open_runtime

    url = click_ctx.find_root().params.get("database")
    runtime = open_runtime(url, require_current=True, create=False)
    click_ctx.call_on_close(runtime.db.dispose)
    click_ctx.call_on_close(runtime.save_plugin_failures)  # runs first: the engine is open
    return runtime.context_for()
