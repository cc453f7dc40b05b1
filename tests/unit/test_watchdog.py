"""The loop watchdog: a thread that reports a frozen event loop and ends the process."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from vinbot.config import load_settings
from vinbot.models.errors import ConfigError
from vinbot.update_tracking import InFlightUpdates
from vinbot.watchdog import EXIT_LOOP_STALLED, FLUSH_BEFORE_EXIT_SECONDS, LoopWatchdog

STALL = 0.2
# Far longer than any stall detection should need; the tests never wait for it to pass.
GIVE_UP = 10.0


class ExitRecorder:
    """Stands in for os._exit: records the code and wakes whoever waits."""

    def __init__(self) -> None:
        self.codes: list[int] = []
        self.called = threading.Event()

    def __call__(self, code: int) -> None:
        self.codes.append(code)
        self.called.set()


def block_loop_until(event: threading.Event) -> bool:
    """Freeze the calling event loop (a blocking wait, as a buggy handler would)."""
    return event.wait(GIVE_UP)


async def stall_under(watchdog: LoopWatchdog, exits: ExitRecorder) -> None:
    """Start the watchdog, freeze the loop until it exits the process, then stop it."""
    watchdog.start(asyncio.get_running_loop())
    try:
        assert block_loop_until(exits.called)
    finally:
        watchdog.stop()


async def test_a_blocked_loop_is_reported_with_its_stack_and_updates_then_exits() -> None:
    """Blocking the loop makes the thread log the stuck stack and in-flight ids, then exit 4."""
    exits = ExitRecorder()
    flushed: list[float] = []
    in_flight = InFlightUpdates()
    in_flight.update_started(41)
    in_flight.update_started(7)
    watchdog = LoopWatchdog(
        STALL,
        in_flight=in_flight.snapshot,
        before_exit=(flushed.append,),
        exit_process=exits,
        backstop=False,
    )
    with capture_logs() as events:
        await stall_under(watchdog, exits)
    assert exits.codes == [EXIT_LOOP_STALLED]
    assert flushed == [FLUSH_BEFORE_EXIT_SECONDS]
    (stalled,) = [e for e in events if e["event"] == "loop_stalled"]
    assert stalled["update_ids"] == [7, 41]
    assert "block_loop_until" in stalled["stack"]
    assert stalled["exit_code"] == EXIT_LOOP_STALLED


async def test_a_loop_that_keeps_running_is_left_alone() -> None:
    """A loop busy with awaits (not blocked) for many stall periods never triggers an exit."""
    exits = ExitRecorder()
    watchdog = LoopWatchdog(STALL, exit_process=exits, backstop=False)
    watchdog.start(asyncio.get_running_loop())
    try:
        for _ in range(20):
            await asyncio.sleep(STALL / 4)
    finally:
        watchdog.stop()
    assert exits.codes == []


async def test_a_stopped_watchdog_ignores_a_later_block() -> None:
    """After stop() (at shutdown) the thread is gone and a slow blocking step exits nothing."""
    exits = ExitRecorder()
    watchdog = LoopWatchdog(STALL, exit_process=exits, backstop=False)
    watchdog.start(asyncio.get_running_loop())
    watchdog.stop()
    assert not any(t.name == "loop-watchdog" for t in threading.enumerate())
    threading.Event().wait(STALL * 3)  # the "slow shutdown step", blocking the loop
    assert exits.codes == []


async def test_a_failing_hook_does_not_prevent_the_exit() -> None:
    """A before-exit hook that raises is logged and the process still exits."""
    exits = ExitRecorder()

    def broken(_timeout: float) -> None:
        raise OSError

    await stall_under(
        LoopWatchdog(STALL, before_exit=(broken,), exit_process=exits, backstop=False), exits
    )
    assert exits.codes == [EXIT_LOOP_STALLED]


def test_in_flight_updates_count_overlapping_handlings() -> None:
    """An update handled twice at once stays in flight until both handlings finished."""
    in_flight = InFlightUpdates()
    in_flight.update_started(5)
    in_flight.update_started(5)
    in_flight.update_finished(5)
    assert in_flight.snapshot() == [5]
    in_flight.update_finished(5)
    assert in_flight.snapshot() == []


def test_loop_stall_seconds_setting() -> None:
    """LOOP_STALL_SECONDS defaults to 30, 0 turns the watchdog off, a negative is refused."""
    assert load_settings({}).loop_stall_seconds == 30
    assert load_settings({"LOOP_STALL_SECONDS": "0"}).loop_stall_seconds == 0
    with pytest.raises(ConfigError, match=r"^LOOP_STALL_SECONDS must be a number"):
        load_settings({"LOOP_STALL_SECONDS": "-1"})


# Holds the GIL inside the regular-expression engine for far longer than any test runs.
_GIL_HOLDING_STALL = """
import asyncio, re
from vinbot.watchdog import LoopWatchdog

async def main():
    LoopWatchdog(0.5).start(asyncio.get_running_loop())
    await asyncio.sleep(0.1)
    re.match(r"(a+)+$", "a" * 64 + "b")

asyncio.run(main())
"""


@pytest.mark.timeout(60)
def test_a_stall_that_holds_the_gil_still_ends_the_process() -> None:
    """A stall in C code starves the watchdog thread; faulthandler's backstop still exits."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _GIL_HOLDING_STALL],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=GIVE_UP * 3,
        check=False,
    )
    assert done.returncode != 0
    assert "Timeout" in done.stderr
    assert "main" in done.stderr  # the stuck frame is named
