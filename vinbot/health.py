"""Liveness (polling is alive), readiness (dependencies answer) and /metrics over HTTP.

The same server takes Telegram's webhook requests in webhook mode (vinbot/webhook.py).
"""

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
type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

log = get_logger(__name__)

# How long getUpdates may keep failing (errors, no success since) before /health is 503.
DEFAULT_STALL_SECONDS = 30.0
# Beyond the long poll itself: the Bot API read slack PTB adds to getUpdates, and a margin.
DEFAULT_POLL_SLACK_SECONDS = 10.0
SILENCE_MARGIN_SECONDS = 5.0
# Updates in flight with none finished for this long: handlers are stuck or starved.
DEFAULT_UPDATE_STALL_SECONDS = 60.0
DEFAULT_PROBE_TIMEOUT = 1.0
# Fly (and any container platform) reaches the server from outside the machine.
DEFAULT_HOST = "0.0.0.0"  # noqa: S104
# The largest request body the server reads: one webhook update, a few kilobytes even for a long
# message quoting another; larger bodies are refused with 413 (the other routes take none).
WEBHOOK_MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Liveness:
    """Whether polling is alive, and why not when it is not."""

    healthy: bool
    uptime_seconds: float
    seconds_since_last_poll: float | None
    reason: str | None = None
    last_error: str | None = None
    # Webhook mode only: seconds since the last update Telegram delivered (None: none yet).
    seconds_since_last_update: float | None = None
    webhook: bool = False
    # Polling mode, several instances: another instance holds the poller lease; this one waits.
    standby: bool = False


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether the bot is ready, with each probe's verdict ("ok", "timeout", "error: ...")."""

    ready: bool
    probes: dict[str, str]
    reason: str | None = None


class _Probe:
    """One readiness check, whose "ok" may be reused for `reuse_for` seconds (a billed ping)."""

    __slots__ = ("checked_at", "probe", "reuse_for", "running", "verdict")

    def __init__(self, probe: ReadinessProbe, reuse_for: float) -> None:
        self.probe = probe
        self.reuse_for = reuse_for
        self.verdict: str | None = None
        self.checked_at = 0.0
        self.running: asyncio.Task[object] | None = None

    def reusable(self, now: float) -> str | None:
        """The last verdict while it may stand in for a new check: only "ok", only briefly."""
        if self.verdict == "ok" and now - self.checked_at < self.reuse_for:
            return self.verdict
        return None

    def task(self) -> asyncio.Task[object]:
        """The check in flight, shared by concurrent readiness requests, or a new one."""
        if self.running is None or self.running.done():
            self.running = asyncio.create_task(_call(self.probe))
        return self.running


async def _call(probe: ReadinessProbe) -> object:
    return await probe()


