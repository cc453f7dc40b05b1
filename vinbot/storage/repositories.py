"""Repository ports (Protocols) and their SQLAlchemy implementations; one transaction per call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol, cast

from sqlalchemy import bindparam, delete, func, or_, select, update

from vinbot.models.records import (
    DailyUsage,
    GarageEntry,
    LookupRecord,
    RecallNotification,
    UsageCounts,
    UsageReserved,
    UsageTotals,
    UserData,
    UserProfile,
    UserSettings,
)
from vinbot.storage.dialects import upsert_insert
from vinbot.storage.group_commit import GroupCommit
from vinbot.storage.tables import (
    DailyUsageRow,
    FloodCountRow,
    GarageRow,
    LookupRow,
    MonthlyUsageRow,
    RecallNotificationRow,
    UserRow,
    ValueDraftRow,
)
from vinbot.storage.usage_reservations import (
    ReservationRequest,
    ensure_users,
    minus,
    refused_at_once,
    reserve_all,
)
from vinbot.storage.value_draft_repository import value_draft_of

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date, datetime

    from sqlalchemy import Delete, Table
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql.dml import ReturningInsert

    from vinbot.models.records import NewLookup, Units
    from vinbot.storage.dialects import UpsertInsert
    from vinbot.storage.engine import SessionFactory

type GarageRefusal = Literal["full", "duplicate"]

# The mapped classes' tables, for bulk statements that bypass the ORM's unit of work.
_LOOKUP_TABLE = cast("Table", LookupRow.__table__)
_USER_TABLE = cast("Table", UserRow.__table__)
_DAILY_USAGE_TABLE = cast("Table", DailyUsageRow.__table__)


class UserRepository(Protocol):
    """Users: when they were seen, their language, their settings, whether they blocked us."""

    async def touch(self, user_id: int, language_code: str | None, at: datetime) -> None:
        """Create the user or update last seen (and the language when given); clears blocked."""
        ...

    async def settings(self, user_id: int) -> UserSettings | None:
        """The user's settings, or None for a user never stored."""
        ...

    async def changed_settings(self) -> dict[int, UserSettings]:
        """Every user whose settings differ from the defaults."""
        ...

    async def update_settings(
        self,
        user_id: int,
        at: datetime,
        *,
        units: Units | None = None,
        recall_alerts: bool | None = None,
    ) -> UserSettings:
        """Change the given settings (creating the user if needed) and return them all."""
        ...

    async def set_language(self, user_id: int, at: datetime, language: str | None) -> UserSettings:
        """Pick the language (None: follow Telegram's), creating the user if needed."""
        ...

    async def language_code(self, user_id: int) -> str | None:
        """The language_code Telegram last sent for the user, None when unknown."""
        ...

    async def mark_blocked(self, user_id: int, at: datetime) -> None:
        """Remember that the user blocked the bot (no alerts until they write again)."""
        ...


class LookupRepository(Protocol):
    """The lookup history."""

    async def add_many(self, lookups: Sequence[NewLookup]) -> list[int]:
        """Store lookups in one transaction and return their ids, in order."""
        ...

    async def recent(self, user_id: int, limit: int) -> list[LookupRecord]:
        """The user's latest lookups, newest first."""
        ...

    async def delete_older_than(self, cutoff: datetime) -> int:
        """Delete lookups made before cutoff; returns how many."""
        ...


class GarageRepository(Protocol):
    """The vehicles users saved."""

    async def add(
        self, user_id: int, vin: str, nickname: str | None, at: datetime, limit: int
    ) -> GarageEntry | GarageRefusal:
        """Save a VIN unless it is already saved ("duplicate") or limit is reached ("full")."""
        ...

    async def entries(self, user_id: int) -> list[GarageEntry]:
        """The user's saved vehicles, oldest first."""
        ...

    async def rename(self, user_id: int, vin: str, nickname: str | None) -> GarageEntry | None:
        """Set the nickname; None when the VIN is not in the user's garage."""
        ...

    async def remove(self, user_id: int, vin: str) -> bool:
        """Remove a saved VIN; False when it was not there."""
        ...


