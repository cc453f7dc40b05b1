"""The test suite's fake CarsXE with a call counter another process can read.

`python -m bench.upstream --port 0 --latency 0.2` prints `PORT=<n>`; GET /_control/calls answers
`{"specs": <decode calls so far>, "paths": {<path>: <calls>, ...}}`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tests.fakes.carsxe_server import (
    DEFAULT_API_KEY,
    Canned,
    FakeCarsXE,
    serve_until_terminated,
    standalone_parser,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aiohttp import web

    from tests.fakes.carsxe_server import Handler

CALLS_PATH = "/_control/calls"


class CountingCarsXE(FakeCarsXE):
    """FakeCarsXE whose /specs call count is readable over HTTP."""

    def routes(self) -> Sequence[tuple[str, str, Handler]]:
        """CarsXE's routes plus the counter."""
        return (*super().routes(), ("GET", CALLS_PATH, self._calls))

    async def _calls(self, _request: web.Request) -> Canned:
        paths = {path: count for path, count in self.counts.items() if path != CALLS_PATH}
        return Canned(200, {"specs": self.count("/specs"), "paths": paths})


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until SIGTERM."""
    args = standalone_parser("A counting fake CarsXE on 127.0.0.1").parse_args(argv)
    server = CountingCarsXE(DEFAULT_API_KEY, host=args.host, port=args.port, latency=args.latency)
    asyncio.run(serve_until_terminated(server))


if __name__ == "__main__":
    main()
