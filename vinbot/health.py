"""Liveness (polling is alive), readiness (dependencies answer) and /metrics over HTTP."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web

from vinbot.logs import get_logger
from vinbot.models.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from types import TracebackType

    from vinbot.metrics import Metrics

type Clock = Callable[[], float]
type ReadinessProbe = Callable[[], Awaitable[object]]

log = get_logger(__name__)

MIN_STALL_SECONDS = 90.0
DEFAULT_PROBE_TIMEOUT = 1.0
# Fly (and any container platform) reaches the server from outside the machine.
DEFAULT_HOST = "0.0.0.0"  # noqa: S104


@dataclass(frozen=True, slots=True)
class Liveness:
    """Whether polling is alive, and why not when it is not."""

    healthy: bool
    uptime_seconds: float
    seconds_since_last_poll: float | None
    reason: str | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether the bot is ready, with each probe's verdict ("ok", "timeout", "error: ...")."""

    ready: bool
    probes: dict[str, str]
    reason: str | None = None


class HealthState:
    """What the runtime knows about polling and dependencies, read by the health server."""

    def __init__(
        self,
        *,
        poll_timeout: float = 10.0,
        stall_seconds: float | None = None,
        probe_timeout: float = DEFAULT_PROBE_TIMEOUT,
        clock: Clock = time.monotonic,
    ) -> None:
        self._clock = clock
        self.started_at = clock()
        self.stall_seconds = (
            stall_seconds if stall_seconds is not None else max(3 * poll_timeout, MIN_STALL_SECONDS)
        )
        self.probe_timeout = probe_timeout
        self._last_poll_ok: float | None = None
        self._last_error: str | None = None
        self._consecutive_errors = 0
        self._conflict = False
        self._stopped_reason: str | None = None
        self._ready = False
        self._probes: dict[str, ReadinessProbe] = {}

    @property
    def ready(self) -> bool:
        """The flag the runtime sets once start-up is done and clears at shutdown."""
        return self._ready

    @property
    def consecutive_poll_errors(self) -> int:
        """Failed getUpdates calls since the last successful one."""
        return self._consecutive_errors

    def mark_poll_ok(self) -> None:
        """Record a successful getUpdates; this also ends a conflict (the other poller left)."""
        self._last_poll_ok = self._clock()
        self._consecutive_errors = 0
        self._last_error = None
        self._conflict = False

    def mark_poll_error(self, exc: BaseException) -> None:
        """Record a failed getUpdates; only the type is kept, since messages may carry the token."""
        self._consecutive_errors += 1
        self._last_error = type(exc).__name__

    def set_conflict(self) -> None:
        """Record a 409 Conflict: another process polls with this token."""
        self._conflict = True

    def mark_stopped(self, reason: str) -> None:
        """Record that polling has ended for good (the health check must fail from now on)."""
        self._stopped_reason = reason

    def set_ready(self, ready: bool) -> None:
        """Set whether start-up is complete (False again while shutting down)."""
        self._ready = ready

    def add_probe(self, name: str, probe: ReadinessProbe) -> None:
        """Register an async dependency check; raising or returning False means not ready."""
        self._probes[name] = probe

    def liveness(self) -> Liveness:
        """The liveness verdict now."""
        now = self._clock()
        uptime = now - self.started_at
        since_poll = None if self._last_poll_ok is None else now - self._last_poll_ok
        reason: str | None = None
        if self._stopped_reason is not None:
            reason = f"polling stopped: {self._stopped_reason}"
        elif self._conflict:
            reason = "conflict: another process is polling with this token"
        else:
            # Before the first successful poll, start-up gets the same grace as a stall.
            quiet_for = since_poll if since_poll is not None else uptime
            if quiet_for > self.stall_seconds:
                what = "getUpdates" if since_poll is not None else "getUpdates since start"
                reason = f"no successful {what} for {quiet_for:.0f} s"
        return Liveness(
            healthy=reason is None,
            uptime_seconds=uptime,
            seconds_since_last_poll=since_poll,
            reason=reason,
            last_error=self._last_error,
        )

    def is_healthy(self) -> bool:
        """Whether polling is alive: a recent successful getUpdates, no conflict, not stopped."""
        return self.liveness().healthy

    async def readiness(self) -> Readiness:
        """Run every probe concurrently, each bounded by `probe_timeout`, and judge readiness."""
        verdicts = await _run_probes(self._probes, self.probe_timeout)
        failed = sorted(name for name, verdict in verdicts.items() if verdict != "ok")
        reason: str | None = None
        if not self._ready:
            reason = "starting or shutting down"
        elif failed:
            reason = "probe failed: " + ", ".join(failed)
        return Readiness(ready=reason is None, probes=verdicts, reason=reason)