class UsageRepository(Protocol):
    """The paid-call ledger: per user per UTC day, and the whole bot per UTC month."""

    async def reserve(
        self,
        user_id: int,
        *,
        day: date,
        month: str,
        daily_limit: int,
        monthly_limit: int,
        at: datetime,
        calls: int = 1,
    ) -> UsageReserved:
        """Count `calls` paid calls for the user's day and the bot's month, in one transaction,
        if all of them fit under both limits (0: none); else nothing is counted."""
        ...

    async def release(self, user_id: int, *, day: date, month: str, calls: int = 1) -> None:
        """Take back `calls` calls counted by reserve() (they were not made)."""
        ...

    async def claim_cap_reached(self, month: str, *, cap: int, at: datetime) -> int | None:
        """Mark the month's cap reached if its count is at the cap and nobody marked it yet;
        the month's count for the one caller that marked it, else None."""
        ...

    async def counts(self, user_id: int, *, day: date, month: str) -> UsageCounts:
        """The user's paid calls on day and the bot's in month."""
        ...

    async def totals(self, *, day: date, month: str) -> UsageTotals:
        """The bot's paid calls on day and in month, and when the month's cap was reached."""
        ...

    async def delete_forgotten(self, before: date) -> int:
        """Delete the counts of days before `before` whose user was forgotten; how many rows."""
        ...


class UserDataRepository(Protocol):
    """Everything keyed by one user's id, for export and erasure."""

    async def collect(self, user_id: int, *, with_lookups: bool = True) -> UserData:
        """Every row about the user (lookups only when asked), read in one transaction."""
        ...

    async def count_lookups(self, user_id: int) -> int:
        """How many lookups the user has stored."""
        ...

    async def lookup_page(
        self, user_id: int, *, after: LookupRecord | None, limit: int
    ) -> list[LookupRecord]:
        """Up to limit of the user's lookups, newest first, starting after the given one."""
        ...

    async def delete_all(self, user_id: int, *, keep_usage_from: date) -> int:
        """Delete every row about the user in one transaction, except the paid-call counts of
        keep_usage_from (today, UTC) and later; returns how many rows."""
        ...


def _ensure_user(dialect: str, user_id: int, at: datetime) -> UpsertInsert:
    """An INSERT that creates a bare user row unless one exists (rows below reference it)."""
    return (
        upsert_insert(dialect, UserRow)
        .values(id=user_id, first_seen=at, last_seen=at)
        .on_conflict_do_nothing(index_elements=[UserRow.id])
    )


def _upsert_lookups(dialect: str) -> ReturningInsert[int]:
    """The executemany INSERT of lookups: a user's VIN already in the history is updated to
    this lookup (its time and snapshot) instead of adding a row."""
    new = upsert_insert(dialect, _LOOKUP_TABLE)
    columns = ("provider", "looked_up_at", "year", "make", "model")
    return new.on_conflict_do_update(
        index_elements=[_LOOKUP_TABLE.c.user_id, _LOOKUP_TABLE.c.vin],
        set_={name: new.excluded[name] for name in columns},
    ).returning(_LOOKUP_TABLE.c.id, sort_by_parameter_order=True)


def _trim_lookups(keep: int) -> Delete:
    """The executemany DELETE of a user's lookups past the newest `keep` (give it {user})."""
    newest_first = (
        select(_LOOKUP_TABLE.c.id)
        .where(_LOOKUP_TABLE.c.user_id == bindparam("user"))
        .order_by(_LOOKUP_TABLE.c.looked_up_at.desc(), _LOOKUP_TABLE.c.id.desc())
        .offset(keep)  # SQLite's compiler adds its LIMIT -1; PostgreSQL takes OFFSET alone
    )
    return delete(_LOOKUP_TABLE).where(
        _LOOKUP_TABLE.c.user_id == bindparam("user"), _LOOKUP_TABLE.c.id.in_(newest_first)
    )


def _units(stored: str | None) -> Units | None:
    if stored is None:
        return None
    return "imperial" if stored == "imperial" else "metric"


