"""Beyond the decode: recalls, market value, photos, VIN OCR and plates, each behind the quotas."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, NamedTuple, Protocol

from vinbot.cache import keys
from vinbot.logs import get_logger
from vinbot.models.errors import (
    LookupNotFound,
    ProviderUnavailable,
    QuotaExceeded,
    RecallsUnavailable,
    VinbotError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from vinbot.models.market_value import MarketValue
    from vinbot.models.obd import ObdDiagnosis
    from vinbot.models.ocr import OcrOutcome
    from vinbot.models.plate import PlateResult
    from vinbot.models.recalls import RecallOutcome
    from vinbot.models.records import QuotaDecision, QuotaReason
    from vinbot.models.vehicle import VehicleSpec
    from vinbot.services.market_value import MarketValueService
    from vinbot.services.obd import ObdService
    from vinbot.services.ocr import VinOcrService
    from vinbot.services.paid_calls import PaidCallGate, Reservation
    from vinbot.services.plate import PlateService
    from vinbot.services.recalls import RecallsService
    from vinbot.services.title_check import TitleCheckService
    from vinbot.services.vehicle_photo import VehiclePhotoService

log = get_logger(__name__)

# The longest a decode answer waits for a picture that is not cached yet.
PHOTO_WAIT_SECONDS: Final = 1.0


class PaidFeatureRefused(QuotaExceeded):
    """A paid-only feature was asked for past the quota: which quota (`reason`) and when it
    resets (`resets_at`); a formatter words it. str() is for logs only."""

    def __init__(self, decision: QuotaDecision) -> None:
        resets = decision.resets_at.isoformat() if decision.resets_at is not None else "unknown"
        super().__init__(f"paid lookups refused ({decision.reason}) until {resets}")
        self.decision = decision

    @property
    def reason(self) -> QuotaReason | None:
        """The quota that refused: "user_daily" or "bot_monthly" (None: not known)."""
        return self.decision.reason

    @property
    def resets_at(self) -> datetime | None:
        """When that quota allows paid lookups again (UTC), when known."""
        return self.decision.resets_at


class _PhotoSearch(NamedTuple):
    """A picture search's outcome: the link (or None), and whether the quota let it ask."""

    url: str | None
    allowed: bool


class FeatureNotConfigured(VinbotError):
    """A CarsXE-only feature was asked for, but the bot has no CarsXE key."""


@dataclass(frozen=True, slots=True)
class PaidServices:
    """The CarsXE-backed features; absent when no CarsXE key is configured."""

    market_value: MarketValueService
    photos: VehiclePhotoService
    ocr: VinOcrService
    plates: PlateService
    title_checks: TitleCheckService | None = None
    obd: ObdService | None = None


