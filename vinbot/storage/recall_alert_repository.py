"""What the recall-alert job stores: known campaigns per VIN, check times, who was told what."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete, select, update

from vinbot.storage.dialects import upsert_insert
from vinbot.storage.tables import (
    GarageRow,
    KnownRecallRow,
    RecallCheckRow,
    RecallNotificationRow,
    UserRow,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from vinbot.storage.engine import SessionFactory


@dataclass(frozen=True, slots=True)
class RecallSubscriber:
    """A user with the VIN in their garage, recall alerts on and not blocked."""

    user_id: int
    nickname: str | None
    added_at: datetime  # when they saved the car: campaigns known before are old to them
    language_code: str | None = None  # Telegram's, as last seen: the alert's language


@dataclass(frozen=True, slots=True)
class KnownCampaign:
    """A campaign already stored for a VIN; baseline ones were there at its first check."""

    campaign_id: str
    first_seen: datetime
    baseline: bool


@dataclass(frozen=True, slots=True)
class CheckRecorded:
    """The outcome of storing one check: the campaigns it added and whether it was the first."""

    new_campaigns: frozenset[str]
    first_check: bool


@dataclass(frozen=True, slots=True)
class VinAlertState:
    """Everything needed to decide who hears about which campaign of one VIN."""

    subscribers: tuple[RecallSubscriber, ...]
    known: tuple[KnownCampaign, ...]
    notified: frozenset[tuple[int, str]]  # (user_id, campaign_id)


class RecallAlertRepository(Protocol):
    """Storage for the recall-alert job; every call is one transaction."""

    async def vins_due(self, *, checked_before: datetime, limit: int) -> list[str]:
        """Garage VINs with a subscriber, never checked or last checked before the given time.

        Never-checked VINs come first, then the longest unchecked, so a capped run rotates.
        """
        ...

    async def record_check(
        self, vin: str, campaign_ids: Iterable[str], at: datetime
    ) -> CheckRecorded:
        """Store the check time and the campaigns not known yet (baseline on the first check)."""
        ...

    async def alert_state(self, vin: str) -> VinAlertState:
        """The VIN's subscribers, known campaigns and the notifications already sent for it."""
        ...

    async def record_notification(
        self, user_id: int, vin: str, campaign_id: str, at: datetime
    ) -> bool:
        """Claim the message for the user (one atomic insert); False when it was already claimed."""
        ...

    async def forget_notification(self, user_id: int, vin: str, campaign_id: str) -> None:
        """Give a claim back (the send failed): the next check tries again."""
        ...

    async def was_notified(self, user_id: int, vin: str, campaign_id: str) -> bool:
        """Whether the user was already told about this campaign for this VIN."""
        ...