def _settings_of(row: UserRow) -> UserSettings:
    return UserSettings(
        units=_units(row.units), recall_alerts=row.recall_alerts, language=row.language
    )


def _lookup_record(row: LookupRow) -> LookupRecord:
    return LookupRecord(
        id=row.id,
        user_id=row.user_id,
        vin=row.vin,
        provider=row.provider,
        looked_up_at=row.looked_up_at,
        year=row.year,
        make=row.make,
        model=row.model,
    )


def _garage_entry(row: GarageRow) -> GarageEntry:
    return GarageEntry(
        user_id=row.user_id, vin=row.vin, nickname=row.nickname, added_at=row.added_at
    )


class SqlUserRepository:
    """UserRepository on SQLite or PostgreSQL."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def touch(self, user_id: int, language_code: str | None, at: datetime) -> None:
        """Create the user or update last seen (and the language when given); clears blocked."""
        statement = upsert_insert(self._sessions.dialect, UserRow).values(
            id=user_id, first_seen=at, last_seen=at, language_code=language_code
        )
        statement = statement.on_conflict_do_update(
            index_elements=[UserRow.id],
            set_={
                UserRow.last_seen: statement.excluded.last_seen,
                UserRow.language_code: func.coalesce(
                    statement.excluded.language_code, UserRow.language_code
                ),
                UserRow.blocked_at: None,
            },
        )
        async with self._sessions.writing() as session:
            await session.execute(statement)

    async def settings(self, user_id: int) -> UserSettings | None:
        """The user's settings, or None for a user never stored."""
        async with self._sessions.reading() as session:
            row = await session.get(UserRow, user_id)
            return None if row is None else _settings_of(row)

    async def changed_settings(self) -> dict[int, UserSettings]:
        """Every user whose settings differ from the defaults."""
        defaults = UserSettings()
        query = select(UserRow.id, UserRow.units, UserRow.recall_alerts, UserRow.language).where(
            or_(
                UserRow.units.is_not(None),
                UserRow.recall_alerts.is_not(defaults.recall_alerts),
                UserRow.language.is_not(None),
            )
        )
        async with self._sessions.reading() as session:
            rows = (await session.execute(query)).all()
        return {
            user_id: UserSettings(units=_units(units), recall_alerts=alerts, language=language)
            for user_id, units, alerts, language in rows
        }

    async def update_settings(
        self,
        user_id: int,
        at: datetime,
        *,
        units: Units | None = None,
        recall_alerts: bool | None = None,
    ) -> UserSettings:
        """Change the given settings (creating the user if needed) and return them all."""
        changes: dict[str, object] = {}
        if units is not None:
            changes["units"] = units
        if recall_alerts is not None:
            changes["recall_alerts"] = recall_alerts
        return await self._write_settings(user_id, at, changes)

    async def set_language(self, user_id: int, at: datetime, language: str | None) -> UserSettings:
        """Pick the language (None: follow Telegram's), creating the user if needed."""
        return await self._write_settings(user_id, at, {"language": language})

    async def _write_settings(
        self, user_id: int, at: datetime, changes: dict[str, object]
    ) -> UserSettings:
        """One upsert that creates the user if needed, changes the given columns and returns
        the settings (no read before or after it)."""
        new = upsert_insert(self._sessions.dialect, _USER_TABLE).values(
            id=user_id, first_seen=at, last_seen=at, **changes
        )
        statement = new.on_conflict_do_update(
            index_elements=[_USER_TABLE.c.id],
            # With nothing to change the row is still "updated" to itself, so it is returned.
            set_={name: new.excluded[name] for name in changes} or {"id": new.excluded.id},
        ).returning(_USER_TABLE.c.units, _USER_TABLE.c.recall_alerts, _USER_TABLE.c.language)
        async with self._sessions.writing() as session:
            units, recall_alerts, language = (await session.execute(statement)).one()
        return UserSettings(units=_units(units), recall_alerts=recall_alerts, language=language)

    async def language_code(self, user_id: int) -> str | None:
        """The language_code Telegram last sent for the user, None when unknown."""
        async with self._sessions.reading() as session:
            code: str | None = await session.scalar(
                select(UserRow.language_code).where(UserRow.id == user_id)
            )
            return code

    async def mark_blocked(self, user_id: int, at: datetime) -> None:
        """Remember that the user blocked the bot (no alerts until they write again)."""
        async with self._sessions.writing() as session:
            await session.execute(
                update(UserRow).where(UserRow.id == user_id).values(blocked_at=at)
            )


