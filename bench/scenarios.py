"""The scenarios: each starts fresh fakes and a fresh bot, drives load and returns figures.

`two_instances` lives in bench/cluster.py, `reservations` in bench/reservations.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from bench.cluster import two_instances
from bench.processes import (
    BotProcess,
    CarsXEProcess,
    FakeTelegramProcess,
    baseline_environment,
    baseline_upstream_environment,
    start_bot,
    start_profiler,
    vinbot_environment,
)
from bench.report import (
    LatencySummary,
    OutboundCalls,
    RunFigures,
    ScenarioResult,
    Series,
    Target,
    latencies,
    per_second,
    percentile,
    steady_rate,
    throughput,
)
from bench.reservations import reservations
from bench.vins import distinct_vins
from tests.fakes.telegram.state import REPLY_METHODS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
    from pathlib import Path

VINBOT = "vinbot"
BASELINE = "baseline"
TEXT_ONLY = "vinbot, photos off"
# Flood guard and daily quota off: the throughput scenarios measure capacity, not policy.
UNLIMITED = {"USER_DECODES_PER_MINUTE": "0", "DAILY_LOOKUPS_PER_USER": "0"}
NO_RATE_LIMIT = {"TELEGRAM_MAX_RATE": "0"}
POLL_SECONDS = 0.05
OFFER_CHUNK = 250
REPLY_WAIT_SECONDS = 120.0
QUIET_SECONDS = 2.0
MIB = 1024 * 1024
# Ceiling: heavy users have ids below this, light users (one message each) from it on.
LIGHT_USERS = 10_000
TICKS_PER_SECOND = 10
# Telegram asks for about one message a second into one chat.
TELEGRAM_PER_CHAT_PER_SECOND = 1
# Targets from the issue.
WARM_RATIO_TARGET = 0.8
COLD_P95_FACTOR = 2.0
PEAK_RSS_TARGET_MIB = 120
CEILING_HELD_SHARE = 0.9


@dataclass(frozen=True)
class Plan:
    """How big each scenario is; `quick()` is the short run."""

    upstream_latency: float = 0.2
    warm_pool: int = 200
    warm_updates: int = 600
    warm_messages_per_user: int = 4
    warm_rounds: int = 3
    cold_users: int = 50
    cold_waves: int = 6
    stampede_users: int = 100
    ceiling_rate: float = 30.0
    ceiling_offered_per_second: int = 60
    ceiling_seconds: float = 8.0
    ceiling_heavy_users: int = 5
    ceiling_heavy_share: float = 1 / 3
    ceiling_baseline: bool = True
    memory_vins: int = 10_000
    memory_vins_per_message: int = 3
    memory_in_flight: int = 32

    @classmethod
    def quick(cls) -> Plan:
        """A run of about a minute that still shows every figure."""
        return cls(
            warm_pool=100,
            warm_updates=400,
            warm_rounds=1,
            cold_waves=2,
            ceiling_seconds=4.0,
            ceiling_baseline=False,
            memory_vins=2000,
        )

    def settings(self) -> dict[str, Any]:
        """The plan, for the report."""
        return asdict(self)


@dataclass
class Session:
    """One fresh world: fake Telegram, fake CarsXE and a bot polling them."""

    telegram: FakeTelegramProcess
    carsxe: CarsXEProcess
    bot: BotProcess
    methods: Counter[str] = field(default_factory=Counter)
    upstream_paths: dict[str, int] = field(default_factory=dict)
    _cursor: int = field(default=0, init=False)

    async def offer_texts(
        self, messages: Sequence[tuple[int, str]], language_code: str | None = None
    ) -> None:
        """Offer (user id, text) messages in the users' private chats, in chunks; with a
        language_code, the users' Telegram is set to that language."""
        extra = {} if language_code is None else {"language_code": language_code}
        for start in range(0, len(messages), OFFER_CHUNK):
            chunk = messages[start : start + OFFER_CHUNK]
            await self.telegram.offer(
                [{"kind": "text", "user_id": user, "text": text, **extra} for user, text in chunk]
            )

    async def reset(self) -> None:
        """Forget what the fake recorded so far."""
        await self.telegram.reset()
        self._cursor = 0
        self.methods.clear()

    async def new_replies(self) -> list[dict[str, Any]]:
        """Replies (sendMessage, sendPhoto, ...) recorded since the last look; counts all calls."""
        records, self._cursor = await self.telegram.requests(since=self._cursor)
        self.methods.update(record["method"] for record in records)
        return [record for record in records if record["method"] in REPLY_METHODS]

    async def wait_replies(
        self, expected: int, within: float = REPLY_WAIT_SECONDS
    ) -> list[dict[str, Any]]:
        """Collect replies until `expected` arrived, or `within` seconds passed."""
        replies: list[dict[str, Any]] = []
        deadline = time.monotonic() + within
        while len(replies) < expected and time.monotonic() < deadline:
            self.bot.raise_if_exited()
            replies += await self.new_replies()
            if len(replies) < expected:
                await asyncio.sleep(POLL_SECONDS)
        return replies

    async def wait_quiet(
        self, quiet: float = QUIET_SECONDS, within: float = REPLY_WAIT_SECONDS
    ) -> list[dict[str, Any]]:
        """Collect replies until none came for `quiet` seconds."""
        replies: list[dict[str, Any]] = []
        deadline = time.monotonic() + within
        last_news = time.monotonic()
        while time.monotonic() - last_news < quiet and time.monotonic() < deadline:
            self.bot.raise_if_exited()
            fresh = await self.new_replies()
            if fresh:
                replies += fresh
                last_news = time.monotonic()
            await asyncio.sleep(POLL_SECONDS * 4)
        return replies

    async def decode_calls(self) -> int:
        """Upstream decode calls so far; every CarsXE path is noted in `upstream_paths`."""
        specs, self.upstream_paths = await self.carsxe.calls()
        return specs


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
    workspace: Workspace,
    name: str,
    bot: str,
    *,
    latency: float,
    baseline_upstream: bool = False,
    **overrides: str,
) -> AsyncIterator[Session]:
    """Start the fakes and one bot, wait until it polls, and stop everything afterwards.

    `baseline_upstream` makes the bare bot call the fake CarsXE once per message.
    """
    log = workspace.path(f"{name}-{bot}.log")
    async with FakeTelegramProcess(log) as telegram, CarsXEProcess(log, latency) as carsxe:
        if bot == VINBOT:
            env = vinbot_environment(telegram, carsxe, workspace.path(f"{name}.db"), **overrides)
            process = await start_bot("vinbot", env, log)
        else:
            upstream = baseline_upstream_environment(carsxe) if baseline_upstream else {}
            env = baseline_environment(telegram, **upstream, **overrides)
            process = await start_bot("bench.baseline_bot", env, log)
        profiler: asyncio.subprocess.Process | None = None
        try:
            await telegram.wait_polling(process)
            await telegram.reset()
            if workspace.profile_dir is not None:
                output = workspace.profile_dir / f"{name}-{bot}.txt"
                profiler = await start_profiler(process, output, log)
            yield Session(telegram, carsxe, process)
        finally:
            await process.stop()
            if profiler is not None:
                await profiler.wait()


