"""A photo for a decoded vehicle: cached per make, model, year and trim; never blocks an answer."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

from vinbot import budget
from vinbot.cache import keys
from vinbot.logs import get_logger
from vinbot.models.errors import ProviderUnavailable, VinbotError
from vinbot.services.single_flight import SingleFlight

if TYPE_CHECKING:
    from vinbot.cache.base import Cache
    from vinbot.models.vehicle import VehicleSpec

log = get_logger(__name__)

FORMAT_VERSION: Final = 1
NO_PHOTO_TTL: Final = keys.NOT_FOUND_TTL
# A client that ignores the time budget is cut off this much after it.
BACKSTOP_GRACE_SECONDS: Final = 0.5


class ImageSource(Protocol):
    """A paid image search by make and model (CarsXE); None when nothing was found."""

    async def images(
        self, make: str, model: str, year: int | None = None, trim: str | None = None
    ) -> str | None:
        """The best photo link for the vehicle, or None."""
        ...


@dataclass(frozen=True, slots=True)
class PhotoLookup:
    """A photo link (or None) and whether this call made a paid request."""

    url: str | None
    paid_call_made: bool = False
    cached: bool = False


class VehiclePhotoService:
    """Finds a photo for a decoded vehicle; any failure simply means no photo."""

    def __init__(self, carsxe: ImageSource, cache: Cache, *, deadline_seconds: float = 5.0) -> None:
        self._carsxe = carsxe
        self._cache = cache
        self._deadline = deadline_seconds
        self._flights: SingleFlight[str, PhotoLookup] = SingleFlight()

    async def cached(self, spec: VehicleSpec) -> PhotoLookup | None:
        """The cached answer for the spec's model (a link or "no photo"), or None: no call made."""
        if not spec.make or not spec.model:
            return PhotoLookup(None)
        text = await self._cache.get(_key(spec))
        if text is not None and (found := _load(text)) is not None:
            return PhotoLookup(found[0], cached=True)
        return None

    async def photo(self, spec: VehicleSpec) -> PhotoLookup:
        """The photo link, cached per make/model/year/trim ("none found" briefly), and the cost."""
        if not spec.make or not spec.model:
            return PhotoLookup(None)
        key = _key(spec)
        make, model = spec.make, spec.model
        # Another user asking for the same model right now shares the one call.
        found, shared = await self._flights.run(key, lambda: self._lookup(key, make, model, spec))
        return PhotoLookup(found.url, cached=True) if shared else found

    async def _lookup(self, key: str, make: str, model: str, spec: VehicleSpec) -> PhotoLookup:
        cached = await self.cached(spec)
        if cached is not None:
            return cached
        try:
            # The client honours the budget and says whether a request it cut went out.
            with budget.spend_at_most(self._deadline):
                async with asyncio.timeout(self._deadline + BACKSTOP_GRACE_SECONDS):
                    url = await self._carsxe.images(make, model, spec.year, spec.trim)
        except (VinbotError, TimeoutError) as exc:
            log.warning("photo_failed", make=make, model=model, error=type(exc).__name__)
            # A request that went out and got no answer may have been billed: count it.
            billed = isinstance(exc, ProviderUnavailable) and exc.paid_call_made
            return PhotoLookup(None, paid_call_made=billed)
        ttl = keys.IMAGE_TTL if url is not None else NO_PHOTO_TTL
        await self._cache.set(key, json.dumps({"v": FORMAT_VERSION, "url": url}), ttl)
        return PhotoLookup(url, paid_call_made=True)


def _key(spec: VehicleSpec) -> str:
    return keys.image_key(spec.make or "", spec.model or "", spec.year, spec.trim)


def _load(text: str) -> tuple[str | None] | None:
    """The cached link (inside a tuple, so "no photo" differs from a miss), or None."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
        return None
    url = data.get("url")
    return (url,) if url is None or isinstance(url, str) else None
