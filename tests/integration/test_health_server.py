"""The health server over real HTTP on 127.0.0.1: liveness, readiness, metrics and robustness."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from vinbot.health import HealthServer, HealthState
from vinbot.metrics import Metrics

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

HOST = "127.0.0.1"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state(clock: FakeClock) -> HealthState:
    return HealthState(poll_timeout=10, probe_timeout=0.2, clock=clock)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
async def server(state: HealthState, metrics: Metrics) -> AsyncIterator[HealthServer]:
    async with HealthServer(state, metrics, host=HOST, port=0) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _get(
    http: aiohttp.ClientSession, server: HealthServer, path: str
) -> tuple[int, dict[str, Any]]:
    async with http.get(f"http://{HOST}:{server.port}{path}") as response:
        return response.status, await response.json()


async def test_health_is_ok_while_polls_are_fresh(
    server: HealthServer, http: aiohttp.ClientSession, state: HealthState, clock: FakeClock
) -> None:
    """A successful getUpdates within the stall threshold answers 200 with the poll's age."""
    clock.advance(100)
    state.mark_poll_ok()
    clock.advance(30)
    status, body = await _get(http, server, "/health")
    assert status == 200
    assert body == {"status": "ok", "uptime_seconds": 130.0, "seconds_since_last_poll": 30.0}


async def test_health_is_503_once_polling_stalls(
    server: HealthServer, http: aiohttp.ClientSession, state: HealthState, clock: FakeClock
) -> None:
    """No successful getUpdates for longer than the threshold answers 503 with a reason."""
    state.mark_poll_ok()
    clock.advance(state.stall_seconds + 1)
    status, body = await _get(http, server, "/health")
    assert status == 503
    assert body["status"] == "unhealthy"
    assert "no successful getUpdates" in body["reason"]


async def test_start_up_gets_a_grace_period_then_fails_without_polls(
    server: HealthServer, http: aiohttp.ClientSession, clock: FakeClock
) -> None:
    """Before the first poll the check passes within the threshold and fails after it."""
    status, body = await _get(http, server, "/health")
    assert (status, body["seconds_since_last_poll"]) == (200, None)
    clock.advance(91)
    status, body = await _get(http, server, "/health")
    assert status == 503
    assert "since start" in body["reason"]


async def test_persistent_poll_errors_fail_the_check_without_leaking_messages(
    server: HealthServer, http: aiohttp.ClientSession, state: HealthState, clock: FakeClock
) -> None:
    """Errors pass briefly; outlasting the threshold gives 503 naming only the error type."""
    state.mark_poll_ok()
    for _ in range(3):
        clock.advance(10)
        state.mark_poll_error(ConnectionError("https://api.telegram.org/bot123:SECRET/getUpdates"))
    status, body = await _get(http, server, "/health")
    assert status == 200
    clock.advance(1)
    state.mark_poll_error(ConnectionError("https://api.telegram.org/bot123:SECRET/getUpdates"))
    status, body = await _get(http, server, "/health")
    assert status == 503
    assert body["last_error"] == "ConnectionError"
    assert "SECRET" not in str(body)
    assert state.consecutive_poll_errors == 4


async def test_failing_polls_turn_503_within_45_seconds_whatever_the_poll_timeout(
    server: HealthServer, http: aiohttp.ClientSession, clock: FakeClock
) -> None:
    """With a 50 s long poll, getUpdates failing since the last success is 503 after 30 s."""
    state = HealthState(poll_timeout=50, clock=clock)
    state.mark_poll_ok()
    clock.advance(1)
    state.mark_poll_error(TimeoutError())
    clock.advance(29)
    assert state.liveness().healthy
    clock.advance(1)
    liveness = state.liveness()
    assert not liveness.healthy
    assert liveness.reason == "no successful getUpdates for 31 s (1 failed)"


async def test_a_normal_long_poll_stays_healthy(clock: FakeClock) -> None:
    """A getUpdates that waits its whole 50 s long poll (plus read slack) is not a stall."""
    state = HealthState(poll_timeout=50, clock=clock)
    state.mark_poll_ok()
    clock.advance(50 + 10 + 5)
    assert state.liveness().healthy
    clock.advance(1)
    assert not state.liveness().healthy


