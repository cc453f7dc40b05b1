"""Two instances' full service stacks (as `build_bot_services` wires them) on one database, one
fake Upstash and one fake CarsXE: what must be global is global."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

import pytest

from tests.fakes.carsxe_server import DEFAULT_API_KEY, FakeCarsXE
from tests.fakes.nhtsa_server import FakeNhtsa
from tests.fakes.upstash_server import FakeUpstash
from vinbot.bootstrap import build_bot_services
from vinbot.config import load_settings
from vinbot.services.flood_guard import FloodGuard, SharedFloodGuard

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from vinbot.handlers.context import BotServices

HONDA = "1HGCM82633A004352"
TOKEN = "upstash-token"
BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
# A generous guard against a hang, far above the 4 s decode deadline these stacks use.
HANG_GUARD_SECONDS = 20.0
MINUTE_START = 1_700_000_040.0  # a whole minute of the wall clock


@pytest.fixture
async def upstash() -> AsyncIterator[FakeUpstash]:
    async with FakeUpstash(token=TOKEN) as server:
        yield server


@pytest.fixture
async def carsxe() -> AsyncIterator[FakeCarsXE]:
    # Slow enough that the second instance asks while the first one is still waiting.
    async with FakeCarsXE(latency=0.3) as server:
        yield server


@pytest.fixture
async def nhtsa() -> AsyncIterator[FakeNhtsa]:
    async with FakeNhtsa() as server:
        yield server


@pytest.fixture(autouse=True)
def fixed_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared flood guards read a wall clock that stays inside one minute."""
    monkeypatch.setattr("vinbot.services.flood_guard.wall_clock", lambda: lambda: MINUTE_START)


@asynccontextmanager
async def instances(
    count: int, database_url: str, *, upstash: FakeUpstash | None, **env: str
) -> AsyncIterator[list[BotServices]]:
    """`count` instances' services over the same database and (when given) the same Upstash."""
    carsxe: FakeCarsXE = env.pop("carsxe")  # type: ignore[assignment]
    nhtsa: FakeNhtsa = env.pop("nhtsa")  # type: ignore[assignment]
    environ = {
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "CARSXE_API_KEY": DEFAULT_API_KEY,
        "CARSXE_BASE_URL": carsxe.base_url,
        "NHTSA_BASE_URL": nhtsa.base_url,
        "DATABASE_URL": database_url,
        "DECODE_DEADLINE_SECONDS": "4",
        **env,
    }
    if upstash is not None:
        environ |= {"UPSTASH_REDIS_REST_URL": upstash.url, "UPSTASH_REDIS_REST_TOKEN": TOKEN}
    settings = load_settings(environ)
    async with AsyncExitStack() as stack:
        yield [await build_bot_services(settings, stack) for _ in range(count)]


async def test_simultaneous_lookups_on_two_instances_make_one_carsxe_call(
    database_url: str, upstash: FakeUpstash, carsxe: FakeCarsXE, nhtsa: FakeNhtsa
) -> None:
    """Six users looking up one uncached VIN at once, spread over two instances: one call."""
    async with instances(
        2,
        database_url,
        upstash=upstash,
        carsxe=carsxe,
        nhtsa=nhtsa,  # type: ignore[arg-type]
    ) as (first, second):
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            results = await asyncio.gather(
                *(
                    (first, second)[user % 2].lookup.lookup(HONDA, user_id=user, is_admin=False)
                    for user in range(1, 7)
                )
            )

    assert carsxe.count("/specs") == 1
    assert {result.source for result in results} == {"carsxe"}
    assert sum(result.paid_call_made for result in results) == 1
    lock_key = f"vinbot:v1:decode-lock:{HONDA}"
    locks = [command for command in upstash.commands("SET") if command[1] == lock_key]
    assert locks
    assert all(command[3:] == ["NX", "PX", 4000] for command in locks)
    assert upstash.value(lock_key) is None  # released once the answer was cached


