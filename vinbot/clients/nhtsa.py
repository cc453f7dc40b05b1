"""NHTSA vPIC adapter: DecodeVinValues JSON in, VehicleSpec or a domain error out."""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from vinbot.clients import wire
from vinbot.i18n import N_
from vinbot.logs import get_logger
from vinbot.models.errors import (
    BadProviderResponse,
    ProviderAuthError,
    ProviderQuotaExhausted,
    VinNotFound,
)
from vinbot.models.vehicle import Attr, VehicleSpec

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import httpx

    from vinbot.clients.breaker import CircuitBreaker
    from vinbot.clients.retry import RetryPolicy
    from vinbot.models.vehicle import Source

PROVIDER: Final = "nhtsa"
DEFAULT_BASE_URL: Final = "https://vpic.nhtsa.dot.gov/api"

_AUTH_STATUSES = frozenset({401, 403})
_RATE_LIMIT_STATUS = 429

# ErrorCode values after which vPIC has nothing worth showing: incomplete VIN, manufacturer not
# registered with NHTSA, no detailed data. Every other code still comes with real data.
NO_DATA_CODES: Final = frozenset({"6", "7", "8"})

# The other codes become warnings on the spec; unknown codes fall back to vPIC's own ErrorText.
# Ours are marked for translation: the decode formatters show them in the reader's words.
WARNINGS: Final[Mapping[str, str]] = {
    "1": N_("the check digit (position 9) does not calculate"),
    "2": N_("NHTSA corrected an error in one position"),
    "3": N_("NHTSA corrected an error in one position, assuming the check digit is right"),
    "4": N_("one position looks wrong and several corrections are possible"),
    "5": N_("several positions look wrong"),
    "9": N_("a glider: not a motor vehicle under US law"),
    "10": N_("an off-road vehicle, not certified for US roads"),
    "11": N_("position 10 is not a valid model-year code; the details may be inaccurate"),
    "12": N_("the model year does not match position 10"),
    "14": N_("NHTSA could not decode some characters of this VIN"),
    "400": N_("the VIN has invalid characters"),
}
_CORRECTION_CODES = frozenset({"2", "3", "4"})

type _Convert = Callable[[object], str | None]

_PARENTHESISED = re.compile(r"\(([A-Z0-9]+)\)")
_LAYOUTS: Mapping[str, str] = {
    "v-shaped": "V",
    "in-line": "I",
    "inline": "I",
    "horizontally opposed (boxer)": "H",
    "w-shaped": "W",
}


def _litres(value: object) -> str | None:
    number = wire.numeral(value)
    return None if number is None else f"{float(number):.1f}"


def _first_alternative(value: object) -> str | None:
    """vPIC lists synonyms with slashes: "4WD/4-Wheel Drive/4x4" -> "4WD"."""
    cleaned = wire.text(value)
    return None if cleaned is None else cleaned.split("/", 1)[0].strip() or None


