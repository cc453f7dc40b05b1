"""A fake NHTSA vPIC (and, later, the recalls API) on 127.0.0.1.

In tests: `async with FakeNhtsa() as nhtsa:` then point a client at `nhtsa.base_url`
(`.../api`, like https://vpic.nhtsa.dot.gov/api). Standalone:
`python -m tests.fakes.nhtsa_server --port 0 --latency 0.2` prints `PORT=<n>` and serves until
SIGTERM; vPIC is under `/api` there too.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from tests.fakes.carsxe_server import (
    Canned,
    FakeUpstream,
    Handler,
    load_fixture,
    serve_until_terminated,
    standalone_parser,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aiohttp import web

HONDA_VIN = "1HGCM82633A004352"
VPIC_PREFIX = "/api"
RESULTS_MESSAGE = (
    "Results returned successfully. NOTE: Any missing decoded values should be interpreted as "
    "NHTSA does not have data on the specific variable. Missing value should NOT be interpreted "
    "as an indication that a feature or technology is unavailable for a vehicle."
)
NO_DATA_TEXT = {
    "7": "7 - Manufacturer is not registered with NHTSA for sale or importation in the U.S. for "
    "use on U.S roads; Please contact the manufacturer directly for more information",
    "8": "8 - No detailed data available currently",
}


def honda_results(vin: str = HONDA_VIN) -> dict[str, Any]:
    """The real 154-key DecodeVinValues result for a 2003 Honda Accord, with `VIN` set to `vin`."""
    results = load_fixture(f"nhtsa/decodevinvalues_results0_{HONDA_VIN}.json")
    results["VIN"] = vin
    return results


def undecodable_results(vin: str, error_code: str = "7") -> dict[str, Any]:
    """All 154 keys empty, as vPIC answers for a VIN it has nothing on, with the given ErrorCode."""
    results = dict.fromkeys(honda_results(), "")
    results["VIN"] = vin
    results["ErrorCode"] = error_code
    results["ErrorText"] = "; ".join(
        NO_DATA_TEXT.get(code, f"{code} - error") for code in error_code.split(",")
    )
    return results


def decode_vin_values_envelope(vin: str, results: dict[str, Any]) -> dict[str, Any]:
    """vPIC's envelope around one result."""
    return {
        "Count": 1,
        "Message": RESULTS_MESSAGE,
        "SearchCriteria": f"VIN(s): {vin}",
        "Results": [results],
    }


class FakeNhtsa(FakeUpstream):
    """vPIC's DecodeVinValues under /api; `decodes[vin]` overrides the answer for one VIN.

    `decodes[vin]` is a Results[0] dict (wrapped in the envelope, 200) or a Canned answer; any
    other VIN decodes as the real Honda example with its VIN replaced.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0) -> None:
        super().__init__(host=host, port=port, latency=latency)
        self.decodes: dict[str, Canned | dict[str, Any]] = {}

    @property
    def base_url(self) -> str:
        """The vPIC base URL, like https://vpic.nhtsa.dot.gov/api."""
        return self.root_url + VPIC_PREFIX

    @property
    def recalls_base_url(self) -> str:
        """The recalls API base URL, like https://api.nhtsa.gov (same fake host)."""
        return self.root_url

    def routes(self) -> Sequence[tuple[str, str, Handler]]:
        """vPIC endpoints under /api; recalls endpoints at the root."""
        return (
            ("GET", f"{VPIC_PREFIX}/vehicles/DecodeVinValues/{{vin}}", self._decode_vin_values),
            # Recalls land here with the recalls client: GET /recalls/recallsByVehicle at the
            # root (api.nhtsa.gov in production), answering Count, Message and a lower-case
            # `results` list.
        )

    def not_found(self) -> Canned:
        """vPIC's IIS-style 404 page for an unknown path."""
        return Canned(
            404, "<html><body>404 - File or directory not found.</body></html>", "text/html"
        )

    async def _decode_vin_values(self, request: web.Request) -> Canned:
        vin = request.match_info["vin"].strip().upper()
        if request.query.get("format", "").lower() != "json":
            xml = f"<Response><SearchCriteria>VIN(s): {vin}</SearchCriteria></Response>"
            return Canned(200, xml, "application/xml; charset=utf-8")
        answer = self.decodes.get(vin)
        if isinstance(answer, Canned):
            return answer
        results = honda_results(vin) if answer is None else answer
        return Canned(200, decode_vin_values_envelope(vin, results))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the fake NHTSA as a process."""
    args = standalone_parser("A fake NHTSA vPIC API on 127.0.0.1").parse_args(argv)
    server = FakeNhtsa(host=args.host, port=args.port, latency=args.latency)
    asyncio.run(serve_until_terminated(server))


if __name__ == "__main__":
    main()
