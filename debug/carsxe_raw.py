"""Decode one VIN against CarsXE: the raw JSON it sent next to what vinbot's client made of it.

One call to /specs through vinbot's own CarsXEClient, with retries off so exactly one request
is billed. The raw body is captured on the wire before the client parses it; the API key
(which CarsXE echoes back in `input.key`) is scrubbed from everything printed.

    python debug/carsxe_raw.py 1HGCM82633A004352
    CARSXE_BASE_URL=http://127.0.0.1:8123 CARSXE_API_KEY=test-carsxe-key \
        python debug/carsxe_raw.py 1HGCM82633A004352
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import httpx
from _support import EXIT_OK, Failure, Script, as_data, load, parser, require, run

from vinbot.clients.breaker import CircuitBreaker
from vinbot.clients.carsxe import CarsXEClient, carsxe_http_client
from vinbot.clients.retry import RetryPolicy
from vinbot.formatters.vin_words import vin_problem
from vinbot.i18n import words_in
from vinbot.models.errors import VinbotError
from vinbot.models.vin import analyse

if TYPE_CHECKING:
    from collections.abc import Sequence

NAME = "carsxe_raw"


class CapturingTransport(httpx.AsyncBaseTransport):
    """Sends through a real transport and keeps every response body it saw."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.responses: list[tuple[str, int, bytes]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward the request and record the path, status and body of the answer."""
        response = await self._inner.handle_async_request(request)
        body = await response.aread()
        self.responses.append((request.url.path, response.status_code, body))
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )

    async def aclose(self) -> None:
        """Close the real transport."""
        await self._inner.aclose()


def _raw_view(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", errors="replace")[:2000]


async def decode(script: Script, vin: str, seconds: float) -> int:
    """One /specs call; prints the raw answer, then the parsed VehicleSpec or the domain error."""
    settings = script.settings
    require(settings.carsxe_api_key, "CARSXE_API_KEY", "this script calls the paid CarsXE API")
    assert settings.carsxe_api_key is not None
    transport = CapturingTransport()
    http = carsxe_http_client(settings.carsxe_base_url, seconds, transport=transport)
    client = CarsXEClient(
        http,
        api_key=settings.carsxe_api_key,
        breaker=CircuitBreaker("carsxe"),
        retry=RetryPolicy(attempts=1, deadline=seconds),
    )
    script.out(f"GET {settings.carsxe_base_url}/specs?vin={vin} (one billed call)")
    try:
        spec = await client.decode(vin)
        error: VinbotError | None = None
    except VinbotError as exc:
        spec, error = None, exc
    finally:
        await http.aclose()
    for path, status, body in transport.responses:
        script.out(f"== raw answer: HTTP {status} from {path} ==")
        script.out_json(_raw_view(body))
    if error is not None:
        if not transport.responses:
            raise Failure(f"no answer from {settings.carsxe_base_url}: {error}")
        raise Failure(f"vinbot's client turned this into {type(error).__name__}: {error}")
    script.out("== parsed by vinbot.clients.carsxe ==")
    script.out_json(as_data(spec))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, then decode."""
    args_parser = parser(NAME, __doc__.splitlines()[0] if __doc__ else NAME)
    args_parser.add_argument("vin", metavar="VIN", help="the VIN to decode (17 characters)")
    args_parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds to wait for CarsXE (default: HTTP_TIMEOUT_SECONDS)",
    )
    args_parser.add_argument(
        "--force",
        action="store_true",
        help="send the VIN even when vinbot would refuse it as invalid (still billed)",
    )
    args = args_parser.parse_args(argv)
    script = load(NAME, verbose=args.verbose)
    analysis = analyse(args.vin)
    if not analysis.valid and not args.force:
        reason = vin_problem(words_in("en"), analysis.errors[0]) if analysis.errors else "?"
        script.note(f"{NAME}: {analysis.vin!r} is not a valid VIN: {reason} (--force sends it)")
        return 2
    timeout = args.timeout if args.timeout is not None else script.settings.http_timeout_seconds
    return run(script, decode(script, analysis.vin if analysis.valid else args.vin, timeout))


if __name__ == "__main__":
    sys.exit(main())
