"""Scenario `two_instances`: vinbot in webhook mode on PostgreSQL and the fake Upstash, one
instance against two behind the fake Bot API's round-robin delivery (docs/scale-out.md's shape).

Each set-up gets fresh fakes (Telegram, CarsXE, Upstash) and a fresh database on one PostgreSQL
server (tests/postgres_server.py). The load is the cold waves (new VINs against the slow
upstream), a warm burst over the same, now cached, VINs from many new users, and one more warm
burst while the fake Upstash is frozen (SIGSTOP: every call times out, as in an outage). Every
message in a wave or burst comes from its own chat, so replies per chat tell an update answered
twice (more than one) from one never answered (none).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from bench.processes import (
    START_TIMEOUT,
    BotProcess,
    CarsXEProcess,
    FakeServer,
    FakeTelegramProcess,
    start_bot,
    vinbot_environment,
)
from bench.report import LatencySummary, RunFigures, ScenarioResult, Target, latencies, throughput
from bench.vins import distinct_vins
from tests.fakes.telegram.state import REPLY_METHODS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from bench.scenarios import Plan, Workspace

PUBLIC = "https://vinbot.bench.test"
WEBHOOK_SECRET = "bench-secret_0123456789"  # noqa: S105 - a fake's secret
UPSTASH_TOKEN = "bench-upstash-token"  # noqa: S105 - a fake's token
SETTINGS = {
    "TELEGRAM_MAX_RATE": "0",
    "USER_DECODES_PER_MINUTE": "0",
    "DAILY_LOOKUPS_PER_USER": "0",
}
POLL_SECONDS = 0.05
REPLY_WAIT_SECONDS = 120.0
# After the expected replies, how long to keep looking for a late second answer.
LINGER_SECONDS = 1.0
WARM_FIRST_USER = 100_000
COLD_P95_FACTOR = 2.0
# Telegram's default setWebhook max_connections: that many deliveries in flight at once.
WEBHOOK_CONNECTIONS = 40


@dataclass
class _Phase:
    """One load phase's figures summed over its bursts."""

    messages: int = 0
    answered: int = 0
    twice: int = 0
    unanswered: int = 0
    cpu: float = 0.0
    calls: int = 0
    rates: list[float] | None = None
    sample: list[float] | None = None

    def add(self, rate: float, sample: list[float]) -> None:
        if self.rates is None or self.sample is None:
            self.rates, self.sample = [], []
        self.rates.append(rate)
        self.sample += sample


@dataclass
class _Cluster:
    """The fakes and the instances of one set-up."""

    telegram: FakeTelegramProcess
    carsxe: CarsXEProcess
    upstash: FakeServer
    instances: list[BotProcess]

    def cpu_seconds(self) -> float:
        return sum(bot.cpu_seconds() for bot in self.instances)

    def raise_if_exited(self) -> None:
        for bot in self.instances:
            bot.raise_if_exited()

    async def burst(self, messages: Sequence[tuple[int, str]], phase: _Phase) -> None:
        """Offer messages (one per chat) at once; count replies per chat; add up the cost."""
        await self.telegram.reset()
        cpu = self.cpu_seconds()
        await self.telegram.offer(
            [{"kind": "text", "user_id": user, "text": text} for user, text in messages]
        )
        per_chat: Counter[int] = Counter()
        cursor = 0
        deadline = time.monotonic() + REPLY_WAIT_SECONDS
        linger_until: float | None = None
        while time.monotonic() < (linger_until or deadline):
            self.raise_if_exited()
            records, cursor = await self.telegram.requests(since=cursor)
            for record in records:
                if record["method"] in REPLY_METHODS:
                    per_chat[int(record["params"]["chat_id"])] += 1
            if linger_until is None and len(per_chat) >= len(messages):
                phase.cpu += self.cpu_seconds() - cpu
                linger_until = time.monotonic() + LINGER_SECONDS
            await asyncio.sleep(POLL_SECONDS)
        if linger_until is None:
            phase.cpu += self.cpu_seconds() - cpu
        chats = {user for user, _ in messages}
        phase.messages += len(messages)
        phase.answered += sum(1 for chat in chats if per_chat[chat])
        phase.twice += sum(1 for chat in chats if per_chat[chat] > 1)
        phase.unanswered += sum(1 for chat in chats if not per_chat[chat])
        timings = await self.telegram.timings()
        phase.add(throughput(timings), latencies(timings))


