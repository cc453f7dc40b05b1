"""A plain thread that ends the process when the event loop stops running (LOOP_STALL_SECONDS).

A heartbeat scheduled in the loop stamps the time about once a second; the thread checks the
stamp. When the loop has been silent for longer than the limit (a handler spinning, a blocking
call), it logs where the loop's thread is stuck and which updates were being handled, lets the
update journal finish its write, and exits with EXIT_LOOP_STALLED so that Fly, systemd or Docker
start the bot again. The journal then replays what was in flight, once.

A stall inside C code that never releases the GIL (a runaway regular expression, say) also
stops this thread. For that case each heartbeat re-arms faulthandler's timer, which runs without
the GIL: at twice the limit it prints every thread's stack to stderr and exits with code 1.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING

from vinbot.logs import get_logger

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Sequence

log = get_logger(__name__)

# The process exit code after a stall (documented in docs/operate.md; restart policies restart it).
EXIT_LOOP_STALLED = 4
# How often the heartbeat runs and the thread looks, at most (shorter for short limits).
BEAT_SECONDS = 1.0
# How long the journal may take to write its last batch before the exit.
FLUSH_BEFORE_EXIT_SECONDS = 2.0
# faulthandler's backstop fires this many times the limit after the last beat: later than the
# thread, which says more and lets the journal finish, whenever the thread can run at all.
BACKSTOP_FACTOR = 2


def _no_updates() -> list[int]:
    return []


class LoopWatchdog:
    """Watches one event loop from a thread; start and stop it from the loop's own thread."""

    def __init__(
        self,
        stall_seconds: float,
        *,
        in_flight: Callable[[], Sequence[int]] = _no_updates,
        before_exit: Sequence[Callable[[float], object]] = (),
        exit_process: Callable[[int], object] = os._exit,
        backstop: bool = True,
    ) -> None:
        self._stall_seconds = stall_seconds
        self._interval = min(BEAT_SECONDS, stall_seconds / 4)
        self._in_flight = in_flight
        self._before_exit = tuple(before_exit)
        self._exit = exit_process
        self._backstop = backstop
        self._last_beat = time.monotonic()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._beat_handle: asyncio.TimerHandle | None = None
        self._loop_thread_id: int | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Begin the heartbeat in loop (which runs in this thread) and the watching thread."""
        if self._thread is not None:
            return
        self._loop = loop
        self._loop_thread_id = threading.get_ident()
        self._beat()
        self._thread = threading.Thread(target=self._watch, name="loop-watchdog", daemon=True)
        self._thread.start()
        log.debug("loop_watchdog_started", stall_seconds=self._stall_seconds)

    def stop(self) -> None:
        """Stop watching (at shutdown, before steps that may legitimately take long)."""
        self._stopping.set()
        if self._beat_handle is not None:
            self._beat_handle.cancel()
            self._beat_handle = None
        if self._backstop:
            faulthandler.cancel_dump_traceback_later()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=self._interval * 2)

    def _beat(self) -> None:
        self._last_beat = time.monotonic()
        if self._loop is not None and not self._stopping.is_set():
            if self._backstop:
                faulthandler.dump_traceback_later(
                    self._stall_seconds * BACKSTOP_FACTOR, exit=True, file=sys.stderr
                )
            self._beat_handle = self._loop.call_later(self._interval, self._beat)

    def _watch(self) -> None:
        while not self._stopping.wait(self._interval):
            silent = time.monotonic() - self._last_beat
            if silent > self._stall_seconds:
                self._fire(silent)
                return

    def _fire(self, silent: float) -> None:
        frame = sys._current_frames().get(self._loop_thread_id or -1)  # noqa: SLF001 - the only way to see another thread's stack
        stack = "".join(traceback.format_stack(frame)) if frame is not None else "(not found)"
        log.critical(
            "loop_stalled",
            silent_seconds=round(silent, 1),
            limit_seconds=self._stall_seconds,
            update_ids=list(self._in_flight()),
            stack=stack,
            exit_code=EXIT_LOOP_STALLED,
        )
        for hook in self._before_exit:
            try:
                hook(FLUSH_BEFORE_EXIT_SECONDS)
            except Exception as exc:  # noqa: BLE001 - the exit must happen whatever a hook does
                log.error("loop_stalled_hook_failed", error_type=type(exc).__name__)
        _flush_logs()
        self._exit(EXIT_LOOP_STALLED)


def _flush_logs() -> None:
    # os._exit skips every buffer: push the stall report out first.
    for handler in logging.getLogger().handlers:
        handler.flush()
    for stream in (sys.stderr, sys.stdout):
        stream.flush()
