"""Check the Upstash Redis connection: PING, then a SET / GET / DEL round trip of a probe key.

It uses the same REST client vinbot's cache builds (vinbot.cache.upstash.build_client), but
shows each command's error and latency instead of treating failures as cache misses. The probe
key lives under the bot's own namespace, expires on its own, and is deleted at the end.

    python debug/upstash_check.py
    UPSTASH_REDIS_REST_URL=http://127.0.0.1:8124 UPSTASH_REDIS_REST_TOKEN=t \
        python debug/upstash_check.py
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import time
from typing import TYPE_CHECKING

from _support import EXIT_OK, Failure, Script, load, parser, require, run

from vinbot.cache.keys import NAMESPACE
from vinbot.cache.upstash import build_client

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from upstash_redis.asyncio import Redis

NAME = "upstash_check"


async def _timed[T](
    script: Script, label: str, command: Callable[[], Awaitable[T]], seconds: float
) -> T:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(seconds):
            result = await command()
    except TimeoutError:
        raise Failure(f"{label} got no answer within {seconds:g} s") from None
    except Exception as exc:  # noqa: BLE001 - any failure is reported, with its type
        raise Failure(f"{label} failed: {type(exc).__name__}: {exc}") from None
    elapsed_ms = (time.perf_counter() - started) * 1000
    script.out(f"{label:<4} ok  {elapsed_ms:7.1f} ms  -> {result!r}")
    return result


async def check(script: Script, *, seconds: float, ttl: int) -> int:
    """PING, SET with EX, GET and compare, DEL; fails on the first command that does not work."""
    settings = script.settings
    require(
        settings.upstash_redis_rest_url,
        "UPSTASH_REDIS_REST_URL",
        "without Upstash the bot uses its in-memory cache and there is nothing to check",
    )
    assert settings.upstash_redis_rest_url is not None
    assert settings.upstash_redis_rest_token is not None
    script.out(f"Upstash REST URL: {settings.upstash_redis_rest_url} (token set, not shown)")
    client: Redis = build_client(settings.upstash_redis_rest_url, settings.upstash_redis_rest_token)
    key = f"{NAMESPACE}:debug:probe:{secrets.token_hex(4)}"
    value = secrets.token_hex(8)
    try:
        pong = await _timed(script, "PING", client.ping, seconds)
        if pong != "PONG":
            raise Failure(f"PING answered {pong!r}, not 'PONG'")
        await _timed(script, "SET", lambda: client.set(key, value, ex=ttl), seconds)
        read_back = await _timed(script, "GET", lambda: client.get(key), seconds)
        if read_back != value:
            raise Failure(f"GET {key} returned {read_back!r}, not the value just set")
        deleted = await _timed(script, "DEL", lambda: client.delete(key), seconds)
        if deleted != 1:
            raise Failure(f"DEL {key} removed {deleted!r} keys, expected 1")
    finally:
        await client.close()
    script.out(f"round trip ok: {key} written, read back and deleted")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, then check."""
    args_parser = parser(NAME, __doc__.splitlines()[0] if __doc__ else NAME)
    args_parser.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        help="seconds each command may take (default 5; the bot itself allows 0.5)",
    )
    args_parser.add_argument(
        "--ttl", type=int, default=60, help="expiry of the probe key in seconds (default 60)"
    )
    args = args_parser.parse_args(argv)
    script = load(NAME, verbose=args.verbose)
    return run(script, check(script, seconds=args.timeout, ttl=max(1, args.ttl)))


if __name__ == "__main__":
    sys.exit(main())