# vPIC DecodeVinValues key -> (vinbot attribute, conversion); composed values come separately.
_FIELDS: tuple[tuple[str, str, _Convert], ...] = (
    ("DisplacementL", Attr.ENGINE_DISPLACEMENT_L, _litres),
    ("EngineCylinders", Attr.ENGINE_CYLINDERS, wire.numeral),
    ("EngineHP", Attr.ENGINE_HP, wire.numeral),
    ("FuelTypePrimary", Attr.FUEL_TYPE, wire.text),
    ("FuelTypeSecondary", "fuel_type_secondary", wire.text),
    ("ElectrificationLevel", "electrification_level", wire.text),
    ("DriveType", Attr.DRIVETRAIN, _first_alternative),
    ("BodyClass", Attr.BODY, wire.text),
    ("Doors", Attr.DOORS, wire.numeral),
    ("VehicleType", Attr.VEHICLE_TYPE, wire.caps_to_title),
    ("Seats", Attr.SEATING, wire.numeral),
    ("SeatRows", "seat_rows", wire.numeral),
    ("PlantCity", Attr.PLANT_CITY, wire.caps_to_title),
    ("PlantState", Attr.PLANT_STATE, wire.caps_to_title),
    ("PlantCountry", Attr.PLANT_COUNTRY, wire.caps_to_title),
    ("PlantCompanyName", "plant_company", wire.caps_to_title),
    ("Manufacturer", Attr.MANUFACTURER, wire.caps_to_title),
    ("GVWR", Attr.GVWR, wire.text),
    ("CurbWeightLB", Attr.CURB_WEIGHT_LB, wire.numeral),
    ("WheelBaseShort", Attr.WHEELBASE_IN, wire.numeral),
    ("BasePrice", Attr.MSRP_USD, wire.numeral),
    ("Series", "series", wire.text),
    ("TransmissionStyle", "transmission_style", wire.text),
    ("TransmissionSpeeds", "transmission_speeds", wire.numeral),
    ("EngineModel", "engine_model", wire.text),
    ("EngineKW", "engine_kw", wire.numeral),
    ("EngineManufacturer", "engine_manufacturer", wire.text),
    ("ValveTrainDesign", "valve_train", wire.text),
    ("Turbo", "turbo", wire.text),
    ("TopSpeedMPH", "top_speed_mph", wire.numeral),
    ("BatteryKWh", "battery_kwh", wire.numeral),
    ("BatteryType", "battery_type", wire.text),
    ("ChargerLevel", "charger_level", wire.text),
    ("BodyCabType", "cab_type", wire.text),
    ("BedType", "bed_type", wire.text),
    ("BedLengthIN", "bed_length_in", wire.numeral),
    ("TrailerType", "trailer_type", wire.text),
    ("TrailerBodyType", "trailer_body_type", wire.text),
    ("MotorcycleChassisType", "motorcycle_chassis_type", wire.text),
    ("BusType", "bus_type", wire.text),
    ("SteeringLocation", "steering_location", wire.text),
    ("ABS", "abs", wire.text),
    ("ESC", "esc", wire.text),
    ("TractionControl", "traction_control", wire.text),
    ("TPMS", "tpms", wire.text),
    ("KeylessIgnition", "keyless_ignition", wire.text),
    ("RearVisibilitySystem", "backup_camera", wire.text),
    ("AdaptiveCruiseControl", "adaptive_cruise_control", wire.text),
    ("ForwardCollisionWarning", "forward_collision_warning", wire.text),
    ("CIB", "automatic_emergency_braking", wire.text),
    ("LaneDepartureWarning", "lane_departure_warning", wire.text),
    ("LaneKeepSystem", "lane_keeping_assist", wire.text),
    ("BlindSpotMon", "blind_spot_warning", wire.text),
    ("AirBagLocFront", "airbags_front", wire.text),
    ("AirBagLocSide", "airbags_side", wire.text),
    ("AirBagLocCurtain", "airbags_curtain", wire.text),
    ("AirBagLocKnee", "airbags_knee", wire.text),
    ("SeatBeltsAll", "seat_belts", wire.text),
)


