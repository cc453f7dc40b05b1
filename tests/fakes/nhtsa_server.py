"""A fake NHTSA vPIC and recalls API on 127.0.0.1.

In tests: `async with FakeNhtsa() as nhtsa:` then point a client at `nhtsa.base_url`
(`.../api`, like https://vpic.nhtsa.dot.gov/api), and a recalls client at
`nhtsa.recalls_base_url` (the root, like https://api.nhtsa.gov). Standalone:
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


RECALLS_MESSAGE = "Results returned successfully"


def nhtsa_recall(
    campaign: str = "22V228000",
    *,
    make: str = "HONDA",
    model: str = "ACCORD",
    year: int = 2003,
    received: str = "01/04/2022",
    component: str = "AIR BAGS",
    park_it: bool | None = False,
    park_outside: bool | None = False,
    over_the_air: bool | None = False,
    **overrides: Any,
) -> dict[str, Any]:
    """One recallsByVehicle record with every key public fixtures show (values made up).

    `parkIt` and `parkOutSide` may be None, as NHTSA sometimes sends null for them.
    """
    record: dict[str, Any] = {
        "Manufacturer": "American Honda Motor Co.",
        "NHTSACampaignNumber": campaign,
        "parkIt": park_it,
        "parkOutSide": park_outside,
        "overTheAirUpdate": over_the_air,
        "ReportReceivedDate": received,
        "Component": component,
        "Summary": f"A defect in the {component.lower()} may develop.",
        "Consequence": "This can increase the risk of injury.",
        "Remedy": "Dealers will repair the vehicle free of charge.",
        "Notes": "Owners may contact NHTSA's Vehicle Safety Hotline.",
        "ModelYear": str(year),
        "Make": make,
        "Model": model,
    }
    record.update(overrides)
    return record


def default_nhtsa_recalls(make: str, model: str, year: int) -> list[dict[str, Any]]:
    """Three campaigns: a harmless old one, a park-outside one (null parkIt) and a do-not-drive."""
    vehicle = {"make": make.upper(), "model": model.upper(), "year": year}
    return [
        nhtsa_recall("19V182000", received="08/03/2019", component="SEAT BELTS", **vehicle),
        nhtsa_recall(
            "21V010000",
            received="27/01/2021",
            component="ELECTRICAL SYSTEM",
            park_it=None,
            park_outside=True,
            **vehicle,
        ),
        nhtsa_recall(
            "22V228000",
            received="01/04/2022",
            component="AIR BAGS",
            park_it=True,
            park_outside=None,
            **vehicle,
        ),
    ]


def recalls_envelope(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The recalls API envelope: Count, Message and a lower-case `results` list."""
    return {"Count": len(results), "Message": RECALLS_MESSAGE, "results": results}


def no_match_quirk() -> Canned:
    """NHTSA's reported answer to a query with no match: HTTP 400 with Count 0 and no results."""
    return Canned(400, recalls_envelope([]))


class FakeNhtsa(FakeUpstream):
    """vPIC's DecodeVinValues under /api and recallsByVehicle at the root.

    `decodes[vin]` is a Results[0] dict (wrapped in the envelope, 200) or a Canned answer; any
    other VIN decodes as the real Honda example with its VIN replaced.
    `recalls[(make, model, year)]` (make and model lower case) is a list of records (wrapped in
    the envelope, 200) or a Canned answer; any other vehicle gets `default_nhtsa_recalls`.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0) -> None:
        super().__init__(host=host, port=port, latency=latency)
        self.decodes: dict[str, Canned | dict[str, Any]] = {}
        self.recalls: dict[tuple[str, str, int], Canned | list[dict[str, Any]]] = {}

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
            ("GET", "/recalls/recallsByVehicle", self._recalls_by_vehicle),
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

    async def _recalls_by_vehicle(self, request: web.Request) -> Canned:
        make = request.query.get("make", "").strip()
        model = request.query.get("model", "").strip()
        year_text = request.query.get("modelYear", "").strip()
        if not make or not model or not year_text.isdigit():
            return no_match_quirk()
        year = int(year_text)
        answer = self.recalls.get((make.lower(), model.lower(), year))
        if isinstance(answer, Canned):
            return answer
        results = default_nhtsa_recalls(make, model, year) if answer is None else answer
        return Canned(200, recalls_envelope(results))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the fake NHTSA as a process."""
    args = standalone_parser("A fake NHTSA vPIC API on 127.0.0.1").parse_args(argv)
    server = FakeNhtsa(host=args.host, port=args.port, latency=args.latency)
    asyncio.run(serve_until_terminated(server))


if __name__ == "__main__":
    main()
