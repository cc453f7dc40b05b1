"""CarsXE adapter: wire JSON in, domain objects or domain errors out; the key never leaves here."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import re
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from vinbot.clients import wire
from vinbot.i18n import N_
from vinbot.logs import get_logger
from vinbot.models.errors import (
    BadProviderResponse,
    ImageProblem,
    ImageRejected,
    MarketValueNotFound,
    ObdCodeNotFound,
    PlateNotFound,
    PlateRegionRejected,
    ProviderAuthError,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    VinNotFound,
)
from vinbot.models.market_value import MarketValue, PriceRange
from vinbot.models.obd import ObdDiagnosis
from vinbot.models.ocr import OcrCandidate, OcrResult
from vinbot.models.plate import PlateResult
from vinbot.models.recalls import Recall, RecallReport
from vinbot.models.vehicle import Attr, VehicleSpec
from vinbot.models.vin import is_well_formed, normalise

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import httpx

    from vinbot.clients.breaker import CircuitBreaker
    from vinbot.clients.retry import RetryPolicy
    from vinbot.config import Secret
    from vinbot.models.market_value import Condition
    from vinbot.models.vehicle import Source

PROVIDER: Final = "carsxe"
DEFAULT_BASE_URL: Final = "https://api.carsxe.com"
# Marked for translation: the decode formatters show it in the reader's words.
INTERNATIONAL_DECODER_WARNING: Final = N_(
    "CarsXE answered from its international decoder, which knows fewer details"
)

_NOT_FOUND_STATUSES = frozenset({400, 404})
_AUTH_STATUSES = frozenset({401, 403})
_QUOTA_STATUS = 429

type _Convert = Callable[[object], str | None]

# CarsXE /specs and international-decoder attribute -> (vinbot attribute, conversion).
# The first wire key present wins when several map onto one attribute.
_ATTRIBUTES: tuple[tuple[str, str, _Convert], ...] = (
    ("engine", Attr.ENGINE, wire.text),
    ("engine_size", Attr.ENGINE_DISPLACEMENT_L, wire.numeral),
    ("engine_cylinders", Attr.ENGINE_CYLINDERS, wire.numeral),
    ("fuel_type", Attr.FUEL_TYPE, wire.text),
    ("transmission", Attr.TRANSMISSION, wire.text),
    ("transmission_short", "transmission_short", wire.text),
    ("transmission_type", "transmission_type", wire.text),
    ("transmission_speeds", "transmission_speeds", wire.numeral),
    ("gears", "transmission_speeds", wire.numeral),
    ("drivetrain", Attr.DRIVETRAIN, wire.text),
    ("type", Attr.BODY, wire.text),
    ("body", Attr.BODY, wire.text),
    ("style", "style", wire.text),
    ("category", "category", wire.text),
    ("size", "size", wire.text),
    ("product_type", Attr.VEHICLE_TYPE, wire.text),
    ("doors", Attr.DOORS, wire.numeral),
    ("no_of_doors", Attr.DOORS, wire.numeral),
    ("standard_seating", Attr.SEATING, wire.numeral),
    ("no_of_seats", Attr.SEATING, wire.numeral),
    ("optional_seating", "optional_seating", wire.numeral),
    ("made_in_city", Attr.PLANT_CITY, wire.caps_to_title),
    ("made_in", Attr.PLANT_COUNTRY, wire.caps_to_title),
    ("plant_country", Attr.PLANT_COUNTRY, wire.caps_to_title),
    ("manufacturer", Attr.MANUFACTURER, wire.caps_to_title),
    ("city_mileage", Attr.CITY_MPG, wire.numeral),
    ("highway_mileage", Attr.HIGHWAY_MPG, wire.numeral),
    ("manufacturer_suggested_retail_price", Attr.MSRP_USD, wire.numeral),
    ("invoice_price", "invoice_usd", wire.numeral),
    ("delivery_charges", "delivery_charges_usd", wire.numeral),
    ("curb_weight", Attr.CURB_WEIGHT_LB, wire.numeral),
    ("fuel_capacity", Attr.FUEL_CAPACITY_GAL, wire.numeral),
    ("overall_length", Attr.LENGTH_IN, wire.numeral),
    ("overall_width", Attr.WIDTH_IN, wire.numeral),
    ("overall_height", Attr.HEIGHT_IN, wire.numeral),
    ("wheelbase_length", Attr.WHEELBASE_IN, wire.numeral),
    ("gross_vehicle_weight_rating", Attr.GVWR, wire.text),
    ("ground_clearance", "ground_clearance_in", wire.numeral),
    ("turning_diameter", "turning_diameter_ft", wire.numeral),
    ("standard_towing", "towing_lb", wire.numeral),
    ("maximum_towing", "max_towing_lb", wire.numeral),
    ("standard_payload", "payload_lb", wire.numeral),
    ("anti_brake_system", "abs", wire.text),
    ("abs", "abs", wire.text),
    ("steering_type", "steering", wire.text),
    ("front_brake_type", "front_brakes", wire.text),
    ("rear_brake_type", "rear_brakes", wire.text),
    ("rear_brakes", "rear_brakes", wire.text),
    ("front_suspension", "front_suspension", wire.text),
    ("rear_suspension", "rear_suspension", wire.text),
    ("tires", "tires", wire.text),
    ("series", "series", wire.text),
    ("emission_standard", "emission_standard", wire.text),
    ("engine_manufacturer", "engine_manufacturer", wire.text),
    ("max_speed_kmh", "top_speed_kmh", wire.numeral),
    ("weight_empty_kg", "curb_weight_kg", wire.numeral),
    ("length_mm", "length_mm", wire.numeral),
    ("width_mm", "width_mm", wire.numeral),
    ("height_mm", "height_mm", wire.numeral),
    ("wheelbase_mm", "wheelbase_mm", wire.numeral),
    ("avg_co2_emission_g_km", "co2_g_km", wire.numeral),
)

# Keys only the international decoder sends (the /specs shape has none of them).
_INTERNATIONAL_MARKERS = frozenset({"vid", "product_type", "plant_country", "no_of_doors"})


def carsxe_http_client(
    base_url: str = DEFAULT_BASE_URL,
    timeout: float = 10.0,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The pooled HTTP client the composition root passes to CarsXEClient (caller closes it)."""
    return wire.json_http_client(base_url, timeout, transport=transport)