async def _ready(bot: BotProcess, port: str) -> None:
    """Wait until the instance's /ready answers 200."""
    async with httpx.AsyncClient(timeout=2.0) as client, asyncio.timeout(START_TIMEOUT):
        while True:
            bot.raise_if_exited()
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{port}/ready")).status_code == 200:
                    return
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def _cluster(
    workspace: Workspace, name: str, count: int, database_url: str, latency: float
) -> AsyncIterator[_Cluster]:
    """Fresh fakes and `count` webhook instances on one database, delivered to in turn."""
    log = workspace.path(f"{name}.log")
    async with (
        FakeTelegramProcess(log) as telegram,
        CarsXEProcess(log, latency) as carsxe,
        FakeServer("tests.fakes.upstash_server", "--token", UPSTASH_TOKEN, log_path=log) as upstash,
    ):
        instances: list[BotProcess] = []
        try:
            ports: list[str] = []
            for number in range(count):
                env = vinbot_environment(
                    telegram,
                    carsxe,
                    workspace.path(f"{name}.db"),
                    DATABASE_URL=database_url,
                    WEBHOOK_URL=f"{PUBLIC}/telegram",
                    WEBHOOK_SECRET_TOKEN=WEBHOOK_SECRET,
                    UPSTASH_REDIS_REST_URL=upstash.url,
                    UPSTASH_REDIS_REST_TOKEN=UPSTASH_TOKEN,
                    **SETTINGS,
                )
                ports.append(env["PORT"])
                instance_log = workspace.path(f"{name}-vinbot-{number + 1}.log")
                instances.append(await start_bot("vinbot", env, instance_log))
            await asyncio.gather(
                *(_ready(bot, port) for bot, port in zip(instances, ports, strict=True))
            )
            local = [f"http://127.0.0.1:{port}" for port in ports]
            route = {"public": PUBLIC, "local": local}
            auto = {"connections": WEBHOOK_CONNECTIONS}
            (await telegram.client.post("/_control/webhook/route", json=route)).raise_for_status()
            (await telegram.client.post("/_control/webhook/auto", json=auto)).raise_for_status()
            yield _Cluster(telegram, carsxe, upstash, instances)
        finally:
            await asyncio.gather(*(bot.stop() for bot in instances))


@contextlib.asynccontextmanager
async def _frozen(server: FakeServer) -> AsyncIterator[None]:
    """The server's process stopped (it accepts nothing, answers nothing), then resumed."""
    if server.process is None:
        raise RuntimeError("the fake Upstash is not running")
    server.process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        server.process.send_signal(signal.SIGCONT)


def _cache_errors(bot: BotProcess) -> int:
    """Upstash calls that failed (timed out, mostly) and counted as misses, from the log."""
    return bot.log_path.read_text(errors="replace").count('"event": "cache_error"')


