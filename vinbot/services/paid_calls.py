"""The one place paid upstream calls are allowed and counted, whatever feature makes them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from vinbot.logs import get_logger

if TYPE_CHECKING:
    from datetime import datetime

    from vinbot.models.records import CapEvent, QuotaDecision
    from vinbot.services.quota import QuotaService

log = get_logger(__name__)


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
            "This bot's monthly budget for detailed answers is spent, so this is the free "
            f"answer. Detailed answers are back {when}."
        )
    return (
        "You've used today's detailed lookups, so this is the free answer. "
        f"Your quota resets {when}."
    )


def _when(resets_at: datetime | None) -> str:
    if resets_at is None:
        return "soon"
    return resets_at.strftime("%Y-%m-%d %H:%M UTC")


class PaidCallGate:
    """Asks the quotas before a paid call and records each one made (alerting at the cap)."""

    def __init__(
        self, quota: QuotaService, *, counter: PaidCallCounter, alerts: AdminAlerts
    ) -> None:
        self._quota = quota
        self._counter = counter
        self._alerts = alerts

    async def decision(self, user_id: int, *, is_admin: bool) -> QuotaDecision:
        """Whether this user may cause a paid call now, and if not why and until when."""
        return await self._quota.check(user_id, is_admin=is_admin)

    async def charge(self, user_id: int, provider: str = "carsxe") -> None:
        """Record one paid call made for this user."""
        self._counter.paid_call()
        event = await self._quota.record_paid_call(user_id, provider)
        if event is not None:
            log.warning("spend_cap_reached", month=event.month, cap=event.cap)
            await self._alerts.spend_cap_reached(event)
