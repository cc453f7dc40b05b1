"""Beyond the decode: recalls, market value, photos, VIN OCR and plates, each behind the quotas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vinbot.models.errors import LookupNotFound, QuotaExceeded, VinbotError
from vinbot.services.paid_calls import quota_note

if TYPE_CHECKING:
    from vinbot.models.market_value import MarketValue
    from vinbot.models.ocr import OcrOutcome
    from vinbot.models.plate import PlateResult
    from vinbot.models.recalls import RecallOutcome
    from vinbot.models.records import QuotaDecision
    from vinbot.models.vehicle import VehicleSpec
    from vinbot.services.market_value import MarketValueService
    from vinbot.services.ocr import VinOcrService
    from vinbot.services.paid_calls import PaidCallGate
    from vinbot.services.plate import PlateService
    from vinbot.services.recalls import RecallsService
    from vinbot.services.vehicle_photo import VehiclePhotoService


class PaidFeatureRefused(QuotaExceeded):
    """A paid-only feature was asked for past the quota; the message says until when."""

    def __init__(self, decision: QuotaDecision) -> None:
        super().__init__(quota_note(decision))
        self.decision = decision


class FeatureNotConfigured(VinbotError):
    """A CarsXE-only feature was asked for, but the bot has no CarsXE key."""


@dataclass(frozen=True, slots=True)
class PaidServices:
    """The CarsXE-backed features; absent when no CarsXE key is configured."""

    market_value: MarketValueService
    photos: VehiclePhotoService
    ocr: VinOcrService
    plates: PlateService


class ExtrasService:
    """What the bot calls for everything after the decode; counts every paid call made."""

    def __init__(
        self,
        gate: PaidCallGate,
        recalls: RecallsService,
        paid: PaidServices | None,
        *,
        photos: bool = True,
    ) -> None:
        self._gate = gate
        self._recalls = recalls
        self._paid = paid
        self._photos = photos

    @property
    def recalls_service(self) -> RecallsService:
        """The recalls service itself, for the alert job's free NHTSA checks."""
        return self._recalls

    @property
    def paid_features(self) -> bool:
        """Whether market value, VIN OCR, plates and photos are available (a CarsXE key)."""
        return self._paid is not None

    async def recalls(self, vin: str, *, user_id: int, is_admin: bool) -> RecallOutcome:
        """Recalls for a VIN: by VIN (paid) when the quota allows, else NHTSA's by model."""
        allow_paid = False
        if self._recalls.has_paid_source:
            allow_paid = (await self._gate.decision(user_id, is_admin=is_admin)).allowed
        try:
            outcome = await self._recalls.recalls(vin, allow_paid=allow_paid)
        except LookupNotFound as exc:
            self._charge_if(user_id, paid=exc.paid_call_made)
            raise
        self._charge_if(user_id, paid=outcome.paid_call_made)
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
        paid = await self._require_paid(user_id, is_admin=is_admin)
        try:
            value, charged = await paid.market_value.value(vin, mileage, state, condition)
        except LookupNotFound as exc:
            self._charge_if(user_id, paid=exc.paid_call_made)
            raise
        self._charge_if(user_id, paid=charged)
        return value

    async def photo_url(self, spec: VehicleSpec, *, user_id: int, is_admin: bool) -> str | None:
        """A picture of the model when one is known or the quota allows asking; never raises."""
        if self._paid is None or not self._photos or spec.source != "carsxe":
            return None
        if not (await self._gate.decision(user_id, is_admin=is_admin)).allowed:
            return None
        found = await self._paid.photos.photo(spec)
        self._charge_if(user_id, paid=found.paid_call_made)
        return found.url

    async def read_vin(self, image: bytes, *, user_id: int, is_admin: bool) -> OcrOutcome:
        """Read a VIN from a photo; raises PaidFeatureRefused past the quota, ImageRejected."""
        paid = await self._require_paid(user_id, is_admin=is_admin)
        outcome = await paid.ocr.read(image)
        self._charge_if(user_id, paid=outcome.paid_call_made)
        return outcome

    async def plate(
        self, plate: str, state: str | None, country: str | None, *, user_id: int, is_admin: bool
    ) -> PlateResult:
        """The VIN behind a plate; raises PaidFeatureRefused, InvalidPlate, PlateNotFound…."""
        paid = await self._require_paid(user_id, is_admin=is_admin)
        try:
            result, charged = await paid.plates.lookup(plate, state, country)
        except LookupNotFound as exc:
            self._charge_if(user_id, paid=exc.paid_call_made)
            raise
        self._charge_if(user_id, paid=charged)
        return result

    async def _require_paid(self, user_id: int, *, is_admin: bool) -> PaidServices:
        if self._paid is None:
            raise FeatureNotConfigured("this bot has no CarsXE key")
        decision = await self._gate.decision(user_id, is_admin=is_admin)
        if not decision.allowed:
            raise PaidFeatureRefused(decision)
        return self._paid

    def _charge_if(self, user_id: int, *, paid: bool) -> None:
        if paid:
            self._gate.charge(user_id)
