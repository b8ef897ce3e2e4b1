"""The terminal driver: Textual's Linux driver with a prompt Escape key.

A terminal sends Escape as the lone byte ESC, which also starts every escape sequence
(arrows, function keys), so a parser must wait a moment for more bytes before it calls
ESC the Escape key. Textual's Linux driver waits ``ESCDELAY`` (100 ms) but only looks
again when its 100 ms ``select`` returns, so Escape took 100-200 ms to act: the slowest
key of a served session (``bench/bench_serve.py``: back to Home, p95 430 ms on 10
sessions). Here the input thread wakes at the parser's own deadline, and salesdesk's
delay is 50 ms (neovim's ``ttimeoutlen``): a key's sequence reaches a PTY in one write,
locally or over SSH. ``ESCDELAY`` (milliseconds, as in ncurses) still sets it.

Relies on Textual 8.2's ``LinuxDriver`` internals (its input loop and the parser's
``_timeout_time``): textual is pinned ``<9``.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

from textual import constants
from textual._loop import loop_last
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

ESCAPE_DELAY = 0.050  # seconds: salesdesk's wait for the rest of an escape sequence
IDLE_WAIT = 0.1  # seconds: Textual's own select timeout when no sequence is pending


def escape_delay() -> float:
    """``ESCDELAY`` when the person set it (Textual read it already), else 50 ms."""
    return constants.ESCAPE_DELAY if "ESCDELAY" in os.environ else ESCAPE_DELAY


def input_wait(parser: XTermParser, now: float) -> float:
    """How long the input thread may block: until the parser's deadline for the rest
    of an escape sequence, when one is pending, else Textual's idle wait."""
    deadline = parser._timeout_time
    if deadline is None:
        return IDLE_WAIT
    return min(IDLE_WAIT, max(0.0, deadline - now))


class PromptEscapeDriver(LinuxDriver):
    """LinuxDriver whose input thread acts on a lone Escape as soon as it is one."""

    def run_input_thread(self) -> None:
        constants.ESCAPE_DELAY = escape_delay()  # type: ignore[misc]  # read at each ESC
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def process(events: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for last, (_key, mask) in loop_last(events):
                if mask & selectors.EVENT_READ:
                    data = decode(os.read(fileno, 1024 * 4), final=final and last)
                    if not data:
                        break  # stdin piped and at its end
                    for event in parser.feed(data):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(input_wait(parser, get_time())))
            selector.unregister(fileno)
            process(selector.select(IDLE_WAIT), final=True)
        finally:
            selector.close()