class CarsXEClient:
    """The paid CarsXE API; decodes VINs via /specs and shares its request machinery with the rest.

    Every request goes through the circuit breaker, then the retry policy; status codes and
    `success: false` bodies become VinNotFound, ProviderAuthError, ProviderQuotaExhausted,
    BadProviderResponse or ProviderUnavailable, none of which mentions a URL or the key.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_key: Secret,
        breaker: CircuitBreaker,
        retry: RetryPolicy,
    ) -> None:
        self._http = http
        self._key = api_key
        self._breaker = breaker
        self._retry = retry
        self._log = get_logger(__name__)

    @property
    def name(self) -> Source:
        """The provider's stable name."""
        return "carsxe"

    @property
    def is_paid(self) -> bool:
        """Every CarsXE call is billed."""
        return True

    async def decode(self, vin: str) -> VehicleSpec:
        """Decode one valid VIN with /specs (CarsXE may answer from its international decoder)."""
        return await self.get_json("/specs", {"vin": vin}, partial(specs_to_vehicle, vin))

    async def recalls(self, vin: str) -> RecallReport:
        """The recall campaigns CarsXE lists for one valid VIN (/v1/recalls)."""
        return await self.get_json("/v1/recalls", {"vin": vin}, partial(recalls_to_report, vin))

    async def market_value(
        self,
        vin: str,
        *,
        mileage: int,
        state: str | None = None,
        condition: Condition | None = None,
    ) -> MarketValue:
        """Retail, trade-in and wholesale values for a VIN (/v2/marketvalue); inputs are echoed.

        Raises MarketValueNotFound when CarsXE has no valuation for the VIN.
        """
        params = {"vin": vin, "mileage": str(mileage)}
        if state:
            params["state"] = state
        if condition:
            params["condition"] = condition
        parse = partial(market_value_from, vin, mileage=mileage, state=state, condition=condition)
        return await self.get_json(
            "/v2/marketvalue",
            params,
            parse,
            require_success=False,
            not_found=lambda _status, _message: MarketValueNotFound(PROVIDER, paid_call_made=True),
        )

    async def images(
        self, make: str, model: str, year: int | None = None, trim: str | None = None
    ) -> str | None:
        """The best exterior photo link for a make, model, year and trim (/images), or None."""
        params = {"make": make, "model": model, "photoType": "exterior"}
        if year is not None:
            params["year"] = str(year)
        if trim:
            params["trim"] = trim
        try:
            link = await self.get_json("/images", params, best_image_link)
        except VinNotFound:
            return None
        # A link is shown to users as is: never one that could carry our key.
        return None if link is not None and self._key.value and self._key.value in link else link

    async def vin_ocr(self, image: bytes) -> OcrResult:
        """The VIN CarsXE reads in a photo (POST /v1/vinocr), sent as base64, never as a URL.

        Made once, without retries: the upload is large, each attempt may be billed, and the
        user can simply send the photo again.
        """
        if not image:
            raise ImageRejected(ImageProblem.EMPTY)
        payload = {"image_url": base64.b64encode(image).decode("ascii")}
        try:
            return await self._post_json(
                "/v1/vinocr",
                payload,
                ocr_result_from,
                require_success=False,
                retry=dataclasses.replace(self._retry, attempts=1),
            )
        except VinNotFound:
            return OcrResult(vin=None)

    async def plate_decode(self, plate: str, state: str | None, country: str = "US") -> PlateResult:
        """The vehicle registered under a plate (/v2/platedecoder); inputs must be validated.

        Raises PlateNotFound when no vehicle is registered under it, and PlateRegionRejected
        when CarsXE does not cover the country or state.
        """
        params = {"plate": plate, "country": country}
        if state:
            params["state"] = state
        return await self.get_json(
            "/v2/platedecoder",
            params,
            partial(plate_result_from, plate, country, state),
            not_found=partial(_plate_rejection, country, state),
        )

    async def get_json[T](
        self,
        path: str,
        params: Mapping[str, str],
        parse: Callable[[wire.JsonObject], T],
        *,
        require_success: bool = True,
        not_found: Callable[[int, str], VinNotFound] | None = None,
    ) -> T:
        """One GET to a CarsXE endpoint, with the shared breaker, retries and error mapping (the
        endpoints in other modules, such as the title records, call it too)."""
        return await self._request(
            "GET",
            path,
            params=params,
            parse=parse,
            require_success=require_success,
            not_found=not_found,
        )

    async def obd_code(self, code: str) -> ObdDiagnosis:
        """What a normalised OBD-II code means (/obdcodesdecoder).

        Raises ObdCodeNotFound when CarsXE does not know the code (counted as paid unless
        CarsXE refused it as invalid input, which it does not bill).
        """
        return await self.get_json(
            "/obdcodesdecoder",
            {"code": code},
            partial(obd_diagnosis_from, code),
            require_success=False,
            not_found=lambda status, _message: ObdCodeNotFound(
                PROVIDER, code, paid_call_made=status != _VALIDATION_STATUS
            ),
        )

    async def _post_json[T](
        self,
        path: str,
        payload: object,
        parse: Callable[[wire.JsonObject], T],
        params: Mapping[str, str] | None = None,
        *,
        require_success: bool = True,
        retry: RetryPolicy | None = None,
    ) -> T:
        return await self._request(
            "POST",
            path,
            params=params or {},
            json_body=payload,
            parse=parse,
            require_success=require_success,
            retry=retry,
        )

    async def _request[T](
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str],
        parse: Callable[[wire.JsonObject], T],
        json_body: object = None,
        require_success: bool = True,
        not_found: Callable[[int, str], VinNotFound] | None = None,
        retry: RetryPolicy | None = None,
    ) -> T:
        """One logical call: breaker, then retries; `parse` runs inside so garbage counts too.

        `not_found(status, message)` replaces the generic VinNotFound with an endpoint's own.
        A ProviderUnavailable after a request that went out unanswered (a read timeout, or cut
        by the deadline) has `paid_call_made` set: CarsXE may have billed it.
        """
        query = {**params, "key": self._key.value}
        policy = retry or self._retry
        watch = wire.RequestWatch()

        async def attempt() -> T:
            response = await wire.send(
                self._http,
                method,
                path,
                provider=PROVIDER,
                params=query,
                json_body=json_body,
                watch=watch,
            )
            body = self._interpret(
                response, path, require_success=require_success, not_found=not_found
            )
            return parse(body)

        try:
            return await self._breaker.call(lambda: policy.run(attempt, provider=PROVIDER))
        except ProviderUnavailable as exc:
            if watch.unanswered:
                # Sent, never answered: CarsXE may have billed it, so the quotas count it.
                exc.paid_call_made = True
                self._log.warning("provider_maybe_billed", provider=PROVIDER, endpoint=path)
            raise

    def _interpret(
        self,
        response: httpx.Response,
        path: str,
        *,
        require_success: bool,
        not_found: Callable[[int, str], VinNotFound] | None = None,
    ) -> wire.JsonObject:
        status = response.status_code
        body, garbage = _parse(response)
        message = self._scrub(wire.message_of(body)) if body is not None else ""
        error = self._error_for_message(message, status, path, body)
        if error is None and not response.is_success:
            error = self._error_for_status(status, message, path, body)
        if isinstance(error, VinNotFound) and not_found is not None:
            error = not_found(status, message)
        if error is None:
            error = garbage
        if error is not None:
            raise error
        if body is None:
            raise BadProviderResponse(PROVIDER, "no body")
        if require_success and body.get("success") is not True:
            raise BadProviderResponse(PROVIDER, f"success is not true: {message or 'no message'}")
        return body

    def _error_for_message(
        self, message: str, status: int, path: str, body: wire.JsonObject | None
    ) -> ProviderUnavailable | VinNotFound | None:
        """CarsXE's v1 routes put the real reason in `message`, whatever the status says."""
        if not message or (body is not None and body.get("success") is True):
            return None
        lowered = message.lower()
        if "api key" in lowered or "not active" in lowered:
            return self._auth_error(status, message, path)
        if "limit exceeded" in lowered or (body is not None and "usage" in body):
            return self._quota_error(status, message, path, body)
        if "no data" in lowered or "missing vin" in lowered:
            return VinNotFound(PROVIDER)
        if "could not find" in lowered:  # /obdcodesdecoder: "Could not find code P9999"
            return VinNotFound(PROVIDER)
        return None

    def _error_for_status(
        self, status: int, message: str, path: str, body: wire.JsonObject | None
    ) -> ProviderUnavailable | VinNotFound:
        if status in _NOT_FOUND_STATUSES:
            return VinNotFound(PROVIDER)
        if status in _AUTH_STATUSES:
            return self._auth_error(status, message, path)
        if status == _QUOTA_STATUS:
            return self._quota_error(status, message, path, body)
        return wire.status_failure(status, PROVIDER)

    def _auth_error(self, status: int, message: str, path: str) -> ProviderAuthError:
        self._log.error(
            "provider_auth_failed",
            provider=PROVIDER,
            endpoint=path,
            status=status,
            upstream_message=message,
            action="check CARSXE_API_KEY and the CarsXE plan and billing",
        )
        return ProviderAuthError(PROVIDER, f"credentials rejected (HTTP {status})")

    def _quota_error(
        self, status: int, message: str, path: str, body: wire.JsonObject | None
    ) -> ProviderQuotaExhausted:
        usage = body.get("usage") if body is not None else None
        usage_fields = (
            {f"usage_{k}": v for k, v in usage.items() if isinstance(v, int | float)}
            if isinstance(usage, dict)
            else {}
        )
        self._log.warning(
            "provider_quota_exhausted",
            provider=PROVIDER,
            endpoint=path,
            status=status,
            upstream_message=message,
            **usage_fields,
        )
        return ProviderQuotaExhausted(PROVIDER, f"quota exhausted (HTTP {status})")

    def _scrub(self, message: str) -> str:
        key = self._key.value
        return message.replace(key, "[REDACTED]") if key else message