def _figures(label: str, phase: _Phase, cluster: _Cluster, calls: int) -> RunFigures:
    rates = sorted(phase.rates or [float("nan")])
    return RunFigures(
        bot=label,
        updates=phase.messages,
        answered=phase.answered,
        updates_per_second=rates[len(rates) // 2],
        latency=LatencySummary.of(phase.sample or []),
        peak_rss_bytes=max(bot.rss.high_water_mark() for bot in cluster.instances),
        upstream_calls=calls,
        rss_after_bytes=sum(bot.rss.current() for bot in cluster.instances),
        cpu_ms_per_update=phase.cpu * 1000 / max(phase.answered, 1),
        extra={
            "instances": len(cluster.instances),
            "answered_twice": phase.twice,
            "unanswered": phase.unanswered,
            "bursts_updates_per_second": phase.rates or [],
            "cpu_ms_per_update_summed_over_instances": True,
            "shared_cache_errors_so_far": sum(_cache_errors(bot) for bot in cluster.instances),
        },
        latency_sample=phase.sample or [],
    )


async def _setup(
    workspace: Workspace, plan: Plan, count: int, database_url: str
) -> tuple[list[RunFigures], int]:
    """Cold waves, warm bursts over the same VINs, one more with Upstash frozen; the rows (cold,
    warm, Upstash down) and the VIN count."""
    vins = distinct_vins(plan.cold_users * plan.cold_waves, seed=66)
    name = f"two_instances-{count}"
    label = "1 instance" if count == 1 else f"{count} instances"
    async with _cluster(workspace, name, count, database_url, plan.upstream_latency) as cluster:
        cold = _Phase()
        for wave in range(plan.cold_waves):
            batch = vins[wave * plan.cold_users : (wave + 1) * plan.cold_users]
            await cluster.burst(list(zip(range(1, plan.cold_users + 1), batch, strict=True)), cold)
        cold_calls, _ = await cluster.carsxe.calls()
        warm = _Phase()
        for round_ in range(plan.warm_rounds):
            first = WARM_FIRST_USER + round_ * plan.warm_updates
            burst = [(first + index, vins[index % len(vins)]) for index in range(plan.warm_updates)]
            await cluster.burst(burst, warm)
        warm_calls, _ = await cluster.carsxe.calls()
        down = _Phase()
        async with _frozen(cluster.upstash):
            first = WARM_FIRST_USER + plan.warm_rounds * plan.warm_updates
            burst = [(first + index, vins[index % len(vins)]) for index in range(plan.warm_updates)]
            await cluster.burst(burst, down)
        all_calls, _ = await cluster.carsxe.calls()
        return [
            _figures(f"{label}, cold", cold, cluster, cold_calls),
            _figures(f"{label}, warm", warm, cluster, warm_calls - cold_calls),
            _figures(f"{label}, warm, Upstash down", down, cluster, all_calls - warm_calls),
        ], len(vins)


@contextlib.asynccontextmanager
async def _postgres() -> AsyncIterator[tuple[Any, str | None]]:
    """A PostgreSQL server (or None and why not)."""
    try:
        from tests.postgres_server import PostgresServer  # noqa: PLC0415
    except ImportError as error:
        yield None, f"tests.postgres_server cannot be imported: {error}"
        return
    try:
        server = PostgresServer()
        await asyncio.to_thread(server.start)
    except Exception as error:  # any failure becomes a note, not a crash
        yield None, f"{type(error).__name__}: {error}"[:500]
        return
    try:
        yield server, None
    finally:
        await asyncio.to_thread(server.stop)


async def two_instances(workspace: Workspace, plan: Plan) -> ScenarioResult:
    """One against two webhook instances on one PostgreSQL database and the fake Upstash."""
    from tests.postgres_server import fresh_postgres_database  # noqa: PLC0415

    title = "9 Two instances (webhook, PostgreSQL, Upstash)"
    notes = [
        (
            f"webhook mode, round-robin delivery by the fake Bot API with up to "
            f"{WEBHOOK_CONNECTIONS} POSTs in flight (Telegram's default max_connections); "
            f"{plan.cold_waves} cold wave(s) of {plan.cold_users} new VINs from "
            f"{plan.cold_users} users, then {plan.warm_rounds} warm burst(s) of "
            f"{plan.warm_updates} messages over the same VINs from as many new users, then one "
            "more such burst with the fake Upstash frozen (SIGSTOP: every call times out); "
            "CPU ms/update summed over the instances (PostgreSQL and the fakes not counted); "
            "peak RSS is the largest instance's, RSS after the sum"
        )
    ]
    async with _postgres() as (server, why_not):
        if server is None:
            notes.append(f"PostgreSQL could not start, scenario skipped: {why_not}")
            return ScenarioResult("two_instances", title, [], notes=notes)
        runs: list[RunFigures] = []
        vin_count = 0
        for count in (1, 2):
            async with fresh_postgres_database(server) as url:
                rows, vin_count = await _setup(workspace, plan, count, url)
            runs += rows
    one_cold, one_warm, one_down, two_cold, two_warm, two_down = runs
    calls = {run.bot: (run.upstream_calls or 0) for run in runs}
    twice = sum(run.extra["answered_twice"] for run in runs)
    unanswered = sum(run.extra["unanswered"] for run in runs)
    limit = COLD_P95_FACTOR * plan.upstream_latency
    notes.append(
        "shared cache (fake Upstash) calls that failed, before the outage burst: "
        f"{one_warm.extra['shared_cache_errors_so_far']} (1 instance), "
        f"{two_warm.extra['shared_cache_errors_so_far']} (2 instances); a failed read is "
        "answered from the instance's local tier when it holds the VIN, else it is a miss and "
        "costs a second upstream call"
    )
    return ScenarioResult(
        "two_instances",
        title,
        runs,
        targets=[
            Target(
                "one upstream call per VIN across both instances, none for cached VINs",
                f"{vin_count} VINs: cold {one_cold.upstream_calls} (1 instance), "
                f"{two_cold.upstream_calls} (2 instances); warm {one_warm.upstream_calls}, "
                f"{two_warm.upstream_calls}",
                one_cold.upstream_calls == vin_count
                and two_cold.upstream_calls == vin_count
                and not calls[one_warm.bot]
                and not calls[two_warm.bot],
            ),
            Target(
                "Upstash down: no cached VIN decoded again",
                f"{one_down.upstream_calls} (1 instance), {two_down.upstream_calls} (2 instances) "
                f"decode calls for {one_down.updates} and {two_down.updates} messages over "
                f"{vin_count} cached VINs",
                not calls[one_down.bot] and not calls[two_down.bot],
            ),
            Target(
                "every update answered exactly once",
                f"{twice} answered twice, {unanswered} not answered",
                twice == 0 and unanswered == 0,
            ),
            Target(
                f"2 instances: cold p95 <= {COLD_P95_FACTOR:g}x the upstream latency",
                f"p95 {two_cold.latency.p95 * 1000:.0f} ms (1 instance "
                f"{one_cold.latency.p95 * 1000:.0f} ms); warm "
                f"{two_warm.updates_per_second:.0f} vs {one_warm.updates_per_second:.0f} "
                f"updates/s, CPU {two_warm.cpu_ms_per_update or 0:.1f} vs "
                f"{one_warm.cpu_ms_per_update or 0:.1f} ms/update",
                two_cold.latency.p95 <= limit,
            ),
        ],
        notes=notes,
    )
