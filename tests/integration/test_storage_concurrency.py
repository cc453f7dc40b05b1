"""Load: many users writing at once through two engines on one file, and nothing is lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from vinbot.models.records import NewLookup
from vinbot.services.garage import GarageService
from vinbot.services.quota import QuotaService
from vinbot.services.settings import UserSettingsService
from vinbot.storage.repositories import (
    SqlGarageRepository,
    SqlLookupRepository,
    SqlUsageRepository,
    SqlUserRepository,
)

from .storage_support import VIN, opened, scalar


async def test_200_concurrent_lookups_from_50_users_all_land(database_url: str) -> None:
    """200 lookups, paid calls and touches from 50 users at once: every write commits."""
    url = database_url
    now = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
    async with opened(url) as first, opened(url) as second:
        engines = (first, second)

        async def one_lookup(n: int) -> None:
            database = engines[n % 2]
            user_id = n % 50 + 1
            await UserSettingsService(SqlUserRepository(database.sessions)).touch_user(user_id)
            await SqlLookupRepository(database.sessions).add_many(
                [
                    NewLookup(
                        user_id=user_id,
                        vin=f"{VIN[:-3]}{n:03d}",
                        provider="carsxe",
                        looked_up_at=now,
                    )
                ]
            )
            quota = QuotaService(
                SqlUsageRepository(database.sessions),
                daily_lookups_per_user=0,
                monthly_paid_calls=0,
            )
            _, slot = await quota.reserve(user_id, is_admin=False)
            assert slot is not None
            if n < 50:
                await GarageService(SqlGarageRepository(database.sessions)).add(user_id, VIN)

        await asyncio.gather(*(one_lookup(n) for n in range(200)))

    assert await scalar(url, "SELECT count(*) FROM lookups") == 200
    assert await scalar(url, "SELECT count(*) FROM users") == 50
    assert await scalar(url, "SELECT sum(paid_calls) FROM usage_daily") == 200
    assert await scalar(url, "SELECT max(paid_calls) FROM usage_daily") == 4
    assert await scalar(url, "SELECT paid_calls FROM usage_monthly") == 200
    assert await scalar(url, "SELECT count(*) FROM garage") == 50
