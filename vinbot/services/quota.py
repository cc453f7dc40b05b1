"""Paid-call quotas: a per-user daily allowance and a bot-wide monthly cap, counted in UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from vinbot.logs import get_logger
from vinbot.models.records import CapEvent, QuotaDecision, UsageSummary, utc_now

if TYPE_CHECKING:
    from vinbot.models.records import Clock, QuotaReason
    from vinbot.storage.repositories import UsageRepository


def month_key(moment: datetime) -> str:
    """The UTC month a moment falls in, as "YYYY-MM"."""
    return f"{moment.year:04d}-{moment.month:02d}"


def next_midnight(moment: datetime) -> datetime:
    """The start of the next UTC day: when a user's daily quota resets."""
    return datetime.combine(moment.date() + timedelta(days=1), time(), tzinfo=UTC)


def next_month_start(moment: datetime) -> datetime:
    """The start of the next UTC month: when the bot's monthly cap resets."""
    first_of_month = datetime(moment.year, moment.month, 1, tzinfo=UTC)
    return (first_of_month + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True, slots=True)
class PaidSlot:
    """Paid calls counted in the database by reserve(): those not made are released."""

    user_id: int
    day: date
    month: str
    reaches_cap: bool  # these calls took the month's count to the cap
    calls: int = 1


class QuotaService:
    """Decides whether a paid upstream call is allowed by counting it in the database at once.

    The counts live only in the database: every process reserves against the same rows with
    one conditional increment, so no process needs to remember anything.
    """

    def __init__(
        self,
        usage: UsageRepository,
        *,
        daily_lookups_per_user: int,
        monthly_paid_calls: int,
        now: Clock = utc_now,
    ) -> None:
        if daily_lookups_per_user < 0 or monthly_paid_calls < 0:
            raise ValueError("quota limits must be 0 (unlimited) or positive")
        self._usage = usage
        self._daily = daily_lookups_per_user
        self._monthly = monthly_paid_calls
        self._now = now
        self._log = get_logger(__name__)

    def _utc_now(self) -> datetime:
        moment = self._now()
        if moment.tzinfo is None:
            raise ValueError("the quota clock must return aware datetimes")
        return moment.astimezone(UTC)

    async def reserve(
        self, user_id: int, *, is_admin: bool, calls: int = 1
    ) -> tuple[QuotaDecision, PaidSlot | None]:
        """Count `calls` paid calls for this user now if the quotas allow all of them (else
        none); admins skip only the per-user quota. Calls not made are to be released."""
        moment = self._utc_now()
        day, month = moment.date(), month_key(moment)
        taken = await self._usage.reserve(
            user_id,
            day=day,
            month=month,
            daily_limit=0 if is_admin else self._daily,
            monthly_limit=self._monthly,
            at=moment,
            calls=calls,
        )
        if taken.refused == "bot_monthly":
            return QuotaDecision(
                allowed=False, reason="bot_monthly", resets_at=next_month_start(moment)
            ), None
        if taken.refused == "user_daily":
            return QuotaDecision(
                allowed=False, reason="user_daily", resets_at=next_midnight(moment)
            ), None
        reaches_cap = 0 < self._monthly <= taken.month_total
        return QuotaDecision(allowed=True), PaidSlot(user_id, day, month, reaches_cap, calls)

    async def release(self, slot: PaidSlot, calls: int | None = None) -> None:
        """`calls` of the slot's calls (all by default) were not made: their allowance returns
        (to the day and month they were counted in)."""
        unused = slot.calls if calls is None else calls
        await self._usage.release(slot.user_id, day=slot.day, month=slot.month, calls=unused)

    async def cap_reached(self, slot: PaidSlot) -> CapEvent | None:
        """A call made with a slot that reached the cap: the CapEvent for the one caller, in any
        process, that marks the month's cap reached first; None for everyone else."""
        if not slot.reaches_cap:
            return None
        moment = self._utc_now()
        paid_calls = await self._usage.claim_cap_reached(slot.month, cap=self._monthly, at=moment)
        if paid_calls is None:
            return None
        self._log.warning(
            "monthly_cap_reached", month=slot.month, cap=self._monthly, paid_calls=paid_calls
        )
        return CapEvent(
            month=slot.month, cap=self._monthly, paid_calls=paid_calls, reached_at=moment
        )

    async def check(self, user_id: int, *, is_admin: bool) -> QuotaDecision:
        """Whether a reservation for this user would be allowed now: a read that counts nothing
        (for reports; only reserve() decides, atomically)."""
        if self._daily == 0 and self._monthly == 0:
            return QuotaDecision(allowed=True)
        moment = self._utc_now()
        counts = await self._usage.counts(user_id, day=moment.date(), month=month_key(moment))
        if self._monthly and counts.month_total >= self._monthly:
            return QuotaDecision(
                allowed=False, reason="bot_monthly", resets_at=next_month_start(moment)
            )
        if self._daily and not is_admin and counts.user_today >= self._daily:
            return QuotaDecision(
                allowed=False, reason="user_daily", resets_at=next_midnight(moment)
            )
        return QuotaDecision(allowed=True)

    async def remaining(self, user_id: int, *, is_admin: bool) -> tuple[int, QuotaReason] | None:
        """How many paid calls this user may still cause now, and which limit that is (the
        smaller of their day's and the bot's month's); None when neither limit applies."""
        if self._monthly == 0 and (self._daily == 0 or is_admin):
            return None
        moment = self._utc_now()
        counts = await self._usage.counts(user_id, day=moment.date(), month=month_key(moment))
        left: list[tuple[int, QuotaReason]] = []
        if self._monthly:
            left.append((self._monthly - counts.month_total, "bot_monthly"))
        if self._daily and not is_admin:
            left.append((self._daily - counts.user_today, "user_daily"))
        count, reason = min(left, key=lambda item: item[0])
        return max(count, 0), reason

    async def usage_summary(self) -> UsageSummary:
        """Paid calls today and this month (UTC), for /stats."""
        moment = self._utc_now()
        today: date = moment.date()
        totals = await self._usage.totals(day=today, month=month_key(moment))
        return UsageSummary(
            today=totals.day_total,
            month=totals.month_total,
            monthly_cap=self._monthly,
            daily_lookups_per_user=self._daily,
            cap_reached_at=totals.cap_reached_at,
            as_of=moment,
        )