class SqlLookupRepository:
    """LookupRepository on SQLite or PostgreSQL: one row per user and VIN, at most
    `max_per_user` per user (0: no cap), the newest kept."""

    def __init__(self, sessions: SessionFactory, *, max_per_user: int = 0) -> None:
        if max_per_user < 0:
            raise ValueError("max_per_user must be 0 (no cap) or positive")
        self._sessions = sessions
        self._max_per_user = max_per_user

    async def add_many(self, lookups: Sequence[NewLookup]) -> list[int]:
        """Store lookups in one transaction and return their row ids, in order: a VIN the user
        looked up before moves to the top (its row is updated), and each user in the batch is
        trimmed to the newest `max_per_user` rows."""
        if not lookups:
            return []
        first_seen: dict[int, datetime] = {}
        # Within a batch the last lookup of a user and VIN wins (the queue keeps their order).
        latest: dict[tuple[int, str], NewLookup] = {}
        for lookup in lookups:
            seen = first_seen.get(lookup.user_id)
            if seen is None or lookup.looked_up_at < seen:
                first_seen[lookup.user_id] = lookup.looked_up_at
            latest.pop((lookup.user_id, lookup.vin), None)
            latest[(lookup.user_id, lookup.vin)] = lookup
        # A few executemany statements on the table (not the ORM unit of work): a batch of a
        # hundred lookups costs a few round trips to the driver's thread, not a hundred.
        users = [
            {"id": user_id, "first_seen": at, "last_seen": at}
            for user_id, at in sorted(first_seen.items())
        ]
        rows = [
            {
                "user_id": lookup.user_id,
                "vin": lookup.vin,
                "provider": lookup.provider,
                "looked_up_at": lookup.looked_up_at,
                "year": lookup.year,
                "make": lookup.make,
                "model": lookup.model,
            }
            for lookup in latest.values()
        ]
        async with self._sessions.writing() as session:
            dialect = self._sessions.dialect
            await session.execute(ensure_users(dialect), users)
            ids = await session.execute(_upsert_lookups(dialect), rows)
            row_ids = {key: row[0] for key, row in zip(latest, ids.all(), strict=True)}
            if self._max_per_user:
                await session.execute(
                    _trim_lookups(self._max_per_user), [{"user": u} for u in first_seen]
                )
        return [row_ids[(lookup.user_id, lookup.vin)] for lookup in lookups]

    async def recent(self, user_id: int, limit: int) -> list[LookupRecord]:
        """The user's latest lookups, newest first."""
        statement = (
            select(LookupRow)
            .where(LookupRow.user_id == user_id)
            .order_by(LookupRow.looked_up_at.desc(), LookupRow.id.desc())
            .limit(limit)
        )
        async with self._sessions.reading() as session:
            return [_lookup_record(row) for row in await session.scalars(statement)]

    async def delete_older_than(self, cutoff: datetime) -> int:
        """Delete lookups made before cutoff; returns how many."""
        statement = delete(LookupRow).where(LookupRow.looked_up_at < cutoff).returning(LookupRow.id)
        async with self._sessions.writing() as session:
            return len((await session.scalars(statement)).all())