def _parse(response: httpx.Response) -> tuple[wire.JsonObject | None, BadProviderResponse | None]:
    try:
        return wire.json_object(response, PROVIDER), None
    except BadProviderResponse as exc:
        return None, exc


def specs_to_vehicle(vin: str, body: Mapping[str, Any]) -> VehicleSpec:
    """A VehicleSpec from a successful /specs body (full or international-decoder shape)."""
    raw = body.get("attributes")
    if not isinstance(raw, dict):
        raise BadProviderResponse(PROVIDER, "attributes is not an object")
    year = wire.model_year(raw.get("year"))
    make = wire.caps_to_title(raw.get("make"))
    model = wire.text(raw.get("model"))
    if year is None and make is None and model is None:
        raise VinNotFound(PROVIDER)
    attributes: dict[str, str] = {}
    for wire_key, attr, convert in _ATTRIBUTES:
        if attr in attributes:
            continue
        value = convert(raw.get(wire_key))
        if value is not None:
            attributes[attr] = value
    international = not _INTERNATIONAL_MARKERS.isdisjoint(raw)
    return VehicleSpec(
        vin=vin,
        source="carsxe",
        year=year,
        make=make,
        model=model,
        trim=wire.text(raw.get("trim")),
        attributes=attributes,
        warnings=(INTERNATIONAL_DECODER_WARNING,) if international else (),
    )


