"""Several `python -m vinbot` instances in webhook mode on one PostgreSQL database and one Upstash
(or none: `cluster.start(upstash=False)`).

This is the shape docs/scale-out.md describes: every instance has the same WEBHOOK_URL and
secret, the same DATABASE_URL (a fresh database on the session's PostgreSQL server) and the same
UPSTASH_REDIS_REST_URL (a fake Upstash), and the fake Bot API plays the proxy in front of them,
POSTing each update to the next live instance in turn (`FakeTelegram.route_webhook`).

    async def test_something(cluster: Cluster) -> None:
        first, second = await cluster.start(2)
        cluster.telegram.send_text(USER, VIN)
        await cluster.deliver()             # or cluster.telegram.start_webhook_delivery()
        await cluster.telegram.wait_for_message(USER, lambda m: VIN in m.get("text", ""))
        await cluster.kill(first)           # kill -9; deliveries go to the survivors only
        assert cluster.events("webhook_update_received") ...
"""

from __future__ import annotations

import asyncio
import json
import signal
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncpg

from tests.e2e.harness import BotProcess, World, running_world
from tests.fakes.upstash_server import FakeUpstash
from tests.postgres_server import fresh_postgres_database

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from tests.fakes.telegram import WebhookDelivery
    from tests.fakes.telegram_server import FakeTelegram
    from tests.postgres_server import PostgresServer

PUBLIC = "https://vinbot.example.test"
WEBHOOK_URL = f"{PUBLIC}/telegram"
WEBHOOK_SECRET = "cluster-secret_0123456789"
UPSTASH_TOKEN = "cluster-upstash-token"


def log_records(bot: BotProcess) -> list[dict[str, Any]]:
    """Every JSON log line one instance wrote so far."""
    return [json.loads(line) for line in bot.logs().splitlines() if line.startswith("{")]


@dataclass
class Cluster:
    """The fakes, one PostgreSQL database, one fake Upstash, and the instances started on them."""

    world: World
    upstash: FakeUpstash
    database_url: str
    instances: list[BotProcess] = field(default_factory=list)

    @property
    def telegram(self) -> FakeTelegram:
        """The fake Bot API every instance talks to (and which delivers to them)."""
        return self.world.telegram

    @property
    def alive(self) -> list[BotProcess]:
        """The instances whose process has not exited, in start order."""
        return [bot for bot in self.instances if bot.process.returncode is None]

    def env(self, *, upstash: bool = True, **overrides: str) -> dict[str, str]:
        """What every instance shares: webhook mode, the database and (unless `upstash` is
        False: PostgreSQL alone) the shared cache."""
        env = {
            "WEBHOOK_URL": WEBHOOK_URL,
            "WEBHOOK_SECRET_TOKEN": WEBHOOK_SECRET,
            "DATABASE_URL": self.database_url,
        }
        if upstash:
            env["UPSTASH_REDIS_REST_URL"] = self.upstash.url
            env["UPSTASH_REDIS_REST_TOKEN"] = UPSTASH_TOKEN
        env.update(overrides)
        return env

    async def start(self, count: int = 2, *, upstash: bool = True, **env: str) -> list[BotProcess]:
        """Start `count` instances at the same moment, wait until each is ready, route to all;
        `upstash=False` starts them without the shared cache."""
        started = [
            await self.world.start_bot(wait=False, **self.env(upstash=upstash, **env))
            for _ in range(count)
        ]
        self.instances.extend(started)
        await asyncio.gather(*(bot.wait_ready() for bot in started))
        self.route()
        return started

    def route(self) -> None:
        """Deliver to the live instances in turn (call again after one stops by itself)."""
        self.telegram.route_webhook(PUBLIC, *(bot.health_url for bot in self.alive))

    async def kill(self, bot: BotProcess) -> int:
        """`kill -9` one instance, wait for it to go, and route deliveries to the others."""
        bot.process.send_signal(signal.SIGKILL)
        code = await bot.process.wait()
        if self.alive:
            self.route()
        return code

    async def deliver(self) -> list[WebhookDelivery]:
        """POST every pending update once, in order, each to the next instance in turn."""
        return await self.telegram.deliver_webhook()

    def index(self, bot: BotProcess) -> int:
        """The instance's number (its start order), as used by `events`."""
        return self.instances.index(bot)

    def events(self, event: str) -> list[tuple[int, dict[str, Any]]]:
        """One log event across all instances: (instance number, the JSON record)."""
        return [
            (number, record)
            for number, bot in enumerate(self.instances)
            for record in log_records(bot)
            if record.get("event") == event
        ]

    async def webhook_updates_taken(self, bot: BotProcess) -> int:
        """How many updates one live instance accepted on its webhook route (its /metrics)."""
        text = (await bot.get("/metrics")).text
        prefix = 'vinbot_webhook_requests_total{outcome="ok"} '
        lines = [line for line in text.splitlines() if line.startswith(prefix)]
        return int(float(lines[0].removeprefix(prefix))) if lines else 0

    async def journal_ids(self) -> set[int]:
        """The update ids in the shared update journal (in flight, or left by a killed instance)."""
        connection = await asyncpg.connect(self.database_url.replace("+asyncpg", ""))
        try:
            rows = await connection.fetch("SELECT update_id FROM update_journal")
        finally:
            await connection.close()
        return {int(row["update_id"]) for row in rows}

    def texts_to(self, chat_id: int) -> list[str]:
        """Every text delivered to one chat, by whichever instance sent it, in order."""
        return [m.get("text", "") for m in self.telegram.sent_messages(chat_id)]

    async def stop(self) -> None:
        """SIGTERM every live instance and wait for it (the world stops the rest anyway)."""
        await asyncio.gather(*(bot.terminate() for bot in self.alive))


@asynccontextmanager
async def running_cluster(tmp_path: Path, server: PostgresServer) -> AsyncIterator[Cluster]:
    """The fakes, a fresh database on `server` and a fake Upstash; every instance stopped after."""
    async with AsyncExitStack() as stack:
        world = await stack.enter_async_context(running_world(tmp_path))
        upstash = await stack.enter_async_context(FakeUpstash(token=UPSTASH_TOKEN))
        url = await stack.enter_async_context(fresh_postgres_database(server))
        cluster = Cluster(world, upstash, url)
        try:
            yield cluster
        finally:
            await world.telegram.stop_webhook_delivery()
            await world.stop_all()
