"""Privacy: /export holds everything stored about a user, /forget leaves no row with their id."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from vinbot.services.garage import GarageService
from vinbot.services.history import HistoryRecorder
from vinbot.services.paid_calls import PaidCallGate
from vinbot.services.privacy import PrivacyService
from vinbot.services.quota import QuotaService
from vinbot.services.retention import RetentionService
from vinbot.services.settings import UserSettingsService
from vinbot.services.value_drafts import ValueDraftService
from vinbot.storage.repositories import (
    SqlGarageRepository,
    SqlLookupRepository,
    SqlUsageRepository,
    SqlUserDataRepository,
    SqlUserRepository,
)
from vinbot.storage.value_draft_repository import SqlValueDraftRepository

from .storage_support import OTHER_VIN, VIN, FakeClock, opened, rows_mentioning_user

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from vinbot.storage.engine import Database

USER = 4242
OTHER_USER = 777
GROUP = -100123


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with opened(database_url) as database:
        yield database


async def _use_everything(database: Database, clock: FakeClock, user_id: int) -> HistoryRecorder:
    """Store a row of every kind for user_id; returns the recorder (still open)."""
    sessions = database.sessions
    settings = UserSettingsService(SqlUserRepository(sessions), now=clock)
    await settings.touch_user(user_id, "de")
    await settings.set_units(user_id, "imperial")
    await settings.set_recall_alerts(user_id, enabled=False)
    await settings.set_language(user_id, "uk")
    recorder = HistoryRecorder(SqlLookupRepository(sessions), now=clock)
    recorder.record(user_id, VIN, "carsxe", year=2003, make="HONDA", model="Accord")
    recorder.record(user_id, OTHER_VIN, "nhtsa", year=2013, make="FORD", model="F-150")
    await recorder.flush()
    await GarageService(SqlGarageRepository(sessions), now=clock).add(user_id, VIN, "Blue")
    quota = QuotaService(
        SqlUsageRepository(sessions), daily_lookups_per_user=5, monthly_paid_calls=0, now=clock
    )
    _, slot = await quota.reserve(user_id, is_admin=False)  # a paid call made
    assert slot is not None
    drafts = ValueDraftService(SqlValueDraftRepository(sessions), now=clock)
    await drafts.answered_mileage(await drafts.start(user_id, GROUP, VIN), 85_000)
    return recorder


async def test_export_contains_everything_stored_about_the_user(database: Database) -> None:
    """The export is JSON-serialisable and holds profile, settings, lookups (newest first),
    garage, usage and /value drafts."""
    clock = FakeClock(datetime(2025, 3, 14, 12, 0, tzinfo=UTC))
    recorder = await _use_everything(database, clock, USER)
    await (await _use_everything(database, clock, OTHER_USER)).aclose()
    privacy = PrivacyService(
        SqlUserDataRepository(database.sessions), pending=[recorder], now=clock
    )
    document = await privacy.export_user(USER)
    await recorder.aclose()

    assert json.loads(json.dumps(document)) == document
    noon = "2025-03-14T12:00:00+00:00"
    assert document == {
        "user_id": USER,
        "exported_at": noon,
        "profile": {
            "first_seen": noon,
            "last_seen": noon,
            "language_code": "de",
            "blocked_at": None,
        },
        "settings": {"language": "uk", "units": "imperial", "recall_alerts": False},
        "lookups": [  # newest first; the same time: the later row first
            {
                "vin": OTHER_VIN,
                "provider": "nhtsa",
                "looked_up_at": noon,
                "year": 2013,
                "make": "FORD",
                "model": "F-150",
            },
            {
                "vin": VIN,
                "provider": "carsxe",
                "looked_up_at": noon,
                "year": 2003,
                "make": "HONDA",
                "model": "Accord",
            },
        ],
        "lookups_omitted": 0,
        "garage": [{"vin": VIN, "nickname": "Blue", "added_at": noon}],
        "usage": [{"day": "2025-03-14", "paid_calls": 1}],
        "recall_notifications": [],
        "value_drafts": [
            {
                "chat_id": GROUP,
                "vin": VIN,
                "step": "state",
                "mileage": 85_000,
                "state": None,
                "updated_at": noon,
                "expires_at": "2025-03-14T12:05:00+00:00",
            }
        ],
    }


async def test_export_of_an_unknown_user_is_empty(database: Database) -> None:
    """A user we never stored gets a document that says so, not an error."""
    document = await PrivacyService(SqlUserDataRepository(database.sessions)).export_user(1)
    assert (document["profile"], document["lookups"], document["garage"]) == (None, [], [])


async def test_forget_leaves_no_row_with_the_users_id(
    database: Database, database_url: str
) -> None:
    """After /forget no table holds the user's id; other users' rows are untouched."""
    clock = FakeClock()
    recorder = await _use_everything(database, clock, USER)
    other = await _use_everything(database, clock, OTHER_USER)
    await other.aclose()
    url = database_url
    assert set(await rows_mentioning_user(url, USER)) == {
        "users.id",
        "lookups.user_id",
        "garage.user_id",
        "usage_daily.user_id",
        "value_drafts.user_id",
    }
    before_other = await rows_mentioning_user(url, OTHER_USER)

    recorder.record(USER, "JHMCM56557C404453", "nhtsa")  # still queued when /forget arrives
    privacy = PrivacyService(SqlUserDataRepository(database.sessions), pending=[recorder])
    deleted = await privacy.forget_user(USER)
    await recorder.aclose()

    assert await rows_mentioning_user(url, USER) == {}
    assert deleted == 1 + 3 + 1 + 1 + 1
    assert await rows_mentioning_user(url, OTHER_USER) == before_other
    assert (await privacy.export_user(USER))["profile"] is None


async def test_forget_waits_for_paid_calls_still_queued(
    database: Database, database_url: str
) -> None:
    """A paid call counted just before /forget is written first, then deleted with the rest."""
    clock = FakeClock()
    quota = QuotaService(
        SqlUsageRepository(database.sessions),
        daily_lookups_per_user=5,
        monthly_paid_calls=0,
        now=clock,
    )
    gate = PaidCallGate(quota, counter=_NoMetrics(), alerts=_NoAlerts())
    _, reservation = await gate.reserve(USER, is_admin=False)
    assert reservation is not None
    reservation.settle(paid=True)
    privacy = PrivacyService(SqlUserDataRepository(database.sessions), pending=[gate])

    await privacy.forget_user(USER)
    await gate.aclose()

    assert await rows_mentioning_user(database_url, USER) == {}


class _NoMetrics:
    def paid_call(self) -> None:
        """Nothing to count here."""


class _NoAlerts:
    async def spend_cap_reached(self, event: object) -> None:
        """Nobody to tell here."""


async def test_forget_keeps_only_todays_count_until_the_day_ends(
    database: Database, database_url: str
) -> None:
    """/forget keeps just today's paid-call count (the quota still refuses), and the daily
    clean-up deletes it once the day is over, leaving other users' counts alone."""
    url = database_url
    clock = FakeClock(datetime(2025, 3, 13, 12, 0, tzinfo=UTC))
    usage = SqlUsageRepository(database.sessions)
    yesterday = QuotaService(usage, daily_lookups_per_user=1, monthly_paid_calls=0, now=clock)
    for user_id in (USER, OTHER_USER):
        _, slot = await yesterday.reserve(user_id, is_admin=False)
        assert slot is not None
    clock.advance(days=1)
    recorder = await _use_everything(database, clock, USER)
    await recorder.aclose()
    privacy = PrivacyService(SqlUserDataRepository(database.sessions), now=clock)
    retention = RetentionService(SqlLookupRepository(database.sessions), usage=usage, now=clock)

    await privacy.forget_user(USER)
    assert await rows_mentioning_user(url, USER) == {"usage_daily.user_id": 1}
    assert await retention.prune_forgotten_usage() == 0
    fresh = QuotaService(usage, daily_lookups_per_user=1, monthly_paid_calls=0, now=clock)
    assert (await fresh.reserve(USER, is_admin=False))[0].reason == "user_daily"

    clock.advance(days=1)
    assert await retention.prune_forgotten_usage() == 1
    assert await rows_mentioning_user(url, USER) == {}
    assert await rows_mentioning_user(url, OTHER_USER) == {"users.id": 1, "usage_daily.user_id": 1}
