"""Alembic migrations on SQLite and PostgreSQL: from empty to head, schema equal to the models,
upgrades keep rows."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from vinbot.services.garage import GarageService
from vinbot.services.history import HistoryRecorder
from vinbot.services.quota import QuotaService
from vinbot.services.settings import UserSettingsService
from vinbot.storage.engine import create_engine_for
from vinbot.storage.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    migrate,
    switch_to_wal,
)
from vinbot.storage.recall_alert_repository import SqlRecallAlertRepository
from vinbot.storage.repositories import (
    SqlGarageRepository,
    SqlLookupRepository,
    SqlUsageRepository,
    SqlUserRepository,
)
from vinbot.storage.tables import Base

from .migration_support import downgrade
from .storage_support import VIN, FakeClock, execute, opened, scalar

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Connection


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


async def test_migrate_from_nothing_reaches_the_head_revision(database_url: str) -> None:
    """A missing file becomes a database at this release's head revision."""
    url = database_url
    assert await current_revision(url) is None
    await migrate(url)
    assert await current_revision(url) == head_revision()


async def test_instances_starting_together_migrate_once(database_url: str) -> None:
    """Two instances migrating one empty database at the same moment both end at head."""
    await asyncio.gather(migrate(database_url), migrate(database_url))
    assert await current_revision(database_url) == head_revision()