# Beyond the decode: recalls, market value, images, VIN OCR and plates.

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_CONDITION_SUFFIXES: Mapping[Condition, str] = {
    "excellent": "xclean",
    "clean": "clean",
    "average": "avg",
    "rough": "rough",
}
_VALUE_COMPONENTS = ("base_", "mileage_", "add_deduct_", "regional_")
_VALUE_TOTALS = ("adjusted_", "final_")
_PHOTO_MIMES = frozenset({"image/jpeg", "image/jpg", "image/png", "image/webp"})
_MAX_PHOTO_BYTES = 5_000_000  # Telegram fetches photos by URL only up to 5 MB
_MAX_LINK_LENGTH = 2048
_MAX_OCR_TEXT = 32
_PERCENT = 100.0
_PLATE_REGION_WORDS = ("state", "country", "region", "province", "jurisdiction")
_PLATE_REFUSAL_WORDS = ("invalid", "support", "not available", "not covered", "unknown", "missing")
_VALIDATION_STATUS = 400  # CarsXE: failed validation is not billed


def carsxe_date(value: object) -> dt.date | None:
    """A date from CarsXE's ISO ("2023-05-04", with or without a time) or US ("4/8/2025") form."""
    cleaned = wire.text(value)
    if cleaned is None:
        return None
    iso = _ISO_DATE.match(cleaned)
    us = _US_DATE.fullmatch(cleaned)
    year, month, day = (
        (iso.group(1), iso.group(2), iso.group(3))
        if iso
        else (us.group(3), us.group(1), us.group(2))
        if us
        else ("", "", "")
    )
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = wire.numeral(value)
    return int(float(number)) if number is not None else None