async def test_the_flood_guard_counts_across_instances_in_upstash(
    database_url: str, upstash: FakeUpstash, carsxe: FakeCarsXE, nhtsa: FakeNhtsa
) -> None:
    """With Upstash, attempts on either instance count against one per-minute budget."""
    async with instances(
        2,
        database_url,
        upstash=upstash,
        carsxe=carsxe,  # type: ignore[arg-type]
        nhtsa=nhtsa,  # type: ignore[arg-type]
        USER_DECODES_PER_MINUTE="3",
    ) as (first, second):
        assert isinstance(first.flood_guard, SharedFloodGuard)
        decisions = [await (first, second)[i % 2].flood_guard.admit(7) for i in range(5)]
        button = await first.flood_guard.admit(7, "button")

    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.first_refusal for d in decisions[3:]] == [True, False]
    assert button.first_refusal
    assert decisions[3].retry_after == 60 - MINUTE_START % 60
    # Counted in Upstash, one INCR + PEXPIRE transaction per attempt, not in either process.
    assert len(upstash.transactions()) == 6
    assert upstash.transactions()[0] == [
        ["INCR", f"vinbot:v1:flood:7:{int(MINUTE_START // 60)}"],
        ["PEXPIRE", f"vinbot:v1:flood:7:{int(MINUTE_START // 60)}", 120_000],
    ]


async def test_the_flood_guard_counts_across_instances_in_the_database(
    database_url: str, carsxe: FakeCarsXE, nhtsa: FakeNhtsa
) -> None:
    """Without Upstash, PostgreSQL holds the shared count; SQLite (one machine) keeps it local."""
    async with instances(
        2,
        database_url,
        upstash=None,
        carsxe=carsxe,  # type: ignore[arg-type]
        nhtsa=nhtsa,  # type: ignore[arg-type]
        USER_DECODES_PER_MINUTE="2",
    ) as (first, second):
        decisions = [await (first, second)[i % 2].flood_guard.admit(7) for i in range(3)]
        shared = isinstance(first.flood_guard, SharedFloodGuard)
        local = isinstance(first.flood_guard, FloodGuard)

    if database_url.startswith("postgresql"):
        assert shared
        assert [d.allowed for d in decisions] == [True, True, False]
    else:
        assert local  # the single-instance default: no write per attempt
        assert [d.allowed for d in decisions] == [True, True, True]


@pytest.mark.parametrize("fault", ["status", "latency"])
async def test_a_failing_upstash_falls_back_to_local_behaviour(
    database_url: str, upstash: FakeUpstash, carsxe: FakeCarsXE, nhtsa: FakeNhtsa, fault: str
) -> None:
    """Upstash answering 500 or not at all: lookups still answer, each instance guards alone."""
    if fault == "status":
        upstash.error_status = 500
    else:
        upstash.latency = 30.0
    async with instances(
        2,
        database_url,
        upstash=upstash,
        carsxe=carsxe,  # type: ignore[arg-type]
        nhtsa=nhtsa,  # type: ignore[arg-type]
        USER_DECODES_PER_MINUTE="1",
    ) as (first, second):
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            results = await asyncio.gather(
                first.lookup.lookup(HONDA, user_id=1, is_admin=False),
                second.lookup.lookup(HONDA, user_id=2, is_admin=False),
            )
            guarded = [
                (await guard.admit(7)).allowed
                for guard in (first.flood_guard, first.flood_guard, second.flood_guard)
            ]

    assert {result.source for result in results} == {"carsxe"}
    assert guarded == [True, False, True]  # each instance's own guard decides


async def test_a_setting_changed_on_one_instance_is_read_on_the_other(
    database_url: str, carsxe: FakeCarsXE, nhtsa: FakeNhtsa
) -> None:
    """On PostgreSQL a language and units picked through one instance are what the other reads
    next (SQLite, one machine, keeps them in memory)."""
    async with instances(
        2,
        database_url,
        upstash=None,
        carsxe=carsxe,  # type: ignore[arg-type]
        nhtsa=nhtsa,  # type: ignore[arg-type]
    ) as (first, second):
        await second.user_settings.get(7)  # read once before the change
        await first.user_settings.set_language(7, "uk")
        await first.user_settings.set_units(7, "imperial")
        seen = await second.user_settings.get(7)

    if database_url.startswith("postgresql"):
        assert (seen.language, seen.units) == ("uk", "imperial")
