"""The webhook route on the health server over real HTTP: secret, journal, queue, refusals."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from telegram import Bot, Update

from vinbot.health import WEBHOOK_MAX_BODY_BYTES, HealthServer, HealthState
from vinbot.journal import UpdateJournal
from vinbot.metrics import Metrics
from vinbot.storage.migrate import migrate
from vinbot.storage.update_journal import SqlJournalStore
from vinbot.unreadable_updates import marker_of
from vinbot.webhook import SECRET_HEADER, WebhookReceiver

from .storage_support import sqlite_url

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Collection, Sequence
    from datetime import datetime
    from pathlib import Path

HOST = "127.0.0.1"
PATH = "/telegram"
SECRET = "right-secret_123"
TOKEN = "123456:TEST-token-for-the-webhook-route"
BROKEN_POLL = {"id": "1", "question": "?", "options": [{"text": "a", "voter_count": 0}]}


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def raw(update_id: int, text: str = "WBAFR7C57CC811956") -> dict[str, Any]:
    """A webhook body: a private text message."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": 500, "type": "private"},
            "from": {"id": 500, "is_bot": False, "first_name": "A"},
            "text": text,
        },
    }


def stored_ids(url: str) -> list[int]:
    """Update ids in the journal table, read with plain sqlite3."""
    path = url.removeprefix("sqlite+aiosqlite:///")
    with closing(sqlite3.connect(path)) as db:
        return [row[0] for row in db.execute("SELECT update_id FROM update_journal ORDER BY 1")]


class FlakyStore(SqlJournalStore):
    """The real journal store, whose writes fail while `failing` is set."""

    failing = False

    def write(
        self, fetched: Sequence[tuple[int, str]], handled: Collection[int], now: datetime
    ) -> None:
        """Fail like a database that went away, or write."""
        if self.failing:
            raise OSError("database unavailable")
        super().write(fetched, handled, now)


class Route:
    """A running health server with the webhook route, and what it feeds."""

    def __init__(
        self,
        server: HealthServer,
        receiver: WebhookReceiver,
        state: HealthState,
        url: str,
        clock: FakeClock,
        store: FlakyStore,
    ) -> None:
        self.store = store
        self.server = server
        self.receiver = receiver
        self.state = state
        self.clock = clock
        self.db_url = url
        self.queue: asyncio.Queue[object] = asyncio.Queue()
        self.bot = Bot(TOKEN)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.port}"

    def open(self, recovered: frozenset[int] = frozenset()) -> None:
        self.receiver.open(self.bot, self.queue)
        self.receiver.acknowledge(recovered)

    def queued(self) -> list[Update]:
        found: list[Update] = []
        while not self.queue.empty():
            item = self.queue.get_nowait()
            assert isinstance(item, Update)
            found.append(item)
        return found


@pytest.fixture
async def route(tmp_path: Path) -> AsyncIterator[Route]:
    url = sqlite_url(tmp_path / "journal.db")
    await migrate(url)
    store = FlakyStore(url, "here:8080")
    journal = UpdateJournal(store)
    clock = FakeClock()
    state = HealthState(poll_timeout=10, clock=clock)
    state.use_webhook()
    metrics = Metrics()
    receiver = WebhookReceiver(SECRET, journal, state, metrics)
    server = HealthServer(state, metrics, host=HOST, port=0)
    server.add_post_route(PATH, receiver.handle)
    await server.start()
    try:
        yield Route(server, receiver, state, url, clock, store)
    finally:
        await server.stop()
        await journal.aclose()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(
    http: aiohttp.ClientSession, route: Route, body: object, secret: str | None = SECRET
) -> int:
    """POST a body as Telegram would; returns the HTTP status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    data = io.BytesIO(body if isinstance(body, bytes) else json.dumps(body).encode())
    async with http.post(route.url + PATH, data=data, headers=headers) as response:
        await response.read()
        return response.status


async def test_an_update_is_journaled_before_the_200_and_queued(
    route: Route, http: aiohttp.ClientSession
) -> None:
    """The 200 comes once the update is on disk; the update waits on the application's queue."""
    route.open()
    assert await post(http, route, raw(41)) == 200
    assert stored_ids(route.db_url) == [41]
    (update,) = route.queued()
    assert update.update_id == 41
    assert update.effective_message is not None
    assert update.effective_message.text == "WBAFR7C57CC811956"


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x", SECRET[:-1]])
async def test_a_missing_or_wrong_secret_is_refused_and_nothing_is_kept(
    route: Route, http: aiohttp.ClientSession, secret: str | None
) -> None:
    """Without the exact secret token the answer is 403, and nothing is queued or journaled."""
    route.open()
    assert await post(http, route, raw(42), secret=secret) == 403
    assert route.queued() == []
    assert stored_ids(route.db_url) == []
    async with http.get(route.url + "/metrics") as response:
        assert 'vinbot_webhook_requests_total{outcome="forbidden"} 1.0' in await response.text()


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", {"message": {"text": "no id"}}, {"update_id": "7"}],
)
async def test_a_body_that_is_no_update_is_a_bad_request(
    route: Route, http: aiohttp.ClientSession, body: object
) -> None:
    """Broken JSON, or JSON without an integer update_id, gets 400 and is dropped."""
    route.open()
    assert await post(http, route, body) == 400
    assert route.queued() == []