class SqlRecallAlertRepository:
    """RecallAlertRepository on SQLite or PostgreSQL."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def vins_due(self, *, checked_before: datetime, limit: int) -> list[str]:
        """Garage VINs with a subscriber, never checked or last checked before the given time.

        Never-checked VINs come first, then the longest unchecked, so a capped run rotates.
        """
        last_checked = RecallCheckRow.last_checked_at
        statement = (
            select(GarageRow.vin)
            .join(UserRow, UserRow.id == GarageRow.user_id)
            .outerjoin(RecallCheckRow, RecallCheckRow.vin == GarageRow.vin)
            .where(
                UserRow.recall_alerts.is_(True),
                UserRow.blocked_at.is_(None),
                (last_checked.is_(None)) | (last_checked < checked_before),
            )
            .group_by(GarageRow.vin, last_checked)
            .order_by(last_checked.is_not(None), last_checked, GarageRow.vin)
            .limit(limit)
        )
        async with self._sessions.reading() as session:
            return list(await session.scalars(statement))

    async def record_check(
        self, vin: str, campaign_ids: Iterable[str], at: datetime
    ) -> CheckRecorded:
        """Store the check time and the campaigns not known yet (baseline on the first check)."""
        dialect = self._sessions.dialect
        # Both inserts are ON CONFLICT DO NOTHING: two instances checking one VIN at once do not
        # fail, and only the first to insert a row counts it as the first check or a new campaign
        # (PostgreSQL makes the second wait on the unique index until the first commits).
        first = (
            upsert_insert(dialect, RecallCheckRow)
            .values(vin=vin, first_checked_at=at, last_checked_at=at)
            .on_conflict_do_nothing()
            .returning(RecallCheckRow.vin)
        )
        async with self._sessions.writing() as session:
            first_check = (await session.execute(first)).first() is not None
            if not first_check:
                await session.execute(
                    update(RecallCheckRow)
                    .where(RecallCheckRow.vin == vin)
                    .values(last_checked_at=at)
                )
            new: set[str] = set()
            for campaign_id in sorted(frozenset(campaign_ids)):
                inserted = await session.execute(
                    upsert_insert(dialect, KnownRecallRow)
                    .values(vin=vin, campaign_id=campaign_id, first_seen=at, baseline=first_check)
                    .on_conflict_do_nothing()
                    .returning(KnownRecallRow.campaign_id)
                )
                if inserted.first() is not None:
                    new.add(campaign_id)
        return CheckRecorded(new_campaigns=frozenset(new), first_check=first_check)

    async def alert_state(self, vin: str) -> VinAlertState:
        """The VIN's subscribers, known campaigns and the notifications already sent for it."""
        subscribers = (
            select(GarageRow.user_id, GarageRow.nickname, GarageRow.added_at, UserRow.language_code)
            .join(UserRow, UserRow.id == GarageRow.user_id)
            .where(
                GarageRow.vin == vin,
                UserRow.recall_alerts.is_(True),
                UserRow.blocked_at.is_(None),
            )
            .order_by(GarageRow.user_id)
        )
        known = (
            select(KnownRecallRow)
            .where(KnownRecallRow.vin == vin)
            .order_by(KnownRecallRow.first_seen, KnownRecallRow.campaign_id)
        )
        notified = select(RecallNotificationRow.user_id, RecallNotificationRow.campaign_id).where(
            RecallNotificationRow.vin == vin
        )
        async with self._sessions.reading() as session:
            subscriber_rows = (await session.execute(subscribers)).all()
            known_rows = (await session.scalars(known)).all()
            notified_rows = (await session.execute(notified)).all()
        return VinAlertState(
            subscribers=tuple(
                RecallSubscriber(
                    user_id=user_id,
                    nickname=nickname,
                    added_at=added_at,
                    language_code=language_code,
                )
                for user_id, nickname, added_at, language_code in subscriber_rows
            ),
            known=tuple(
                KnownCampaign(
                    campaign_id=row.campaign_id, first_seen=row.first_seen, baseline=row.baseline
                )
                for row in known_rows
            ),
            notified=frozenset((user_id, campaign_id) for user_id, campaign_id in notified_rows),
        )

    async def record_notification(
        self, user_id: int, vin: str, campaign_id: str, at: datetime
    ) -> bool:
        """Claim the message for the user (one atomic insert); False when it was already claimed.

        INSERT ... ON CONFLICT DO NOTHING RETURNING: of two instances claiming at once, exactly
        one gets the row back (PostgreSQL makes the second wait on the unique index).
        """
        statement = (
            upsert_insert(self._sessions.dialect, RecallNotificationRow)
            .values(user_id=user_id, vin=vin, campaign_id=campaign_id, notified_at=at)
            .on_conflict_do_nothing()
            .returning(RecallNotificationRow.user_id)
        )
        async with self._sessions.writing() as session:
            # A user who sent /forget while their alert was on its way must not come back.
            if await session.get(UserRow, user_id) is None:
                return False
            return (await session.execute(statement)).first() is not None

    async def forget_notification(self, user_id: int, vin: str, campaign_id: str) -> None:
        """Give a claim back (the send failed): the next check tries again."""
        async with self._sessions.writing() as session:
            await session.execute(
                delete(RecallNotificationRow).where(
                    RecallNotificationRow.user_id == user_id,
                    RecallNotificationRow.vin == vin,
                    RecallNotificationRow.campaign_id == campaign_id,
                )
            )

    async def was_notified(self, user_id: int, vin: str, campaign_id: str) -> bool:
        """Whether the user was already told about this campaign for this VIN."""
        async with self._sessions.reading() as session:
            row = await session.get(RecallNotificationRow, (user_id, vin, campaign_id))
            return row is not None
