"""The five scenarios: each starts fresh fakes and a fresh bot, drives load and returns figures."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.processes import (
    BotProcess,
    CarsXEProcess,
    FakeTelegramProcess,
    baseline_environment,
    start_bot,
    start_profiler,
    vinbot_environment,
)
from bench.report import (
    LatencySummary,
    OutboundCalls,
    RunFigures,
    ScenarioResult,
    Target,
    latencies,
    per_second,
    percentile,
    steady_rate,
    throughput,
)
from bench.vins import distinct_vins

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence
    from pathlib import Path

VINBOT = "vinbot"
BASELINE = "baseline"
# Flood guard and daily quota off: the throughput scenarios measure capacity, not policy.
UNLIMITED = {"USER_DECODES_PER_MINUTE": "0", "DAILY_LOOKUPS_PER_USER": "0"}
NO_RATE_LIMIT = {"TELEGRAM_MAX_RATE": "0"}
POLL_SECONDS = 0.05
OFFER_CHUNK = 250
REPLY_WAIT_SECONDS = 120.0
QUIET_SECONDS = 3.0
MIB = 1024 * 1024
# Ceiling: heavy users have ids below this, light users (one message each) from it on.
LIGHT_USERS = 10_000
# Telegram's documented limits.
TELEGRAM_OVERALL_PER_SECOND = 30
TELEGRAM_PER_CHAT_PER_SECOND = 1
# Targets from the issue.
WARM_RATIO_TARGET = 0.8
COLD_P95_FACTOR = 2.0
PEAK_RSS_TARGET_MIB = 120


@dataclass(frozen=True)
class Plan:
    """How big each scenario is; `quick()` is the short run."""

    upstream_latency: float = 0.2
    warm_pool: int = 200
    warm_updates: int = 2000
    warm_rounds: int = 3
    cold_users: int = 50
    cold_waves: int = 6
    stampede_users: int = 100
    ceiling_rate: float = 30.0
    ceiling_offered_per_second: int = 60
    ceiling_seconds: float = 10.0
    ceiling_heavy_users: int = 5
    ceiling_heavy_share: float = 1 / 3
    ceiling_baseline: bool = True
    memory_vins: int = 10_000
    memory_in_flight: int = 64

    @classmethod
    def quick(cls) -> Plan:
        """A run of well under a minute that still shows every figure."""
        return cls(
            warm_pool=100,
            warm_updates=600,
            warm_rounds=1,
            cold_waves=2,
            ceiling_seconds=4.0,
            ceiling_baseline=False,
            memory_vins=2000,
        )

    def settings(self) -> dict[str, Any]:
        """The plan, for the report."""
        return dict(self.__dict__)


@dataclass
class Session:
    """One fresh world: fake Telegram, fake CarsXE and a bot polling them."""

    telegram: FakeTelegramProcess
    carsxe: CarsXEProcess
    bot: BotProcess
    cursor: int = 0

    async def offer_texts(self, messages: Sequence[tuple[int, str]]) -> None:
        """Offer (user id, text) messages in private chats, in chunks."""
        for start in range(0, len(messages), OFFER_CHUNK):
            chunk = messages[start : start + OFFER_CHUNK]
            await self.telegram.offer(
                [{"kind": "text", "user_id": user, "text": text} for user, text in chunk]
            )

    async def reset(self) -> None:
        """Forget what the fake recorded so far."""
        await self.telegram.reset()
        self.cursor = 0

    async def new_replies(self) -> list[dict[str, Any]]:
        """sendMessage calls recorded since the last look."""
        records, self.cursor = await self.telegram.requests("sendMessage", self.cursor)
        return records

    async def wait_replies(
        self, expected: int, timeout: float = REPLY_WAIT_SECONDS
    ) -> list[dict[str, Any]]:
        """Collect sendMessage calls until `expected` arrived (or the timeout passed)."""
        replies: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(replies) < expected and time.monotonic() < deadline:
            self.bot.raise_if_exited()
            replies += await self.new_replies()
            if len(replies) < expected:
                await asyncio.sleep(POLL_SECONDS)
        return replies

    async def method_counts(self) -> dict[str, int]:
        """How many calls of each Bot API method the fake recorded since the last reset."""
        records, _ = await self.telegram.requests()
        counts: dict[str, int] = {}
        for record in records:
            counts[record["method"]] = counts.get(record["method"], 0) + 1
        return counts

    async def wait_quiet(self, quiet: float = QUIET_SECONDS, timeout: float = REPLY_WAIT_SECONDS):
        """Collect sendMessage calls until none came for `quiet` seconds."""
        replies: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        last_news = time.monotonic()
        while time.monotonic() - last_news < quiet and time.monotonic() < deadline:
            self.bot.raise_if_exited()
            fresh = await self.new_replies()
            if fresh:
                replies += fresh
                last_news = time.monotonic()
            await asyncio.sleep(POLL_SECONDS * 4)
        return replies


@dataclass(frozen=True)
class Workspace:
    """Where a run writes logs and databases, and profiles when asked to."""

    root: Path
    profile_dir: Path | None = None

    def path(self, name: str) -> Path:
        """A file in the workspace."""
        return self.root / name


@contextlib.asynccontextmanager
async def session(
    workspace: Workspace, name: str, bot: str, *, latency: float, **overrides: str
) -> AsyncIterator[Session]:
    """Start the fakes and one bot, wait until it polls, and stop everything afterwards."""
    log = workspace.path(f"{name}-{bot}.log")
    async with (
        FakeTelegramProcess(log) as telegram,
        CarsXEProcess(log, latency) as carsxe,
    ):
        if bot == VINBOT:
            database = workspace.path(f"{name}.db")
            env = vinbot_environment(telegram, carsxe, database, **overrides)
            process = await start_bot("vinbot", env, log)
        else:
            process = await start_bot(
                "bench.baseline_bot", baseline_environment(telegram, **overrides), log
            )
        profiler: asyncio.subprocess.Process | None = None
        try:
            await telegram.wait_polling(process)
            await telegram.reset()
            if workspace.profile_dir is not None:
                profiler = await start_profiler(
                    process, workspace.profile_dir / f"{name}-{bot}.txt", log
                )
            yield Session(telegram, carsxe, process)
        finally:
            await process.stop()
            if profiler is not None:
                await profiler.wait()


def users(first: int, count: int) -> range:
    """Consecutive Telegram user ids (each is also its private chat's id)."""
    return range(first, first + count)


# --- 1. warm --------------------------------------------------------------------------------


@dataclass
class _WarmTally:
    """One bot's figures summed over its bursts."""

    bot: str
    session: Session
    rates: list[float] = field(default_factory=list)
    sample: list[float] = field(default_factory=list)
    methods: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    cpu: float = 0.0
    fake_cpu: float = 0.0

    def figures(self, updates: int, calls: int | None) -> RunFigures:
        return RunFigures(
            bot=self.bot,
            updates=updates,
            answered=self.answered,
            updates_per_second=percentile(self.rates, 50),
            latency=LatencySummary.of(self.sample),
            peak_rss_bytes=self.session.bot.rss.high_water_mark(),
            upstream_calls=calls,
            rss_after_bytes=self.session.bot.rss.current(),
            cpu_ms_per_update=self.cpu * 1000 / max(self.answered, 1),
            extra={
                "bursts_updates_per_second": self.rates,
                "bot_api_calls": self.methods,
                "fake_telegram_cpu_ms_per_update": self.fake_cpu * 1000 / max(self.answered, 1),
            },
            latency_sample=self.sample,
        )


async def _warm_burst(tally: _WarmTally, messages: list[tuple[int, str]]) -> None:
    s = tally.session
    await s.reset()
    cpu, fake_cpu = s.bot.cpu_seconds(), s.telegram.cpu_seconds()
    await s.offer_texts(messages)
    tally.answered += len(await s.wait_replies(len(messages)))
    tally.cpu += s.bot.cpu_seconds() - cpu
    tally.fake_cpu += s.telegram.cpu_seconds() - fake_cpu
    timings = await s.telegram.timings()
    tally.rates.append(throughput(timings))
    tally.sample += latencies(timings)
    for method, count in (await s.method_counts()).items():
        tally.methods[method] = tally.methods.get(method, 0) + count


async def warm(workspace: Workspace, plan: Plan) -> ScenarioResult:
    """Many users, cached VINs, no rate limiter: vinbot's capacity against the bare bot's.

    Both bots run side by side, each on its own fake Telegram, and take turns: the bursts
    alternate so that whatever else the machine does weighs on both alike.
    """
    pool = distinct_vins(plan.warm_pool, seed=11)
    settings = {**NO_RATE_LIMIT, **UNLIMITED}
    async with contextlib.AsyncExitStack() as stack:
        tallies = [
            _WarmTally(
                bot,
                await stack.enter_async_context(
                    session(workspace, "warm", bot, latency=plan.upstream_latency, **settings)
                ),
            )
            for bot in (BASELINE, VINBOT)
        ]
        for tally in tallies:
            await tally.session.offer_texts(list(zip(users(1, len(pool)), pool, strict=True)))
            await tally.session.wait_replies(len(pool))
        for burst in range(plan.warm_rounds):
            first_user = 100_000 + burst * plan.warm_updates
            messages = [
                (user, pool[index % len(pool)])
                for index, user in enumerate(users(first_user, plan.warm_updates))
            ]
            for tally in tallies:
                await _warm_burst(tally, messages)
        total = plan.warm_updates * plan.warm_rounds
        baseline = tallies[0].figures(total, None)
        vinbot = tallies[1].figures(total, await tallies[1].session.carsxe.calls())
    ratio = vinbot.updates_per_second / baseline.updates_per_second
    cpu_ratio = (baseline.cpu_ms_per_update or 0) / (vinbot.cpu_ms_per_update or 1)
    vinbot.extra["ratio_to_baseline"] = ratio
    vinbot.extra["cpu_ratio_to_baseline"] = cpu_ratio
    return ScenarioResult(
        "warm",
        "1 Warm (cached, no rate limit)",
        [baseline, vinbot],
        targets=[
            Target(
                f"warm throughput >= {WARM_RATIO_TARGET}x the bare bot",
                f"{ratio:.2f}x ({vinbot.updates_per_second:.0f} vs "
                f"{baseline.updates_per_second:.0f} updates/s; CPU per update "
                f"{cpu_ratio:.2f}x as efficient)",
                ratio >= WARM_RATIO_TARGET,
            )
        ],
        notes=[
            f"{plan.warm_rounds} alternating burst(s) per bot of {plan.warm_updates} updates from "
            f"distinct users over {plan.warm_pool} pre-warmed VINs; updates/s is the median "
            "burst; latency includes queueing in the burst"
        ],
    )


# --- 2. cold --------------------------------------------------------------------------------


async def cold(workspace: Workspace, plan: Plan) -> ScenarioResult:
    """Concurrent users, new VINs, slow upstream: replies must overlap."""
    vins = distinct_vins(plan.cold_users * plan.cold_waves, seed=22)
    async with session(
        workspace, "cold", VINBOT, latency=plan.upstream_latency, **NO_RATE_LIMIT, **UNLIMITED
    ) as s:
        sample: list[float] = []
        rates: list[float] = []
        answered = 0
        methods: dict[str, int] = {}
        cpu_before = s.bot.cpu_seconds()
        for wave in range(plan.cold_waves):
            await s.reset()
            batch = vins[wave * plan.cold_users : (wave + 1) * plan.cold_users]
            await s.offer_texts(list(zip(users(1, plan.cold_users), batch, strict=True)))
            answered += len(await s.wait_replies(len(batch)))
            timings = await s.telegram.timings()
            sample += latencies(timings)
            rates.append(throughput(timings))
            for method, count in (await s.method_counts()).items():
                methods[method] = methods.get(method, 0) + count
        cpu = s.bot.cpu_seconds() - cpu_before
        run = RunFigures(
            bot=VINBOT,
            updates=len(vins),
            answered=answered,
            updates_per_second=percentile(rates, 50),
            latency=LatencySummary.of(sample),
            peak_rss_bytes=s.bot.rss.high_water_mark(),
            upstream_calls=await s.carsxe.calls(),
            rss_after_bytes=s.bot.rss.current(),
            cpu_ms_per_update=cpu * 1000 / max(answered, 1),
            extra={"bot_api_calls": methods},
            latency_sample=sample,
        )
    limit = COLD_P95_FACTOR * plan.upstream_latency
    return ScenarioResult(
        "cold",
        f"2 Cold ({plan.cold_users} users, {plan.upstream_latency * 1000:.0f} ms upstream)",
        [run],
        targets=[
            Target(
                f"cold p95 <= {COLD_P95_FACTOR:g}x upstream latency ({limit * 1000:.0f} ms) "
                f"at {plan.cold_users} concurrent users",
                f"p95 {run.latency.p95 * 1000:.0f} ms",
                run.latency.p95 <= limit,
            ),
            Target(
                "one upstream call per new VIN",
                f"{run.upstream_calls} calls for {len(vins)} VINs",
                run.upstream_calls == len(vins),
            ),
        ],
        notes=[f"{plan.cold_waves} waves of {plan.cold_users} distinct new VINs, one per user"],
    )


# --- 3. stampede ----------------------------------------------------------------------------


async def stampede(workspace: Workspace, plan: Plan) -> ScenarioResult:
    """Many users send the same new VIN at once: one upstream call serves them all."""
    (vin,) = distinct_vins(1, seed=33)
    async with session(
        workspace, "stampede", VINBOT, latency=plan.upstream_latency, **NO_RATE_LIMIT, **UNLIMITED
    ) as s:
        cpu_before = s.bot.cpu_seconds()
        await s.offer_texts([(user, vin) for user in users(1, plan.stampede_users)])
        answered = len(await s.wait_replies(plan.stampede_users))
        timings = await s.telegram.timings()
        cpu = s.bot.cpu_seconds() - cpu_before
        sample = latencies(timings)
        run = RunFigures(
            bot=VINBOT,
            updates=plan.stampede_users,
            answered=answered,
            updates_per_second=throughput(timings),
            latency=LatencySummary.of(sample),
            peak_rss_bytes=s.bot.rss.high_water_mark(),
            upstream_calls=await s.carsxe.calls(),
            rss_after_bytes=s.bot.rss.current(),
            cpu_ms_per_update=cpu * 1000 / max(answered, 1),
            latency_sample=sample,
        )
    return ScenarioResult(
        "stampede",
        f"3 Stampede ({plan.stampede_users} users, one new VIN)",
        [run],
        targets=[
            Target(
                "stampede = 1 upstream call",
                f"{run.upstream_calls} call(s), {answered}/{plan.stampede_users} answered",
                run.upstream_calls == 1 and answered == plan.stampede_users,
            )
        ],
    )


# --- 4. ceiling -----------------------------------------------------------------------------


def ceiling_schedule(plan: Plan) -> list[list[tuple[int, int]]]:
    """Per 100 ms tick, the (user id, VIN index) messages to offer: heavy and light users mixed.

    Heavy users (ids 1..H) share `ceiling_heavy_share` of the offered rate; every other message
    comes from a light user who writes once (ids from LIGHT_USERS).
    """
    ticks = round(plan.ceiling_seconds * 10)
    per_tick = plan.ceiling_offered_per_second / 10
    heavy_per_tick = per_tick * plan.ceiling_heavy_share
    schedule: list[list[tuple[int, int]]] = []
    heavy_sent = light_sent = 0
    for tick in range(ticks):
        messages: list[tuple[int, int]] = []
        heavy_due = round((tick + 1) * heavy_per_tick) - heavy_sent
        light_due = round((tick + 1) * (per_tick - heavy_per_tick)) - light_sent
        for _ in range(heavy_due):
            messages.append((1 + heavy_sent % plan.ceiling_heavy_users, heavy_sent + light_sent))
            heavy_sent += 1
        for _ in range(light_due):
            messages.append((LIGHT_USERS + light_sent, heavy_sent + light_sent))
            light_sent += 1
        schedule.append(messages)
    return schedule


async def _ceiling_run(workspace: Workspace, plan: Plan, bot: str) -> RunFigures:
    pool = distinct_vins(40, seed=44)
    rate = {"TELEGRAM_MAX_RATE": f"{plan.ceiling_rate:g}"}
    async with session(workspace, "ceiling", bot, latency=plan.upstream_latency, **rate) as s:
        cpu_before = s.bot.cpu_seconds()
        schedule = ceiling_schedule(plan)
        started = time.monotonic()
        for tick, messages in enumerate(schedule):
            await s.offer_texts([(user, pool[index % len(pool)]) for user, index in messages])
            await asyncio.sleep(max(0.0, started + (tick + 1) / 10 - time.monotonic()))
        await s.wait_quiet()
        cpu = s.bot.cpu_seconds() - cpu_before
        records, _ = await s.telegram.requests()
        timings = await s.telegram.timings()
        outbound = OutboundCalls.of(records)
        heavy = [t for t in timings if t["chat_id"] is not None and t["chat_id"] < LIGHT_USERS]
        light = [t for t in timings if t["chat_id"] is not None and t["chat_id"] >= LIGHT_USERS]
        heavy_latency = LatencySummary.of(latencies(heavy))
        light_latency = LatencySummary.of(latencies(light))
        origin = min((float(t["offered_at"]) for t in timings), default=0.0)
        return RunFigures(
            bot=bot,
            updates=sum(len(messages) for messages in schedule),
            answered=len(latencies(timings)),
            updates_per_second=steady_rate(outbound.reply_times),
            latency=LatencySummary.of(latencies(light)),
            peak_rss_bytes=s.bot.rss.high_water_mark(),
            upstream_calls=await s.carsxe.calls() if bot == VINBOT else None,
            rss_after_bytes=s.bot.rss.current(),
            cpu_ms_per_update=cpu * 1000 / max(len(outbound.reply_times), 1),
            extra={
                "configured_rate": plan.ceiling_rate,
                "offered_per_second": plan.ceiling_offered_per_second,
                "replies": len(outbound.reply_times),
                "chat_calls_by_method": outbound.by_method,
                "max_chat_calls_in_any_1s": outbound.max_per_second,
                "max_calls_into_one_chat_in_any_1s": outbound.max_per_chat_second,
                "telegram_429s": outbound.too_many_requests,
                "replies_per_second": per_second(outbound.reply_times, origin),
                "heavy_users": {
                    "users": plan.ceiling_heavy_users,
                    "messages": len(heavy),
                    "answered": heavy_latency.count,
                    "p50": heavy_latency.p50,
                    "p95": heavy_latency.p95,
                },
                "light_users": {
                    "messages": len(light),
                    "answered": light_latency.count,
                    "p50": light_latency.p50,
                    "p95": light_latency.p95,
                },
            },
            latency_sample=latencies(light),
        )


async def ceiling(workspace: Workspace, plan: Plan) -> ScenarioResult:
    """The real rate limiter on, twice the allowed rate offered: hold the rate, stay fair."""
    runs = [await _ceiling_run(workspace, plan, VINBOT)]
    if plan.ceiling_baseline:
        runs.insert(0, await _ceiling_run(workspace, plan, BASELINE))
    vinbot = runs[-1]
    extra = vinbot.extra
    window = extra["max_chat_calls_in_any_1s"]
    heavy, light = extra["heavy_users"], extra["light_users"]
    return ScenarioResult(
        "ceiling",
        f"4 Ceiling (limit {plan.ceiling_rate:g}/s, {plan.ceiling_offered_per_second}/s offered)",
        runs,
        targets=[
            Target(
                f"holds the configured {plan.ceiling_rate:g}/s without a Telegram 429 "
                f"(no 1 s window over {plan.ceiling_rate:g})",
                f"sustained {vinbot.updates_per_second:.1f}/s; max {window} in a 1 s window; "
                f"{extra['telegram_429s']} 429s",
                window <= plan.ceiling_rate and extra["telegram_429s"] == 0,
            ),
            Target(
                "light users are not starved by heavy ones",
                f"p95 wait light {light['p95'] * 1000:.0f} ms vs heavy {heavy['p95'] * 1000:.0f} ms",
                light["p95"] <= max(heavy["p95"], 1.0) * 1.5,
            ),
        ],
        notes=[
            f"{plan.ceiling_seconds:g} s at {plan.ceiling_offered_per_second} updates/s: "
            f"{plan.ceiling_heavy_users} heavy users send "
            f"{plan.ceiling_heavy_share:.0%} of them, light users write once; vinbot with its "
            "default flood guard and quotas; latency column = light users; per-chat max "
            f"{extra['max_calls_into_one_chat_in_any_1s']} calls in 1 s "
            f"(Telegram asks for about {TELEGRAM_PER_CHAT_PER_SECOND})"
        ],
        series={run.bot: run.extra["replies_per_second"] for run in runs},
    )


# --- 5. memory ------------------------------------------------------------------------------


async def memory(workspace: Workspace, plan: Plan) -> ScenarioResult:
    """Many distinct VINs through a fast upstream: peak RSS, and RSS with the cache full."""
    vins = distinct_vins(plan.memory_vins, seed=55)
    async with session(workspace, "memory", VINBOT, latency=0.0, **NO_RATE_LIMIT, **UNLIMITED) as s:
        rss_start = s.bot.rss.current()
        cpu_before = s.bot.cpu_seconds()
        started = time.perf_counter()
        answered = 0
        offered = 0
        messages = list(zip(users(1_000_000, len(vins)), vins, strict=True))
        while answered < len(messages):
            room = plan.memory_in_flight - (offered - answered)
            if offered < len(messages) and room >= plan.memory_in_flight // 2:
                take = min(room, len(messages) - offered)
                await s.offer_texts(messages[offered : offered + take])
                offered += take
            fresh = await s.new_replies()
            answered += len(fresh)
            if not fresh:
                s.bot.raise_if_exited()
                await asyncio.sleep(POLL_SECONDS)
            if time.perf_counter() - started > REPLY_WAIT_SECONDS * 2:
                break
        elapsed = time.perf_counter() - started
        cpu = s.bot.cpu_seconds() - cpu_before
        await asyncio.sleep(1.0)
        rss_after = s.bot.rss.current()
        typing, _ = await s.telegram.requests("sendChatAction")
        run = RunFigures(
            bot=VINBOT,
            updates=len(vins),
            answered=answered,
            updates_per_second=answered / elapsed,
            latency=LatencySummary.of(latencies(await s.telegram.timings())),
            peak_rss_bytes=s.bot.rss.high_water_mark(),
            upstream_calls=await s.carsxe.calls(),
            rss_after_bytes=rss_after,
            cpu_ms_per_update=cpu * 1000 / max(answered, 1),
            extra={"rss_at_start_bytes": rss_start, "typing_actions": len(typing)},
        )
    peak = run.peak_rss_bytes / MIB
    return ScenarioResult(
        "memory",
        f"5 Memory ({plan.memory_vins:,} distinct VINs)",
        [run],
        targets=[
            Target(
                f"peak RSS <= {PEAK_RSS_TARGET_MIB} MB with {plan.memory_vins:,} cached decodes",
                f"peak {peak:.1f} MiB, after {rss_after / MIB:.1f} MiB "
                f"(start {rss_start / MIB:.1f} MiB)",
                peak <= PEAK_RSS_TARGET_MIB,
            )
        ],
        notes=[
            f"upstream latency 0, at most {plan.memory_in_flight} updates in flight, "
            "one new user per VIN; CACHE_MAX_ENTRIES default (10,000)"
        ],
    )


SCENARIOS = {
    "warm": warm,
    "cold": cold,
    "stampede": stampede,
    "ceiling": ceiling,
    "memory": memory,
}
