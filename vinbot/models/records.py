"""What the storage-backed services take and return: frozen dataclasses, no SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

type Units = Literal["metric", "imperial"]
UNITS: tuple[Units, ...] = ("metric", "imperial")

type QuotaReason = Literal["user_daily", "bot_monthly"]

type Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time as an aware UTC datetime (the services' default clock)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class NewLookup:
    """A lookup to store: who asked about which VIN, which provider answered, and what it was."""

    user_id: int
    vin: str
    provider: str
    looked_up_at: datetime
    year: int | None = None
    make: str | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True)
class LookupRecord:
    """A stored lookup, as /history and /export show it."""

    id: int
    user_id: int
    vin: str
    provider: str
    looked_up_at: datetime
    year: int | None = None
    make: str | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True)
class GarageEntry:
    """A vehicle a user saved, with an optional nickname."""

    user_id: int
    vin: str
    nickname: str | None
    added_at: datetime


@dataclass(frozen=True, slots=True)
class UserSettings:
    """A user's preferences; a user never seen has the defaults."""

    units: Units | None = None  # picked in /settings; None: the language's usual units
    recall_alerts: bool = True
    language: str | None = None  # picked in /settings; None: Telegram's language_code decides


@dataclass(frozen=True, slots=True)
class UserProfile:
    """What the users table holds about one Telegram user."""

    user_id: int
    first_seen: datetime
    last_seen: datetime
    language_code: str | None
    settings: UserSettings = field(default_factory=UserSettings)
    blocked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DailyUsage:
    """One user's paid upstream calls on one UTC day."""

    day: date
    paid_calls: int


@dataclass(frozen=True, slots=True)
class RecallNotification:
    """A recall alert the user was sent: which car, which campaign, when."""

    vin: str
    campaign_id: str
    notified_at: datetime


class ValueStep(StrEnum):
    """The /value question waiting for its answer."""

    MILEAGE = "mileage"
    STATE = "state"
    CONDITION = "condition"


@dataclass(frozen=True, slots=True)
class ValueDraft:
    """A /value conversation in progress: one per (user, chat), kept in the database so any
    instance can take the next answer."""

    user_id: int
    chat_id: int
    vin: str
    step: ValueStep
    updated_at: datetime
    expires_at: datetime
    mileage: int | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True)
class UserData:
    """Every row stored about one user, for /export."""

    user_id: int
    profile: UserProfile | None
    lookups: tuple[LookupRecord, ...] = ()
    garage: tuple[GarageEntry, ...] = ()
    usage: tuple[DailyUsage, ...] = ()
    recall_notifications: tuple[RecallNotification, ...] = ()
    value_drafts: tuple[ValueDraft, ...] = ()


@dataclass(frozen=True, slots=True)
class UsageCounts:
    """A user's paid calls today and the whole bot's this month, for a quota check."""

    user_today: int
    month_total: int


@dataclass(frozen=True, slots=True)
class UsageReserved:
    """Paid calls counted by a reservation: the month's total with them, or which limit refused."""

    month_total: int = 0
    refused: QuotaReason | None = None


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """The whole bot's paid calls on one day and in one month."""

    day_total: int
    month_total: int
    cap_reached_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class QuotaDecision:
    """Whether a paid upstream call is allowed now; if not, why and when that changes."""

    allowed: bool
    reason: QuotaReason | None = None
    resets_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CapEvent:
    """The bot's monthly paid-call cap was just reached: tell the admins, once."""

    month: str  # "YYYY-MM", UTC
    cap: int
    paid_calls: int
    reached_at: datetime


@dataclass(frozen=True, slots=True)
class UsageSummary:
    """Paid upstream calls today and this month (UTC), for /stats."""

    today: int
    month: int
    monthly_cap: int  # 0: no cap
    daily_lookups_per_user: int  # 0: unlimited
    cap_reached_at: datetime | None
    as_of: datetime