def nhtsa_http_client(
    base_url: str = DEFAULT_BASE_URL,
    timeout: float = 10.0,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The pooled HTTP client the composition root passes to NhtsaVpicClient (caller closes it)."""
    return wire.json_http_client(base_url, timeout, transport=transport)


class NhtsaVpicClient:
    """NHTSA's free vPIC decoder, through the circuit breaker and the retry policy.

    vPIC answers 200 even for VINs it cannot decode: ErrorCode (a comma list) says how it went.
    """

    def __init__(
        self, http: httpx.AsyncClient, *, breaker: CircuitBreaker, retry: RetryPolicy
    ) -> None:
        self._http = http
        self._breaker = breaker
        self._retry = retry
        self._log = get_logger(__name__)

    @property
    def name(self) -> Source:
        """The provider's stable name."""
        return "nhtsa"

    @property
    def is_paid(self) -> bool:
        """vPIC is free."""
        return False

    async def decode(self, vin: str) -> VehicleSpec:
        """Decode one valid VIN with DecodeVinValues."""
        return await self._get_json(
            f"/vehicles/DecodeVinValues/{quote(vin, safe='')}",
            {"format": "json"},
            partial(decode_values_to_vehicle, vin),
        )

    async def _get_json[T](
        self, path: str, params: Mapping[str, str], parse: Callable[[wire.JsonObject], T]
    ) -> T:
        """One logical call: breaker, then retries; `parse` runs inside so garbage counts too."""

        async def attempt() -> T:
            response = await wire.send(self._http, "GET", path, provider=PROVIDER, params=params)
            return parse(self._interpret(response, path))

        return await self._breaker.call(lambda: self._retry.run(attempt, provider=PROVIDER))

    def _interpret(self, response: httpx.Response, path: str) -> wire.JsonObject:
        status = response.status_code
        if status in _AUTH_STATUSES:
            self._log.error(
                "provider_auth_failed",
                provider=PROVIDER,
                endpoint=path.rsplit("/", 1)[0],
                status=status,
                action="vPIC refused this host; check egress IP reputation or NHTSA_BASE_URL",
            )
            raise ProviderAuthError(PROVIDER, f"access refused (HTTP {status})")
        if status == _RATE_LIMIT_STATUS:
            self._log.warning("provider_rate_limited", provider=PROVIDER, status=status)
            raise ProviderQuotaExhausted(PROVIDER, "rate limited (HTTP 429)")
        if not response.is_success:
            raise wire.status_failure(status, PROVIDER)
        return wire.json_object(response, PROVIDER)


def error_codes(value: object) -> tuple[str, ...]:
    """vPIC's ErrorCode as separate codes: "1,5,14,400" -> ("1", "5", "14", "400")."""
    cleaned = wire.text(value)
    if cleaned is None:
        return ()
    return tuple(code.strip() for code in cleaned.split(",") if code.strip())


def _error_texts(value: object) -> dict[str, str]:
    """vPIC's ErrorText ("1 - Check Digit ...; 5 - ...") by code."""
    cleaned = wire.text(value)
    texts: dict[str, str] = {}
    for part in (cleaned or "").split("; "):
        code, sep, message = part.partition(" - ")
        if sep and code.strip().isdigit():
            texts[code.strip()] = message.strip()
    return texts


def _warnings(result: Mapping[str, Any], codes: tuple[str, ...]) -> tuple[str, ...]:
    texts = _error_texts(result.get("ErrorText"))
    suggested = wire.text(result.get("SuggestedVIN"))
    warnings: list[str] = []
    for code in codes:
        if code == "0":
            continue
        warning = WARNINGS.get(code) or texts.get(code) or f"NHTSA reported error code {code}"
        if code in _CORRECTION_CODES and suggested:
            warning = f"{warning} (NHTSA suggests {suggested})"
        if warning not in warnings:
            warnings.append(warning)
    return tuple(warnings)


def _engine(result: Mapping[str, Any]) -> str | None:
    """A readable engine from its parts, e.g. "3.0L V6 SOHC turbo"."""
    litres = _litres(result.get("DisplacementL"))
    cylinders = wire.numeral(result.get("EngineCylinders"))
    configuration = wire.text(result.get("EngineConfiguration"))
    if litres is None and cylinders is None:
        return None
    parts = [f"{litres}L"] if litres else []
    layout = _LAYOUTS.get(configuration.lower()) if configuration else None
    if cylinders and layout:
        parts.append(f"{layout}{cylinders}")
    elif cylinders:
        parts.append(f"{cylinders}-cylinder")
    valve_train = wire.text(result.get("ValveTrainDesign"))
    if valve_train and (short := _PARENTHESISED.search(valve_train)):
        parts.append(short.group(1))
    if (wire.text(result.get("Turbo")) or "").lower() == "yes":
        parts.append("turbo")
    return " ".join(parts)


def _transmission(result: Mapping[str, Any]) -> str | None:
    """ "5-Speed Automatic" from the speeds and the style, whichever are known."""
    style = wire.text(result.get("TransmissionStyle"))
    speeds = wire.numeral(result.get("TransmissionSpeeds"))
    if speeds and style:
        return f"{speeds}-Speed {style}"
    return style or (f"{speeds}-Speed" if speeds else None)


def decode_values_to_vehicle(vin: str, body: Mapping[str, Any]) -> VehicleSpec:
    """A VehicleSpec from a DecodeVinValues envelope; VinNotFound when vPIC has no usable data."""
    results = body.get("Results")
    if not isinstance(results, list):
        raise BadProviderResponse(PROVIDER, "Results is not a list")
    if not results:
        raise VinNotFound(PROVIDER)
    result = results[0]
    if not isinstance(result, dict):
        raise BadProviderResponse(PROVIDER, "Results[0] is not an object")
    codes = error_codes(result.get("ErrorCode"))
    make = wire.caps_to_title(result.get("Make"))
    model = wire.text(result.get("Model"))
    if not NO_DATA_CODES.isdisjoint(codes) or make is None:
        raise VinNotFound(PROVIDER)
    if model is None and wire.text(result.get("BodyClass")) is None:
        raise VinNotFound(PROVIDER)
    composed = {Attr.ENGINE: _engine(result), Attr.TRANSMISSION: _transmission(result)}
    attributes = {attr: value for attr, value in composed.items() if value}
    for wire_key, attr, convert in _FIELDS:
        value = convert(result.get(wire_key))
        if value is not None and attr not in attributes:
            attributes[attr] = value
    return VehicleSpec(
        vin=vin,
        source="nhtsa",
        year=wire.model_year(result.get("ModelYear")),
        make=make,
        model=model,
        trim=wire.text(result.get("Trim")),
        attributes=attributes,
        warnings=_warnings(result, codes),
    )
