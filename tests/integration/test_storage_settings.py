"""User settings and presence: defaults, units, recall alerts, first/last seen, blocked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from vinbot.models.records import UserSettings
from vinbot.services.settings import UserSettingsService
from vinbot.storage.repositories import SqlUserRepository

from .storage_support import FakeClock, opened, scalar, stored_time

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from vinbot.storage.engine import Database


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with opened(database_url) as database:
        yield database


async def test_a_user_never_seen_has_the_defaults(database: Database, database_url: str) -> None:
    """Reading settings of an unknown user gives no units or language picked and alerts on,
    and stores nothing."""
    settings = UserSettingsService(SqlUserRepository(database.sessions))
    assert await settings.get(5) == UserSettings(units=None, recall_alerts=True, language=None)
    assert await scalar(database_url, "SELECT count(*) FROM users") == 0


async def test_units_and_recall_alerts_are_stored_independently(database: Database) -> None:
    """Changing one setting keeps the other; the values survive a new service."""
    settings = UserSettingsService(SqlUserRepository(database.sessions))
    assert await settings.set_units(5, "imperial") == UserSettings(
        units="imperial", recall_alerts=True
    )
    assert await settings.set_recall_alerts(5, enabled=False) == UserSettings(
        units="imperial", recall_alerts=False
    )
    again = UserSettingsService(SqlUserRepository(database.sessions))
    assert await again.get(5) == UserSettings(units="imperial", recall_alerts=False)
    assert await again.set_units(5, "metric") == UserSettings(units="metric", recall_alerts=False)


async def test_unknown_units_are_refused(database: Database) -> None:
    """Only metric and imperial are units."""
    settings = UserSettingsService(SqlUserRepository(database.sessions))
    with pytest.raises(ValueError, match="metric, imperial"):
        await settings.set_units(5, "furlongs")  # type: ignore[arg-type]


async def test_touch_user_keeps_first_seen_and_moves_last_seen(
    database: Database, database_url: str
) -> None:
    """The first touch sets both times; later ones move last seen and keep a known language."""
    clock = FakeClock(datetime(2025, 3, 1, 8, 0, tzinfo=UTC))
    settings = UserSettingsService(SqlUserRepository(database.sessions), now=clock)
    await settings.touch_user(5, "de")
    clock.advance(days=2)
    await settings.touch_user(5, None)
    url = database_url
    first_seen = await scalar(url, "SELECT first_seen FROM users WHERE id = 5")
    last_seen = await scalar(url, "SELECT last_seen FROM users WHERE id = 5")
    assert stored_time(first_seen) == "2025-03-01 08:00:00.000000"
    assert stored_time(last_seen) == "2025-03-03 08:00:00.000000"
    assert await scalar(url, "SELECT language_code FROM users WHERE id = 5") == "de"
    await settings.touch_user(5, "fr")
    assert await scalar(url, "SELECT language_code FROM users WHERE id = 5") == "fr"


async def test_a_blocked_user_is_unblocked_when_they_write_again(
    database: Database, database_url: str
) -> None:
    """mark_blocked stores when; the next touch_user clears it."""
    clock = FakeClock()
    settings = UserSettingsService(SqlUserRepository(database.sessions), now=clock)
    await settings.touch_user(5, "en")
    await settings.mark_blocked(5)
    url = database_url
    assert await scalar(url, "SELECT blocked_at FROM users WHERE id = 5") is not None
    await settings.touch_user(5, "en")
    assert await scalar(url, "SELECT blocked_at FROM users WHERE id = 5") is None


async def test_changed_settings_are_served_from_memory_after_load(database_url: str) -> None:
    """After load(), reads need no database; changes and forget keep memory and disk agreeing."""
    async with opened(database_url) as database:
        first = UserSettingsService(SqlUserRepository(database.sessions))
        await first.set_units(1, "imperial")
        await first.set_recall_alerts(2, enabled=False)
        second = UserSettingsService(SqlUserRepository(database.sessions))
        await second.load()
        await database.aclose()
        assert (await second.get(1)).units == "imperial"
        assert not (await second.get(2)).recall_alerts
        assert (await second.get(3)).units is None
        second.forget(1)
        assert (await second.get(1)).units is None


async def test_the_language_is_stored_and_cleared(database: Database, database_url: str) -> None:
    """set_language keeps a pick across services and None follows Telegram again."""
    settings = UserSettingsService(SqlUserRepository(database.sessions))
    await settings.load()
    assert (await settings.set_language(5, "pt_BR")).language == "pt_BR"
    again = UserSettingsService(SqlUserRepository(database.sessions))
    await again.load()
    assert await again.get(5) == UserSettings(units=None, recall_alerts=True, language="pt_BR")
    assert await scalar(database_url, "SELECT language FROM users WHERE id = 5") == "pt_BR"
    assert (await again.set_language(5, None)).language is None
    assert await scalar(database_url, "SELECT language FROM users WHERE id = 5") is None
    assert await again.get(5) == UserSettings()


async def test_only_vinbot_languages_can_be_picked(database: Database) -> None:
    """A language vinbot has no catalog for is refused."""
    settings = UserSettingsService(SqlUserRepository(database.sessions))
    with pytest.raises(ValueError, match="language must be one of"):
        await settings.set_language(5, "xx")


async def test_telegram_ids_past_32_bits_are_stored(database: Database) -> None:
    """User ids above 2**31 (Telegram's are up to 52 bits) round-trip on SQLite and PostgreSQL."""
    big = 7_123_456_789
    settings = UserSettingsService(SqlUserRepository(database.sessions))
    await settings.touch_user(big, "en")
    await settings.set_units(big, "imperial")
    assert (await settings.get(big)).units == "imperial"