def _listed(counts: dict[str, int]) -> str:
    return ", ".join(f"{path} x{count}" for path, count in sorted(counts.items())) or "none"


def users(first: int, count: int) -> range:
    """Consecutive Telegram user ids (each is also its private chat's id)."""
    return range(first, first + count)


async def _measured[T](s: Session, work: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    """Run work and return its result with the bot's CPU seconds spent meanwhile."""
    before = s.bot.cpu_seconds()
    result = await work()
    return result, s.bot.cpu_seconds() - before


# --- 1. warm and 2. cold: both bots side by side ----------------------------------------------


@dataclass
class _Tally:
    """One bot's figures summed over its bursts."""

    bot: str
    session: Session
    rates: list[float] = field(default_factory=list)
    sample: list[float] = field(default_factory=list)
    methods: Counter[str] = field(default_factory=Counter)
    answered: int = 0
    cpu: float = 0.0
    fake_cpu: float = 0.0

    async def burst(
        self, messages: list[tuple[int, str]], language_code: str | None = None
    ) -> None:
        """Offer messages at once, wait for every reply and add up what it cost."""
        s = self.session
        await s.reset()
        fake_cpu = s.telegram.cpu_seconds()

        async def offer_and_wait() -> list[dict[str, Any]]:
            await s.offer_texts(messages, language_code)
            return await s.wait_replies(len(messages))

        replies, cpu = await _measured(s, offer_and_wait)
        self.answered += len(replies)
        self.cpu += cpu
        self.fake_cpu += s.telegram.cpu_seconds() - fake_cpu
        timings = await s.telegram.timings()
        self.rates.append(throughput(timings))
        self.sample += latencies(timings)
        self.methods.update(s.methods)

    async def figures(self, updates: int) -> RunFigures:
        """This bot's run figures."""
        s = self.session
        return RunFigures(
            bot=self.bot,
            updates=updates,
            answered=self.answered,
            updates_per_second=percentile(self.rates, 50),
            latency=LatencySummary.of(self.sample),
            peak_rss_bytes=s.bot.rss.high_water_mark(),
            upstream_calls=await s.decode_calls(),
            rss_after_bytes=s.bot.rss.current(),
            cpu_ms_per_update=self.cpu * 1000 / max(self.answered, 1),
            extra={
                "bursts_updates_per_second": self.rates,
                "bot_api_calls": dict(self.methods),
                "carsxe_calls": s.upstream_paths,
                "fake_telegram_cpu_ms_per_update": self.fake_cpu * 1000 / max(self.answered, 1),
            },
            latency_sample=self.sample,
        )


@contextlib.asynccontextmanager
async def _side_by_side(
    workspace: Workspace, name: str, plan: Plan, *, baseline_upstream: bool
) -> AsyncIterator[tuple[_Tally, _Tally]]:
    """The bare bot and vinbot, each in its own world, without rate limiter, flood guard or quota.

    Scenarios make them take turns, so whatever else the machine does weighs on both alike.
    """
    settings = {**NO_RATE_LIMIT, **UNLIMITED}
    async with contextlib.AsyncExitStack() as stack:
        tallies = []
        for bot in (BASELINE, VINBOT):
            world = session(
                workspace,
                name,
                bot,
                latency=plan.upstream_latency,
                baseline_upstream=baseline_upstream,
                **settings,
            )
            tallies.append(_Tally(bot, await stack.enter_async_context(world)))
        yield tallies[0], tallies[1]


async def warm(workspace: Workspace, plan: Plan) -> ScenarioResult:
    """Many users, cached VINs, no rate limiter: vinbot's capacity against the bare bot's."""
    pool = distinct_vins(plan.warm_pool, seed=11)
    people = users(1, plan.warm_updates // plan.warm_messages_per_user)
    # Every VIN once, from the same users as later, so the measured bursts hit warm caches.
    warm_up = [(people[index % len(people)], vin) for index, vin in enumerate(pool)]
    burst = [
        (people[index % len(people)], pool[index % len(pool)]) for index in range(plan.warm_updates)
    ]
    async with _side_by_side(workspace, "warm", plan, baseline_upstream=False) as tallies:
        for tally in tallies:
            await tally.session.offer_texts(warm_up)
            await tally.session.wait_replies(len(warm_up))
        for _ in range(plan.warm_rounds):
            for tally in tallies:
                await tally.burst(burst)
        total = plan.warm_updates * plan.warm_rounds
        baseline, vinbot = [await tally.figures(total) for tally in tallies]
    baseline.upstream_calls = None
    ratio = vinbot.updates_per_second / baseline.updates_per_second
    cpu_ratio = (vinbot.cpu_ms_per_update or 0.0) / (baseline.cpu_ms_per_update or 1.0)
    vinbot.extra["ratio_to_baseline"] = ratio
    vinbot.extra["cpu_per_update_to_baseline"] = cpu_ratio
    return ScenarioResult(
        "warm",
        "1 Warm (cached, no rate limit)",
        [baseline, vinbot],
        targets=[
            Target(
                f"warm throughput >= {WARM_RATIO_TARGET}x the bare bot",
                f"{ratio:.2f}x ({vinbot.updates_per_second:.0f} vs "
                f"{baseline.updates_per_second:.0f} updates/s); CPU per update "
                f"{cpu_ratio:.1f}x the bare bot's",
                ratio >= WARM_RATIO_TARGET,
            )
        ],
        notes=[
            (
                f"{plan.warm_rounds} burst(s) per bot, taking turns, of {plan.warm_updates} "
                f"updates: {len(people)} returning users send {plan.warm_messages_per_user} "
                f"each, over {plan.warm_pool} pre-warmed VINs; updates/s is the median burst; "
                "latency includes queueing in the burst"
            ),
        ],
    )


async def cold(workspace: Workspace, plan: Plan) -> ScenarioResult:
    """Concurrent users, new VINs, slow upstream: replies must overlap.

    The bare bot makes one call to its own fake CarsXE per message: the framework's floor for
    the same work.
    """
    vins = distinct_vins(plan.cold_users * plan.cold_waves, seed=22)
    async with contextlib.AsyncExitStack() as stack:
        tallies = list(
            await stack.enter_async_context(
                _side_by_side(workspace, "cold", plan, baseline_upstream=True)
            )
        )
        # vinbot again without pictures: a model seen for the first time costs a second,
        # sequential upstream call (the image search); this run shows the decode path alone.
        text_only = session(
            workspace,
            "cold-text-only",
            VINBOT,
            latency=plan.upstream_latency,
            VEHICLE_PHOTOS="0",
            **NO_RATE_LIMIT,
            **UNLIMITED,
        )
        tallies.append(_Tally(TEXT_ONLY, await stack.enter_async_context(text_only)))
        for wave in range(plan.cold_waves):
            batch = vins[wave * plan.cold_users : (wave + 1) * plan.cold_users]
            for tally in tallies:
                await tally.burst(list(zip(users(1, plan.cold_users), batch, strict=True)))
        baseline, vinbot, vinbot_text = [await tally.figures(len(vins)) for tally in tallies]
    limit = COLD_P95_FACTOR * plan.upstream_latency
    return ScenarioResult(
        "cold",
        f"2 Cold ({plan.cold_users} users, {plan.upstream_latency * 1000:.0f} ms upstream)",
        [baseline, vinbot, vinbot_text],
        targets=[
            Target(
                f"cold p95 <= {COLD_P95_FACTOR:g}x upstream latency ({limit * 1000:.0f} ms) "
                f"at {plan.cold_users} concurrent users",
                f"p95 {vinbot.latency.p95 * 1000:.0f} ms; without pictures "
                f"{vinbot_text.latency.p95 * 1000:.0f} ms (the bare bot with one upstream call: "
                f"{baseline.latency.p95 * 1000:.0f} ms)",
                vinbot.latency.p95 <= limit,
            ),
            Target(
                "one upstream decode call per new VIN",
                f"{vinbot.upstream_calls} calls for {len(vins)} VINs",
                vinbot.upstream_calls == len(vins),
            ),
        ],
        notes=[
            (
                f"{plan.cold_waves} waves of {plan.cold_users} distinct new VINs at once, one "
                "per user, each bot in turn; a wave starts when the last reply of the one "
                "before arrived"
            ),
        ],
    )


# --- 3. stampede ----------------------------------------------------------------------------


async def stampede(workspace: Workspace, plan: Plan) -> ScenarioResult:
    """Many users send the same new VIN at once: one upstream call serves them all."""
    (vin,) = distinct_vins(1, seed=33)
    settings = {**NO_RATE_LIMIT, **UNLIMITED}
    async with session(
        workspace, "stampede", VINBOT, latency=plan.upstream_latency, **settings
    ) as s:

        async def offer_and_wait() -> list[dict[str, Any]]:
            await s.offer_texts([(user, vin) for user in users(1, plan.stampede_users)])
            return await s.wait_replies(plan.stampede_users)

        replies, cpu = await _measured(s, offer_and_wait)
        timings = await s.telegram.timings()
        sample = latencies(timings)
        run = RunFigures(
            bot=VINBOT,
            updates=plan.stampede_users,
            answered=len(replies),
            updates_per_second=throughput(timings),
            latency=LatencySummary.of(sample),
            peak_rss_bytes=s.bot.rss.high_water_mark(),
            upstream_calls=await s.decode_calls(),
            rss_after_bytes=s.bot.rss.current(),
            cpu_ms_per_update=cpu * 1000 / max(len(replies), 1),
            extra={"bot_api_calls": dict(s.methods), "carsxe_calls": s.upstream_paths},
            latency_sample=sample,
        )
    other_calls = sum(s.upstream_paths.values()) - (run.upstream_calls or 0)
    return ScenarioResult(
        "stampede",
        f"3 Stampede ({plan.stampede_users} users, one new VIN)",
        [run],
        targets=[
            Target(
                "stampede = 1 upstream call",
                f"{run.upstream_calls} decode call(s), {other_calls} other CarsXE call(s) "
                f"({_listed(s.upstream_paths)}), {run.answered}/{run.updates} answered",
                run.upstream_calls == 1 and other_calls <= 1 and run.answered == run.updates,
            )
        ],
    )


# --- 4. ceiling -----------------------------------------------------------------------------


def ceiling_schedule(plan: Plan) -> list[list[tuple[int, int]]]:
    """Per 100 ms tick, the (user id, message number) pairs to offer, heavy and light mixed.

    Heavy users (ids 1..H) send `ceiling_heavy_share` of the offered rate between them; every
    other message comes from a light user who writes once (ids from LIGHT_USERS).
    """
    ticks = round(plan.ceiling_seconds * TICKS_PER_SECOND)
    per_tick = plan.ceiling_offered_per_second / TICKS_PER_SECOND
    heavy_per_tick = per_tick * plan.ceiling_heavy_share
    schedule: list[list[tuple[int, int]]] = []
    heavy_sent = light_sent = 0
    for tick in range(1, ticks + 1):
        messages: list[tuple[int, int]] = []
        for _ in range(round(tick * heavy_per_tick) - heavy_sent):
            messages.append((1 + heavy_sent % plan.ceiling_heavy_users, heavy_sent + light_sent))
            heavy_sent += 1
        for _ in range(round(tick * (per_tick - heavy_per_tick)) - light_sent):
            messages.append((LIGHT_USERS + light_sent, heavy_sent + light_sent))
            light_sent += 1
        schedule.append(messages)
    return schedule


def _wait_figures(timings: Sequence[dict[str, Any]], *, heavy: bool) -> dict[str, float]:
    chosen = [
        t for t in timings if t["chat_id"] is not None and (t["chat_id"] < LIGHT_USERS) == heavy
    ]
    summary = LatencySummary.of(latencies(chosen))
    return {
        "messages": len(chosen),
        "answered": summary.count,
        "p50": summary.p50,
        "p95": summary.p95,
    }


async def _ceiling_run(workspace: Workspace, plan: Plan, bot: str) -> RunFigures:
    pool = distinct_vins(40, seed=44)
    rate = {"TELEGRAM_MAX_RATE": f"{plan.ceiling_rate:g}"}
    schedule = ceiling_schedule(plan)
    async with session(workspace, "ceiling", bot, latency=plan.upstream_latency, **rate) as s:

        async def offer_on_schedule() -> None:
            started = time.monotonic()
            for tick, messages in enumerate(schedule, start=1):
                await s.offer_texts([(user, pool[n % len(pool)]) for user, n in messages])
                await asyncio.sleep(max(0.0, started + tick / TICKS_PER_SECOND - time.monotonic()))
            await s.wait_quiet()

        _, cpu = await _measured(s, offer_on_schedule)
        records, _ = await s.telegram.requests()
        timings = await s.telegram.timings()
        outbound = OutboundCalls.of(records)
        light = [t for t in timings if t["chat_id"] is not None and t["chat_id"] >= LIGHT_USERS]
        origin = min((float(t["offered_at"]) for t in timings), default=0.0)
        return RunFigures(
            bot=bot,
            updates=sum(len(messages) for messages in schedule),
            answered=len(latencies(timings)),
            updates_per_second=steady_rate(outbound.reply_times),
            latency=LatencySummary.of(latencies(light)),
            peak_rss_bytes=s.bot.rss.high_water_mark(),
            upstream_calls=await s.decode_calls() if bot == VINBOT else None,
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
                    **_wait_figures(timings, heavy=True),
                },
                "light_users": _wait_figures(timings, heavy=False),
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
    held = vinbot.updates_per_second >= CEILING_HELD_SHARE * plan.ceiling_rate
    return ScenarioResult(
        "ceiling",
        f"4 Ceiling (limit {plan.ceiling_rate:g}/s, {plan.ceiling_offered_per_second}/s offered)",
        runs,
        targets=[
            Target(
                f"holds the configured {plan.ceiling_rate:g}/s without a Telegram 429 "
                f"(no 1 s window above {plan.ceiling_rate:g} calls)",
                f"sustained {vinbot.updates_per_second:.1f} replies/s; {window} calls in the "
                f"busiest 1 s; {extra['telegram_429s']} 429s",
                held and window <= plan.ceiling_rate and extra["telegram_429s"] == 0,
            ),
        ],
        notes=[
            (
                f"{plan.ceiling_seconds:g} s at {plan.ceiling_offered_per_second} updates/s: "
                f"{plan.ceiling_heavy_users} heavy users send {plan.ceiling_heavy_share:.0%} of "
                "them, light users write once; vinbot keeps its default flood guard and quotas; "
                "latency columns are light users' waits; busiest chat got "
                f"{extra['max_calls_into_one_chat_in_any_1s']} calls in 1 s (Telegram asks for "
                f"about {TELEGRAM_PER_CHAT_PER_SECOND})"
            ),
            *(_fairness(run) for run in runs),
        ],
        series=[
            Series(
                f"{plan.ceiling_offered_per_second} updates/s offered: replies per second",
                "replies sent",
                {run.bot: [float(n) for n in run.extra["replies_per_second"]] for run in runs},
                limit=plan.ceiling_rate,
                limit_label=f"TELEGRAM_MAX_RATE={plan.ceiling_rate:g}",
            )
        ],
    )


def _fairness(run: RunFigures) -> str:
    """How the reply budget and the waiting were shared between heavy and light users."""
    heavy, light = run.extra["heavy_users"], run.extra["light_users"]
    replies = max(heavy["answered"] + light["answered"], 1)
    offered = max(heavy["messages"] + light["messages"], 1)
    return (
        f"{run.bot}: heavy users sent {heavy['messages'] / offered:.0%} of the messages and got "
        f"{heavy['answered'] / replies:.0%} of the replies, waiting p50/p95 "
        f"{heavy['p50'] * 1000:.0f}/{heavy['p95'] * 1000:.0f} ms; light users waited "
        f"{light['p50'] * 1000:.0f}/{light['p95'] * 1000:.0f} ms"
    )


# --- 5. memory ------------------------------------------------------------------------------


async def _fill(s: Session, plan: Plan, vins: list[str]) -> int:
    """Send every VIN (a few per message), at most `memory_in_flight` messages unanswered."""
    per = plan.memory_vins_per_message
    texts = [" ".join(vins[i : i + per]) for i in range(0, len(vins), per)]
    messages = list(zip(users(1_000_000, len(texts)), texts, strict=True))
    deadline = time.monotonic() + REPLY_WAIT_SECONDS * 3
    answered = offered = 0
    while answered < len(vins) and time.monotonic() < deadline:
        room = plan.memory_in_flight - (offered - answered // per)
        if offered < len(messages) and room >= plan.memory_in_flight // 2:
            take = min(room, len(messages) - offered)
            await s.offer_texts(messages[offered : offered + take])
            offered += take
        fresh = await s.new_replies()
        answered += len(fresh)
        if not fresh:
            s.bot.raise_if_exited()
            await asyncio.sleep(POLL_SECONDS)
    return answered


async def memory(workspace: Workspace, plan: Plan) -> ScenarioResult:
    """Many distinct VINs through a fast upstream: peak RSS, and RSS with the cache full."""
    vins = distinct_vins(plan.memory_vins, seed=55)
    settings = {**NO_RATE_LIMIT, **UNLIMITED}
    async with session(workspace, "memory", VINBOT, latency=0.0, **settings) as s:
        rss_start = s.bot.rss.current()
        started = time.perf_counter()
        answered, cpu = await _measured(s, lambda: _fill(s, plan, vins))
        elapsed = time.perf_counter() - started
        await asyncio.sleep(1.0)
        rss_after = s.bot.rss.current()
        run = RunFigures(
            bot=VINBOT,
            updates=len(vins),
            answered=answered,
            updates_per_second=answered / elapsed,
            latency=LatencySummary.of(latencies(await s.telegram.timings())),
            peak_rss_bytes=s.bot.rss.high_water_mark(),
            upstream_calls=await s.decode_calls(),
            rss_after_bytes=rss_after,
            cpu_ms_per_update=cpu * 1000 / max(answered, 1),
            extra={
                "rss_at_start_bytes": rss_start,
                "bot_api_calls": dict(s.methods),
                "carsxe_calls": s.upstream_paths,
            },
        )
    peak = run.peak_rss_bytes / MIB
    rss_by_second: dict[int, float] = {}
    for at, rss in s.bot.rss.samples:
        rss_by_second[int(at)] = max(rss_by_second.get(int(at), 0.0), rss / MIB)
    return ScenarioResult(
        "memory",
        f"5 Memory ({plan.memory_vins:,} distinct VINs)",
        [run],
        targets=[
            Target(
                f"peak RSS <= {PEAK_RSS_TARGET_MIB} MB with {plan.memory_vins:,} cached decodes",
                f"peak {peak:.1f} MiB, after {rss_after / MIB:.1f} MiB "
                f"(at start {rss_start / MIB:.1f} MiB)",
                peak <= PEAK_RSS_TARGET_MIB,
            )
        ],
        notes=[
            (
                f"upstream latency 0, {plan.memory_vins_per_message} VIN(s) per message, at most "
                f"{plan.memory_in_flight} messages unanswered, one new user per message; "
                "CACHE_MAX_ENTRIES at its default (10,000); updates/s counts decodes"
            ),
        ],
        series=[
            Series(
                f"{plan.memory_vins:,} distinct VINs: the bot's RSS",
                "RSS, MiB",
                {VINBOT: [rss_by_second[second] for second in sorted(rss_by_second)]},
                limit=PEAK_RSS_TARGET_MIB,
                limit_label=f"target {PEAK_RSS_TARGET_MIB} MB",
            )
        ],
    )


async def languages(workspace: Workspace, plan: Plan) -> ScenarioResult:
    """The warm scenario answered in English, Russian and Arabic: what the catalogs cost."""
    pool = distinct_vins(plan.warm_pool, seed=13)
    people = users(1, plan.warm_updates // plan.warm_messages_per_user)
    warm_up = [(people[index % len(people)], vin) for index, vin in enumerate(pool)]
    burst = [
        (people[index % len(people)], pool[index % len(pool)]) for index in range(plan.warm_updates)
    ]
    settings = {**NO_RATE_LIMIT, **UNLIMITED}
    readers = {"en": "vinbot, in English", "ru": "vinbot, in Russian", "ar": "vinbot, in Arabic"}
    async with contextlib.AsyncExitStack() as stack:
        tallies: list[tuple[str, _Tally]] = []
        for code, label in readers.items():
            world = session(workspace, f"languages-{code}", VINBOT, latency=0.0, **settings)
            tallies.append((code, _Tally(label, await stack.enter_async_context(world))))
        for code, tally in tallies:
            await tally.session.offer_texts(warm_up, language_code=code)
            await tally.session.wait_replies(len(warm_up))
        for _ in range(plan.warm_rounds):
            for code, tally in tallies:
                await tally.burst(burst, language_code=code)
        total = plan.warm_updates * plan.warm_rounds
        figures = [await tally.figures(total) for _code, tally in tallies]
    english = figures[0].cpu_ms_per_update or 1.0
    ratios = {
        code: (run.cpu_ms_per_update or 0.0) / english
        for (code, _), run in zip(tallies, figures, strict=True)
    }
    for run in figures:
        run.upstream_calls = None
    return ScenarioResult(
        "languages",
        "7 Languages (warm, answered through the catalogs)",
        figures,
        targets=[
            Target(
                "answering in Russian or Arabic costs no measurable CPU over English (within 10%)",
                ", ".join(f"{code} {ratio:.2f}x" for code, ratio in ratios.items()),
                all(ratio <= 1.1 for ratio in ratios.values()),
            )
        ],
        notes=[
            (
                "the warm scenario's load, once per language, taking turns; the readers' Telegram "
                "language decides the answer's language; CPU per update compared with English"
            )
        ],
    )


SCENARIOS: dict[str, Callable[[Workspace, Plan], Awaitable[ScenarioResult]]] = {
    "warm": warm,
    "cold": cold,
    "stampede": stampede,
    "ceiling": ceiling,
    "memory": memory,
    "languages": languages,
    "reservations": reservations,
    "two_instances": two_instances,
}
