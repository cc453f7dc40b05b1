"""The plate-lookup use-case: validate first (no paid call for bad input), cache, then CarsXE."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any, Final, Protocol

from vinbot.cache import keys
from vinbot.logs import get_logger
from vinbot.models.errors import PlateNotFound, PlateRegionRejected
from vinbot.models.plate import DEFAULT_COUNTRY, PlateResult, validate_plate, validate_state

if TYPE_CHECKING:
    from vinbot.cache.base import Cache

log = get_logger(__name__)

PROVIDER: Final = "carsxe"
FORMAT_VERSION: Final = 1
NO_VEHICLE_TTL: Final = 60 * 60
REGION_REJECTED_TTL: Final = keys.NOT_FOUND_TTL
_NO_VEHICLE: Final = '{"v":1,"none":"plate"}'
_REGION_REJECTED: Final = '{"v":1,"none":"region"}'
_TEXTS: Final = tuple(
    f.name for f in dataclasses.fields(PlateResult) if f.name not in {"plate", "country", "year"}
)


class PlateSource(Protocol):
    """A paid plate decoder (CarsXE) raising PlateNotFound, PlateRegionRejected or an outage."""

    async def plate_decode(
        self, plate: str, state: str | None, country: str = DEFAULT_COUNTRY
    ) -> PlateResult:
        """The vehicle registered under a validated plate."""
        ...


class PlateService:
    """Plate lookups for the bot: the VIN (and what else the registry says) behind a plate."""

    def __init__(self, carsxe: PlateSource, cache: Cache) -> None:
        self._carsxe = carsxe
        self._cache = cache

    async def lookup(
        self, plate: str, state: str | None, country: str | None = DEFAULT_COUNTRY
    ) -> tuple[PlateResult, bool]:
        """The lookup's result and whether this call made a paid request (count it when True).

        Raises InvalidPlate or InvalidRegion before any call; PlateNotFound or
        PlateRegionRejected (with `paid_call_made`) when CarsXE has nothing; ProviderUnavailable
        when it cannot answer now (nothing cached).
        """
        compact = validate_plate(plate)
        country_code, state_code = validate_state(country, state)
        key = keys.plate_key(compact, country=country_code, state=state_code)
        text = await self._cache.get(key)
        if text == _NO_VEHICLE:
            raise PlateNotFound(PROVIDER)
        if text == _REGION_REJECTED:
            raise PlateRegionRejected(PROVIDER, country=country_code, state=state_code)
        cached = load_plate(text) if text is not None else None
        if cached is not None:
            return cached, False
        try:
            result = await self._carsxe.plate_decode(compact, state_code, country_code)
        except PlateRegionRejected:
            log.info("plate_region_rejected", country=country_code, state=state_code)
            await self._cache.set(key, _REGION_REJECTED, REGION_REJECTED_TTL)
            raise
        except PlateNotFound:
            log.info("plate_not_found", country=country_code, state=state_code)
            await self._cache.set(key, _NO_VEHICLE, NO_VEHICLE_TTL)
            raise
        await self._cache.set(key, dump_plate(result), keys.PLATE_TTL)
        return result, True


def dump_plate(result: PlateResult) -> str:
    """Serialise a plate lookup for the cache."""
    data: dict[str, Any] = dataclasses.asdict(result)
    data["v"] = FORMAT_VERSION
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def load_plate(text: str) -> PlateResult | None:
    """Parse what dump_plate wrote; None for anything else."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
            return None
        plate, country, year = data["plate"], data["country"], data.get("year")
        if not isinstance(plate, str) or not isinstance(country, str):
            return None
        if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
            return None
        texts = {name: data.get(name) for name in _TEXTS}
        if any(value is not None and not isinstance(value, str) for value in texts.values()):
            return None

        def known(name: str) -> str | None:
            value = texts[name]
            return value if isinstance(value, str) else None

        return PlateResult(
            plate=plate,
            country=country,
            state=known("state"),
            vin=known("vin"),
            year=year,
            make=known("make"),
            model=known("model"),
            trim=known("trim"),
            description=known("description"),
            style=known("style"),
            body_style=known("body_style"),
            color=known("color"),
            fuel_type=known("fuel_type"),
            engine_size=known("engine_size"),
            drive_type=known("drive_type"),
            transmission=known("transmission"),
        )
    except (ValueError, TypeError, KeyError):
        return None
