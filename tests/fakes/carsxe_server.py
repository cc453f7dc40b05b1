"""A fake CarsXE on 127.0.0.1, plus the small HTTP fake machinery the NHTSA fake shares.

In tests: `async with FakeCarsXE() as carsxe:` then point a client at `carsxe.base_url`.
Standalone: `python -m tests.fakes.carsxe_server --port 0 --latency 0.2` prints `PORT=<n>`
and serves until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
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


RECALLS_VIN = "1C4JJXR64PW696340"  # the VIN of the documented /v1/recalls example


def carsxe_recall(
    nhtsa_id: str = "23V123000",
    *,
    recall_date: str = "2023-03-02",
    component: str = "ELECTRICAL SYSTEM",
    dont_drive: bool | None = False,
    stop_sale: bool | None = False,
    remedy_available: bool | None = True,
    **overrides: Any,
) -> dict[str, Any]:
    """One full /v1/recalls record with every field CarsXE's own types list (values made up)."""
    record: dict[str, Any] = {
        "recall_date": recall_date,
        "expiration_date": None,
        "nhtsa_id": nhtsa_id,
        "manufacturer_id": "Z01",
        "recall_campaign_type": "Safety Recall",
        "recall_name": f"{component.title()} recall",
        "component": component,
        "recall_description": f"A defect in the {component.lower()} may develop.",
        "risk_description": "This can increase the risk of a crash.",
        "stop_sale": stop_sale,
        "dont_drive": dont_drive,
        "remedy_available": remedy_available,
        "recall_remedy": "Dealers will repair the vehicle free of charge.",
        "parts_available": True,
        "labor_hours_min": "0.5",
        "labor_hours_max": "1.2",
        "recall_status": "Open",
    }
    record.update(overrides)
    return record


def default_carsxe_recalls() -> list[dict[str, Any]]:
    """Two campaigns: an older harmless one and a newer do-not-drive one."""
    return [
        carsxe_recall("22V500000", recall_date="2022-07-01", component="BACK OVER PREVENTION"),
        carsxe_recall(
            "23V123000",
            recall_date="2023-03-02",
            component="AIR BAGS",
            dont_drive=True,
            stop_sale=True,
            remedy_available=False,
        ),
    ]


def recalls_body(
    vin: str, recalls: list[dict[str, Any]] | None = None, key: str = "API_KEY"
) -> dict[str, Any]:
    """A /v1/recalls success body: the documented example's envelope, with a recalls list."""
    body = load_fixture("carsxe/recalls_success.json")
    listed = default_carsxe_recalls() if recalls is None else recalls
    body["input"] = {"key": key, "vin": vin}
    body["data"].update(
        {
            "vin": vin,
            "make": "JEEP",
            "model": "Wrangler",
            "has_recalls": bool(listed),
            "recall_count": len(listed),
            "recalls": listed,
        }
    )
    return body


def _value_bucket(kind: str, condition: str, base: int) -> dict[str, int]:
    name = f"{kind}_{condition}"
    return {
        f"base_{name}": base,
        f"mileage_{name}": -250,
        f"add_deduct_{name}": 0,
        f"regional_{name}": 50,
    }


def marketvalue_body(
    vin: str, *, state: str | None = None, mileage: int | None = None
) -> dict[str, Any]:
    """A /v2/marketvalue body: the documented example completed with every condition bucket.

    The docs sample shows only whole_clean and retail_clean; the other buckets follow its shape
    (base, mileage, add/deduct and regional parts) with made-up amounts.
    """
    body = load_fixture("carsxe/marketvalue_v2_success.json")
    body["input"] = {"vin": vin, "country": "US", **({"state": state} if state else {})}
    body["msrp"] = "55500"
    for condition, whole, retail in (
        ("xclean", 6300, 10600),
        ("clean", 5300, 9325),
        ("avg", 4300, 8100),
        ("rough", 3000, 6600),
    ):
        body[f"whole_{condition}"] = _value_bucket("whole", condition, whole)
        body[f"retail_{condition}"] = _value_bucket("retail", condition, retail)
    for condition, trade in (("clean", 4900), ("avg", 3900), ("rough", 2600)):
        body[f"trade_in_{condition}"] = _value_bucket("trade_in", condition, trade)
    if mileage is not None:
        body["mileage"] = mileage
    return body


