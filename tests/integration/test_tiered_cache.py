"""The local tier in front of Upstash, against a fake Upstash REST server on 127.0.0.1."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.fakes.clock import ManualClock
from tests.fakes.providers import FakeProvider
from tests.fakes.upstash_server import FakeUpstash
from vinbot.bootstrap import build_cache, build_delivered_updates, build_presses
from vinbot.cache import keys
from vinbot.cache.tiered import FRESH_SECONDS, KEPT_SECONDS, TieredCache
from vinbot.cache.upstash import UpstashCache
from vinbot.clients.offline import OfflineProvider
from vinbot.config import Secret, load_settings
from vinbot.services.decoding import DecodeService

from .storage_support import opened, sqlite_url

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

TOKEN = "AXr7-tier-token-do-not-log-5c1d"
HONDA = "1HGCM82633A004352"
SPEC = keys.spec_key(HONDA)


@pytest.fixture
async def upstash() -> AsyncIterator[FakeUpstash]:
    async with FakeUpstash(token=TOKEN) as server:
        yield server


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def _tier(upstash: FakeUpstash, clock: ManualClock, max_entries: int = 100) -> TieredCache:
    shared = UpstashCache(upstash.url, Secret(TOKEN), timeout=0.5, clock=clock)
    return TieredCache(shared, max_entries=max_entries, clock=clock)


@pytest.fixture
async def tier(upstash: FakeUpstash, clock: ManualClock) -> AsyncIterator[TieredCache]:
    cache = _tier(upstash, clock)
    yield cache
    await cache.aclose()


@pytest.fixture
async def other_instance(upstash: FakeUpstash) -> AsyncIterator[UpstashCache]:
    """Another instance's writes, straight into the shared Upstash."""
    cache = UpstashCache(upstash.url, Secret(TOKEN))
    yield cache
    await cache.aclose()


async def test_a_value_written_here_is_read_without_asking_upstash(
    tier: TieredCache, upstash: FakeUpstash
) -> None:
    """A set writes Upstash, and the next get is served from memory with no request."""
    await tier.set(SPEC, "spec", keys.SPEC_TTL)
    requests = len(upstash.calls)

    assert await tier.get(SPEC) == "spec"
    assert len(upstash.calls) == requests
    assert upstash.value(SPEC) == "spec"


async def test_a_value_read_from_upstash_is_kept_for_the_next_read(
    tier: TieredCache, upstash: FakeUpstash, other_instance: UpstashCache
) -> None:
    """What another instance cached is read from Upstash once, then served from memory."""
    await other_instance.set(SPEC, "theirs", keys.SPEC_TTL)

    assert [await tier.get(SPEC) for _ in range(3)] == ["theirs"] * 3
    assert len(upstash.commands("GET")) == 1


async def test_a_copy_is_read_again_from_upstash_once_the_fresh_cap_passes(
    tier: TieredCache, upstash: FakeUpstash, clock: ManualClock, other_instance: UpstashCache
) -> None:
    """After the fresh cap, another instance's newer value replaces this instance's copy."""
    await tier.set(SPEC, "nhtsa", keys.SPEC_TTL)
    await other_instance.set(SPEC, "carsxe", keys.SPEC_TTL)

    clock.advance(FRESH_SECONDS - 1)
    assert await tier.get(SPEC) == "nhtsa"
    clock.advance(1)
    assert await tier.get(SPEC) == "carsxe"
    assert len(upstash.commands("GET")) == 1


async def test_a_key_gone_from_upstash_is_dropped_here(
    tier: TieredCache, upstash: FakeUpstash, clock: ManualClock, other_instance: UpstashCache
) -> None:
    """Once Upstash says a key is absent the copy is dropped, even if Upstash then fails."""
    await tier.set(SPEC, "spec", keys.SPEC_TTL)
    await other_instance.delete(SPEC)
    clock.advance(FRESH_SECONDS)

    assert await tier.get(SPEC) is None
    upstash.error_status = 500
    assert await tier.get(SPEC) is None


