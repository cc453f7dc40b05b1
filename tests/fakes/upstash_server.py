"""A fake Upstash Redis REST server on 127.0.0.1, with fault injection and a record of calls.

It speaks what `upstash_redis` sends: POST a JSON array command to the base URL (or an array of
them to `/pipeline`, or to `/multi-exec` for a transaction: run with nothing in between) with
`Authorization: Bearer <token>`, answered by `{"result": ...}` or `{"error": "..."}`. With
`Upstash-Encoding: base64` string results other than "OK" are base64, as the real service does.
Standalone: `python -m tests.fakes.upstash_server --port 0` prints `PORT=<n>` and serves until
SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hmac
import json
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType


class CommandError(Exception):
    """A Redis error reply, sent as `{"error": ...}` with status 400."""


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One HTTP request the fake received."""

    path: str
    command: Any  # the decoded JSON body, or the raw text when it was not JSON
    authorized: bool
    headers: dict[str, str]

    @property
    def name(self) -> str:
        """The upper-cased command name, or "" for pipelines and unreadable bodies."""
        if isinstance(self.command, list) and self.command and isinstance(self.command[0], str):
            return self.command[0].upper()
        return ""


@dataclass(slots=True)
class _Stored:
    value: str
    expires_at: float | None


@dataclass(slots=True)
class FakeUpstash:
    """Serves the Upstash REST protocol from a dict; set the fault attributes to misbehave."""

    token: str = "t"
    host: str = "127.0.0.1"
    port: int = 0
    clock: Callable[[], float] = time.monotonic

    latency: float = 0.0  # seconds to wait before answering each request
    error_status: int | None = None  # answer every request with this status and a JSON error
    raw_body: str | None = None  # answer every request with this body instead of JSON

    calls: list[RecordedCall] = field(default_factory=list, init=False)
    _data: dict[str, _Stored] = field(default_factory=dict, init=False)
    _runner: web.AppRunner | None = field(default=None, init=False)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event, init=False)

    @property
    def url(self) -> str:
        """The base REST URL, as UPSTASH_REDIS_REST_URL would hold it."""
        if self._runner is None:
            raise RuntimeError("FakeUpstash is not started")
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    @property
    def bound_port(self) -> int:
        """The port actually listened on (useful with port=0)."""
        if self._runner is None:
            raise RuntimeError("FakeUpstash is not started")
        port: int = self._runner.addresses[0][1]
        return port

    def commands(self, name: str | None = None) -> list[list[Any]]:
        """The authorised single commands received, optionally only those with this name."""
        return [
            call.command
            for call in self.calls
            if call.authorized and call.name and (name is None or call.name == name.upper())
        ]

    def transactions(self) -> list[list[list[Any]]]:
        """The authorised /multi-exec batches received, each a list of commands."""
        return [
            call.command for call in self.calls if call.authorized and call.path == "/multi-exec"
        ]

    def value(self, key: str) -> str | None:
        """The live value stored under key, without going through HTTP."""
        stored = self._live(key)
        return None if stored is None else stored.value

    def ttl(self, key: str) -> float | None:
        """Seconds until key expires, or None when it is absent or never expires."""
        stored = self._live(key)
        if stored is None or stored.expires_at is None:
            return None
        return stored.expires_at - self.clock()

    def reset_faults(self) -> None:
        """Behave normally again."""
        self.latency = 0.0
        self.error_status = None
        self.raw_body = None

    async def start(self) -> None:
        """Listen on host:port (an ephemeral port when port is 0)."""
        app = web.Application()
        app.router.add_post("/", self._single)
        app.router.add_post("/pipeline", self._pipeline)
        # A transaction: the fake answers one request at a time, so every batch is atomic here.
        app.router.add_post("/multi-exec", self._pipeline)
        # Cancel a handler when its client hangs up, so injected latency never delays shutdown.
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()

    async def stop(self) -> None:
        """Stop listening and release the port."""
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

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

    async def _single(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, pipeline=False)

    async def _pipeline(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, pipeline=True)

    async def _serve(self, request: web.Request, *, pipeline: bool) -> web.StreamResponse:
        text = await request.text()
        try:
            body: Any = json.loads(text)
        except json.JSONDecodeError:
            body = text
        authorized = self._authorized(request)
        self.calls.append(RecordedCall(request.path, body, authorized, dict(request.headers)))

        if self.latency > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.latency):
                    await self._stopping.wait()
        if self.raw_body is not None:
            return web.Response(
                status=self.error_status or 200, text=self.raw_body, content_type="text/html"
            )
        if self.error_status is not None:
            return web.json_response({"error": "ERR injected failure"}, status=self.error_status)
        if not authorized:
            return web.json_response({"error": "Unauthorized"}, status=401)

        base64_results = request.headers.get("Upstash-Encoding", "").lower() == "base64"
        if pipeline:
            if not isinstance(body, list) or not all(isinstance(c, list) for c in body):
                return web.json_response({"error": "ERR malformed pipeline"}, status=400)
            return web.json_response([self._reply(c, base64_results=base64_results) for c in body])
        reply = self._reply(body, base64_results=base64_results)
        return web.json_response(reply, status=400 if "error" in reply else 200)

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, presented = header.partition(" ")
        return scheme == "Bearer" and hmac.compare_digest(presented.encode(), self.token.encode())

    def _reply(self, command: Any, *, base64_results: bool) -> dict[str, Any]:
        try:
            result = self._execute(command)
        except CommandError as error:
            return {"error": str(error)}
        return {"result": _encode(result) if base64_results else result}

    def _execute(self, command: Any) -> Any:
        if not isinstance(command, list) or not command:
            raise CommandError("ERR malformed command")
        if not all(isinstance(part, (str, int, float)) for part in command):
            raise CommandError("ERR arguments must be strings or numbers")
        name, *args = (str(part) for part in command)
        handler = {
            "GET": self._get,
            "SET": self._set,
            "DEL": self._del,
            "EXISTS": self._exists,
            "TTL": self._ttl,
            "PING": self._ping,
            "INCR": self._incr,
            "PEXPIRE": self._pexpire,
        }.get(name.upper())
        if handler is None:
            raise CommandError(f"ERR unknown command '{name}'")
        return handler(name.lower(), args)

    def _live(self, key: str) -> _Stored | None:
        stored = self._data.get(key)
        if (
            stored is not None
            and stored.expires_at is not None
            and self.clock() >= stored.expires_at
        ):
            del self._data[key]
            return None
        return stored

    def _get(self, name: str, args: list[str]) -> str | None:
        _arity(name, args, 1, 1)
        return self.value(args[0])

    def _set(self, name: str, args: list[str]) -> str | None:
        _arity(name, args, 2, None)
        key, value, *options = args
        expires_at: float | None = None
        only_if_absent = only_if_present = False
        position = 0
        while position < len(options):
            option = options[position].upper()
            if option in {"EX", "PX"} and position + 1 < len(options):
                amount = _positive_int(options[position + 1])
                seconds = amount if option == "EX" else amount / 1000
                expires_at = self.clock() + seconds
                position += 2
            elif option == "NX":
                only_if_absent = True
                position += 1
            elif option == "XX":
                only_if_present = True
                position += 1
            else:
                raise CommandError("ERR syntax error")
        exists = self._live(key) is not None
        if (only_if_absent and exists) or (only_if_present and not exists):
            return None
        self._data[key] = _Stored(value, expires_at)
        return "OK"

    def _del(self, name: str, args: list[str]) -> int:
        _arity(name, args, 1, None)
        removed = 0
        for key in args:
            if self._live(key) is not None:
                del self._data[key]
                removed += 1
        return removed

    def _exists(self, name: str, args: list[str]) -> int:
        _arity(name, args, 1, None)
        return sum(1 for key in args if self._live(key) is not None)

    def _ttl(self, name: str, args: list[str]) -> int:
        _arity(name, args, 1, 1)
        stored = self._live(args[0])
        if stored is None:
            return -2
        if stored.expires_at is None:
            return -1
        return round(stored.expires_at - self.clock())

    def _incr(self, name: str, args: list[str]) -> int:
        _arity(name, args, 1, 1)
        stored = self._live(args[0])
        try:
            number = 0 if stored is None else int(stored.value)
        except ValueError:
            raise CommandError("ERR value is not an integer or out of range") from None
        number += 1
        # INCR keeps the key's time to live, as Redis does.
        self._data[args[0]] = _Stored(str(number), None if stored is None else stored.expires_at)
        return number

    def _pexpire(self, name: str, args: list[str]) -> int:
        _arity(name, args, 2, 2)
        stored = self._live(args[0])
        try:
            milliseconds = int(args[1])
        except ValueError:
            raise CommandError("ERR value is not an integer or out of range") from None
        if stored is None:
            return 0
        stored.expires_at = self.clock() + milliseconds / 1000
        return 1

    def _ping(self, name: str, args: list[str]) -> str:
        _arity(name, args, 0, 1)
        return args[0] if args else "PONG"


def _arity(name: str, args: list[str], low: int, high: int | None) -> None:
    if len(args) < low or (high is not None and len(args) > high):
        raise CommandError(f"ERR wrong number of arguments for '{name}' command")


def _positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise CommandError("ERR value is not an integer or out of range") from None
    if number <= 0:
        raise CommandError("ERR invalid expire time in 'set' command")
    return number


def _encode(result: Any) -> Any:
    if isinstance(result, str):
        return result if result == "OK" else base64.b64encode(result.encode()).decode("ascii")
    if isinstance(result, list):
        return [_encode(item) for item in result]
    return result


async def _serve_until_signalled(host: str, port: int, token: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with FakeUpstash(token=token, host=host, port=port) as upstash:
        sys.stdout.write(f"PORT={upstash.bound_port}\n")
        sys.stdout.flush()
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Run the fake until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="t")
    args = parser.parse_args(argv)
    asyncio.run(_serve_until_signalled(args.host, args.port, args.token))


if __name__ == "__main__":
    main()