class SqlGarageRepository:
    """GarageRepository on SQLite or PostgreSQL."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def add(
        self, user_id: int, vin: str, nickname: str | None, at: datetime, limit: int
    ) -> GarageEntry | GarageRefusal:
        """Save a VIN unless it is already saved ("duplicate") or limit is reached ("full")."""
        # SQLite holds the write lock from BEGIN; PostgreSQL locks the user's row (FOR UPDATE,
        # which SQLite leaves out): either way two adds' counts and inserts cannot interleave.
        async with self._sessions.writing() as session:
            await session.execute(_ensure_user(self._sessions.dialect, user_id, at))
            await session.execute(select(UserRow.id).where(UserRow.id == user_id).with_for_update())
            if await self._find(session, user_id, vin) is not None:
                return "duplicate"
            saved = await session.scalar(
                select(func.count()).select_from(GarageRow).where(GarageRow.user_id == user_id)
            )
            if (saved or 0) >= limit:
                return "full"
            row = GarageRow(user_id=user_id, vin=vin, nickname=nickname, added_at=at)
            session.add(row)
            await session.flush()
            return _garage_entry(row)

    async def entries(self, user_id: int) -> list[GarageEntry]:
        """The user's saved vehicles, oldest first."""
        statement = (
            select(GarageRow)
            .where(GarageRow.user_id == user_id)
            .order_by(GarageRow.added_at, GarageRow.id)
        )
        async with self._sessions.reading() as session:
            return [_garage_entry(row) for row in await session.scalars(statement)]

    async def rename(self, user_id: int, vin: str, nickname: str | None) -> GarageEntry | None:
        """Set the nickname; None when the VIN is not in the user's garage."""
        async with self._sessions.writing() as session:
            row = await self._find(session, user_id, vin)
            if row is None:
                return None
            row.nickname = nickname
            await session.flush()
            return _garage_entry(row)

    async def remove(self, user_id: int, vin: str) -> bool:
        """Remove a saved VIN; False when it was not there."""
        statement = (
            delete(GarageRow)
            .where(GarageRow.user_id == user_id, GarageRow.vin == vin)
            .returning(GarageRow.id)
        )
        async with self._sessions.writing() as session:
            return (await session.scalar(statement)) is not None

    @staticmethod
    async def _find(session: AsyncSession, user_id: int, vin: str) -> GarageRow | None:
        return await session.scalar(
            select(GarageRow).where(GarageRow.user_id == user_id, GarageRow.vin == vin)
        )