class ExtrasService:
    """What the bot calls for everything after the decode; counts every paid call made."""

    def __init__(
        self,
        gate: PaidCallGate,
        recalls: RecallsService,
        paid: PaidServices | None,
        *,
        photos: bool = True,
        photo_wait: float = PHOTO_WAIT_SECONDS,
    ) -> None:
        self._gate = gate
        self._recalls = recalls
        self._paid = paid
        self._photos = photos
        self._photo_wait = photo_wait
        # The running picture search per model (its image cache key), shared by its askers.
        self._photo_lookups: dict[str, asyncio.Task[_PhotoSearch]] = {}

    @property
    def recalls_service(self) -> RecallsService:
        """The recalls service itself, for the alert job's free NHTSA checks."""
        return self._recalls

    @property
    def paid_features(self) -> bool:
        """Whether market value, VIN OCR, plates and photos are available (a CarsXE key)."""
        return self._paid is not None

    @property
    def title_checks(self) -> TitleCheckService | None:
        """The theft and title check (it reserves its own paid calls); None without CarsXE."""
        return None if self._paid is None else self._paid.title_checks

    @property
    def paid_services(self) -> PaidServices | None:
        """The CarsXE-backed services, for the PDF report's cache-only reads."""
        return self._paid

    @property
    def obd_codes(self) -> bool:
        """Whether OBD trouble codes can be explained (a CarsXE key)."""
        return self._paid is not None and self._paid.obd is not None

    async def recalls(self, vin: str, *, user_id: int, is_admin: bool) -> RecallOutcome:
        """Recalls for a VIN: by VIN (paid) when the quota allows, else NHTSA's by model."""
        reservation = None
        if self._recalls.has_paid_source:
            _, reservation = await self._gate.reserve(user_id, is_admin=is_admin)
        with _settling(reservation) as settle:
            outcome = await self._recalls.recalls(vin, allow_paid=reservation is not None)
            settle(paid=outcome.paid_call_made)
        return outcome

    async def market_value(
        self,
        vin: str,
        mileage: int | str,
        state: str | None,
        condition: str | None,
        *,
        user_id: int,
        is_admin: bool,
    ) -> MarketValue:
        """A valuation; raises PaidFeatureRefused past the quota, and the services' errors."""
        paid, reservation = await self._require_paid(user_id, is_admin=is_admin)
        with _settling(reservation) as settle:
            value, charged = await paid.market_value.value(vin, mileage, state, condition)
            settle(paid=charged)
        return value

    async def photo_url(self, spec: VehicleSpec, *, user_id: int, is_admin: bool) -> str | None:
        """A picture of the model when one is known or the quota allows asking; never raises.

        The answer waits at most `photo_wait` for a picture not cached yet: a search still
        running then goes on in the background (and is charged when it answers), so the next
        decode of the model has its picture. Askers of a model whose search is running share
        it: only the asker who started it reserves a paid call (others try theirs only when
        that one had no allowance left).
        """
        if self._paid is None or not self._photos or spec.source != "carsxe":
            return None
        photos = self._paid.photos
        cached = await photos.cached(spec)
        if cached is not None:
            return cached.url
        model = keys.image_key(spec.make or "", spec.model or "", spec.year, spec.trim)
        try:
            async with asyncio.timeout(self._photo_wait):
                while True:
                    search = self._photo_lookups.get(model)
                    mine = search is None or search.done()
                    if search is None or mine:
                        search = self._start_photo_search(
                            model, photos, spec, user_id=user_id, is_admin=is_admin
                        )
                    found = await asyncio.shield(search)
                    if found.allowed or mine:
                        return found.url
        except TimeoutError:
            log.info("photo_later", make=spec.make, model=spec.model)
            return None

    def _start_photo_search(
        self,
        model: str,
        photos: VehiclePhotoService,
        spec: VehicleSpec,
        *,
        user_id: int,
        is_admin: bool,
    ) -> asyncio.Task[_PhotoSearch]:
        search = asyncio.get_running_loop().create_task(
            self._search_photo(photos, spec, user_id, is_admin=is_admin), name="vehicle-photo"
        )
        self._photo_lookups[model] = search

        def forget(done: asyncio.Task[_PhotoSearch]) -> None:
            if self._photo_lookups.get(model) is done:
                del self._photo_lookups[model]

        search.add_done_callback(forget)
        return search

    async def _search_photo(
        self, photos: VehiclePhotoService, spec: VehicleSpec, user_id: int, *, is_admin: bool
    ) -> _PhotoSearch:
        try:
            _, reservation = await self._gate.reserve(user_id, is_admin=is_admin)
        except Exception as exc:  # noqa: BLE001 - it may finish with nobody waiting for it
            log.warning("photo_failed", error=repr(exc))
            return _PhotoSearch(None, allowed=True)
        if reservation is None:
            return _PhotoSearch(None, allowed=False)
        return _PhotoSearch(await self._find_photo(photos, spec, reservation), allowed=True)

    @staticmethod
    async def _find_photo(
        photos: VehiclePhotoService, spec: VehicleSpec, reservation: Reservation
    ) -> str | None:
        try:
            found = await photos.photo(spec)
        except Exception as exc:  # noqa: BLE001 - it may finish with nobody waiting for it
            log.warning("photo_failed", error=repr(exc))
            return None
        else:
            reservation.settle(paid=found.paid_call_made)
            return found.url
        finally:
            reservation.settle(paid=False)  # cancelled or failed: the allowance returns

    async def aclose(self) -> None:
        """Stop the photo lookups still running (at shutdown, before the HTTP clients close)."""
        lookups = list(self._photo_lookups.values())
        for lookup in lookups:
            lookup.cancel()
        await asyncio.gather(*lookups, return_exceptions=True)

    async def read_vin(self, image: bytes, *, user_id: int, is_admin: bool) -> OcrOutcome:
        """Read a VIN from a photo; raises PaidFeatureRefused past the quota, ImageRejected."""
        paid, reservation = await self._require_paid(user_id, is_admin=is_admin)
        with _settling(reservation) as settle:
            outcome = await paid.ocr.read(image)
            settle(paid=outcome.paid_call_made)
        return outcome

    async def plate(
        self, plate: str, state: str | None, country: str | None, *, user_id: int, is_admin: bool
    ) -> PlateResult:
        """The VIN behind a plate; raises PaidFeatureRefused, InvalidPlate, PlateNotFound…."""
        paid, reservation = await self._require_paid(user_id, is_admin=is_admin)
        with _settling(reservation) as settle:
            result, charged = await paid.plates.lookup(plate, state, country)
            settle(paid=charged)
        return result

    async def obd_code(self, code: str, *, user_id: int, is_admin: bool) -> ObdDiagnosis:
        """What a trouble code means: free from the cache, else a paid call the quota allows.

        Raises InvalidObdCode before anything, FeatureNotConfigured without CarsXE,
        PaidFeatureRefused past the quota, ObdCodeNotFound and ProviderUnavailable.
        """
        obd = self._paid.obd if self._paid is not None else None
        if obd is None:
            raise FeatureNotConfigured("this bot has no CarsXE key")
        cached = await obd.cached(code)
        if cached is not None:
            return cached
        _, reservation = await self._require_paid(user_id, is_admin=is_admin)
        with _settling(reservation) as settle:
            diagnosis, charged = await obd.explain(code)
            settle(paid=charged)
        return diagnosis

    async def _require_paid(
        self, user_id: int, *, is_admin: bool
    ) -> tuple[PaidServices, Reservation]:
        if self._paid is None:
            raise FeatureNotConfigured("this bot has no CarsXE key")
        decision, reservation = await self._gate.reserve(user_id, is_admin=is_admin)
        if reservation is None:
            raise PaidFeatureRefused(decision)
        return self._paid, reservation


class _Settle(Protocol):
    def __call__(self, *, paid: bool) -> None: ...


@contextlib.contextmanager
def _settling(reservation: Reservation | None) -> Iterator[_Settle]:
    """Settle a reservation: as the block says, as an error carrying `paid_call_made` says, or
    (cancelled, or any other error) as no call made."""

    def settle(*, paid: bool) -> None:
        if reservation is not None:
            reservation.settle(paid=paid)

    try:
        yield settle
    except (LookupNotFound, RecallsUnavailable, ProviderUnavailable) as exc:
        settle(paid=exc.paid_call_made)  # an outage counts only if a request went unanswered
        raise
    finally:
        settle(paid=False)  # only the first settle counts
