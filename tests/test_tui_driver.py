"""The terminal driver acts on a lone Escape within its 50 ms delay, not Textual's
100-200 ms, and still reads escape sequences whole."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest
from textual import events
from textual.drivers.linux_driver import LinuxDriver

from tui.driver import ESCAPE_DELAY, IDLE_WAIT, PromptEscapeDriver, input_wait

pytestmark = pytest.mark.skipif(not hasattr(os, "pipe"), reason="needs a pipe")


@pytest.fixture(autouse=True)
def _textuals_delay_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver sets Textual's escape delay for the process; undone after each test."""
    from textual import constants

    monkeypatch.setattr(constants, "ESCAPE_DELAY", constants.ESCAPE_DELAY)


class Keys:
    """The keys a driver's input thread delivers, with when each arrived."""

    def __init__(self) -> None:
        self.keys: list[tuple[str, float]] = []
        self.arrived = threading.Event()

    def __call__(self, message: Any) -> None:
        if isinstance(message, events.Key):
            self.keys.append((message.key, time.monotonic()))
            self.arrived.set()


def run_input(
    driver_class: type[LinuxDriver], data: bytes, wait: float = 1.0
) -> list[tuple[str, float]]:
    """Feed ``data`` to ``driver_class``'s input thread on a pipe; the keys and the
    seconds from the write to each key."""
    read_end, write_end = os.pipe()
    driver = driver_class.__new__(driver_class)
    driver.fileno = read_end
    driver.exit_event = threading.Event()
    driver._debug = False
    keys = Keys()
    driver.process_message = keys  # type: ignore[method-assign]
    thread = threading.Thread(target=driver.run_input_thread, daemon=True)
    thread.start()
    try:
        time.sleep(0.05)  # the thread is waiting on its select
        written = time.monotonic()
        os.write(write_end, data)
        keys.arrived.wait(wait)
        time.sleep(0.02)
    finally:
        driver.exit_event.set()
        os.close(write_end)
        thread.join(2)
        os.close(read_end)
    return [(key, at - written) for key, at in keys.keys]


def fastest_escape(driver_class: type[LinuxDriver], tries: int = 5) -> float:
    """The quickest of a few lone Escapes (the machine may be busy)."""
    delays = []
    for _ in range(tries):
        keys = run_input(driver_class, b"\x1b")
        assert [k for k, _at in keys] == ["escape"]
        delays.append(keys[0][1])
    return min(delays)


def test_a_lone_escape_acts_within_the_delay_not_textuals_select_wait() -> None:
    fastest = fastest_escape(PromptEscapeDriver)
    assert fastest + 0.005 >= ESCAPE_DELAY  # it still waits for the rest of a sequence
    assert fastest < IDLE_WAIT  # Textual's driver never acts before its 100 ms select


def test_textuals_own_driver_takes_its_full_select_wait() -> None:
    """What the driver fixes: the same measurement on Textual's driver."""
    assert fastest_escape(LinuxDriver, tries=2) >= IDLE_WAIT - 0.005


def test_escape_sequences_and_alt_keys_are_still_read_whole() -> None:
    keys = run_input(PromptEscapeDriver, b"\x1b[A")
    assert [k for k, _at in keys] == ["up"]
    keys = run_input(PromptEscapeDriver, b"\x1b[6~")
    assert [k for k, _at in keys] == ["pagedown"]


def test_the_input_wait_ends_at_the_parsers_deadline() -> None:
    class Parser:
        _timeout_time: float | None = None

    parser: Any = Parser()
    assert input_wait(parser, 10.0) == IDLE_WAIT  # nothing pending: Textual's wait
    parser._timeout_time = 10.03
    assert input_wait(parser, 10.0) == pytest.approx(0.03)
    parser._timeout_time = 9.0
    assert input_wait(parser, 10.0) == 0.0  # overdue: look at once


def test_escdelay_set_by_the_person_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual import constants

    from tui.driver import escape_delay

    monkeypatch.delenv("ESCDELAY", raising=False)
    assert escape_delay() == ESCAPE_DELAY
    monkeypatch.setenv("ESCDELAY", "200")
    monkeypatch.setattr(constants, "ESCAPE_DELAY", 0.2)
    assert escape_delay() == 0.2


def test_the_app_runs_on_the_prompt_escape_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual import constants

    from tui.app import SalesdeskApp

    monkeypatch.setattr(constants, "DRIVER", None)
    app = SalesdeskApp(opener=lambda: None, load_dashboard=False)  # type: ignore[arg-type,return-value]
    assert app.get_driver_class() is PromptEscapeDriver
