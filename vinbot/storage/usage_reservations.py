"""Paid-call reservations counted in the database: a batch of them in one transaction.

Each count is a conditional upsert (ON CONFLICT DO UPDATE ... WHERE count + calls <= limit
RETURNING): the row lock makes it atomic across processes, and no row comes back when the limit
refused. The month is counted first, so every writer locks in the same order; a refused day
takes its calls off the month again in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from sqlalchemy import case, update

from vinbot.models.records import UsageReserved
from vinbot.storage.dialects import upsert_insert
from vinbot.storage.tables import DailyUsageRow, MonthlyUsageRow, UserRow

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date, datetime

    from sqlalchemy import ColumnElement, Table
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import InstrumentedAttribute

    from vinbot.storage.dialects import UpsertInsert


# The mapped table itself: an executemany INSERT of it bypasses the ORM's bulk machinery.
_USER_TABLE = cast("Table", UserRow.__table__)


@dataclass(frozen=True, slots=True)
class ReservationRequest:
    """`calls` paid calls for a user's day and the bot's month, if both limits (0: none) allow."""

    user_id: int
    day: date
    month: str
    daily_limit: int
    monthly_limit: int
    at: datetime
    calls: int


def ensure_users(dialect: str) -> UpsertInsert:
    """The executemany INSERT of bare user rows ({id, first_seen, last_seen} each) unless they
    exist: rows in other tables reference them."""
    return upsert_insert(dialect, _USER_TABLE).on_conflict_do_nothing(
        index_elements=[_USER_TABLE.c.id]
    )


def minus(count: InstrumentedAttribute[int], calls: int) -> ColumnElement[int]:
    """count - calls, never below 0 (a count deleted or reset meanwhile stays at 0)."""
    return case((count > calls, count - calls), else_=0)


def refused_at_once(request: ReservationRequest) -> UsageReserved | None:
    """The refusal of more calls than a limit allows at all, asking nothing (a new row starts
    at `calls`, with no WHERE to stop it); None when the database must decide."""
    if request.monthly_limit and request.calls > request.monthly_limit:
        return UsageReserved(refused="bot_monthly")
    if request.daily_limit and request.calls > request.daily_limit:
        return UsageReserved(refused="user_daily")
    return None


async def reserve_all(
    session: AsyncSession, dialect: str, requests: Sequence[ReservationRequest]
) -> list[UsageReserved]:
    """Count each request that fits, in arrival order, inside the session's write transaction.

    The usual batch (one day and month, the same limits, each user once, room for all of it in
    the month) takes four statements whatever its size; any other is counted one by one.
    """
    outcomes = [refused_at_once(request) for request in requests]
    asked = [
        request for request, outcome in zip(requests, outcomes, strict=True) if outcome is None
    ]
    counted = await _reserve_together(session, dialect, asked) if _alike(asked) else None
    if counted is None:
        counted = [await _reserve_one(session, dialect, request) for request in asked]
    answers = iter(counted)
    return [next(answers) if outcome is None else outcome for outcome in outcomes]


def _alike(requests: Sequence[ReservationRequest]) -> bool:
    if not requests:
        return False
    first = requests[0]
    shared = (first.day, first.month, first.daily_limit, first.monthly_limit)
    return len({request.user_id for request in requests}) == len(requests) and all(
        (request.day, request.month, request.daily_limit, request.monthly_limit) == shared
        for request in requests
    )


async def _reserve_together(
    session: AsyncSession, dialect: str, requests: Sequence[ReservationRequest]
) -> list[UsageReserved] | None:
    """Every request at once, or None (nothing counted) when the month has no room for all."""
    first = requests[0]
    calls = sum(request.calls for request in requests)
    if first.monthly_limit and calls > first.monthly_limit:
        return None
    month_total = await _count_month(session, dialect, first, calls)
    if month_total is None:
        return None
    granted = await _count_days(session, dialect, requests)
    refused_calls = sum(request.calls for request in requests if request.user_id not in granted)
    if refused_calls:
        await _uncount_month(session, first.month, refused_calls)
    await _ensure_users_of(session, dialect, [r for r in requests if r.user_id in granted])
    # Each reservation's month total as if they had been counted one after another.
    running = month_total - calls
    outcomes: list[UsageReserved] = []
    for request in requests:
        if request.user_id in granted:
            running += request.calls
            outcomes.append(UsageReserved(month_total=running))
        else:
            outcomes.append(UsageReserved(refused="user_daily"))
    return outcomes


async def _reserve_one(
    session: AsyncSession, dialect: str, request: ReservationRequest
) -> UsageReserved:
    month_total = await _count_month(session, dialect, request, request.calls)
    if month_total is None:
        return UsageReserved(refused="bot_monthly")
    if not await _count_days(session, dialect, [request]):
        await _uncount_month(session, request.month, request.calls)
        return UsageReserved(refused="user_daily")
    await _ensure_users_of(session, dialect, [request])
    return UsageReserved(month_total=month_total)


async def _count_month(
    session: AsyncSession, dialect: str, request: ReservationRequest, calls: int
) -> int | None:
    """The month's total with `calls` more, or None when its limit refused them."""
    limit = request.monthly_limit
    new_month = upsert_insert(dialect, MonthlyUsageRow).values(
        month=request.month, paid_calls=calls
    )
    statement = new_month.on_conflict_do_update(
        index_elements=[MonthlyUsageRow.month],
        set_={MonthlyUsageRow.paid_calls: MonthlyUsageRow.paid_calls + calls},
        where=MonthlyUsageRow.paid_calls + calls <= limit if limit else None,
    ).returning(MonthlyUsageRow.paid_calls)
    return (await session.execute(statement)).scalar_one_or_none()


async def _count_days(
    session: AsyncSession, dialect: str, requests: Sequence[ReservationRequest]
) -> set[int]:
    """Count each request's calls on its user's day (one day and limit, each user once): the
    users whose daily limit allowed them."""
    first = requests[0]
    limit = first.daily_limit
    new_days = upsert_insert(dialect, DailyUsageRow).values(
        [
            {"user_id": request.user_id, "day": first.day, "paid_calls": request.calls}
            for request in requests
        ]
    )
    after = DailyUsageRow.paid_calls + new_days.excluded.paid_calls
    statement = new_days.on_conflict_do_update(
        index_elements=[DailyUsageRow.user_id, DailyUsageRow.day],
        set_={DailyUsageRow.paid_calls: after},
        where=after <= limit if limit else None,
    ).returning(DailyUsageRow.user_id)
    return set((await session.scalars(statement)).all())


async def _uncount_month(session: AsyncSession, month: str, calls: int) -> None:
    await session.execute(
        update(MonthlyUsageRow)
        .where(MonthlyUsageRow.month == month)
        .values(paid_calls=minus(MonthlyUsageRow.paid_calls, calls))
    )


async def _ensure_users_of(
    session: AsyncSession, dialect: str, requests: Sequence[ReservationRequest]
) -> None:
    # The user row a counted call belongs to (the forgotten users' clean-up keys on it).
    if requests:
        rows = [{"id": r.user_id, "first_seen": r.at, "last_seen": r.at} for r in requests]
        await session.execute(ensure_users(dialect), rows)