def unnumbered_campaign_id(*parts: str | dt.date | None) -> str:
    """A stable id for a campaign the source gave no number, from what it did say."""
    text = "|".join("" if part is None else str(part) for part in parts)
    return f"unnumbered-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}"


def _carsxe_recall(item: object) -> Recall:
    if not isinstance(item, dict):
        raise BadProviderResponse(PROVIDER, "a recall is not an object")
    when = carsxe_date(item.get("recall_date"))
    name = wire.text(item.get("recall_name"))
    component = wire.text(item.get("component"))
    summary = wire.text(item.get("recall_description"))
    campaign = wire.text(item.get("nhtsa_id")) or wire.text(item.get("manufacturer_id"))
    return Recall(
        campaign_id=campaign or unnumbered_campaign_id(name, component, when, summary),
        date=when,
        component=component,
        summary=summary,
        consequence=wire.text(item.get("risk_description")),
        remedy=wire.text(item.get("recall_remedy")),
        do_not_drive=wire.yes_no(item.get("dont_drive")),
        park_outside=wire.yes_no(item.get("park_outside")),
        stop_sale=wire.yes_no(item.get("stop_sale")),
        remedy_available=wire.yes_no(item.get("remedy_available")),
        name=name,
        status=wire.text(item.get("recall_status")),
    )