class SqlUsageRepository:
    """UsageRepository on SQLite or PostgreSQL."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions
        # Group commit pays where every write of the process queues for one file's lock. On
        # PostgreSQL, where instances reserve side by side under row locks, a reservation
        # keeps the one-transaction form it had until batching there has had a soak run (a
        # hang first blamed on it was PaidCallGate.flush spinning on finished tasks).
        self._batches: GroupCommit[ReservationRequest, UsageReserved] | None = (
            GroupCommit(
                sessions,
                lambda session, requests: reserve_all(session, sessions.dialect, requests),
                abandoned=self._release_abandoned,
            )
            if sessions.dialect == "sqlite"
            else None
        )

    async def reserve(
        self,
        user_id: int,
        *,
        day: date,
        month: str,
        daily_limit: int,
        monthly_limit: int,
        at: datetime,
        calls: int = 1,
    ) -> UsageReserved:
        """Count `calls` paid calls for the user's day and the bot's month, in one transaction,
        if all of them fit under both limits (0: none); else nothing is counted.

        On SQLite, reservations made while others wait for the write gate share their
        transaction (usage_reservations.py: each is still all or nothing, counted in arrival
        order); on PostgreSQL each stays its own transaction.
        """
        if calls < 1:
            raise ValueError(f"a reservation is of 1 call or more, not {calls}")
        request = ReservationRequest(user_id, day, month, daily_limit, monthly_limit, at, calls)
        refused = refused_at_once(request)
        if refused is not None:
            return refused
        if self._batches is not None:
            return await self._batches.submit(request)
        async with self._sessions.writing() as session:
            (outcome,) = await reserve_all(session, self._sessions.dialect, [request])
        return outcome

    async def _release_abandoned(
        self, reserved: Sequence[tuple[ReservationRequest, UsageReserved]]
    ) -> None:
        """Give back what was counted for callers cancelled while their batch was written."""
        for request, outcome in reserved:
            if outcome.refused is None:
                await self.release(
                    request.user_id, day=request.day, month=request.month, calls=request.calls
                )

    async def release(self, user_id: int, *, day: date, month: str, calls: int = 1) -> None:
        """Take back `calls` calls counted by reserve() (they were not made)."""
        async with self._sessions.writing() as session:
            await session.execute(
                update(MonthlyUsageRow)
                .where(MonthlyUsageRow.month == month, MonthlyUsageRow.paid_calls > 0)
                .values(paid_calls=minus(MonthlyUsageRow.paid_calls, calls))
            )
            await session.execute(
                update(DailyUsageRow)
                .where(
                    DailyUsageRow.user_id == user_id,
                    DailyUsageRow.day == day,
                    DailyUsageRow.paid_calls > 0,
                )
                .values(paid_calls=minus(DailyUsageRow.paid_calls, calls))
            )

    async def claim_cap_reached(self, month: str, *, cap: int, at: datetime) -> int | None:
        """Mark the month's cap reached if its count is at the cap and nobody marked it yet;
        the month's count for the one caller that marked it, else None."""
        statement = (
            update(MonthlyUsageRow)
            .where(
                MonthlyUsageRow.month == month,
                MonthlyUsageRow.paid_calls >= cap,
                MonthlyUsageRow.cap_reached_at.is_(None),
            )
            .values(cap_reached_at=at)
            .returning(MonthlyUsageRow.paid_calls)
        )
        async with self._sessions.writing() as session:
            return (await session.execute(statement)).scalar_one_or_none()

    async def counts(self, user_id: int, *, day: date, month: str) -> UsageCounts:
        """The user's paid calls on day and the bot's in month."""
        async with self._sessions.reading() as session:
            user_today = await session.scalar(
                select(DailyUsageRow.paid_calls).where(
                    DailyUsageRow.user_id == user_id, DailyUsageRow.day == day
                )
            )
            month_total = await session.scalar(
                select(MonthlyUsageRow.paid_calls).where(MonthlyUsageRow.month == month)
            )
        return UsageCounts(user_today=user_today or 0, month_total=month_total or 0)

    async def totals(self, *, day: date, month: str) -> UsageTotals:
        """The bot's paid calls on day and in month, and when the month's cap was reached."""
        async with self._sessions.reading() as session:
            day_total = await session.scalar(
                select(func.coalesce(func.sum(DailyUsageRow.paid_calls), 0)).where(
                    DailyUsageRow.day == day
                )
            )
            row = await session.get(MonthlyUsageRow, month)
        return UsageTotals(
            day_total=day_total or 0,
            month_total=row.paid_calls if row is not None else 0,
            cap_reached_at=row.cap_reached_at if row is not None else None,
        )

    async def delete_forgotten(self, before: date) -> int:
        """Delete the counts of days before `before` whose user was forgotten; how many rows."""
        statement = (
            delete(DailyUsageRow)
            .where(DailyUsageRow.day < before, DailyUsageRow.user_id.not_in(select(UserRow.id)))
            .returning(DailyUsageRow.user_id)
        )
        async with self._sessions.writing() as session:
            return len((await session.execute(statement)).all())