async def test_updates_in_flight_with_none_finished_turn_503(
    server: HealthServer, http: aiohttp.ClientSession, state: HealthState, clock: FakeClock
) -> None:
    """Updates started but none finished for the update threshold answer 503 until one ends."""
    state.mark_poll_ok()
    state.update_started(1)
    clock.advance(state.update_stall_seconds - 10)
    state.update_started(2)
    state.mark_poll_ok()
    clock.advance(10)
    status, _ = await _get(http, server, "/health")
    assert status == 200
    clock.advance(1)
    state.mark_poll_ok()  # updates keep arriving, but nothing is handled
    status, body = await _get(http, server, "/health")
    assert status == 503
    assert body["reason"] == "2 updates in flight, none handled for 61 s"
    state.update_finished(2)
    status, _ = await _get(http, server, "/health")
    assert status == 200


async def test_one_long_update_is_fine_while_others_finish(
    state: HealthState, clock: FakeClock
) -> None:
    """A slow update does not fail liveness while other updates keep being handled."""
    state.mark_poll_ok()
    state.update_started(1)
    for update_id in range(2, 10):
        clock.advance(20)
        state.mark_poll_ok()
        state.update_started(update_id)
        state.update_finished(update_id)
    assert state.liveness().healthy
    clock.advance(state.update_stall_seconds + 1)
    state.mark_poll_ok()
    assert not state.liveness().healthy
    state.update_finished(1)
    state.update_finished(1)  # a second report of the same update changes nothing
    assert state.liveness().healthy


async def test_conflict_is_503_until_polling_succeeds_again(
    server: HealthServer, http: aiohttp.ClientSession, state: HealthState
) -> None:
    """A 409 Conflict fails the check at once, and a later successful poll clears it."""
    state.mark_poll_ok()
    state.set_conflict()
    status, body = await _get(http, server, "/health")
    assert status == 503
    assert "conflict" in body["reason"]
    state.mark_poll_ok()
    status, _ = await _get(http, server, "/health")
    assert status == 200


async def test_stopped_polling_is_503(
    server: HealthServer, http: aiohttp.ClientSession, state: HealthState
) -> None:
    """Once the runtime marks polling as ended, the check fails even with a fresh poll."""
    state.mark_poll_ok()
    state.mark_stopped("updater crashed")
    status, body = await _get(http, server, "/health")
    assert status == 503
    assert "updater crashed" in body["reason"]


def test_thresholds_default_to_30_s_of_errors_and_a_long_poll_of_silence() -> None:
    """Errors may last 30 s; silence may last the long poll plus its read slack, at least 30 s."""
    assert HealthState(poll_timeout=10).stall_seconds == 30
    assert HealthState(poll_timeout=10).silence_seconds == 30
    assert HealthState(poll_timeout=50).silence_seconds == 65
    assert HealthState(poll_timeout=10, stall_seconds=20).stall_seconds == 20


async def test_ready_is_503_until_start_up_completes(
    server: HealthServer, http: aiohttp.ClientSession, state: HealthState
) -> None:
    """Readiness fails before set_ready(True) and after set_ready(False)."""
    status, body = await _get(http, server, "/ready")
    assert (status, body["status"]) == (503, "not_ready")
    state.set_ready(True)
    status, body = await _get(http, server, "/ready")
    assert (status, body) == (200, {"status": "ready", "probes": {}})
    state.set_ready(False)
    status, _ = await _get(http, server, "/ready")
    assert status == 503


async def test_ready_is_200_when_every_probe_answers(
    server: HealthServer, http: aiohttp.ClientSession, state: HealthState
) -> None:
    """With the flag set and all probes passing, readiness answers 200 listing each probe."""

    async def database() -> None:
        await asyncio.sleep(0)

    async def cache() -> bool:
        return True

    state.add_probe("database", database)
    state.add_probe("cache", cache)
    state.set_ready(True)
    status, body = await _get(http, server, "/ready")
    assert status == 200
    assert body["probes"] == {"database": "ok", "cache": "ok"}


async def test_ready_is_503_naming_a_probe_that_raises(
    server: HealthServer, http: aiohttp.ClientSession, state: HealthState
) -> None:
    """A probe that raises makes readiness 503 (never 500) and names the probe and error type."""

    async def database() -> None:
        raise ConnectionRefusedError

    async def cache() -> bool:
        return False

    state.add_probe("database", database)
    state.add_probe("cache", cache)
    state.set_ready(True)
    status, body = await _get(http, server, "/ready")
    assert status == 503
    assert body["probes"] == {"database": "error: ConnectionRefusedError", "cache": "failed"}
    assert body["reason"] == "probe failed: cache, database"


async def test_ready_answers_promptly_when_a_probe_hangs(
    server: HealthServer, http: aiohttp.ClientSession, state: HealthState
) -> None:
    """A probe that never answers is cut off at the probe timeout and reported as a timeout."""
    cancelled = asyncio.Event()

    async def hanging() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    state.add_probe("cache", hanging)
    state.set_ready(True)
    status, body = await _get(http, server, "/ready")
    assert status == 503
    assert body["probes"] == {"cache": "timeout"}
    await asyncio.wait_for(cancelled.wait(), timeout=30)


