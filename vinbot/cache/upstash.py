"""The Upstash Redis cache over REST: every call is bounded by a short timeout and fails as a miss.

A cache outage must never stop a reply nor slow it by more than the timeout, so each call runs
under `asyncio.timeout`, any failure is logged as `cache_error` and treated as a miss, and after
a run of failures Upstash is skipped for a while (every call is an instant miss) until it has had
time to recover.
"""

from __future__ import annotations

import asyncio
import enum
import time
from typing import TYPE_CHECKING, Final, Literal

from upstash_redis.asyncio import Redis
from upstash_redis.errors import UpstashError

from vinbot.logs import get_logger

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from vinbot.config import Secret

_BACKEND: Final = "upstash"
_MAX_DETAIL_LENGTH: Final = 200


class UnexpectedReply(Exception):
    """Upstash answered with something that is not what the command returns."""


class Unreachable(enum.Enum):
    """Upstash failed or is paused: whether it holds the key is unknown (not a miss)."""

    UNREACHABLE = enum.auto()


UNREACHABLE: Final = Unreachable.UNREACHABLE


def build_client(url: str, token: Secret) -> Redis:
    """The official async client configured for a cache that must fail fast."""
    return Redis(
        url=url,
        token=token.value,
        # Values are our own JSON text, always valid UTF-8: plain JSON replies suffice.
        rest_encoding=None,
        # The client retries after 3 s by default, far beyond any timeout budget.
        rest_retries=0,
        rest_retry_interval=0,
        allow_telemetry=False,
        # A cache tolerates a briefly stale replica; sync tokens would only add latency.
        read_your_writes=False,
    )


class UpstashCache:
    """A `Cache` in Upstash Redis; never raises, never waits longer than `timeout` per call."""

    def __init__(
        self,
        url: str,
        token: Secret,
        *,
        timeout: float = 0.5,
        failures_before_pause: int = 3,
        pause_seconds: float = 30.0,
        client: Redis | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Build the client from url and token, or use `client` (then the caller closes it)."""
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if failures_before_pause < 1:
            raise ValueError("failures_before_pause must be at least 1")
        self._token = token
        self._timeout = timeout
        self._client = client if client is not None else build_client(url, token)
        self._owns_client = client is None
        self._failures_before_pause = failures_before_pause
        self._pause_seconds = pause_seconds
        self._clock = clock
        self._consecutive_failures = 0
        self._paused_until: float | None = None
        self._log = get_logger(__name__)

    async def get(self, key: str) -> str | None:
        """The value, or None when absent, expired, or Upstash failed or is paused."""
        result = await self.lookup(key)
        return None if result is UNREACHABLE else result

    async def lookup(self, key: str) -> str | Literal[Unreachable.UNREACHABLE] | None:
        """The value, None when Upstash says it is absent, UNREACHABLE when Upstash failed."""
        # Typed loosely on purpose: the client's annotations promise a str, the wire may not.
        result: object = await self._run("get", lambda: self._client.get(key))
        if result is None:
            return None
        if result is UNREACHABLE:
            return UNREACHABLE
        if not isinstance(result, str):
            self._record_failure("get", UnexpectedReply(type(result).__name__))
            return UNREACHABLE
        return result

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        """Store a value with EX ttl_seconds; a ttl of zero or less removes the key instead."""
        if ttl_seconds <= 0:
            await self.delete(key)
            return
        await self._run("set", lambda: self._client.set(key, value, ex=ttl_seconds))

    async def delete(self, key: str) -> None:
        """Remove a key if present; a failure is logged, never raised."""
        await self._run("delete", lambda: self._client.delete(key))

    async def count(self, key: str, ttl_ms: int) -> int | None:
        """INCR key and PEXPIRE it ttl_ms in one transaction; None when Upstash failed."""

        async def incr_and_expire() -> list[object]:
            transaction = self._client.multi()
            transaction.incr(key)
            transaction.pexpire(key, ttl_ms)
            replies: list[object] = list(await transaction.exec())
            return replies

        result = await self._run("count", incr_and_expire)
        if result is UNREACHABLE:
            return None
        if not isinstance(result, list) or not result or type(result[0]) is not int:
            self._record_failure("count", UnexpectedReply(type(result).__name__))
            return None
        count: int = result[0]
        return count

    async def add(self, key: str, value: str, ttl_ms: int) -> bool | None:
        """SET key value NX PX ttl_ms; whether it was stored, None when Upstash failed."""
        result: object = await self._run(
            "add", lambda: self._client.set(key, value, nx=True, px=ttl_ms)
        )
        if result is UNREACHABLE:
            return None
        return result is True

    async def ping(self) -> bool:
        """Whether Upstash answers PING now; asks even while paused, and a success resumes."""
        result = await self._run("ping", self._client.ping, even_when_paused=True)
        return result == "PONG"

    async def aclose(self) -> None:
        """Close the HTTP connections of a client this cache built."""
        if self._owns_client:
            await self._client.close()

    @property
    def paused(self) -> bool:
        """Whether calls are currently skipped after repeated failures."""
        return self._paused_until is not None and self._clock() < self._paused_until

    async def _run[T](
        self,
        op: str,
        command: Callable[[], Awaitable[T]],
        *,
        even_when_paused: bool = False,
    ) -> T | Literal[Unreachable.UNREACHABLE]:
        if self.paused and not even_when_paused:
            return UNREACHABLE
        try:
            async with asyncio.timeout(self._timeout):
                result = await command()
        except Exception as error:  # noqa: BLE001 - any failure of the cache is a miss
            self._record_failure(op, error)
            return UNREACHABLE
        self._record_success()
        return result

    def _record_failure(self, op: str, error: Exception) -> None:
        self._consecutive_failures += 1
        fields: dict[str, object] = {"op": op, "error": type(error).__name__}
        if isinstance(error, TimeoutError):
            fields["timeout_seconds"] = self._timeout
        elif isinstance(error, (UpstashError, UnexpectedReply)):
            # Upstash's own message ("Unauthorized", "WRONGTYPE ..."); the token never belongs.
            detail = str(error)[:_MAX_DETAIL_LENGTH]
            if self._token.value:
                detail = detail.replace(self._token.value, "[REDACTED]")
            fields["detail"] = detail
        self._log.warning("cache_error", backend=_BACKEND, **fields)
        if self._consecutive_failures >= self._failures_before_pause and not self.paused:
            self._paused_until = self._clock() + self._pause_seconds
            self._log.warning(
                "cache_paused",
                backend=_BACKEND,
                consecutive_failures=self._consecutive_failures,
                pause_seconds=self._pause_seconds,
            )

    def _record_success(self) -> None:
        if self._paused_until is not None:
            self._log.info("cache_resumed", backend=_BACKEND)
        self._consecutive_failures = 0
        self._paused_until = None