class SqlUserDataRepository:
    """UserDataRepository on SQLite or PostgreSQL: every table holding a user id is listed here."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def collect(self, user_id: int, *, with_lookups: bool = True) -> UserData:
        """Every row about the user (lookups only when asked), read in one transaction."""
        async with self._sessions.reading() as session:
            user = await session.get(UserRow, user_id)
            lookups = (
                await session.scalars(
                    select(LookupRow)
                    .where(LookupRow.user_id == user_id)
                    .order_by(LookupRow.looked_up_at, LookupRow.id)
                )
                if with_lookups
                else ()
            )
            garage = await session.scalars(
                select(GarageRow)
                .where(GarageRow.user_id == user_id)
                .order_by(GarageRow.added_at, GarageRow.id)
            )
            usage = await session.scalars(
                select(DailyUsageRow)
                .where(DailyUsageRow.user_id == user_id)
                .order_by(DailyUsageRow.day)
            )
            notices = await session.scalars(
                select(RecallNotificationRow)
                .where(RecallNotificationRow.user_id == user_id)
                .order_by(
                    RecallNotificationRow.notified_at,
                    RecallNotificationRow.vin,
                    RecallNotificationRow.campaign_id,
                )
            )
            drafts = await session.scalars(
                select(ValueDraftRow)
                .where(ValueDraftRow.user_id == user_id)
                .order_by(ValueDraftRow.updated_at, ValueDraftRow.chat_id)
            )
            profile = (
                None
                if user is None
                else UserProfile(
                    user_id=user.id,
                    first_seen=user.first_seen,
                    last_seen=user.last_seen,
                    language_code=user.language_code,
                    settings=_settings_of(user),
                    blocked_at=user.blocked_at,
                )
            )
            return UserData(
                user_id=user_id,
                profile=profile,
                lookups=tuple(_lookup_record(row) for row in lookups),
                garage=tuple(_garage_entry(row) for row in garage),
                usage=tuple(DailyUsage(day=row.day, paid_calls=row.paid_calls) for row in usage),
                recall_notifications=tuple(
                    RecallNotification(
                        vin=row.vin, campaign_id=row.campaign_id, notified_at=row.notified_at
                    )
                    for row in notices
                ),
                value_drafts=tuple(value_draft_of(row) for row in drafts),
            )

    async def count_lookups(self, user_id: int) -> int:
        """How many lookups the user has stored."""
        async with self._sessions.reading() as session:
            count = await session.scalar(
                select(func.count()).select_from(LookupRow).where(LookupRow.user_id == user_id)
            )
        return count or 0

    async def lookup_page(
        self, user_id: int, *, after: LookupRecord | None, limit: int
    ) -> list[LookupRecord]:
        """Up to limit of the user's lookups, newest first, starting after the given one."""
        # Plain columns, not ORM objects: a page is turned into records cheaply on the loop.
        statement = (
            select(*_LOOKUP_TABLE.c)
            .where(_LOOKUP_TABLE.c.user_id == user_id)
            .order_by(_LOOKUP_TABLE.c.looked_up_at.desc(), _LOOKUP_TABLE.c.id.desc())
            .limit(limit)
        )
        if after is not None:
            statement = statement.where(
                or_(
                    _LOOKUP_TABLE.c.looked_up_at < after.looked_up_at,
                    (_LOOKUP_TABLE.c.looked_up_at == after.looked_up_at)
                    & (_LOOKUP_TABLE.c.id < after.id),
                )
            )
        async with self._sessions.reading() as session:
            rows = (await session.execute(statement)).all()
        return [LookupRecord(**row._asdict()) for row in rows]

    async def delete_all(self, user_id: int, *, keep_usage_from: date) -> int:
        """Delete every row about the user in one transaction, except the paid-call counts of
        keep_usage_from (today, UTC) and later; returns how many rows."""
        # Explicit deletes rather than trusting ON DELETE CASCADE alone, so a table added
        # without a foreign key still has to be listed here (and the forget test catches it).
        # Today's paid-call count stays (usage_daily has no foreign key) so the daily quota
        # still holds; delete_forgotten() removes it once its day is over.
        statements = (
            delete(LookupRow).where(LookupRow.user_id == user_id).returning(LookupRow.id),
            delete(GarageRow).where(GarageRow.user_id == user_id).returning(GarageRow.id),
            delete(DailyUsageRow)
            .where(DailyUsageRow.user_id == user_id, DailyUsageRow.day < keep_usage_from)
            .returning(DailyUsageRow.user_id),
            delete(RecallNotificationRow)
            .where(RecallNotificationRow.user_id == user_id)
            .returning(RecallNotificationRow.user_id),
            # The flood guard's counts of the last minutes (PostgreSQL without Upstash).
            delete(FloodCountRow)
            .where(FloodCountRow.user_id == user_id)
            .returning(FloodCountRow.user_id),
            delete(ValueDraftRow)
            .where(ValueDraftRow.user_id == user_id)
            .returning(ValueDraftRow.user_id),
            delete(UserRow).where(UserRow.id == user_id).returning(UserRow.id),
        )
        deleted = 0
        async with self._sessions.writing() as session:
            for statement in statements:
                deleted += len((await session.execute(statement)).all())
        return deleted