def test_processes_switching_one_new_file_to_wal_together_both_succeed(tmp_path: Path) -> None:
    """SQLite refuses one of two simultaneous switches of a new file to WAL with "database is
    locked" (no busy timeout): two instances starting on one empty database. Both succeed."""
    outcomes: list[bool] = []

    def switch(path: Path, start: threading.Barrier) -> None:
        start.wait()
        outcomes.append(switch_to_wal(path))

    for attempt in range(40):
        start = threading.Barrier(2)
        threads = [
            threading.Thread(target=switch, args=(tmp_path / f"new-{attempt}.db", start))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert outcomes.count(False) == 0
    assert len(outcomes) == 80


async def test_migrate_twice_is_a_no_op(database_url: str) -> None:
    """Running migrations on an up-to-date database (every restart) changes nothing."""
    url = database_url
    await migrate(url)
    await migrate(url)
    assert await current_revision(url) == head_revision()


def _schema_diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    """Autogenerate finds no difference between head and tables.py (no missing migration)."""
    url = database_url
    await migrate(url)
    engine = create_engine_for(url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(_schema_diff)
    finally:
        await engine.dispose()
    assert diff == []


@pytest.mark.parametrize("revision", _revisions()[:-1])
async def test_every_earlier_revision_upgrades_to_head(database_url: str, revision: str) -> None:
    """A database left at any earlier revision reaches head when the bot starts."""
    url = database_url
    await migrate(url, revision)
    assert await current_revision(url) == revision
    async with opened(url):
        pass
    assert await current_revision(url) == head_revision()


async def _fill_revision_0001(url: str) -> None:
    """Rows as the first release wrote them, in SQL both databases take."""
    await execute(
        url,
        "INSERT INTO users (id, first_seen, last_seen, language_code, units, recall_alerts)"
        " VALUES (42, '2025-01-01 08:00:00.000000', '2025-01-02 09:00:00.000000', 'de',"
        " 'imperial', FALSE)",
        "INSERT INTO lookups (user_id, vin, provider, looked_up_at, year, make, model)"
        " VALUES (42, '1HGCM82633A004352', 'carsxe', '2025-01-02 09:00:00.000000',"
        " 2003, 'HONDA', 'Accord')",
        "INSERT INTO garage (user_id, vin, nickname, added_at)"
        " VALUES (42, '1HGCM82633A004352', 'Old faithful', '2025-01-02 09:01:00.000000')",
        "INSERT INTO usage_daily (user_id, day, paid_calls) VALUES (42, '2025-01-02', 3)",
        "INSERT INTO usage_monthly (month, paid_calls) VALUES ('2025-01', 3)",
    )


async def test_a_first_release_database_upgrades_in_place_without_losing_rows(
    database_url: str,
) -> None:
    """Rows written at revision 0001 are all readable through the services after the upgrade."""
    url = database_url
    await migrate(url, "0001")
    await _fill_revision_0001(url)

    clock = FakeClock(datetime(2025, 1, 2, 10, 0, tzinfo=UTC))
    async with opened(url) as database:
        sessions = database.sessions
        settings = await UserSettingsService(SqlUserRepository(sessions)).get(42)
        history = HistoryRecorder(SqlLookupRepository(sessions))
        recent = await history.recent(42)
        await history.aclose()
        garage = await GarageService(SqlGarageRepository(sessions)).list(42)
        quota = QuotaService(
            SqlUsageRepository(sessions), daily_lookups_per_user=3, monthly_paid_calls=0, now=clock
        )
        decision = await quota.check(42, is_admin=False)

    assert await current_revision(url) == head_revision()
    assert (settings.units, settings.recall_alerts) == ("imperial", False)
    assert [(r.vin, r.provider, r.year, r.make, r.model) for r in recent] == [
        (VIN, "carsxe", 2003, "HONDA", "Accord")
    ]
    assert recent[0].looked_up_at == datetime(2025, 1, 2, 9, 0, tzinfo=UTC)
    assert [(e.vin, e.nickname) for e in garage] == [(VIN, "Old faithful")]
    assert decision.reason == "user_daily"
    assert await scalar(url, "SELECT language_code FROM users WHERE id = 42") == "de"
    assert await scalar(url, "SELECT blocked_at FROM users WHERE id = 42") is None
    assert str(await scalar(url, "SELECT day FROM usage_daily")) == date(2025, 1, 2).isoformat()
    assert await scalar(url, "SELECT count(*) FROM known_recalls") == 0


async def _fill_revision_0002(url: str) -> None:
    """Rows as revision 0002 held them: a blocked user, a garage car and a known campaign."""
    await execute(
        url,
        "INSERT INTO users (id, first_seen, last_seen, language_code, units, recall_alerts,"
        " blocked_at)"
        " VALUES (42, '2025-01-01 08:00:00.000000', '2025-01-02 09:00:00.000000', 'en',"
        " 'metric', TRUE, NULL),"
        " (43, '2025-01-01 08:00:00.000000', '2025-01-02 09:00:00.000000', NULL,"
        " 'metric', TRUE, '2025-01-03 10:00:00.000000')",
        "INSERT INTO garage (user_id, vin, nickname, added_at)"
        " VALUES (42, '1HGCM82633A004352', 'Blue', '2025-01-02 09:01:00.000000'),"
        " (43, '1HGCM82633A004352', NULL, '2025-01-02 09:02:00.000000')",
        "INSERT INTO known_recalls (vin, campaign_id, first_seen)"
        " VALUES ('1HGCM82633A004352', '20V001000', '2025-01-02 12:00:00.000000')",
    )


async def test_a_0002_database_upgrades_to_recall_notifications_keeping_rows(
    database_url: str,
) -> None:
    """Revision 0003 keeps users, garage and known campaigns (now baseline) and adds the ledgers."""
    url = database_url
    await migrate(url, "0002")
    await _fill_revision_0002(url)

    async with opened(url) as database:
        state = await SqlRecallAlertRepository(database.sessions).alert_state(VIN)

    assert await current_revision(url) == head_revision()
    assert [(s.user_id, s.nickname) for s in state.subscribers] == [(42, "Blue")]
    assert state.subscribers[0].added_at == datetime(2025, 1, 2, 9, 1, tzinfo=UTC)
    assert [(k.campaign_id, k.baseline) for k in state.known] == [("20V001000", True)]
    assert state.notified == frozenset()
    assert await scalar(url, "SELECT blocked_at FROM users WHERE id = 43") is not None
    assert await scalar(url, "SELECT count(*) FROM garage") == 2
    assert await scalar(url, "SELECT count(*) FROM recall_checks") == 0
    assert await scalar(url, "SELECT count(*) FROM recall_notifications") == 0


# Lookups as revision 0003 held them: the same VIN many times per user.
_DUPLICATE_HISTORY = [
    (1, 42, VIN, "nhtsa", "2025-01-01 09:00:00.000000", 2001),
    (2, 42, VIN, "carsxe", "2025-01-03 09:00:00.000000", 2003),
    (3, 42, VIN, "nhtsa", "2025-01-02 09:00:00.000000", 2002),
    (4, 42, "1FTFW1ET5DFC10312", "nhtsa", "2025-01-02 10:00:00.000000", 2013),
    (5, 43, VIN, "nhtsa", "2025-01-02 09:00:00.000000", 2000),
    (6, 43, VIN, "nhtsa", "2025-01-02 09:00:00.000000", 2004),
]


async def test_history_duplicates_are_merged_keeping_the_newest(database_url: str) -> None:
    """Upgrading past revision 0005 keeps one lookup per user and VIN (the newest; the later
    row on a tie), and a VIN looked up again afterwards updates that row."""
    url = database_url
    await migrate(url, "0003")
    lookups_sql = ", ".join(
        f"({row_id}, {user}, '{vin}', '{provider}', '{at}', {year})"
        for row_id, user, vin, provider, at, year in _DUPLICATE_HISTORY
    )
    columns = "(id, user_id, vin, provider, looked_up_at, year)"
    insert_lookups = f"INSERT INTO lookups {columns} VALUES {lookups_sql}"  # noqa: S608 - constants
    await execute(
        url,
        "INSERT INTO users (id, first_seen, last_seen) VALUES"
        " (42, '2025-01-01 08:00:00', '2025-01-02 09:00:00'),"
        " (43, '2025-01-01 08:00:00', '2025-01-02 09:00:00')",
        insert_lookups,
    )
    if url.startswith("postgresql"):
        # Rows inserted with their ids leave the id sequence behind; the bot's next row needs it.
        await execute(url, "SELECT setval('lookups_id_seq', (SELECT max(id) FROM lookups))")

    clock = FakeClock(datetime(2025, 1, 4, 9, 0, tzinfo=UTC))
    async with opened(url) as database:
        lookups = SqlLookupRepository(database.sessions)
        before = await lookups.recent(42, 10)
        other = await lookups.recent(43, 10)
        recorder = HistoryRecorder(lookups, now=clock)
        await recorder.record(42, "1FTFW1ET5DFC10312", "carsxe")
        await recorder.aclose()
        after = await lookups.recent(42, 10)

    assert await current_revision(url) == head_revision()
    assert [(r.id, r.year) for r in before] == [(2, 2003), (4, 2013)]
    assert [r.year for r in other] == [2004]
    assert [(r.id, r.provider) for r in after] == [(4, "carsxe"), (2, "carsxe")]
    assert await scalar(url, "SELECT count(*) FROM lookups") == 3


async def test_every_revision_downgrades_and_upgrades_again(database_url: str) -> None:
    """Each revision's downgrade runs (one step at a time down to nothing) on SQLite and
    PostgreSQL alike, and the empty database migrates back up to head."""
    await migrate(database_url)
    for revision in [*reversed(_revisions()[:-1]), "base"]:
        await downgrade(database_url, revision)
        assert await current_revision(database_url) == (None if revision == "base" else revision)
    await migrate(database_url)
    assert await current_revision(database_url) == head_revision()
