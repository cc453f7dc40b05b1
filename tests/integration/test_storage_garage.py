"""The garage: add up to the limit, list, rename, remove; one row per user and VIN."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from vinbot.services.garage import (
    NICKNAME_MAX_LENGTH,
    AlreadySaved,
    GarageFull,
    GarageService,
    NicknameTooLong,
    NotInGarage,
)
from vinbot.storage.repositories import SqlGarageRepository

from .storage_support import OTHER_VIN, VIN, FakeClock, opened, scalar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from vinbot.storage.engine import Database


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with opened(database_url) as database:
        yield database


def _vin(n: int) -> str:
    return f"{VIN[:-3]}{n:03d}"


async def test_add_then_list_in_the_order_saved(database: Database) -> None:
    """Saved vehicles come back oldest first with their nicknames and times."""
    clock = FakeClock()
    garage = GarageService(SqlGarageRepository(database.sessions), now=clock)
    first = await garage.add(1, VIN, "  Daily   driver ")
    clock.advance(minutes=5)
    await garage.add(1, OTHER_VIN)
    entries = await garage.list(1)
    assert [(e.vin, e.nickname) for e in entries] == [(VIN, "Daily driver"), (OTHER_VIN, None)]
    assert entries[0] == first
    assert entries[1].added_at == clock.now
    assert await garage.list(2) == ()


async def test_the_same_vin_twice_is_already_saved(database: Database) -> None:
    """A user cannot save one VIN twice; another user can save the same VIN."""
    garage = GarageService(SqlGarageRepository(database.sessions))
    await garage.add(1, VIN)
    with pytest.raises(AlreadySaved) as caught:
        await garage.add(1, VIN, "again")
    assert caught.value.vin == VIN
    await garage.add(2, VIN)
    assert len(await garage.list(1)) == 1


async def test_past_the_limit_the_garage_is_full(database: Database) -> None:
    """The limit+1th vehicle is refused with GarageFull; removing one makes room again."""
    garage = GarageService(SqlGarageRepository(database.sessions), limit=3)
    for n in range(3):
        await garage.add(1, _vin(n))
    with pytest.raises(GarageFull) as caught:
        await garage.add(1, _vin(3))
    assert caught.value.limit == 3
    await garage.remove(1, _vin(0))
    await garage.add(1, _vin(3))
    assert [e.vin for e in await garage.list(1)] == [_vin(1), _vin(2), _vin(3)]


async def test_the_default_limit_is_ten(database: Database) -> None:
    """Without a limit given a user may save ten vehicles."""
    garage = GarageService(SqlGarageRepository(database.sessions))
    for n in range(10):
        await garage.add(1, _vin(n))
    with pytest.raises(GarageFull):
        await garage.add(1, _vin(10))


async def test_concurrent_adds_never_exceed_the_limit(
    database: Database, database_url: str
) -> None:
    """Twenty adds racing for five places leave exactly five rows."""
    garage = GarageService(SqlGarageRepository(database.sessions), limit=5)
    results = await asyncio.gather(
        *(garage.add(1, _vin(n)) for n in range(20)), return_exceptions=True
    )
    assert sum(isinstance(r, GarageFull) for r in results) == 15
    assert await scalar(database_url, "SELECT count(*) FROM garage WHERE user_id = 1") == 5


async def test_concurrent_adds_from_two_instances_never_exceed_the_limit(
    database_url: str,
) -> None:
    """Two engines (two bot instances on one database) each adding the last free place of the
    same twenty users fill each garage exactly: SQLite's write lock, PostgreSQL's lock on the
    user's row (without it both count 4 places taken and both insert, for some users)."""
    users = range(1, 21)
    async with opened(database_url) as first, opened(database_url) as second:
        garages = [
            GarageService(SqlGarageRepository(db.sessions), limit=5) for db in (first, second)
        ]
        for user in users:
            for n in range(4):
                await garages[0].add(user, _vin(50 + n))
        results = await asyncio.gather(
            *(garages[i].add(user, _vin(i)) for user in users for i in (0, 1)),
            return_exceptions=True,
        )
    assert sum(isinstance(r, GarageFull) for r in results) == len(users)
    assert await scalar(database_url, "SELECT count(*) FROM garage") == 5 * len(users)


async def test_rename_sets_and_clears_the_nickname(database: Database) -> None:
    """rename() changes the nickname; a blank one clears it; an unknown VIN is NotInGarage."""
    garage = GarageService(SqlGarageRepository(database.sessions))
    await garage.add(1, VIN, "Old")
    assert (await garage.rename(1, VIN, "New")).nickname == "New"
    assert (await garage.rename(1, VIN, "   ")).nickname is None
    assert (await garage.list(1))[0].nickname is None
    with pytest.raises(NotInGarage):
        await garage.rename(1, OTHER_VIN, "x")
    with pytest.raises(NotInGarage):
        await garage.rename(2, VIN, "someone else's")


async def test_a_nickname_too_long_is_refused(database: Database) -> None:
    """Nicknames longer than the maximum raise NicknameTooLong and store nothing."""
    garage = GarageService(SqlGarageRepository(database.sessions))
    with pytest.raises(NicknameTooLong):
        await garage.add(1, VIN, "x" * (NICKNAME_MAX_LENGTH + 1))
    assert await garage.list(1) == ()
    await garage.add(1, VIN, "x" * NICKNAME_MAX_LENGTH)


async def test_remove_deletes_only_that_users_vehicle(database: Database) -> None:
    """remove() deletes the user's row, leaves others' alone, and NotInGarage the second time."""
    garage = GarageService(SqlGarageRepository(database.sessions))
    await garage.add(1, VIN)
    await garage.add(2, VIN)
    await garage.remove(1, VIN)
    with pytest.raises(NotInGarage):
        await garage.remove(1, VIN)
    assert await garage.list(1) == ()
    assert [e.vin for e in await garage.list(2)] == [VIN]
