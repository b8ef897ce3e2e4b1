"""The process ``salesdesk serve`` starts for one SSH session.

It is started only by the server: forked from the warm parent (``tui.serve.zygote``,
which calls ``run``) or launched as ``python -m tui.serve.session --ticket-fd N``, with
the client's PTY as its terminal (or pipes for a command) and a ticket on a private
socket or an inherited pipe; it redeems the ticket (``core.served``) and then acts as the
key's user. Run by hand, it finds no ticket and stops: nobody becomes somebody else by
starting it.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import signal
import sys
import termios
import threading
from typing import Any

from core.i18n import _

SHUTDOWN_SIGNAL = signal.SIGUSR1  # the server is stopping: tell the user


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="salesdesk-session")
    parser.add_argument("--ticket-fd", type=int, required=True)
    parser.add_argument("--grace", type=float, default=10.0)
    args = parser.parse_args(argv)
    from core.errors import SalesdeskError
    from core.served import read_ticket

    try:
        ticket = read_ticket(args.ticket_fd)
    except (OSError, SalesdeskError) as exc:
        print(f"salesdesk: {exc}", file=sys.stderr)
        return 1
    return run(ticket, args.grace)


def run(ticket: Any, grace: float) -> int:
    """The session itself, in a process of its own: the app or the command of the ticket.
    Called by ``main`` (a freshly started interpreter) or by the warm parent
    (``tui.serve.zygote``) in a child it has just forked."""
    # The server hangs the terminal up when the client goes. A server started with
    # hangups ignored (nohup) passes that on to a new interpreter, which then read its
    # dead terminal in a loop for ever: a hangup ends the session, whatever it inherited.
    # Committed writes are kept; the database rolls back one under way.
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    if ticket.command is None:
        return _run_app(ticket, grace)
    return _run_command(ticket)


def _redeemed_runtime(ticket: Any) -> Any:
    from core.runtime import open_runtime
    from core.served import bind, redeem
    from tui import hookspecs

    runtime = open_runtime(ticket.database_url, extra_specs=[hookspecs], require_current=True)
    bind(redeem(runtime.db, ticket, os.getpid()))
    return runtime


def _run_app(ticket: Any, grace: float) -> int:
    _take_terminal()
    from tui.app import SalesdeskApp

    app = SalesdeskApp(opener=lambda: _redeemed_runtime(ticket).context_for())
    app.session_info["user"] = "…"  # not the server's account while the key's user loads

    def stopping(*_signal: Any) -> None:  # runs between bytecodes: hand over to a thread
        message = _(
            "The server is stopping in {seconds} seconds: finish what you are "
            "typing; saved work is kept."
        ).format(seconds=f"{grace:.0f}")
        threading.Thread(
            target=app.call_from_thread,
            args=(app.notify, message),
            kwargs={"severity": "warning", "timeout": max(grace, 3)},
            daemon=True,
        ).start()

    signal.signal(SHUTDOWN_SIGNAL, stopping)
    app.run()
    if app.startup_error:
        print(f"salesdesk: {app.startup_error}", file=sys.stderr)
        return 1
    return 0


def _run_command(ticket: Any) -> int:
    from core.errors import SalesdeskError
    from tui.cli import cli

    signal.signal(SHUTDOWN_SIGNAL, signal.SIG_IGN)  # a command just finishes
    try:
        _redeemed_runtime(ticket).db.dispose()
    except SalesdeskError as exc:
        print(f"salesdesk: {exc}", file=sys.stderr)
        return 1
    try:
        cli.main(
            ["--database", ticket.database_url, *ticket.command],
            prog_name="salesdesk",
            standalone_mode=True,
        )
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _take_terminal() -> None:
    """Make the PTY our controlling terminal, so a resize reaches us as SIGWINCH (the
    server started us in a new session for this)."""
    with contextlib.suppress(OSError):
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)


if __name__ == "__main__":
    sys.exit(main())
