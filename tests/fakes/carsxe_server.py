"""A fake CarsXE on 127.0.0.1, plus the small HTTP fake machinery the NHTSA fake shares.

In tests: `async with FakeCarsXE() as carsxe:` then point a client at `carsxe.base_url`.
Standalone: `python -m tests.fakes.carsxe_server --port 0 --latency 0.2` prints `PORT=<n>`
and serves until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import signal
import sys
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence
    from types import TracebackType

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEFAULT_API_KEY = "test-carsxe-key"
HTML_ERROR_PAGE = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def load_fixture(relative: str) -> dict[str, Any]:
    """A fresh copy of a JSON fixture under tests/fixtures/."""
    loaded: dict[str, Any] = json.loads((FIXTURES / relative).read_text(encoding="utf-8"))
    return loaded


@dataclass(frozen=True, slots=True)
class Canned:
    """One HTTP answer: a JSON-serialisable body, or str/bytes sent exactly as given."""

    status: int = 200
    body: object = None
    content_type: str = "application/json"

    def render(self) -> web.Response:
        """The aiohttp response for this answer."""
        if isinstance(self.body, bytes):
            payload = self.body
        elif isinstance(self.body, str):
            payload = self.body.encode()
        else:
            payload = json.dumps(self.body).encode()
        return web.Response(
            status=self.status, body=payload, headers={"Content-Type": self.content_type}
        )


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """A request the fake received; `route` is the matched pattern, e.g. `/api/x/{vin}`."""

    method: str
    path: str
    route: str
    params: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class _Fault:
    answer: Canned | None  # None: answer normally, after the delay
    delay: float = 0.0


type Handler = Callable[[web.Request], Awaitable[Canned]]


class FakeUpstream:
    """An aiohttp server on 127.0.0.1: a route table, injected faults, latency and a call log."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0) -> None:
        self.latency = latency
        self.calls: list[RecordedCall] = []
        self.port = 0
        self._host = host
        self._requested_port = port
        self._faults: deque[_Fault] = deque()
        self._runner: web.AppRunner | None = None

    def routes(self) -> Sequence[tuple[str, str, Handler]]:
        """(method, path pattern, handler) rows; subclasses list their endpoints here."""
        return ()

    def not_found(self) -> Canned:
        """The answer for a path no route serves."""
        return Canned(404, {"message": "Not Found"})

    @property
    def root_url(self) -> str:
        """http://127.0.0.1:<port> with no trailing slash."""
        if self._runner is None:
            raise RuntimeError("the fake server is not running")
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The URL to give a client as its base_url."""
        return self.root_url

    @property
    def counts(self) -> Counter[str]:
        """How many calls each path received."""
        return Counter(call.path for call in self.calls)

    def count(self, path: str) -> int:
        """Calls whose path, or matched route pattern, is `path`."""
        return sum(1 for call in self.calls if path in {call.path, call.route})

    def fail_next(
        self,
        times: int = 1,
        *,
        status: int = 503,
        body: object = None,
        content_type: str = "application/json",
        delay: float = 0.0,
    ) -> None:
        """Answer the next `times` requests with this status and body, whatever they ask."""
        answer = Canned(status, body, content_type)
        self._faults.extend(_Fault(answer, delay) for _ in range(times))

    def garbage_next(
        self, times: int = 1, *, body: str | bytes = HTML_ERROR_PAGE, status: int = 200
    ) -> None:
        """Answer the next `times` requests with a body that is not JSON (HTML by default)."""
        self._faults.extend(
            _Fault(Canned(status, body, "text/html; charset=utf-8")) for _ in range(times)
        )

    def slow_next(self, times: int = 1, *, seconds: float) -> None:
        """Delay the next `times` answers by `seconds` on top of the standing latency."""
        self._faults.extend(_Fault(None, seconds) for _ in range(times))

    async def start(self) -> None:
        """Listen on the host and port given (0: an ephemeral port) and serve."""
        app = web.Application(middlewares=[self._middleware()])
        for method, pattern, handler in self.routes():
            app.router.add_route(method, pattern, _respond_with(handler))
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._requested_port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def close(self) -> None:
        """Stop serving and release the port."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def _middleware(self) -> Callable[..., Awaitable[web.StreamResponse]]:
        @web.middleware
        async def record_and_inject(
            request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
        ) -> web.StreamResponse:
            resource = request.match_info.route.resource
            self.calls.append(
                RecordedCall(
                    method=request.method,
                    path=request.path,
                    route=resource.canonical if resource is not None else request.path,
                    params=dict(request.query),
                    body=await request.read(),
                )
            )
            fault = self._faults.popleft() if self._faults else None
            delay = self.latency + (fault.delay if fault else 0.0)
            if delay > 0:
                await asyncio.sleep(delay)
            if fault is not None and fault.answer is not None:
                return fault.answer.render()
            try:
                return await handler(request)
            except web.HTTPNotFound:
                return self.not_found().render()

        return record_and_inject


