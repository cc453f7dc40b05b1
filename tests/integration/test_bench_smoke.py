"""The benchmark's pure parts: VIN generation, percentile and window maths, load shape, report."""

from __future__ import annotations

import json
import math
import random

import pytest
from telegram.ext import AIORateLimiter, MessageHandler

from bench.baseline_bot import FIXED_REPLY, build
from bench.report import (
    LatencySummary,
    OutboundCalls,
    RunFigures,
    ScenarioResult,
    Series,
    Target,
    finite,
    latencies,
    markdown_table,
    max_in_window,
    per_second,
    percentile,
    steady_rate,
    throughput,
)
from bench.scenarios import LIGHT_USERS, Plan, ceiling_schedule
from bench.vins import distinct_vins, make_vin, with_check_digit
from vinbot.models.vin import analyse, check_digit, find_vins


def test_generated_vins_are_distinct_and_valid() -> None:
    """Every generated VIN passes the bot's validator, carries its check digit and is unique."""
    vins = distinct_vins(2000, seed=7)
    assert len(set(vins)) == 2000
    for vin in vins:
        assert analyse(vin).valid, vin
        assert vin[8] == check_digit(vin)
        assert vin.startswith("1HG")


def test_generated_vins_are_found_in_message_text() -> None:
    """The bot's VIN finder picks a generated VIN out of a chat message."""
    vin = make_vin(random.Random(3), serial=42)
    assert find_vins(f"what is {vin}?") == [vin]
    assert vin.endswith("000042")


def test_vin_lists_repeat_for_a_seed() -> None:
    """The same seed gives the same VINs, so runs are comparable."""
    assert distinct_vins(50, seed=5) == distinct_vins(50, seed=5)
    assert distinct_vins(50, seed=5) != distinct_vins(50, seed=6)


def test_with_check_digit_repairs_position_nine() -> None:
    """A VIN with a wrong check digit is given the right one."""
    assert with_check_digit("1HGCM82603A004352") == "1HGCM82633A004352"


def test_percentile_interpolates_between_ranks() -> None:
    """Percentiles interpolate linearly, as numpy's default does."""
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([7.0], 99) == 7.0


def test_percentile_of_nothing_is_nan_and_q_is_checked() -> None:
    """An empty sample has no percentile, and q outside 0-100 is refused."""
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], 101)


def test_latency_summary_of_a_sample() -> None:
    """The summary reports count, p50, p95, p99 and max."""
    summary = LatencySummary.of([0.1, 0.2, 0.3, 0.4])
    assert summary.count == 4
    assert summary.p50 == pytest.approx(0.25)
    assert summary.max == 0.4
    assert LatencySummary.of([]).count == 0


def test_max_in_window_counts_a_half_open_second() -> None:
    """The busiest [t, t + 1) interval is found; an event exactly 1 s later is outside it."""
    assert max_in_window([0.0, 0.5, 0.99, 1.0, 1.5]) == 3
    assert max_in_window([0.0, 1.0, 2.0]) == 1
    assert max_in_window([]) == 0
    assert max_in_window([2.0, 0.0, 0.1, 0.2]) == 3


def test_rates_from_event_times() -> None:
    """Steady rate spans first to last event; per-second bins count from the origin."""
    assert steady_rate([0.0, 0.5, 1.0]) == pytest.approx(2.0)
    assert steady_rate([1.0]) == 0.0
    assert per_second([0.1, 0.2, 1.5, 3.0, -1.0], origin=0.0) == [2, 1, 0, 1]


def test_throughput_and_latencies_from_the_fakes_timings() -> None:
    """Answered updates per second run from the first offer to the last reply."""
    timings = [
        {"offered_at": 10.0, "replied_at": 10.5, "latency": 0.5},
        {"offered_at": 10.0, "replied_at": 12.0, "latency": 2.0},
        {"offered_at": 11.0, "replied_at": None, "latency": None},
    ]
    assert throughput(timings) == pytest.approx(1.0)
    assert latencies(timings) == [0.5, 2.0]
    assert throughput([]) == 0.0


