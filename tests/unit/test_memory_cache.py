"""The in-process cache: values, lifetimes and the size bound."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.fakes.clock import ManualClock
from vinbot.cache.memory import MemoryCache

if TYPE_CHECKING:
    from vinbot.cache.base import Cache


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def cache(clock: ManualClock) -> MemoryCache:
    return MemoryCache(max_entries=100, clock=clock)


async def test_a_stored_value_is_returned(cache: MemoryCache) -> None:
    """A value set under a key is what get returns for that key."""
    await cache.set("k", '{"a": 1}', ttl_seconds=60)

    assert await cache.get("k") == '{"a": 1}'


async def test_a_missing_key_is_none(cache: MemoryCache) -> None:
    """A key never set reads as None."""
    assert await cache.get("absent") is None


async def test_set_replaces_the_previous_value(cache: MemoryCache) -> None:
    """Setting a key again replaces its value."""
    await cache.set("k", "old", ttl_seconds=60)
    await cache.set("k", "new", ttl_seconds=60)

    assert await cache.get("k") == "new"


async def test_delete_removes_the_key(cache: MemoryCache) -> None:
    """A deleted key reads as None, and deleting a missing key is harmless."""
    await cache.set("k", "v", ttl_seconds=60)

    await cache.delete("k")
    await cache.delete("never-set")

    assert await cache.get("k") is None


async def test_an_entry_lives_exactly_its_ttl(cache: MemoryCache, clock: ManualClock) -> None:
    """An entry is readable until its ttl has passed and gone from that moment on."""
    await cache.set("k", "v", ttl_seconds=10)

    clock.advance(9.99)
    assert await cache.get("k") == "v"
    clock.advance(0.01)
    assert await cache.get("k") is None


async def test_each_entry_has_its_own_ttl(cache: MemoryCache, clock: ManualClock) -> None:
    """Entries set with different ttls expire at different times."""
    await cache.set("short", "s", ttl_seconds=5)
    await cache.set("long", "l", ttl_seconds=50)

    clock.advance(6)

    assert await cache.get("short") is None
    assert await cache.get("long") == "l"


async def test_setting_again_restarts_the_ttl(cache: MemoryCache, clock: ManualClock) -> None:
    """Re-setting a key gives it the new ttl counted from now."""
    await cache.set("k", "v1", ttl_seconds=10)
    clock.advance(8)
    await cache.set("k", "v2", ttl_seconds=10)
    clock.advance(8)

    assert await cache.get("k") == "v2"


async def test_a_non_positive_ttl_removes_the_key(cache: MemoryCache) -> None:
    """Setting with a ttl of zero stores nothing and drops the previous value."""
    await cache.set("k", "v", ttl_seconds=60)

    await cache.set("k", "gone", ttl_seconds=0)

    assert await cache.get("k") is None


async def test_the_size_bound_evicts_the_least_recently_used(clock: ManualClock) -> None:
    """When full, a new entry pushes out the entry read or written longest ago."""
    cache = MemoryCache(max_entries=2, clock=clock)
    await cache.set("a", "1", ttl_seconds=60)
    await cache.set("b", "2", ttl_seconds=60)
    assert await cache.get("a") == "1"  # "b" is now the least recently used

    await cache.set("c", "3", ttl_seconds=60)

    assert len(cache) == 2
    assert await cache.get("b") is None
    assert await cache.get("a") == "1"
    assert await cache.get("c") == "3"


async def test_expired_entries_make_room_before_live_ones(clock: ManualClock) -> None:
    """When full, expired entries are dropped first and live ones are kept."""
    cache = MemoryCache(max_entries=2, clock=clock)
    await cache.set("live", "1", ttl_seconds=60)
    await cache.set("dying", "2", ttl_seconds=1)
    clock.advance(2)

    await cache.set("new", "3", ttl_seconds=60)

    assert await cache.get("live") == "1"
    assert await cache.get("new") == "3"


async def test_ping_is_true_and_aclose_empties(cache: MemoryCache) -> None:
    """The memory cache always answers ping, and closing it drops its entries."""
    await cache.set("k", "v", ttl_seconds=60)

    assert await cache.ping() is True
    await cache.aclose()

    assert await cache.get("k") is None


def test_a_size_bound_below_one_is_refused() -> None:
    """A cache that could hold nothing is a configuration mistake."""
    with pytest.raises(ValueError, match="max_entries"):
        MemoryCache(max_entries=0)


def test_memory_cache_satisfies_the_cache_port() -> None:
    """MemoryCache can be passed wherever a Cache is expected."""
    cache: Cache = MemoryCache()

    assert cache is not None
