"""The schema as typed SQLAlchemy models (SQLite and PostgreSQL); migrations/ must always produce
exactly this."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Named constraints let SQLite's batch migrations (copy and move) find them again.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Telegram user, chat and update ids need 64 bits: BIGINT on PostgreSQL (revision 0007). SQLite's
# INTEGER already holds 64 bits, and stays the type SQLite's existing files were created with.
TelegramId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC text and reads them back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to naive UTC, refusing naive input (its zone would be a guess)."""
        del dialect
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; storage needs an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to the stored naive value."""
        del dialect
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """The declarative base: one metadata with a naming convention, aware datetimes."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy's class-level setting


class UserRow(Base):
    """One Telegram user: when we saw them, their language, their settings."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("units IN ('metric', 'imperial')", name="units"),)

    id: Mapped[int] = mapped_column(TelegramId, primary_key=True, autoincrement=False)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    language_code: Mapped[str | None] = mapped_column(String(16))
    # Picked in /settings; NULL: not picked (the units usual for the language, and its language
    # is Telegram's language_code).
    units: Mapped[str | None] = mapped_column(String(8))
    recall_alerts: Mapped[bool] = mapped_column(default=True, server_default=true())
    language: Mapped[str | None] = mapped_column(String(16))
    blocked_at: Mapped[datetime | None]


class LookupRow(Base):
    """A VIN a user decoded, with a small snapshot of the latest answer: one row per user and
    VIN (decoding it again moves it to the top), at most HISTORY_MAX_PER_USER per user."""

    __tablename__ = "lookups"
    __table_args__ = (
        Index(None, "user_id", "looked_up_at"),
        Index(None, "looked_up_at"),
        Index(None, "user_id", "vin", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(TelegramId, ForeignKey("users.id", ondelete="CASCADE"))
    vin: Mapped[str] = mapped_column(String(17))
    provider: Mapped[str] = mapped_column(String(32))
    looked_up_at: Mapped[datetime]
    year: Mapped[int | None]
    make: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(64))


class GarageRow(Base):
    """A vehicle a user saved; one row per user and VIN."""

    __tablename__ = "garage"
    __table_args__ = (UniqueConstraint("user_id", "vin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(TelegramId, ForeignKey("users.id", ondelete="CASCADE"))
    vin: Mapped[str] = mapped_column(String(17))
    nickname: Mapped[str | None] = mapped_column(String(64))
    added_at: Mapped[datetime]


class DailyUsageRow(Base):
    """Paid upstream calls one user caused on one UTC day.

    No foreign key: /forget deletes the user but keeps the current day's count (and only
    that) until the day ends, so forgetting cannot hand out a fresh daily allowance.
    """

    __tablename__ = "usage_daily"
    __table_args__ = (Index(None, "day"),)

    user_id: Mapped[int] = mapped_column(TelegramId, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(primary_key=True)
    paid_calls: Mapped[int] = mapped_column(default=0, server_default=text("0"))


class MonthlyUsageRow(Base):
    """Paid upstream calls of the whole bot in one UTC month, and when the cap was reached."""

    __tablename__ = "usage_monthly"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "YYYY-MM"
    paid_calls: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    cap_reached_at: Mapped[datetime | None]


class KnownRecallRow(Base):
    """A recall campaign already seen for a VIN, so alerts announce only new ones."""

    __tablename__ = "known_recalls"

    vin: Mapped[str] = mapped_column(String(17), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    first_seen: Mapped[datetime]
    # Campaigns found by a VIN's first check are its baseline: they existed before anyone
    # watched, so nobody is alerted about them.
    baseline: Mapped[bool] = mapped_column(default=False, server_default=false())


class RecallCheckRow(Base):
    """When a garage VIN was first and last checked for recalls by the alert job."""

    __tablename__ = "recall_checks"

    vin: Mapped[str] = mapped_column(String(17), primary_key=True)
    first_checked_at: Mapped[datetime]
    last_checked_at: Mapped[datetime]


class RecallNotificationRow(Base):
    """A user was told about a recall campaign for a car in their garage (once, ever)."""

    __tablename__ = "recall_notifications"

    user_id: Mapped[int] = mapped_column(
        TelegramId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    vin: Mapped[str] = mapped_column(String(17), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    notified_at: Mapped[datetime]


class UpdateJournalRow(Base):
    """A Telegram update fetched but not yet handled: replayed once after a crash, then dropped."""

    __tablename__ = "update_journal"

    update_id: Mapped[int] = mapped_column(TelegramId, primary_key=True, autoincrement=False)
    payload: Mapped[str] = mapped_column(Text)  # the update's JSON as Telegram sent it
    # How many times a restart has handled it again, and whether once with no other update
    # beside it: one still here after a replay on its own is quarantined.
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    replayed_alone: Mapped[bool] = mapped_column(default=False, server_default=false())
    fetched_at: Mapped[datetime]
    # The instance handling it (services/leases.instance_id); None in rows from before 0010.
    holder: Mapped[str | None] = mapped_column(String(128))


class UpdateJournalMarkRow(Base):
    """The newest journaled update id (one row): a restart acknowledges up to it at once."""

    __tablename__ = "update_journal_mark"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_update_id: Mapped[int] = mapped_column(TelegramId)
    recorded_at: Mapped[datetime]


class FloodCountRow(Base):
    """A user's attempts in one flood-guard minute, counted across instances; pruned after."""

    __tablename__ = "flood_counts"

    user_id: Mapped[int] = mapped_column(TelegramId, primary_key=True, autoincrement=False)
    # The minute as a number: seconds since the epoch // the window's length.
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hits: Mapped[int] = mapped_column(Integer)
    # Where the user has been told of a refusal in this window (places joined by spaces).
    told: Mapped[str] = mapped_column(String(64), default="", server_default="")


class LeaseRow(Base):
    """Who may do a once-across-instances thing (the recall job, polling) until when."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]


class DeliveryMarkRow(Base):
    """A webhook update some instance took (delivered_updates.py), when Upstash is not there to
    hold the mark: its state and holder until it expires; expired rows are swept."""

    __tablename__ = "delivery_marks"
    __table_args__ = (Index("ix_delivery_marks_expires_at", "expires_at"),)

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(String(160))
    expires_at: Mapped[datetime]


class ValueDraftRow(Base):
    """A /value conversation in progress: its answers so far and the question waiting."""

    __tablename__ = "value_drafts"
    __table_args__ = (
        CheckConstraint("step IN ('mileage', 'state', 'condition')", name="step"),
        Index("ix_value_drafts_expires_at", "expires_at"),
    )

    user_id: Mapped[int] = mapped_column(TelegramId, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(TelegramId, primary_key=True, autoincrement=False)
    vin: Mapped[str] = mapped_column(String(17))
    step: Mapped[str] = mapped_column(String(16))
    mileage: Mapped[int | None]
    state: Mapped[str | None] = mapped_column(String(8))
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime]
