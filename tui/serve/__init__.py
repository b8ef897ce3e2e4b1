"""``salesdesk serve``: the app and a few read-only commands over SSH, one process per
session (see ``server`` for the listener, ``zygote`` for the warm process that forks the
sessions, ``session`` for a session's process)."""