def _respond_with(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def respond(request: web.Request) -> web.Response:
        return (await handler(request)).render()

    return respond


# Canned CarsXE bodies, from the documented examples in tests/fixtures/carsxe/.


def specs_body(vin: str, key: str = "API_KEY") -> dict[str, Any]:
    """A /specs success body for `vin` (the documented example; CarsXE echoes the key in input)."""
    body = load_fixture("carsxe/specs_success.json")
    body["input"] = {"key": key, "vin": vin}
    return body


def international_body(vin: str) -> dict[str, Any]:
    """The sparse body CarsXE returns when /specs falls back to its international decoder."""
    body = load_fixture("carsxe/international_vin_decoder_success.json")
    body["input"] = {"vin": vin}
    body["attributes"] = {**copy.deepcopy(body["attributes"]), "vin": vin}
    return body


def not_found() -> Canned:
    """404 "No data found for this VIN"."""
    return Canned(404, load_fixture("carsxe/error_no_data_for_vin.json"))


def quota_exhausted() -> Canned:
    """429 with the usage block CarsXE adds to quota errors."""
    return Canned(429, load_fixture("carsxe/error_quota_exceeded_429.json"))


def internal_error() -> Canned:
    """500 "Internal server error"."""
    return Canned(500, load_fixture("carsxe/error_internal_500.json"))


class FakeCarsXE(FakeUpstream):
    """CarsXE's API shapes: `key` checked on every call, /specs answered per VIN.

    `specs[vin]` overrides the answer for one VIN (a body dict served with 200, or a Canned);
    any other VIN gets the documented /specs example with `input.vin` set.
    """

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
    ) -> None:
        super().__init__(host=host, port=port, latency=latency)
        self.api_key = api_key
        self.specs: dict[str, Canned | dict[str, Any]] = {}

    def routes(self) -> Sequence[tuple[str, str, Handler]]:
        """CarsXE endpoints served; add /v1/recalls, /v2/marketvalue, /images, /v1/vinocr here."""
        return (("GET", "/specs", self._specs),)

    def not_found(self) -> Canned:
        """CarsXE's error envelope for an unknown path."""
        return Canned(404, {"success": False, "message": "Not found"})

    def refusal(self, request: web.Request) -> Canned | None:
        """The 401 CarsXE gives for a missing or unknown key, or None when the key is right."""
        key = request.query.get("key", "")
        if not key:
            return Canned(401, load_fixture("carsxe/error_missing_api_key.json"))
        if key != self.api_key:
            return Canned(401, load_fixture("carsxe/error_key_not_found_or_disabled.json"))
        return None

    async def _specs(self, request: web.Request) -> Canned:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        vin = request.query.get("vin", "").strip().upper()
        if not vin:
            return Canned(400, load_fixture("carsxe/specs_error_missing_vin.json"))
        answer = self.specs.get(vin)
        if answer is None:
            return Canned(200, specs_body(vin, request.query["key"]))
        if isinstance(answer, Canned):
            return answer
        return Canned(200, answer)


async def serve_until_terminated(server: FakeUpstream) -> None:
    """Serve, print `PORT=<n>` on stdout once listening, and stop on SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        sys.stdout.write(f"PORT={server.port}\n")
        sys.stdout.flush()
        await stop.wait()


def standalone_parser(description: str) -> argparse.ArgumentParser:
    """--host, --port and --latency, shared by the fakes' command lines."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each answer")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Run the fake CarsXE as a process."""
    parser = standalone_parser("A fake CarsXE API on 127.0.0.1")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the key the fake accepts")
    args = parser.parse_args(argv)
    server = FakeCarsXE(args.api_key, host=args.host, port=args.port, latency=args.latency)
    asyncio.run(serve_until_terminated(server))


if __name__ == "__main__":
    main()