async def test_a_miss_is_not_remembered(tier: TieredCache, other_instance: UpstashCache) -> None:
    """A key absent at first is found as soon as another instance writes it."""
    assert await tier.get(SPEC) is None

    await other_instance.set(SPEC, "answer", keys.SPEC_TTL)

    assert await tier.get(SPEC) == "answer"


async def test_during_an_outage_a_copy_is_served_up_to_the_kept_cap(
    tier: TieredCache, upstash: FakeUpstash, clock: ManualClock
) -> None:
    """With Upstash failing, a value seen within the kept cap is still served, then no longer."""
    await tier.set(SPEC, "spec", keys.SPEC_TTL)
    upstash.error_status = 500

    clock.advance(FRESH_SECONDS + 1)
    assert await tier.get(SPEC) == "spec"
    clock.advance(KEPT_SECONDS - FRESH_SECONDS - 2)
    assert await tier.get(SPEC) == "spec"
    clock.advance(1)
    assert await tier.get(SPEC) is None


async def test_a_copy_lives_no_longer_than_its_own_ttl(
    tier: TieredCache, upstash: FakeUpstash, clock: ManualClock
) -> None:
    """A value written for less than the caps is gone here when its ttl ends, outage or not."""
    await tier.set(SPEC, "short", 10)
    upstash.error_status = 500

    clock.advance(9)
    assert await tier.get(SPEC) == "short"
    clock.advance(1)
    assert await tier.get(SPEC) is None


async def test_a_non_positive_ttl_drops_the_copy(tier: TieredCache, upstash: FakeUpstash) -> None:
    """Setting with a ttl of zero removes the key here and in Upstash."""
    await tier.set(SPEC, "spec", keys.SPEC_TTL)

    await tier.set(SPEC, "spec", 0)

    assert upstash.value(SPEC) is None
    assert await tier.get(SPEC) is None


async def test_delete_removes_the_copy_and_the_shared_key(
    tier: TieredCache, upstash: FakeUpstash
) -> None:
    """delete reaches Upstash and leaves no copy here."""
    await tier.set(SPEC, "spec", keys.SPEC_TTL)

    await tier.delete(SPEC)

    assert upstash.value(SPEC) is None
    assert len(tier) == 0


async def test_locks_and_counters_always_reach_upstash(
    tier: TieredCache, upstash: FakeUpstash
) -> None:
    """add, count and delete are Upstash's every time: a second instance sees each of them."""
    lock = keys.decode_lock_key(HONDA)
    counter = keys.flood_count_key(7, 1)

    assert await tier.add(lock, "a", 4000) is True
    assert await tier.add(lock, "b", 4000) is False
    assert [await tier.count(counter, 120_000) for _ in range(2)] == [1, 2]
    await tier.delete(lock)
    assert await tier.add(lock, "c", 4000) is True

    assert len(upstash.commands("SET")) == 3
    assert len(upstash.transactions()) == 2
    assert upstash.value(lock) == "c"
    assert upstash.value(counter) == "2"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(keys.decode_lock_key(HONDA), id="decode-lock"),
        pytest.param(keys.flood_count_key(7, 1), id="flood"),
        pytest.param(keys.flood_notice_key(7, 1, "decode"), id="flood-told"),
        pytest.param(keys.latest_market_value_key(HONDA), id="value-latest"),
        pytest.param(keys.recalls_by_model_key("Honda", "Accord", 2003), id="recalls-model"),
    ],
)
async def test_shared_only_keys_are_never_served_from_memory(
    tier: TieredCache, upstash: FakeUpstash, other_instance: UpstashCache, key: str
) -> None:
    """Locks, counts, a VIN's latest valuation and a model's recalls always come from Upstash."""
    await tier.set(key, "mine", 60)
    await other_instance.set(key, "theirs", 60)

    assert await tier.get(key) == "theirs"
    upstash.error_status = 500
    assert await tier.get(key) is None
    assert len(tier) == 0


