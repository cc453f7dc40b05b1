"""The Upstash cache against a fake Upstash REST server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from structlog.testing import capture_logs
from upstash_redis.errors import UpstashError

from tests.fakes.clock import ManualClock
from tests.fakes.upstash_server import FakeUpstash
from vinbot.cache.upstash import UpstashCache, build_client
from vinbot.config import Secret

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, MutableMapping, Sequence

    from vinbot.cache.base import Cache

TOKEN = "AXr7-right-token-do-not-log-9f3c"
WRONG_TOKEN = "AXr7-wrong-token-do-not-log-11aa"
REPO_ROOT = Path(__file__).resolve().parents[2]

# Generous bound for "returned quickly": far below the injected latency, far above the timeout.
LATENCY = 5.0
TIMEOUT = 0.2
BOUND = 2.0


@pytest.fixture
async def upstash() -> AsyncIterator[FakeUpstash]:
    async with FakeUpstash(token=TOKEN) as server:
        yield server


@pytest.fixture
async def cache(upstash: FakeUpstash) -> AsyncIterator[UpstashCache]:
    cache = UpstashCache(upstash.url, Secret(TOKEN), timeout=TIMEOUT)
    yield cache
    await cache.aclose()


def _errors(events: Sequence[MutableMapping[str, Any]]) -> list[MutableMapping[str, Any]]:
    return [e for e in events if e["event"] == "cache_error"]


async def test_a_value_round_trips(cache: UpstashCache) -> None:
    """A value set through Upstash is what get returns."""
    value = '{"vin": "1HGCM82633A004352", "make": "Honda", "note": "ünïcödé ✓"}'

    await cache.set("vinbot:v1:spec:X", value, ttl_seconds=60)

    assert await cache.get("vinbot:v1:spec:X") == value


async def test_set_passes_the_ttl_as_ex(cache: UpstashCache, upstash: FakeUpstash) -> None:
    """set sends SET key value EX ttl, so Upstash expires the key itself."""
    await cache.set("k", "v", ttl_seconds=3600)

    assert upstash.commands("SET") == [["SET", "k", "v", "EX", 3600]]
    remaining = upstash.ttl("k")
    assert remaining is not None
    assert 3590 < remaining <= 3600


async def test_a_missing_key_is_none(cache: UpstashCache) -> None:
    """A key Upstash does not hold reads as None, with no error logged."""
    with capture_logs() as events:
        assert await cache.get("absent") is None

    assert _errors(events) == []


async def test_delete_removes_the_key(cache: UpstashCache, upstash: FakeUpstash) -> None:
    """A deleted key is gone from Upstash."""
    await cache.set("k", "v", ttl_seconds=60)

    await cache.delete("k")

    assert upstash.value("k") is None
    assert await cache.get("k") is None


async def test_a_non_positive_ttl_deletes(cache: UpstashCache, upstash: FakeUpstash) -> None:
    """Setting with a ttl of zero removes the key rather than sending an invalid EX."""
    await cache.set("k", "v", ttl_seconds=60)

    await cache.set("k", "v2", ttl_seconds=0)

    assert upstash.value("k") is None
    assert len(upstash.commands("SET")) == 1


async def test_requests_carry_the_token_and_no_telemetry(
    cache: UpstashCache, upstash: FakeUpstash
) -> None:
    """Each request is a Bearer-authorised POST without the client's telemetry headers."""
    await cache.get("k")

    headers = {name.lower(): value for name, value in upstash.calls[-1].headers.items()}
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert not [name for name in headers if name.startswith("upstash-telemetry")]


async def test_a_wrong_token_is_a_logged_miss_without_the_token(upstash: FakeUpstash) -> None:
    """With a rejected token, get is a miss, a warning says so, and no event holds a token."""
    cache = UpstashCache(upstash.url, Secret(WRONG_TOKEN), timeout=TIMEOUT)
    try:
        with capture_logs() as events:
            assert await cache.get("k") is None
            await cache.set("k", "v", ttl_seconds=60)
    finally:
        await cache.aclose()

    errors = _errors(events)
    assert [(e["op"], e["log_level"], e["detail"]) for e in errors] == [
        ("get", "warning", "Unauthorized"),
        ("set", "warning", "Unauthorized"),
    ]
    assert upstash.value("k") is None
    for event in events:
        assert WRONG_TOKEN not in repr(event)
        assert TOKEN not in repr(event)
        assert upstash.url not in repr(event)