def test_outbound_calls_count_every_call_into_a_chat() -> None:
    """Replies and chat actions both count toward Telegram's limits; getUpdates does not."""
    records = [
        {"method": "getUpdates", "params": {}, "at": 0.0, "status": 200},
        {"method": "sendChatAction", "params": {"chat_id": 1}, "at": 0.1, "status": 200},
        {"method": "sendMessage", "params": {"chat_id": 1}, "at": 0.2, "status": 200},
        {"method": "sendMessage", "params": {"chat_id": 2}, "at": 0.3, "status": 429},
        {"method": "sendPhoto", "params": {"chat_id": 2}, "at": 1.5, "status": 200},
    ]
    calls = OutboundCalls.of(records)
    assert calls.reply_times == [0.2, 0.3, 1.5]
    assert calls.by_method == {"sendChatAction": 1, "sendMessage": 2, "sendPhoto": 1}
    assert calls.max_per_second == 3
    assert calls.max_per_chat_second == 2
    assert calls.too_many_requests == 1


def test_ceiling_load_mixes_heavy_and_light_users_at_the_offered_rate() -> None:
    """The ceiling schedule offers the planned rate, a third of it from a few heavy users."""
    plan = Plan(ceiling_seconds=5.0, ceiling_offered_per_second=60, ceiling_heavy_users=5)
    schedule = ceiling_schedule(plan)
    messages = [message for tick in schedule for message in tick]
    assert len(schedule) == 50
    assert len(messages) == 300
    heavy = [user for user, _ in messages if user < LIGHT_USERS]
    light = [user for user, _ in messages if user >= LIGHT_USERS]
    assert set(heavy) == {1, 2, 3, 4, 5}
    assert len(heavy) == 100
    assert len(light) == len(set(light)) == 200
    assert max(len(tick) for tick in schedule) - min(len(tick) for tick in schedule) <= 1


def test_quick_plan_is_smaller_than_the_full_one() -> None:
    """--quick shrinks every scenario."""
    full, quick = Plan(), Plan.quick()
    assert quick.warm_updates * quick.warm_rounds < full.warm_updates * full.warm_rounds
    assert quick.memory_vins < full.memory_vins == 10_000
    assert quick.ceiling_seconds < full.ceiling_seconds


def test_markdown_table_shows_runs_and_verdicts() -> None:
    """The table has a row per run and says which targets were missed."""
    run = RunFigures(
        bot="vinbot",
        updates=10,
        answered=10,
        updates_per_second=50.0,
        latency=LatencySummary.of([0.1, 0.2]),
        peak_rss_bytes=100 * 1024 * 1024,
        upstream_calls=1,
    )
    result = ScenarioResult(
        "stampede", "3 Stampede", [run], targets=[Target("one call", "2 calls", met=False)]
    )
    table = markdown_table([result])
    assert "| 3 Stampede | vinbot | 10/10 | 50.0 | 150 | 195 | 199 | 1 |" in table
    assert "| one call | 2 calls | **no** |" in table


def test_baseline_bot_is_a_plain_ptb_application() -> None:
    """The bare bot answers text with a fixed reply and adds a rate limiter only when asked."""
    environ = {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot"}
    application = build(environ)
    assert application.bot.rate_limiter is None
    assert application.concurrent_updates == 64
    handlers = application.handlers[0]
    assert len(handlers) == 1
    assert isinstance(handlers[0], MessageHandler)
    limited = build({**environ, "TELEGRAM_MAX_RATE": "30", "CONCURRENT_UPDATES": "8"})
    assert isinstance(limited.bot.rate_limiter, AIORateLimiter)
    assert limited.concurrent_updates == 8
    assert FIXED_REPLY


def test_results_json_has_no_nan() -> None:
    """Figures without data become null, so results.json stays standard JSON."""
    run = RunFigures("vinbot", 0, 0, math.nan, LatencySummary.of([]), 0)
    result = ScenarioResult(
        "memory", "5 Memory", [run], series=[Series("RSS", "MiB", {"vinbot": [1.0, math.inf]})]
    )
    body = finite(result.to_json())
    text = json.dumps(body, allow_nan=False)
    assert '"p95": null' in text
    assert body["series"][0]["lines"]["vinbot"] == [1.0, None]
    assert json.dumps(Plan().settings())