async def test_an_ok_probe_is_reused_within_its_window(
    state: HealthState, clock: FakeClock
) -> None:
    """Ten readiness checks in the window make one probe call; after it, the next one asks."""
    calls: list[str] = []

    async def cache() -> bool:
        calls.append("ping")
        return True

    state.add_probe("cache", cache, reuse_for=30)
    state.set_ready(True)
    for _ in range(10):
        assert (await state.readiness()).ready
        clock.advance(2)
    assert calls == ["ping"]
    clock.advance(11)
    assert (await state.readiness()).ready
    assert calls == ["ping", "ping"]


async def test_a_failed_probe_is_asked_again_at_once(state: HealthState) -> None:
    """A failure is never reused: the next readiness check asks again and may recover."""
    answers = [False, True]

    async def cache() -> bool:
        return answers.pop(0)

    state.add_probe("cache", cache, reuse_for=30)
    state.set_ready(True)
    assert not (await state.readiness()).ready
    assert (await state.readiness()).ready
    assert answers == []


async def test_metrics_serves_prometheus_text(
    server: HealthServer, http: aiohttp.ClientSession, state: HealthState, metrics: Metrics
) -> None:
    """/metrics answers the text format with counters and the polling gauge up to date."""
    metrics.update_received("message")
    state.mark_poll_ok()
    async with http.get(f"http://{HOST}:{server.port}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == Metrics.content_type
        body = await response.text()
    assert 'vinbot_updates_total{kind="message"} 1.0' in body
    assert "vinbot_polling_healthy 1.0" in body
    assert "vinbot_ready 0.0" in body


async def test_unknown_path_is_404_and_wrong_method_is_405(
    server: HealthServer, http: aiohttp.ClientSession
) -> None:
    """Paths the server does not know answer 404, and a POST to /health answers 405."""
    async with http.get(f"http://{HOST}:{server.port}/admin") as response:
        assert response.status == 404
    async with http.post(f"http://{HOST}:{server.port}/health") as response:
        assert response.status == 405


async def test_malformed_request_does_not_break_later_requests(
    server: HealthServer, http: aiohttp.ClientSession
) -> None:
    """Garbage on the socket gets a 400 and the next proper request is served normally."""
    reader, writer = await asyncio.open_connection(HOST, server.port)
    writer.write(b"\x00\xffNOT HTTP AT ALL\r\n\r\n")
    await writer.drain()
    reply = await asyncio.wait_for(reader.read(1024), timeout=5)
    writer.close()
    await writer.wait_closed()
    assert reply.split(b"\r\n")[0].split()[:2] in ([b"HTTP/1.0", b"400"], [b"HTTP/1.1", b"400"])
    status, _ = await _get(http, server, "/health")
    assert status == 200


async def test_access_log_stays_silent(
    server: HealthServer, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """Probe requests write nothing to aiohttp's access log, even at DEBUG."""
    caplog.set_level(logging.DEBUG, logger="aiohttp.access")
    await _get(http, server, "/health")
    assert [r for r in caplog.records if r.name == "aiohttp.access"] == []


async def test_stop_releases_the_port(state: HealthState, metrics: Metrics) -> None:
    """After stop() the port is free: connections are refused and a new server can bind it."""
    first = HealthServer(state, metrics, host=HOST, port=0)
    await first.start()
    port = first.port
    assert port != 0
    await first.stop()
    await first.stop()
    with pytest.raises(OSError):
        await asyncio.open_connection(HOST, port)
    async with (
        HealthServer(state, metrics, host=HOST, port=port) as second,
        aiohttp.ClientSession() as http,
    ):
        assert second.port == port
        status, _ = await _get(http, second, "/health")
        assert status == 200


async def test_a_standby_instance_is_healthy_without_polling_until_it_takes_over(
    server: HealthServer, http: aiohttp.ClientSession, state: HealthState, clock: FakeClock
) -> None:
    """Standing by for the poller lease is healthy however long it lasts; after the take-over
    the getUpdates rules count from the take-over, not from the process start."""
    state.set_standby(True)
    clock.advance(3600)
    status, body = await _get(http, server, "/health")
    assert (status, body["mode"]) == (200, "standby")
    state.set_standby(False)
    clock.advance(5)
    status, body = await _get(http, server, "/health")
    assert status == 200
    assert "mode" not in body
    clock.advance(state.silence_seconds)
    status, body = await _get(http, server, "/health")
    assert status == 503
    assert "no successful getUpdates since start" in body["reason"]
