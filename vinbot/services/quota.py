"""Paid-call quotas: a per-user daily allowance and a bot-wide monthly cap, counted in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from cachetools import LRUCache

from vinbot.logs import get_logger
from vinbot.models.records import CapEvent, QuotaDecision, UsageCounts, UsageSummary, utc_now

if TYPE_CHECKING:
    from collections.abc import Mapping

    from vinbot.models.records import Clock, QuotaReason
    from vinbot.storage.repositories import UsageRepository

# Counts read once are kept: this process is the only one that writes them, so memory and
# disk agree, and a quota check before a paid call needs no database read.
KNOWN_USERS = 10_000


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


class QuotaService:
    """Decides whether a paid upstream call is allowed and counts the ones made."""

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
        self._user_today: LRUCache[tuple[int, date], int] = LRUCache(maxsize=KNOWN_USERS)
        self._month_total: tuple[str, int] | None = None

    def _utc_now(self) -> datetime:
        moment = self._now()
        if moment.tzinfo is None:
            raise ValueError("the quota clock must return aware datetimes")
        return moment.astimezone(UTC)

    async def check(
        self, user_id: int, *, is_admin: bool, pending_user: int = 0, pending_total: int = 0
    ) -> QuotaDecision:
        """Whether this user may cause a paid call now; admins skip only the per-user quota.

        `pending_*` are paid calls already made but not yet written: they count too.
        """
        if self._daily == 0 and self._monthly == 0:
            return QuotaDecision(allowed=True)
        moment = self._utc_now()
        counts = await self._counts(user_id, moment)
        if self._monthly and counts.month_total + pending_total >= self._monthly:
            return QuotaDecision(
                allowed=False, reason="bot_monthly", resets_at=next_month_start(moment)
            )
        if self._daily and not is_admin and counts.user_today + pending_user >= self._daily:
            return QuotaDecision(
                allowed=False, reason="user_daily", resets_at=next_midnight(moment)
            )
        return QuotaDecision(allowed=True)

    async def remaining(
        self, user_id: int, *, is_admin: bool, pending_user: int = 0, pending_total: int = 0
    ) -> tuple[int, QuotaReason] | None:
        """How many paid calls this user may still cause now, and which limit that is (the
        smaller of their day's and the bot's month's); None when neither limit applies."""
        moment = self._utc_now()
        counts = await self._counts(user_id, moment)
        left: list[tuple[int, QuotaReason]] = []
        if self._monthly:
            left.append((self._monthly - counts.month_total - pending_total, "bot_monthly"))
        if self._daily and not is_admin:
            left.append((self._daily - counts.user_today - pending_user, "user_daily"))
        if not left:
            return None
        count, reason = min(left, key=lambda item: item[0])
        return max(count, 0), reason

    async def prime(self, user_id: int) -> None:
        """Read the user's counts now unless they are remembered, so check() needs no read."""
        if self._daily or self._monthly:
            await self._counts(user_id, self._utc_now())

    def remember_unwritten(self, calls: Mapping[int, int]) -> None:
        """Paid calls the ledger could not write: they still count for this run's quotas."""
        moment = self._utc_now()
        day, month = moment.date(), month_key(moment)
        for user_id, count in calls.items():
            # Only on top of a known figure: a user not remembered is read from the database.
            if (user_id, day) in self._user_today:
                self._user_today[(user_id, day)] += count
        if self._month_total is not None and self._month_total[0] == month:
            self._month_total = (month, self._month_total[1] + sum(calls.values()))

    async def _counts(self, user_id: int, moment: datetime) -> UsageCounts:
        day, month = moment.date(), month_key(moment)
        today = self._user_today.get((user_id, day))
        if today is None or self._month_total is None or self._month_total[0] != month:
            read = await self._usage.counts(user_id, day=day, month=month)
            # Counts only grow within their day and month, and a ledger write may have landed
            # while this read waited: keep the larger figure, never the older one.
            today = max(read.user_today, self._user_today.get((user_id, day), 0))
            month_total = read.month_total
            if self._month_total is not None and self._month_total[0] == month:
                month_total = max(month_total, self._month_total[1])
            self._user_today[(user_id, day)] = today
            self._month_total = (month, month_total)
            return UsageCounts(user_today=today, month_total=month_total)
        return UsageCounts(user_today=today, month_total=self._month_total[1])

    async def record_paid_calls(self, calls: Mapping[int, int]) -> CapEvent | None:
        """Count paid calls (user id to how many) in one write; returns a CapEvent only for the
        write that reaches the monthly cap."""
        moment = self._utc_now()
        month = month_key(moment)
        totals = await self._usage.add_paid_calls(
            calls, day=moment.date(), month=month, at=moment, monthly_cap=self._monthly
        )
        for user_id, today in totals.user_today.items():
            self._user_today[(user_id, moment.date())] = today
        self._month_total = (month, totals.month_total)
        self._log.debug(
            "paid_calls_recorded",
            users=len(calls),
            calls=sum(calls.values()),
            month_total=totals.month_total,
        )
        if not totals.cap_reached_now:
            return None
        self._log.warning(
            "monthly_cap_reached", month=month, cap=self._monthly, paid_calls=totals.month_total
        )
        return CapEvent(
            month=month, cap=self._monthly, paid_calls=totals.month_total, reached_at=moment
        )

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
