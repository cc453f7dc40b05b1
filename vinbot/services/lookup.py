"""A person's lookup: quota check, decode, paid-call accounting and history, in one call."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from vinbot.services.decoding import with_note
from vinbot.services.paid_calls import quota_note

if TYPE_CHECKING:
    from vinbot.models.records import LookupRecord, QuotaDecision, Units
    from vinbot.models.vehicle import DecodeResult, VehicleSpec
    from vinbot.services.decoding import DecodeService
    from vinbot.services.history import HistoryRecorder
    from vinbot.services.paid_calls import PaidCallGate
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
    ) -> None:
        self._decoder = decoder
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

    async def recent(self, user_id: int, limit: int = 10) -> list[LookupRecord]:
        """The user's latest lookups, newest first."""
        return await self._history.recent(user_id, limit)

    async def units_for(self, user_id: int) -> Units:
        """The units a user prefers for economy, dimensions and weights."""
        return (await self._user_settings.get(user_id)).units

    async def _decode(self, raw_vin: str, *, user_id: int, is_admin: bool) -> DecodeResult:
        decisions: list[QuotaDecision] = []

        async def may_pay() -> bool:
            decisions.append(await self._gate.decision(user_id, is_admin=is_admin))
            return decisions[-1].allowed

        result = await self._decoder.decode(raw_vin, allow_paid=may_pay)
        if result.paid_call_made:
            self._gate.charge(user_id)
        refused = next((d for d in decisions if not d.allowed), None)
        if refused is not None and result.source != "carsxe":
            result = with_note(result, quota_note(refused))
        return result

    async def is_cached(self, vin: str) -> bool:
        """Whether a decode of this VIN would be answered from the cache."""
        return await self._decoder.is_cached(vin)

    async def cached_spec(self, vin: str) -> VehicleSpec | None:
        """What the cache knows about a VIN, without any provider call (for lists)."""
        return await self._decoder.cached(vin)
