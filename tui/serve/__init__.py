"""``salesdesk serve``: the app and a few read-only commands over SSH, one process per
session (see ``server`` for the listener, ``session`` for the process it starts)."""
