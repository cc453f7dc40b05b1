"""Two instances behind one webhook: an update Telegram delivers again to the other instance
(our 200 got lost, or both got it at once) is handled once."""

from __future__ import annotations

import asyncio
import io
import json
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
import pytest
from telegram import Bot, Update

from tests.fakes.upstash_server import FakeUpstash
from tests.integration.test_webhook_route import raw
from vinbot.cache.upstash import UpstashCache
from vinbot.config import Secret
from vinbot.delivered_updates import DeliveredUpdates
from vinbot.health import HealthServer, HealthState
from vinbot.journal import UpdateJournal
from vinbot.metrics import Metrics
from vinbot.storage.migrate import migrate
from vinbot.webhook import SECRET_HEADER, WebhookReceiver

from .storage_support import sqlite_url

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

HOST = "127.0.0.1"
PATH = "/telegram"
SECRET = "two-instances-secret"
TOKEN = "123456:TEST-token-for-two-instances"
UPSTASH_TOKEN = "deliveries-upstash-token"


@dataclass
class Instance:
    """One instance's webhook route and the application queue it feeds."""

    server: HealthServer
    queue: asyncio.Queue[object]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.port}{PATH}"

    def queued(self) -> list[int]:
        found: list[int] = []
        while not self.queue.empty():
            item = self.queue.get_nowait()
            assert isinstance(item, Update)
            found.append(item.update_id)
        return found


async def post(http: aiohttp.ClientSession, instance: Instance, update_id: int) -> int:
    """POST an update as Telegram would; the HTTP status."""
    headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
    data = io.BytesIO(json.dumps(raw(update_id)).encode())
    async with http.post(instance.url, data=data, headers=headers) as response:
        await response.read()
        return response.status


async def start(stack: AsyncExitStack, url: str, cache: UpstashCache, holder: str) -> Instance:
    """One instance: its journal on the shared database, its route marking in the shared cache."""
    journal = UpdateJournal.open(url, holder)
    stack.push_async_callback(journal.aclose)
    state = HealthState(poll_timeout=10)
    state.use_webhook()
    metrics = Metrics()
    deliveries = DeliveredUpdates(cache, TOKEN.partition(":")[0], holder)
    receiver = WebhookReceiver(SECRET, journal, state, metrics, deliveries=deliveries)
    server = HealthServer(state, metrics, host=HOST, port=0)
    server.add_post_route(PATH, receiver.handle)
    await server.start()
    stack.push_async_callback(server.stop)
    queue: asyncio.Queue[object] = asyncio.Queue()
    receiver.open(Bot(TOKEN), queue)
    return Instance(server, queue)


@dataclass
class Pair:
    """Two instances on one journal database and one (fake) Upstash."""

    first: Instance
    second: Instance
    upstash: FakeUpstash


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Pair]:
    url = sqlite_url(tmp_path / "journal.db")
    await migrate(url)
    async with AsyncExitStack() as stack, FakeUpstash(token=UPSTASH_TOKEN) as upstash:
        cache = UpstashCache(upstash.url, Secret(UPSTASH_TOKEN), timeout=2.0)
        stack.push_async_callback(cache.aclose)
        first = await start(stack, url, cache, "a:8080")
        second = await start(stack, url, cache, "b:8080")
        yield Pair(first, second, upstash)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_an_update_delivered_again_to_the_other_instance_is_acknowledged_not_handled(
    pair: Pair, http: aiohttp.ClientSession
) -> None:
    """Telegram resending an update the first instance took (its 200 got lost) to the second
    gets 200 there, and only the first handles it."""
    first, second = pair.first, pair.second
    assert await post(http, first, 71) == 200
    assert await post(http, second, 71) == 200
    assert await post(http, second, 72) == 200
    assert first.queued() == [71]
    assert second.queued() == [72]


async def test_a_storm_of_one_update_on_both_instances_queues_it_once(
    pair: Pair, http: aiohttp.ClientSession
) -> None:
    """The same update POSTed many times to both instances at once is queued once in all."""
    first, second = pair.first, pair.second
    statuses = await asyncio.gather(
        *(post(http, instance, 73) for _ in range(10) for instance in (first, second))
    )
    assert set(statuses) <= {200, 503}
    assert 200 in statuses
    assert first.queued() + second.queued() == [73]


async def test_a_failing_cache_never_refuses_an_update(
    pair: Pair, http: aiohttp.ClientSession
) -> None:
    """With Upstash answering errors each instance takes what it is given, as without it."""
    pair.upstash.error_status = 500
    assert await post(http, pair.first, 74) == 200
    assert await post(http, pair.second, 74) == 200
    assert pair.first.queued() == [74]
    assert pair.second.queued() == [74]


async def test_with_a_failing_cache_one_instance_still_queues_an_update_once(
    pair: Pair, http: aiohttp.ClientSession
) -> None:
    """Concurrent deliveries of one update to one instance, while Upstash slowly fails, queue it
    once (the ids this instance has seen decide after the cache's answer)."""
    pair.upstash.error_status = 500
    pair.upstash.latency = 0.2
    statuses = await asyncio.gather(*(post(http, pair.first, 75) for _ in range(5)))
    assert set(statuses) == {200}
    assert pair.first.queued() == [75]