async def test_a_slow_server_is_a_miss_within_the_timeout(
    cache: UpstashCache, upstash: FakeUpstash
) -> None:
    """When Upstash is slower than the timeout, get gives up long before Upstash would answer."""
    await cache.set("k", "v", ttl_seconds=60)
    upstash.latency = LATENCY

    with capture_logs() as events:
        async with asyncio.timeout(BOUND):
            assert await cache.get("k") is None
            await cache.set("k2", "v", ttl_seconds=60)
            await cache.delete("k")

    assert [(e["op"], e["error"]) for e in _errors(events)] == [
        ("get", "TimeoutError"),
        ("set", "TimeoutError"),
        ("delete", "TimeoutError"),
    ]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        pytest.param(500, None, id="500-json-error"),
        pytest.param(500, "<html>Internal Server Error</html>", id="500-html"),
        pytest.param(200, "<html>captive portal</html>", id="200-garbage"),
        pytest.param(200, '{"unexpected": true}', id="200-json-without-result"),
        pytest.param(200, '{"result": 42}', id="200-result-of-wrong-type"),
        pytest.param(502, "", id="502-empty"),
    ],
)
async def test_a_broken_reply_is_a_logged_miss(
    cache: UpstashCache, upstash: FakeUpstash, status: int, body: str | None
) -> None:
    """Server errors and unreadable bodies make get a miss and log one cache_error."""
    await cache.set("k", "v", ttl_seconds=60)
    upstash.error_status = status if status != 200 else None
    upstash.raw_body = body

    with capture_logs() as events:
        assert await cache.get("k") is None

    errors = _errors(events)
    assert len(errors) == 1
    assert errors[0]["op"] == "get"


async def test_failing_writes_do_not_raise(cache: UpstashCache, upstash: FakeUpstash) -> None:
    """set and delete against a failing server return normally."""
    upstash.error_status = 500

    await cache.set("k", "v", ttl_seconds=60)
    await cache.delete("k")

    assert upstash.value("k") is None


async def test_ping_is_true_when_upstash_answers(cache: UpstashCache) -> None:
    """ping is True against a healthy server."""
    assert await cache.ping() is True


async def test_ping_is_false_when_upstash_fails(cache: UpstashCache, upstash: FakeUpstash) -> None:
    """ping is False when the server errors or is too slow."""
    upstash.error_status = 500
    assert await cache.ping() is False

    upstash.reset_faults()
    upstash.latency = LATENCY
    async with asyncio.timeout(BOUND):
        assert await cache.ping() is False


async def test_an_unreachable_server_is_a_miss() -> None:
    """With nothing listening, every operation is a miss or a no-op and ping is False."""
    async with FakeUpstash(token=TOKEN) as server:
        url = server.url
    cache = UpstashCache(url, Secret(TOKEN), timeout=TIMEOUT)
    try:
        with capture_logs() as events:
            async with asyncio.timeout(BOUND):
                assert await cache.get("k") is None
                await cache.set("k", "v", ttl_seconds=60)
                assert await cache.ping() is False
    finally:
        await cache.aclose()

    assert [e["error"] for e in _errors(events)] == ["ConnectError"] * 3


async def test_repeated_failures_pause_upstash(upstash: FakeUpstash) -> None:
    """After a run of failures calls skip Upstash for a while, then try it again."""
    clock = ManualClock()
    cache = UpstashCache(
        upstash.url,
        Secret(TOKEN),
        timeout=TIMEOUT,
        failures_before_pause=2,
        pause_seconds=30,
        clock=clock,
    )
    try:
        upstash.error_status = 500
        with capture_logs() as events:
            assert await cache.get("k") is None
            assert await cache.get("k") is None
            requests_before_pause = len(upstash.calls)
            assert cache.paused
            assert await cache.get("k") is None
            await cache.set("k", "v", ttl_seconds=60)
            assert len(upstash.calls) == requests_before_pause

            upstash.reset_faults()
            await _resume_after_pause(upstash, cache, clock)
    finally:
        await cache.aclose()

    names = [e["event"] for e in events]
    assert names == ["cache_error", "cache_error", "cache_paused", "cache_resumed"]


async def _resume_after_pause(
    upstash: FakeUpstash, cache: UpstashCache, clock: ManualClock
) -> None:
    """Advance past the pause and check the next call reaches Upstash and succeeds."""
    clock.advance(31)
    assert not cache.paused
    await cache.set("k", "v", ttl_seconds=60)
    assert upstash.value("k") == "v"
    assert await cache.get("k") == "v"