async def test_an_oversized_body_is_refused_unread(
    route: Route, http: aiohttp.ClientSession
) -> None:
    """A body over the cap gets 413, announced or chunked."""
    route.open()
    huge = raw(43, "x" * WEBHOOK_MAX_BODY_BYTES)
    assert await post(http, route, huge) == 413

    async def chunks() -> AsyncIterator[bytes]:
        data = json.dumps(huge).encode()
        for start in range(0, len(data), 65536):
            yield data[start : start + 65536]

    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with http.post(route.url + PATH, data=chunks(), headers=headers) as response:
        assert response.status == 413
    assert route.queued() == []


async def test_before_start_up_and_from_shutdown_on_the_route_answers_503(
    route: Route, http: aiohttp.ClientSession
) -> None:
    """Closed, the route answers 503, so Telegram keeps the update and delivers it later."""
    assert await post(http, route, raw(44)) == 503
    route.open()
    assert await post(http, route, raw(44)) == 200
    route.receiver.close()
    assert await post(http, route, raw(45)) == 503
    assert [update.update_id for update in route.queued()] == [44]


async def test_a_redelivered_or_already_journaled_update_is_acknowledged_not_handled(
    route: Route, http: aiohttp.ClientSession
) -> None:
    """Telegram resending an update, or one the last run's journal replayed, gets 200, no handling.

    An older id the journal never had is still taken: with several connections Telegram may
    deliver it after newer ones.
    """
    route.open(recovered=frozenset({99}))
    assert await post(http, route, raw(99)) == 200
    assert await post(http, route, raw(100)) == 200
    assert await post(http, route, raw(100)) == 200
    assert await post(http, route, raw(98)) == 200
    assert [update.update_id for update in route.queued()] == [100, 98]


async def test_an_update_ptb_cannot_read_is_acknowledged_as_a_placeholder(
    route: Route, http: aiohttp.ClientSession
) -> None:
    """An unparseable update still gets 200; the queue gets the placeholder polling would make."""
    route.open()
    body = raw(46)
    body["message"] |= {"text": "private words", "poll": BROKEN_POLL}
    assert await post(http, route, body) == 200
    (update,) = route.queued()
    unreadable = marker_of(update)
    assert unreadable is not None
    assert (unreadable.update_id, unreadable.kind, unreadable.chat_id) == (46, "message", 500)
    assert update.effective_message is None


async def test_health_in_webhook_mode_is_not_judged_by_polls(
    route: Route, http: aiohttp.ClientSession
) -> None:
    """A quiet webhook bot stays healthy however long nothing arrives; a lost webhook or
    shutdown turns it 503."""
    route.open()
    clock = route.clock
    clock.now += 3600
    async with http.get(route.url + "/health") as response:
        body = await response.json()
        assert response.status == 200
    assert body["mode"] == "webhook"
    assert body["seconds_since_last_update"] is None
    assert await post(http, route, raw(47)) == 200
    clock.now += 5
    async with http.get(route.url + "/health") as response:
        assert (await response.json())["seconds_since_last_update"] == 5.0
    route.state.set_webhook_problem("webhook deleted by someone else")
    async with http.get(route.url + "/health") as response:
        assert response.status == 503
        assert (await response.json())["reason"] == "webhook deleted by someone else"
    route.state.set_webhook_problem(None)
    route.state.mark_stopped("shutting down")
    async with http.get(route.url + "/health") as response:
        assert response.status == 503
        assert (await response.json())["reason"] == "webhook stopped: shutting down"


async def test_an_update_whose_journal_write_failed_is_refused_until_a_retry_saves_it(
    route: Route, http: aiohttp.ClientSession
) -> None:
    """A failed journal write answers 500 (Telegram keeps the update) but handles it once;
    the retry writes it again and is acknowledged, without a second handling."""
    route.open()
    route.store.failing = True
    assert await post(http, route, raw(60)) == 500
    assert stored_ids(route.db_url) == []
    assert await post(http, route, raw(60)) == 500  # still unsaved: Telegram keeps trying
    route.store.failing = False
    assert await post(http, route, raw(60)) == 200
    assert stored_ids(route.db_url) == [60]
    assert await post(http, route, raw(60)) == 200  # saved now: a plain repeat
    assert [update.update_id for update in route.queued()] == [60]


async def test_a_retry_after_the_unsaved_update_was_handled_writes_nothing(
    route: Route, http: aiohttp.ClientSession
) -> None:
    """Once handled, an update whose write failed needs no row: its retry gets 200 and leaves
    none behind (a row would be replayed after the next restart)."""
    route.open()
    route.store.failing = True
    assert await post(http, route, raw(61)) == 500
    route.store.failing = False
    route.receiver.update_started(61)
    route.receiver.update_finished(61)
    assert await post(http, route, raw(61)) == 200
    assert stored_ids(route.db_url) == []
    assert [update.update_id for update in route.queued()] == [61]