async def _run_probes(probes: dict[str, ReadinessProbe], seconds_each: float) -> dict[str, str]:
    if not probes:
        return {}

    async def call(probe: ReadinessProbe) -> object:
        return await probe()

    tasks = {name: asyncio.create_task(call(probe)) for name, probe in probes.items()}
    _, pending = await asyncio.wait(tasks.values(), timeout=seconds_each)
    for task in pending:
        # Not awaited: a probe that ignores cancellation must not hold the answer back.
        task.cancel()
        task.add_done_callback(_consume_result)
    verdicts: dict[str, str] = {}
    for name, task in tasks.items():
        if task in pending:
            verdicts[name] = "timeout"
        elif task.cancelled():
            verdicts[name] = "error: cancelled"
        elif (exc := task.exception()) is not None:
            verdicts[name] = f"error: {type(exc).__name__}"
        elif task.result() is False:
            verdicts[name] = "failed"
        else:
            verdicts[name] = "ok"
    failed = {name: verdict for name, verdict in verdicts.items() if verdict != "ok"}
    if failed:
        log.warning("readiness_probe_failed", probes=failed)
    return verdicts


def _consume_result(task: asyncio.Task[object]) -> None:
    if not task.cancelled():
        task.exception()


class HealthServer:
    """A tiny aiohttp server in the bot's own loop: /health, /ready and /metrics."""

    def __init__(
        self,
        state: HealthState,
        metrics: Metrics,
        host: str = DEFAULT_HOST,
        port: int = 8080,
        *,
        shutdown_timeout: float = 2.0,
    ) -> None:
        self._state = state
        self._metrics = metrics
        self._host = host
        self._requested_port = port
        self._shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked for); the requested one before start."""
        if self._runner is None:
            return self._requested_port
        for address in self._runner.addresses:
            port: int = address[1]
            return port
        return self._requested_port

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/health", self._health)
        app.router.add_get("/ready", self._ready)
        app.router.add_get("/metrics", self._metrics_page)
        return app

    async def start(self) -> None:
        """Bind and serve; never installs signal handlers, the runtime owns those."""
        if self._runner is not None:
            return
        # access_log=None: probes every few seconds would drown the useful lines.
        runner = web.AppRunner(
            self._app(),
            access_log=None,
            handle_signals=False,
            shutdown_timeout=self._shutdown_timeout,
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._requested_port).start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigError(
                "PORT",
                f"PORT {self._requested_port} cannot be used for the health server "
                f"({exc.strerror or exc}): pick a free port",
            ) from None
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("health_server_started", host=self._host, port=self.port)

    async def stop(self) -> None:
        """Close the listening socket and open connections; safe to call twice."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
            log.info("health_server_stopped")

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _health(self, _request: web.Request) -> web.Response:
        liveness = self._state.liveness()
        body: dict[str, Any] = {
            "status": "ok" if liveness.healthy else "unhealthy",
            "uptime_seconds": round(liveness.uptime_seconds, 3),
            "seconds_since_last_poll": (
                None
                if liveness.seconds_since_last_poll is None
                else round(liveness.seconds_since_last_poll, 3)
            ),
        }
        if liveness.reason is not None:
            body["reason"] = liveness.reason
        if liveness.last_error is not None:
            body["last_error"] = liveness.last_error
        return web.json_response(body, status=200 if liveness.healthy else 503)

    async def _ready(self, _request: web.Request) -> web.Response:
        readiness = await self._state.readiness()
        body: dict[str, Any] = {
            "status": "ready" if readiness.ready else "not_ready",
            "probes": readiness.probes,
        }
        if readiness.reason is not None:
            body["reason"] = readiness.reason
        return web.json_response(body, status=200 if readiness.ready else 503)

    async def _metrics_page(self, _request: web.Request) -> web.Response:
        self._metrics.set_polling_healthy(self._state.is_healthy())
        self._metrics.set_ready(self._state.ready)
        return web.Response(
            body=self._metrics.render(), headers={"Content-Type": self._metrics.content_type}
        )