async def test_a_failure_after_the_pause_pauses_again(upstash: FakeUpstash) -> None:
    """When the first call after a pause fails too, Upstash is skipped again at once."""
    clock = ManualClock()
    cache = UpstashCache(
        upstash.url, Secret(TOKEN), timeout=TIMEOUT, failures_before_pause=3, clock=clock
    )
    try:
        upstash.error_status = 500
        for _ in range(3):
            await cache.get("k")
        clock.advance(31)

        await cache.get("k")

        assert cache.paused
        assert len(upstash.calls) == 4
    finally:
        await cache.aclose()


async def test_ping_asks_even_while_paused_and_resumes(upstash: FakeUpstash) -> None:
    """A successful ping during a pause ends the pause, so readiness reflects recovery."""
    cache = UpstashCache(upstash.url, Secret(TOKEN), timeout=TIMEOUT, failures_before_pause=1)
    try:
        upstash.error_status = 500
        await cache.get("k")
        assert cache.paused

        upstash.reset_faults()

        assert await cache.ping() is True
        assert not cache.paused
    finally:
        await cache.aclose()


async def test_an_injected_client_is_used_and_left_open(upstash: FakeUpstash) -> None:
    """A client passed in serves the cache, and closing the cache leaves it to its owner."""
    client = build_client(upstash.url, Secret(TOKEN))
    try:
        cache: Cache = UpstashCache("unused", Secret(TOKEN), client=client)
        await cache.set("k", "v", ttl_seconds=60)
        await cache.aclose()

        assert await client.get("k") == "v"
    finally:
        await client.close()


def test_a_non_positive_timeout_is_refused() -> None:
    """A cache call with no time budget is a configuration mistake."""
    with pytest.raises(ValueError, match="timeout"):
        UpstashCache("http://127.0.0.1:1", Secret(TOKEN), timeout=0)


@pytest.mark.slow
async def test_the_fake_runs_standalone_until_sigterm() -> None:
    """Run as a module, the fake prints its port, serves, and exits cleanly on SIGTERM."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.upstash_server",
        "--port",
        "0",
        "--token",
        TOKEN,
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(30):
            line = (await process.stdout.readline()).decode().strip()
        assert line.startswith("PORT=")
        cache = UpstashCache(f"http://127.0.0.1:{line.removeprefix('PORT=')}", Secret(TOKEN))
        try:
            await cache.set("k", "v", ttl_seconds=60)
            assert await cache.get("k") == "v"
        finally:
            await cache.aclose()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            return_code = await process.wait()

    assert return_code == 0


async def test_count_increments_and_expires_in_one_transaction(
    cache: UpstashCache, upstash: FakeUpstash
) -> None:
    """count sends INCR and PEXPIRE to /multi-exec and returns the new count."""
    assert [await cache.count("c", 120_000) for _ in range(3)] == [1, 2, 3]

    assert upstash.transactions()[0] == [["INCR", "c"], ["PEXPIRE", "c", 120_000]]
    remaining = upstash.ttl("c")
    assert remaining is not None
    assert 110 < remaining <= 120


async def test_add_stores_only_an_absent_key(cache: UpstashCache, upstash: FakeUpstash) -> None:
    """add is SET NX PX: True the first time, False while the key lives, True after it expires."""
    clock = ManualClock()
    upstash.clock = clock

    assert await cache.add("lock", "a", 4000) is True
    assert await cache.add("lock", "b", 4000) is False
    assert upstash.value("lock") == "a"
    clock.advance(4.0)
    assert await cache.add("lock", "b", 4000) is True
    assert upstash.commands("SET")[0] == ["SET", "lock", "a", "NX", "PX", 4000]


async def test_count_and_add_answer_none_when_upstash_fails(
    cache: UpstashCache, upstash: FakeUpstash
) -> None:
    """A 5xx from Upstash makes count and add answer None (unknown), never raise."""
    upstash.error_status = 503

    assert await cache.count("c", 1000) is None
    assert await cache.add("lock", "a", 1000) is None


async def test_incr_of_a_non_number_is_an_error_reply(upstash: FakeUpstash) -> None:
    """The fake answers INCR on a non-integer value as Redis does, with an error."""
    upstash.clock = ManualClock()
    async with build_client(upstash.url, Secret(TOKEN)) as client:
        await client.set("k", "text")
        with pytest.raises(UpstashError, match="not an integer"):
            await client.incr("k")