class HealthState:
    """What the runtime knows about polling, updates and dependencies, read by the health server.

    Liveness fails (503) when any of these holds:
    - getUpdates has failed (an error, a non-200) with no success for more than `stall_seconds`
      (HEALTH_STALL_SECONDS, default 30): a dead network or Bot API is noticed within that;
    - nothing succeeded for `max(stall_seconds, poll_timeout + poll_slack + 5 s)`, errors or not
      (a polling loop that went silent); a normal long poll of `poll_timeout` never gets there;
    - updates are in flight and none has finished for `update_stall_seconds` (handlers stuck or
      starved), as told by `update_started` / `update_finished`;
    - another process polls with this token, or polling was stopped.

    In webhook mode (`use_webhook`) nothing is polled, and a quiet bot rightly hears nothing, so
    the getUpdates rules do not apply: liveness is "the webhook was set at start-up and is still
    ours (`set_webhook_problem`, from a periodic getWebhookInfo), the bot is not shutting down,
    and updates that arrived are being handled" (the stuck-handler rule). A Telegram that cannot
    reach the bot is logged (getWebhookInfo's last_error), not judged here: restarting the bot
    would not fix the route to it.
    """

    def __init__(
        self,
        *,
        poll_timeout: float = 10.0,
        stall_seconds: float | None = None,
        poll_slack: float = DEFAULT_POLL_SLACK_SECONDS,
        update_stall_seconds: float = DEFAULT_UPDATE_STALL_SECONDS,
        probe_timeout: float = DEFAULT_PROBE_TIMEOUT,
        clock: Clock = time.monotonic,
    ) -> None:
        self._clock = clock
        self.started_at = clock()
        self.stall_seconds = DEFAULT_STALL_SECONDS if stall_seconds is None else stall_seconds
        self.silence_seconds = max(
            self.stall_seconds, poll_timeout + poll_slack + SILENCE_MARGIN_SECONDS
        )
        self.update_stall_seconds = update_stall_seconds
        self.probe_timeout = probe_timeout
        self._last_poll_ok: float | None = None
        self._last_error: str | None = None
        self._consecutive_errors = 0
        self._conflict = False
        self._stopped_reason: str | None = None
        self._ready = False
        self._probes: dict[str, _Probe] = {}
        self._in_flight: dict[int, float] = {}
        self._last_finished: float | None = None
        self._webhook = False
        self._last_webhook_update: float | None = None
        self._webhook_problem: str | None = None
        self._standby = False
        self._poll_origin = self.started_at  # polling (re)started: the start-up stall's origin

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

    def use_webhook(self) -> None:
        """Updates come by webhook from now on: the getUpdates rules no longer apply."""
        self._webhook = True

    @property
    def webhook_problem(self) -> str | None:
        """Why the webhook cannot bring updates here (None: it can, as far as is known)."""
        return self._webhook_problem

    def set_webhook_problem(self, problem: str | None) -> None:
        """Record what getWebhookInfo showed: the webhook is not ours any more, or None."""
        self._webhook_problem = problem

    def mark_webhook_update(self) -> None:
        """Record an update Telegram delivered to the webhook (shown in /health)."""
        self._last_webhook_update = self._clock()

    def set_standby(self, standby: bool) -> None:
        """Record whether this instance stands by (another holds the poller lease).

        A standby instance is alive without polling; when it takes over, the getUpdates stall
        rules start counting from then.
        """
        if self._standby and not standby:
            self._poll_origin = self._clock()
            self._last_poll_ok = None
            self._consecutive_errors = 0
            self._conflict = False
        self._standby = standby

    @property
    def standby(self) -> bool:
        """Whether this instance stands by for the poller lease."""
        return self._standby

    def set_conflict(self) -> None:
        """Record a 409 Conflict: another process polls with this token."""
        self._conflict = True

    def mark_stopped(self, reason: str) -> None:
        """Record that polling has ended for good (the health check must fail from now on)."""
        self._stopped_reason = reason

    def set_ready(self, ready: bool) -> None:
        """Set whether start-up is complete (False again while shutting down)."""
        self._ready = ready

    def add_probe(self, name: str, probe: ReadinessProbe, *, reuse_for: float = 0.0) -> None:
        """Register an async dependency check; raising or returning False means not ready.

        An "ok" is reused for `reuse_for` seconds, so frequent /ready calls cost one check (the
        Upstash PING is a billed command); a failure is checked again on the next call.
        """
        self._probes[name] = _Probe(probe, reuse_for)

    def update_started(self, update_id: int) -> None:
        """An update's handling began (called for every update by the application)."""
        self._in_flight[update_id] = self._clock()

    def update_finished(self, update_id: int) -> None:
        """An update's handling ended, however it ended."""
        if self._in_flight.pop(update_id, None) is not None:
            self._last_finished = self._clock()

    def liveness(self) -> Liveness:
        """The liveness verdict now."""
        now = self._clock()
        uptime = now - self.started_at
        since_poll = None if self._last_poll_ok is None else now - self._last_poll_ok
        reason: str | None = None
        what = "webhook" if self._webhook else "polling"
        if self._stopped_reason is not None:
            reason = f"{what} stopped: {self._stopped_reason}"
        elif self._conflict:
            reason = "conflict: another process is polling with this token"
        elif self._webhook:
            reason = self._webhook_problem or self._updates_stalled(now)
        elif self._standby:
            reason = self._updates_stalled(now)
        else:
            reason = self._polling_stalled(since_poll, now - self._poll_origin) or (
                self._updates_stalled(now)
            )
        last_update = self._last_webhook_update
        return Liveness(
            healthy=reason is None,
            uptime_seconds=uptime,
            seconds_since_last_poll=since_poll,
            reason=reason,
            last_error=self._last_error,
            seconds_since_last_update=None if last_update is None else now - last_update,
            webhook=self._webhook,
            standby=self._standby,
        )

    def _polling_stalled(self, since_poll: float | None, uptime: float) -> str | None:
        # Before the first successful poll, start-up is measured like a stall.
        quiet_for = since_poll if since_poll is not None else uptime
        failing = self._consecutive_errors > 0
        if quiet_for <= (self.stall_seconds if failing else self.silence_seconds):
            return None
        what = "getUpdates" if since_poll is not None else "getUpdates since start"
        errors = f" ({self._consecutive_errors} failed)" if failing else ""
        return f"no successful {what} for {quiet_for:.0f} s{errors}"

    def _updates_stalled(self, now: float) -> str | None:
        if not self._in_flight:
            return None
        oldest = min(self._in_flight.values())
        progress = oldest if self._last_finished is None else max(oldest, self._last_finished)
        stuck_for = now - progress
        if stuck_for <= self.update_stall_seconds:
            return None
        count = len(self._in_flight)
        updates = "update" if count == 1 else "updates"
        return f"{count} {updates} in flight, none handled for {stuck_for:.0f} s"

    def is_healthy(self) -> bool:
        """Whether polling is alive: a recent successful getUpdates, no conflict, not stopped."""
        return self.liveness().healthy

    async def readiness(self) -> Readiness:
        """Run every probe concurrently, each bounded by `probe_timeout`, and judge readiness."""
        now = self._clock()
        verdicts: dict[str, str] = {}
        due: dict[str, asyncio.Task[object]] = {}
        for name, probe in self._probes.items():
            reused = probe.reusable(now)
            if reused is not None:
                verdicts[name] = reused
            else:
                due[name] = probe.task()
        checked = await _run_probes(due, self.probe_timeout)
        finished = self._clock()
        for name, verdict in checked.items():
            self._probes[name].verdict = verdict
            self._probes[name].checked_at = finished
        verdicts.update(checked)
        failed = sorted(name for name, verdict in verdicts.items() if verdict != "ok")
        reason: str | None = None
        if not self._ready:
            reason = "starting or shutting down"
        elif failed:
            reason = "probe failed: " + ", ".join(failed)
        return Readiness(ready=reason is None, probes=dict(sorted(verdicts.items())), reason=reason)


async def _run_probes(
    tasks: dict[str, asyncio.Task[object]], seconds_each: float
) -> dict[str, str]:
    if not tasks:
        return {}
    _, pending = await asyncio.wait(set(tasks.values()), timeout=seconds_each)
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
        self._posts: dict[str, Handler] = {}

    def add_post_route(self, path: str, handler: Handler) -> None:
        """Serve one more POST route (the webhook's) beside the health routes; before start."""
        if path in {"/health", "/ready", "/metrics"}:
            raise ConfigError("WEBHOOK_URL", f"WEBHOOK_URL's path must not be {path}")
        self._posts[path] = handler

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
        app = web.Application(client_max_size=WEBHOOK_MAX_BODY_BYTES)
        for path, handler in self._posts.items():
            app.router.add_post(path, handler)
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
        if liveness.webhook:
            body["mode"] = "webhook"
            since = liveness.seconds_since_last_update
            body["seconds_since_last_update"] = None if since is None else round(since, 3)
        elif liveness.standby:
            body["mode"] = "standby"  # another instance holds the poller lease
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