def images_body(make: str, model: str, count: int = 2) -> dict[str, Any]:
    """An /images success body in CarsXE's shape (the links point at a test host)."""
    slug = f"{make}-{model}".lower().replace(" ", "-")
    return {
        "success": True,
        "images": [
            {
                "mime": "image/jpeg",
                "link": f"https://images.example.test/{slug}-{n}.jpg",
                "contextLink": f"https://cars.example.test/{slug}",
                "height": 768,
                "width": 1024,
                "byteSize": 180_000,
                "thumbnailLink": f"https://images.example.test/{slug}-{n}-thumb.jpg",
                "thumbnailHeight": 120,
                "thumbnailWidth": 160,
                "hostPageDomainFriendlyName": "Example Cars",
                "accentColor": "2A2A2A",
                "datePublished": "2024-01-01T00:00:00Z",
            }
            for n in range(1, count + 1)
        ],
        "query": {"make": make, "model": model},
    }


def vinocr_body() -> dict[str, Any]:
    """The documented /v1/vinocr success body (a confident read of JHLRD77874C026456)."""
    return load_fixture("carsxe/vinocr_success.json")


PLATE_VIN = "1HGCM82633A004352"


def plate_body(
    plate: str, state: str | None, country: str = "US", vin: str = PLATE_VIN
) -> dict[str, Any]:
    """A /v2/platedecoder success body with the common fields CarsXE's types list."""
    return {
        "success": True,
        "input": {"plate": plate, "state": state, "country": country},
        "description": "2003 Honda Accord EX",
        "make": "Honda",
        "model": "Accord",
        "trim": "EX",
        "vin": vin,
        "style": "Sedan 4D",
        "year": "2003",
        "registration_year": "2003",
        "assembly": "United States",
        "fuel_type": "Gasoline",
        "color": "Silver",
        "body_style": "Sedan",
        "engine_size": "3.0L V6",
        "drive_type": "FWD",
        "transmission": "Automatic",
    }


