"""A person's lookup: quota check, decode, paid-call accounting and history, in one call."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Protocol

from vinbot.logs import get_logger
from vinbot.services.decoding import with_note

if TYPE_CHECKING:
    from datetime import datetime

    from vinbot.formatters.units import Units
    from vinbot.models.records import CapEvent, LookupRecord, QuotaDecision
    from vinbot.models.vehicle import DecodeResult, VehicleSpec
    from vinbot.services.decoding import DecodeService
    from vinbot.services.history import HistoryRecorder
    from vinbot.services.quota import QuotaService
    from vinbot.services.settings import UserSettingsService

log = get_logger(__name__)

HISTORY_WAIT_SECONDS = 5.0


class AdminAlerts(Protocol):
    """Where a once-a-month "spend cap reached" event goes (admins' chats, in the bot)."""

    async def spend_cap_reached(self, event: CapEvent) -> None:
        """Tell the admins the bot-wide paid-call cap was just reached."""
        ...


class PaidCallCounter(Protocol):
    """Counts paid calls for metrics."""

    def paid_call(self) -> None:
        """One paid upstream call was made."""
        ...


def quota_note(decision: QuotaDecision) -> str:
    """Why a user got the free answer, and when the detailed one is back."""
    when = _when(decision.resets_at)
    if decision.reason == "bot_monthly":
        return (
            "This bot's monthly budget for detailed decodes is spent, so this is the free "
            f"decode. Detailed decodes are back {when}."
        )
    return (
        "You've used today's detailed decodes, so this is the free decode. "
        f"Your quota resets {when}."
    )


def _when(resets_at: datetime | None) -> str:
    if resets_at is None:
        return "soon"
    return resets_at.strftime("%Y-%m-%d %H:%M UTC")


class LookupService:
    """What the bot calls for every VIN a user sends or re-opens."""

    def __init__(
        self,
        decoder: DecodeService,
        *,
        quota: QuotaService,
        history: HistoryRecorder,
        user_settings: UserSettingsService,
        counter: PaidCallCounter,
        alerts: AdminAlerts,
    ) -> None:
        self._decoder = decoder
        self._quota = quota
        self._history = history
        self._user_settings = user_settings
        self._counter = counter
        self._alerts = alerts

    @property
    def decoder(self) -> DecodeService:
        """The underlying decode service."""
        return self._decoder

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
        decision: QuotaDecision | None = None
        if self._decoder.has_paid_provider:
            decision = await self._quota.check(user_id, is_admin=is_admin)
        allow_paid = decision is None or decision.allowed
        result = await self._decoder.decode(raw_vin, allow_paid=allow_paid)
        if result.paid_call_made:
            self._counter.paid_call()
            event = await self._quota.record_paid_call(user_id, "carsxe")
            if event is not None:
                log.warning("spend_cap_reached", month=event.month, cap=event.cap)
                await self._alerts.spend_cap_reached(event)
        if decision is not None and not decision.allowed and result.source != "carsxe":
            result = with_note(result, quota_note(decision))
        return result

    async def cached_spec(self, vin: str) -> VehicleSpec | None:
        """What the cache knows about a VIN, without any provider call (for lists)."""
        return await self._decoder.cached(vin)
