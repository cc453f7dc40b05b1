"""A person's lookup: quota check, decode, paid-call accounting and history, in one call."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from vinbot.i18n import default_units
from vinbot.models.vehicle import DecodeNote
from vinbot.services.decoding import with_note

if TYPE_CHECKING:
    from vinbot.models.records import LookupRecord, QuotaDecision, Units
    from vinbot.models.vehicle import DecodeResult, VehicleSpec
    from vinbot.services.decoding import DecodeService
    from vinbot.services.history import HistoryRecorder
    from vinbot.services.paid_calls import PaidCallGate, Reservation
    from vinbot.services.settings import UserSettingsService


HISTORY_WAIT_SECONDS = 5.0


class LookupService:
    """What the bot calls for every VIN a user sends or re-opens."""

    def __init__(
        self,
        decoder: DecodeService,
        *,
        gate: PaidCallGate,
        history: HistoryRecorder,
        user_settings: UserSettingsService,
        cache_only: DecodeService | None = None,
    ) -> None:
        self._decoder = decoder
        # A decode service over the same cache with no providers: it cannot call upstream.
        self._cache_only = cache_only
        self._gate = gate
        self._history = history
        self._user_settings = user_settings

    async def lookup(self, raw_vin: str, *, user_id: int, is_admin: bool) -> DecodeResult:
        """Decode a VIN for a user and remember it; raises InvalidVin for bad input."""
        result = await self._decode(raw_vin, user_id=user_id, is_admin=is_admin)
        spec = result.spec
        written = self._history.record(
            user_id, spec.vin, spec.source, year=result.model_year, make=spec.make, model=spec.model
        )
        # The reply waits for the (batched) commit, so a lookup the user saw survives a crash;
        # a slow disk delays it by HISTORY_WAIT_SECONDS at most, and the write goes on.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(HISTORY_WAIT_SECONDS):
                await asyncio.shield(written)
        return result

    async def reopen(self, vin: str, *, user_id: int, is_admin: bool) -> DecodeResult:
        """A VIN the user already saw (a button press): cache first, same quota, no history."""
        return await self._decode(vin, user_id=user_id, is_admin=is_admin)

    async def reopen_cached(self, vin: str) -> DecodeResult | None:
        """A VIN's cached decode for a button press that only shows it another way, or None
        when it is not cached. Free: the cache-only decoder has no provider it could ask."""
        if self._cache_only is None or await self._cache_only.cached(vin) is None:
            return None
        return await self._cache_only.decode(vin, allow_paid=False)

    async def recent(self, user_id: int, limit: int = 10) -> list[LookupRecord]:
        """The user's latest lookups, newest first."""
        return await self._history.recent(user_id, limit)

    async def units_for(self, user_id: int, language_code: str | None = None) -> Units:
        """The units a user picked for economy, dimensions and weights; until they pick, the
        usual ones for their language (the one picked in /settings, else Telegram's
        language_code): miles for American English, kilometres elsewhere."""
        settings = await self._user_settings.get(user_id)
        if settings.units is not None:
            return settings.units
        return default_units(settings.language or language_code)

    async def _decode(self, raw_vin: str, *, user_id: int, is_admin: bool) -> DecodeResult:
        permit = _UserPermit(self._gate, user_id, is_admin=is_admin)
        result = await self._decoder.decode(raw_vin, allow_paid=permit)
        if permit.refusal is not None and result.source != "carsxe":
            refusal = permit.refusal
            note = DecodeNote("quota", quota=refusal.reason, resets_at=refusal.resets_at)
            result = with_note(result, note)
        return result

    async def is_cached(self, vin: str) -> bool:
        """Whether a decode of this VIN would be answered from the cache."""
        return await self._decoder.is_cached(vin)

    async def cached_spec(self, vin: str) -> VehicleSpec | None:
        """What the cache knows about a VIN, without any provider call (for lists)."""
        return await self._decoder.cached(vin)


class _UserPermit:
    """A user's PayPermission: a reservation at the gate, settled by the decode that used it."""

    def __init__(self, gate: PaidCallGate, user_id: int, *, is_admin: bool) -> None:
        self._gate = gate
        self._user_id = user_id
        self._is_admin = is_admin
        self._reservation: Reservation | None = None
        self.refusal: QuotaDecision | None = None

    async def ask(self) -> bool:
        decision, self._reservation = await self._gate.reserve(
            self._user_id, is_admin=self._is_admin
        )
        if self._reservation is None:
            self.refusal = decision
        return self._reservation is not None

    def settle(self, *, paid: bool) -> None:
        if self._reservation is not None:
            self._reservation.settle(paid=paid)
