"""Revision 0006: the picked language and optional units, up and down on SQLite."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING

from vinbot.models.records import UserSettings
from vinbot.services.settings import UserSettingsService
from vinbot.storage.migrate import current_revision, migrate
from vinbot.storage.repositories import SqlUserRepository

from .migration_support import downgrade
from .storage_support import opened, scalar, sqlite_url

if TYPE_CHECKING:
    from pathlib import Path


def _fill_revision_0005(path: Path) -> None:
    """Users as revision 0005 held them: one on the old default, one who picked imperial."""
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript(
            """
            INSERT INTO users (id, first_seen, last_seen, language_code, units, recall_alerts)
            VALUES (1, '2025-01-01 08:00:00.000000', '2025-01-02 09:00:00.000000', 'en',
                    'metric', 1),
                   (2, '2025-01-01 08:00:00.000000', '2025-01-02 09:00:00.000000', 'ru',
                    'imperial', 0);
            """
        )
        connection.commit()


async def test_0006_keeps_only_picked_units_and_adds_the_language(tmp_path: Path) -> None:
    """The old default "metric" becomes not picked, "imperial" stays, and no language is set."""
    path = tmp_path / "v.db"
    url = sqlite_url(path)
    await migrate(url, "0005")
    _fill_revision_0005(path)
    await migrate(url, "0006")

    assert await scalar(url, "SELECT units FROM users WHERE id = 1") is None
    assert await scalar(url, "SELECT units FROM users WHERE id = 2") == "imperial"
    assert await scalar(url, "SELECT count(*) FROM users WHERE language IS NOT NULL") == 0
    async with opened(url) as database:
        settings = UserSettingsService(SqlUserRepository(database.sessions))
        await settings.load()
        assert await settings.get(1) == UserSettings()
        assert await settings.get(2) == UserSettings(units="imperial", recall_alerts=False)
        await settings.set_language(1, "uk")
    assert await scalar(url, "SELECT language FROM users WHERE id = 1") == "uk"


async def test_0006_downgrades_to_metric_for_those_who_never_picked(tmp_path: Path) -> None:
    """Going back to 0005 writes the old default where no units were picked and drops the
    language column; upgrading again gives the same rows."""
    path = tmp_path / "v.db"
    url = sqlite_url(path)
    await migrate(url, "0005")
    _fill_revision_0005(path)
    await migrate(url, "0006")

    await downgrade(url, "0005")

    assert await current_revision(url) == "0005"
    assert await scalar(url, "SELECT units FROM users WHERE id = 1") == "metric"
    assert await scalar(url, "SELECT units FROM users WHERE id = 2") == "imperial"
    with closing(sqlite3.connect(path)) as connection:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(users)")}
    assert "language" not in columns
    await migrate(url)
    assert await scalar(url, "SELECT units FROM users WHERE id = 1") is None