# Plate countries whose state is required, and countries the fake refuses.
PLATE_STATE_COUNTRIES = frozenset({"US", "CA", "AU"})
UNSUPPORTED_PLATE_COUNTRIES = frozenset({"ZZ", "AQ"})


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
        self.recalls: dict[str, Canned | dict[str, Any]] = {}
        self.market_values: dict[str, Canned | dict[str, Any]] = {}
        self.images: dict[tuple[str, str], Canned | dict[str, Any]] = {}
        self.ocr: dict[bytes, Canned | dict[str, Any]] = {}
        self.plates: dict[tuple[str, str], Canned | dict[str, Any]] = {}
        self.lien_thefts: dict[str, Canned | dict[str, Any]] = {}
        self.title_histories: dict[str, Canned | dict[str, Any]] = {}
        self.ocr_images: list[bytes] = []
        self.obd_codes: dict[str, Canned | dict[str, Any]] = {}

    def routes(self) -> Sequence[tuple[str, str, Handler]]:
        """CarsXE endpoints served.

        Per-input answers (a body dict served with 200, or a Canned): `specs[vin]`,
        `recalls[vin]`, `market_values[vin]`, `images[(make, model)]` (lower case),
        `ocr[image bytes]`, `plates[(country, plate)]`, `lien_thefts[vin]` (default: the
        documented "no data" envelope), `title_histories[vin]` (default: the documented top
        level with no records), `obd_codes[code]` (upper case); other inputs get the default
        bodies.
        `ocr_images` records the decoded bytes of every VIN OCR upload.
        """
        return (
            ("GET", "/specs", self._specs),
            ("GET", "/v1/recalls", self._recalls),
            ("GET", "/v2/marketvalue", self._market_value),
            ("GET", "/images", self._images),
            ("POST", "/v1/vinocr", self._vin_ocr),
            ("GET", "/v2/platedecoder", self._plate_decoder),
            ("GET", "/v1/lien-theft", self._lien_theft),
            ("GET", "/history", self._history),
            ("GET", "/obdcodesdecoder", self._obd_codes_decoder),
        )

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

    def _vin(self, request: web.Request) -> str | Canned:
        """The VIN asked about, or CarsXE's refusal of a wrong key or a missing VIN."""
        refused = self.refusal(request)
        if refused is not None:
            return refused
        vin = request.query.get("vin", "").strip().upper()
        if not vin:
            return Canned(400, load_fixture("carsxe/specs_error_missing_vin.json"))
        return vin

    async def _specs(self, request: web.Request) -> Canned:
        vin = self._vin(request)
        if isinstance(vin, Canned):
            return vin
        return _answer(self.specs.get(vin), lambda: specs_body(vin, request.query["key"]))

    async def _recalls(self, request: web.Request) -> Canned:
        vin = self._vin(request)
        if isinstance(vin, Canned):
            return vin
        return _answer(self.recalls.get(vin), lambda: recalls_body(vin, key=request.query["key"]))

    async def _market_value(self, request: web.Request) -> Canned:
        vin = self._vin(request)
        if isinstance(vin, Canned):
            return vin
        condition = request.query.get("condition")
        if condition is not None and condition not in {"excellent", "clean", "average", "rough"}:
            return Canned(400, {"success": False, "message": "Invalid condition"})
        mileage = request.query.get("mileage")
        if mileage is not None and not mileage.isdigit():
            return Canned(400, {"success": False, "message": "Invalid mileage"})
        return _answer(
            self.market_values.get(vin),
            lambda: marketvalue_body(
                vin,
                state=request.query.get("state"),
                mileage=int(mileage) if mileage else None,
            ),
        )

    async def _images(self, request: web.Request) -> Canned:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        make = request.query.get("make", "").strip()
        model = request.query.get("model", "").strip()
        if not make or not model:
            # A v1 route: validation problems come back as 500 with success false.
            return Canned(500, {"success": False, "message": "Missing make or model"})
        return _answer(
            self.images.get((make.lower(), model.lower())), lambda: images_body(make, model)
        )

    async def _vin_ocr(self, request: web.Request) -> Canned:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        try:
            payload = json.loads(await request.read())
        except ValueError:
            return Canned(400, {"success": False, "message": "Invalid JSON body"})
        encoded = payload.get("image_url") if isinstance(payload, dict) else None
        if not isinstance(encoded, str) or not encoded:
            return Canned(400, {"success": False, "message": "Missing image_url"})
        try:
            image = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return Canned(400, {"success": False, "message": "Invalid image"})
        self.ocr_images.append(image)
        return _answer(self.ocr.get(image), vinocr_body)

    async def _plate_decoder(self, request: web.Request) -> Canned:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        plate = request.query.get("plate", "").strip().upper()
        country = request.query.get("country", "US").strip().upper() or "US"
        state = request.query.get("state", "").strip().upper() or None
        if not plate:
            return Canned(400, {"success": False, "message": "Missing plate"})
        if country in UNSUPPORTED_PLATE_COUNTRIES:
            return Canned(404, {"success": False, "message": f"Country {country} is not supported"})
        if country in PLATE_STATE_COUNTRIES and state is None:
            return Canned(400, {"success": False, "message": "Missing state"})
        return _answer(self.plates.get((country, plate)), lambda: plate_body(plate, state, country))

    async def _lien_theft(self, request: web.Request) -> Canned:
        return self._by_vin(request, self.lien_thefts, lien_theft_none)

    async def _history(self, request: web.Request) -> Canned:
        return self._by_vin(request, self.title_histories, lambda: Canned(200, history_body()))

    async def _obd_codes_decoder(self, request: web.Request) -> Canned:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        code = request.query.get("code", "").strip().upper()
        if not code:
            return Canned(400, load_fixture("carsxe/obdcodesdecoder_error_missing_code.json"))
        override = self.obd_codes.get(code)
        if override is None and code not in OBD_DIAGNOSES:
            return obd_unknown_code(code)
        return _answer(override, lambda: obd_body(code))

    def _by_vin(
        self,
        request: web.Request,
        answers: dict[str, Canned | dict[str, Any]],
        default: Callable[[], Canned],
    ) -> Canned:
        vin = self._vin(request)
        if isinstance(vin, Canned):
            return vin
        answer = answers.get(vin)
        if answer is None:
            return default()
        return answer if isinstance(answer, Canned) else Canned(200, answer)