async def test_the_local_tier_holds_at_most_max_entries(
    upstash: FakeUpstash, clock: ManualClock
) -> None:
    """Past its size bound the tier forgets its least recently used copies, Upstash keeps all."""
    tier = _tier(upstash, clock, max_entries=3)
    try:
        for number in range(5):
            await tier.set(f"vinbot:v1:spec:{number}", str(number), keys.SPEC_TTL)
        requests = len(upstash.commands("GET"))

        assert len(tier) == 3
        assert await tier.get("vinbot:v1:spec:0") == "0"
        assert len(upstash.commands("GET")) == requests + 1
    finally:
        await tier.aclose()


async def test_ping_reports_upstash_not_the_local_tier(
    tier: TieredCache, upstash: FakeUpstash
) -> None:
    """With copies held here, ping is still False while Upstash fails."""
    await tier.set(SPEC, "spec", keys.SPEC_TTL)
    assert await tier.ping() is True

    upstash.error_status = 500

    assert await tier.ping() is False


async def test_aclose_drops_the_copies(tier: TieredCache) -> None:
    """Closing the tier empties it (and closes Upstash's client)."""
    await tier.set(SPEC, "spec", keys.SPEC_TTL)

    await tier.aclose()

    assert len(tier) == 0


async def test_a_decoded_vin_costs_no_second_paid_call_during_an_outage(
    tier: TieredCache, upstash: FakeUpstash, clock: ManualClock
) -> None:
    """A VIN decoded before Upstash failed is answered from memory: CarsXE is asked once."""
    carsxe = FakeProvider("carsxe", paid=True)
    decoder = DecodeService((carsxe,), OfflineProvider(), tier, locks=tier, deadline_seconds=5)
    first = await decoder.decode(HONDA)
    upstash.error_status = 500
    clock.advance(FRESH_SECONDS * 5)

    again = await decoder.decode(HONDA)

    assert carsxe.calls == [HONDA]
    assert first.paid_call_made
    assert (again.source, again.cached, again.paid_call_made) == ("carsxe", True, False)


async def test_upstash_settings_build_the_tier_over_upstash() -> None:
    """With Upstash configured the cache is the tier, sized by CACHE_MAX_ENTRIES."""
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "UPSTASH_REDIS_REST_URL": "http://127.0.0.1:1",
            "UPSTASH_REDIS_REST_TOKEN": TOKEN,
            "CACHE_MAX_ENTRIES": "250",
        }
    )

    cache = build_cache(settings)
    await cache.aclose()

    assert isinstance(cache, TieredCache)
    assert cache.max_entries == 250


async def test_presses_are_claimed_in_upstash_through_the_tier(tmp_path: Path) -> None:
    """With Upstash configured, double taps are claimed there (the tier passes SET NX through)."""
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "UPSTASH_REDIS_REST_URL": "http://127.0.0.1:1",
            "UPSTASH_REDIS_REST_TOKEN": TOKEN,
        }
    )
    cache = build_cache(settings)
    try:
        async with opened(sqlite_url(tmp_path / "p.db")) as database:
            presses = build_presses(settings, cache, database.sessions, "host:1")
    finally:
        await cache.aclose()
    assert presses.backend == "upstash"


async def test_webhook_deliveries_are_marked_in_upstash_through_the_tier(tmp_path: Path) -> None:
    """With Upstash configured, webhook updates are marked there (the tier passes them through)."""
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "UPSTASH_REDIS_REST_URL": "http://127.0.0.1:1",
            "UPSTASH_REDIS_REST_TOKEN": TOKEN,
        }
    )
    cache = build_cache(settings)
    await cache.aclose()
    async with opened(sqlite_url(tmp_path / "d.db")) as database:
        deliveries = build_delivered_updates(settings, cache, database.sessions, "host:1")
    assert deliveries is not None
    assert not deliveries.needs_sweeping  # Upstash expires its marks itself
