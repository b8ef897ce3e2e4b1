"""Text for a terminal: data never drives the terminal.

A customer called ``"Acme\\x1b]0;pwned\\x07"`` must print as those characters, not retitle
the window, move the cursor or hide the lines before it. ``clean`` shows every control
character (C0 but newline and tab, DEL, C1, and the bidi overrides that reorder what is
shown) as a visible escape like ``\\x1b``; letters of every script, CJK included, pass
unchanged. ``CleanWriter`` applies it to a whole stream; ``clean_streams`` puts it on
stdout and stderr, which is how every line the ``salesdesk`` command prints (plugins'
commands, usage errors and log lines included) is cleaned.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CELL_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """``text`` with its control characters shown as escapes; lines and tabs kept."""
    return _CONTROL.sub(_visible, text)


def clean_cell(value: object) -> str:
    """One table cell: like ``clean``, and a newline or tab in it is escaped too, so a
    value stays on its row."""
    return _CELL_CONTROL.sub(_visible, str(value))


class CleanWriter:
    """A text stream that writes everything through ``clean``."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: Any) -> int:
        if not isinstance(text, str):  # click probes for a binary stream with b""
            raise TypeError("CleanWriter writes text only")
        self._stream.write(clean(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def clean_streams() -> Iterator[None]:
    """stdout and stderr through ``clean`` for the duration."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = CleanWriter(sys.stdout), CleanWriter(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


@contextmanager
def raw_streams() -> Iterator[None]:
    """The streams beneath ``clean_streams`` (a full-screen app draws with escapes)."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (getattr(s, "_stream", s) for s in saved)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