def lien_theft_body(vin: str, *events: dict[str, Any]) -> dict[str, Any]:
    """A /v1/lien-theft body: the documented example for this VIN, with these events if given."""
    body = load_fixture("carsxe/lien_theft_success.json")
    body["input"]["vin"] = vin
    if events:
        body["events"] = list(events)
    return body


def stolen_event(location: str = "OH") -> dict[str, Any]:
    """An Active Theft event in the documented event shape."""
    return {
        "event": "Active Theft",
        "location": location,
        "details_list": ["The vehicle is reported to be an Active Theft."],
    }


def lien_theft_none() -> Canned:
    """The documented "No lien or theft data found for this VIN" envelope, as a 404."""
    return Canned(404, load_fixture("carsxe/lien_theft_error_no_data.json"))


def history_body(**lists: Any) -> dict[str, Any]:
    """A /history body in the documented top-level shape, with no records unless given."""
    body = load_fixture("carsxe/history_schema_placeholder.json")
    for key, value in body.items():
        if isinstance(value, list):
            body[key] = []
    body.update(brandsRecordCount=0, vinChanged=False)
    body.pop("vin")
    body.update(lists)
    return body


def _answer(
    override: Canned | dict[str, Any] | None, default: Callable[[], dict[str, Any]]
) -> Canned:
    if isinstance(override, Canned):
        return override
    return Canned(200, default() if override is None else override)


def plate_not_found() -> Canned:
    """404 with CarsXE's no-data message, for a plate with no registered vehicle."""
    return Canned(404, {"success": False, "message": "No data found for this plate"})


def market_value_no_internet() -> Canned:
    """The documented v2 market value failure ("Cannot access the internet at this time")."""
    return Canned(200, load_fixture("carsxe/error_marketvalue_v2_no_internet.json"))


# Codes the fake knows (generic SAE meanings); any other code gets CarsXE's "Could not find".
OBD_DIAGNOSES = {
    "P0115": "Engine Coolant Temperature Circuit Malfunction",  # the documented example
    "P0301": "Cylinder 1 Misfire Detected",
    "P0420": "Catalyst System Efficiency Below Threshold (Bank 1)",
    "P0171": "System Too Lean (Bank 1)",
    "B0001": "Driver Frontal Stage 1 Deployment Control",
    "C0035": "Left Front Wheel Speed Sensor Circuit",
    "U0100": "Lost Communication With ECM/PCM A",
}


def obd_body(code: str) -> dict[str, Any]:
    """An /obdcodesdecoder success body: the documented example with the code's meaning."""
    body = load_fixture("carsxe/obdcodesdecoder_success.json")
    body["code"] = code
    body["diagnosis"] = OBD_DIAGNOSES.get(code, body["diagnosis"])
    return body


def obd_unknown_code(code: str, status: int = 404) -> Canned:
    """CarsXE's "Could not find code …" for a code it does not know (the status is not
    documented; 404 is what its errors guide gives for "no data")."""
    body = load_fixture("carsxe/obdcodesdecoder_error_unknown_code.json")
    body["message"] = f"Could not find code {code}"
    return Canned(status, body)


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