def recalls_to_report(vin: str, body: Mapping[str, Any]) -> RecallReport:
    """A RecallReport from a /v1/recalls body; recalls counted but not listed is garbage."""
    data = body.get("data")
    if not isinstance(data, dict):
        raise BadProviderResponse(PROVIDER, "data is not an object")
    listed = data.get("recalls")
    counted = _count(data.get("recall_count"))
    if listed is None:
        if data.get("has_recalls") is True or (counted or 0) > 0:
            raise BadProviderResponse(PROVIDER, "recalls are counted but not listed")
        listed = []
    if not isinstance(listed, list):
        raise BadProviderResponse(PROVIDER, "recalls is not a list")
    manufacturer = wire.caps_to_title(data.get("manufacturer"))
    recalls = [
        dataclasses.replace(_carsxe_recall(item), manufacturer=manufacturer) for item in listed
    ]
    return RecallReport(
        source="carsxe",
        recalls=tuple(recalls),
        vin=vin,
        make=wire.caps_to_title(data.get("make")),
        model=wire.text(data.get("model")),
        year=wire.model_year(data.get("model_year")),
    )


def _dollars(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return round(value)
    cleaned = wire.text(value)
    if cleaned is None:
        return None
    try:
        return round(float(cleaned.replace("$", "").replace(",", "")))
    except ValueError:
        return None


def _bucket_value(bucket: object) -> int | None:
    """One priced condition: a plain number, an adjusted total, or base plus adjustments."""
    plain = _dollars(bucket)
    if plain is not None or not isinstance(bucket, dict):
        return plain if plain is not None and plain > 0 else None
    for key, value in bucket.items():
        if str(key).startswith(_VALUE_TOTALS) and (total := _dollars(value)) is not None:
            return total if total > 0 else None
    base = next((_dollars(v) for k, v in bucket.items() if str(k).startswith("base_")), None)
    if base is None or base <= 0:
        return None
    adjustments = (
        _dollars(v)
        for k, v in bucket.items()
        if str(k).startswith(_VALUE_COMPONENTS) and not str(k).startswith("base_")
    )
    total = base + sum(a for a in adjustments if a is not None)
    return total if total > 0 else None


def _price_range(body: Mapping[str, Any], prefix: str) -> PriceRange | None:
    values: dict[Condition, int] = {}
    for condition, suffix in _CONDITION_SUFFIXES.items():
        value = _bucket_value(body.get(f"{prefix}_{suffix}"))
        if value is not None:
            values[condition] = value
    return PriceRange.of(values)


def market_value_from(
    vin: str,
    body: Mapping[str, Any],
    *,
    mileage: int,
    state: str | None,
    condition: Condition | None,
) -> MarketValue:
    """A MarketValue from a /v2/marketvalue body; MarketValueNotFound when nothing is priced."""
    if body.get("success") is False:
        raise ProviderUnavailable(PROVIDER, "no valuation available now")
    value = MarketValue(
        vin=vin,
        mileage=mileage,
        state=state,
        condition=condition,
        retail=_price_range(body, "retail"),
        # Not in CarsXE's documented v2 shape; read when present, else the range is unknown.
        private_party=_price_range(body, "private_party"),
        trade_in=_price_range(body, "trade_in"),
        wholesale=_price_range(body, "whole"),
        msrp=_bucket_value(body.get("msrp")),
        year=wire.model_year(body.get("model_year")),
        make=wire.caps_to_title(body.get("make")),
        model=wire.text(body.get("model")),
        series=wire.text(body.get("series")),
        style=wire.text(body.get("style")),
        published=carsxe_date(body.get("publish_date")),
    )
    if not value.has_prices:
        raise MarketValueNotFound(PROVIDER, paid_call_made=True)
    return value


def best_image_link(body: Mapping[str, Any]) -> str | None:
    """The first https photo link Telegram can show (JPEG, PNG or WebP, under 5 MB), or None."""
    images = body.get("images")
    if images is None:
        return None
    if not isinstance(images, list):
        raise BadProviderResponse(PROVIDER, "images is not a list")
    for image in images:
        if not isinstance(image, dict):
            continue
        link = wire.text(image.get("link"))
        if link is None or not link.startswith("https://") or len(link) > _MAX_LINK_LENGTH:
            continue
        if any(char.isspace() for char in link):
            continue
        mime = wire.text(image.get("mime"))
        if mime is not None and mime.lower() not in _PHOTO_MIMES:
            continue
        size = _count(image.get("byteSize"))
        if size is not None and size > _MAX_PHOTO_BYTES:
            continue
        return link
    return None


def _ocr_text(value: object) -> str | None:
    cleaned = wire.text(value)
    if cleaned is None:
        return None
    vin = normalise(cleaned)
    return vin if 0 < len(vin) <= _MAX_OCR_TEXT else None


def _confidence(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    if 1.0 < number <= _PERCENT:
        number /= _PERCENT
    return number if 0.0 <= number <= 1.0 else None


def ocr_result_from(body: Mapping[str, Any]) -> OcrResult:
    """An OcrResult from a /v1/vinocr body; success false means no VIN was read."""
    if body.get("success") is not True:
        return OcrResult(vin=None)
    raw = body.get("candidates")
    if raw is not None and not isinstance(raw, list):
        raise BadProviderResponse(PROVIDER, "candidates is not a list")
    candidates: list[OcrCandidate] = []
    for item in raw or []:
        if not isinstance(item, dict):
            continue
        vin = _ocr_text(item.get("vin"))
        if vin is not None:
            candidates.append(OcrCandidate(vin, _confidence(item.get("confidence")) or 0.0))
    return OcrResult(
        vin=_ocr_text(body.get("vin")),
        confidence=_confidence(body.get("confidence")),
        candidates=tuple(candidates),
    )


def plate_result_from(
    plate: str, country: str, state: str | None, body: Mapping[str, Any]
) -> PlateResult:
    """A PlateResult from a /v2/platedecoder body; PlateNotFound when it names no vehicle."""
    raw_vin = wire.text(body.get("vin"))
    vin = normalise(raw_vin) if raw_vin else None
    make = wire.caps_to_title(body.get("make"))
    model = wire.text(body.get("model"))
    if vin is not None and not is_well_formed(vin):
        vin = None
    if vin is None and make is None and model is None:
        raise PlateNotFound(PROVIDER, paid_call_made=True)
    return PlateResult(
        plate=plate,
        country=country,
        state=state,
        vin=vin,
        year=wire.model_year(body.get("year")) or wire.model_year(body.get("registration_year")),
        make=make,
        model=model,
        trim=wire.text(body.get("trim")),
        description=wire.text(body.get("description")),
        style=wire.text(body.get("style")),
        body_style=wire.text(body.get("body_style")),
        color=wire.text(body.get("color")),
        fuel_type=wire.text(body.get("fuel_type")),
        engine_size=wire.text(body.get("engine_size")),
        drive_type=wire.text(body.get("drive_type")),
        transmission=wire.text(body.get("transmission")),
    )


def _plate_rejection(country: str, state: str | None, status: int, message: str) -> VinNotFound:
    """CarsXE's no-data answer for a plate: an unsupported region, or no vehicle."""
    lowered = message.lower()
    paid = status != _VALIDATION_STATUS
    region = any(word in lowered for word in _PLATE_REGION_WORDS)
    if region and any(word in lowered for word in _PLATE_REFUSAL_WORDS):
        return PlateRegionRejected(PROVIDER, country=country, state=state, paid_call_made=paid)
    return PlateNotFound(PROVIDER, paid_call_made=paid)


def obd_diagnosis_from(code: str, body: Mapping[str, Any]) -> ObdDiagnosis:
    """An ObdDiagnosis from an /obdcodesdecoder body; a success without any words is "unknown".

    The documented body is `{success, diagnosis, date, code}`; a diagnosis given as a list of
    lines is joined, and the code asked for is kept (CarsXE echoes it, but ours is normalised).
    """
    if body.get("success") is not True:
        message = wire.message_of(body)
        raise BadProviderResponse(PROVIDER, f"success is not true: {message or 'no message'}")
    raw = body.get("diagnosis")
    parts = raw if isinstance(raw, list) else [raw]
    words = [word for word in (wire.text(part) for part in parts) if word]
    if not words:
        raise ObdCodeNotFound(PROVIDER, code, paid_call_made=True)
    return ObdDiagnosis(code=code, diagnosis="; ".join(words))
