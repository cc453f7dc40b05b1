"""Prometheus metrics on a registry each `Metrics` owns, plus plain numbers for /stats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

type ProviderOutcome = Literal[
    "ok", "not_found", "unavailable", "quota", "auth", "bad_response", "circuit_open"
]

UPDATE_KINDS: Final = frozenset(
    {
        "message",
        "edited_message",
        "command",
        "photo",
        "document",
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "my_chat_member",
        "other",
    }
)
PROVIDER_OUTCOMES: Final[frozenset[str]] = frozenset(
    {"ok", "not_found", "unavailable", "quota", "auth", "bad_response", "circuit_open"}
)
OTHER: Final = "other"

# 5 ms (a cache hit) up to 10 s (a slow provider just inside the decode deadline).
DECODE_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# Free-form label values are squeezed into this shape so a caller cannot blow up cardinality
# with, say, user text; anything else is counted as "other".
_LABEL_VALUE = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _label(value: str) -> str:
    lowered = value.lower()
    return lowered if _LABEL_VALUE.fullmatch(lowered) else OTHER


def _by_label(counter: Counter, label: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for family in counter.collect():
        for sample in family.samples:
            if sample.name.endswith("_total"):
                counts[sample.labels[label]] = int(sample.value)
    return counts


def _single(counter: Counter) -> int:
    return sum(
        int(sample.value)
        for family in counter.collect()
        for sample in family.samples
        if sample.name.endswith("_total")
    )


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    """Plain numbers for the admin /stats command."""

    updates: Mapping[str, int]
    replies: Mapping[str, int]
    errors: Mapping[str, int]
    provider_calls: Mapping[tuple[str, str], int]
    decodes: int
    decode_seconds_total: float
    cache_hits: int
    cache_misses: int
    paid_calls: int

    @property
    def updates_total(self) -> int:
        """Updates received, every kind together."""
        return sum(self.updates.values())

    @property
    def replies_total(self) -> int:
        """Replies sent, every kind together."""
        return sum(self.replies.values())

    @property
    def errors_total(self) -> int:
        """Errors counted, every kind together."""
        return sum(self.errors.values())

    @property
    def cache_hit_ratio(self) -> float | None:
        """Hits over lookups, or None before the first lookup."""
        lookups = self.cache_hits + self.cache_misses
        return self.cache_hits / lookups if lookups else None

    @property
    def decode_seconds_average(self) -> float | None:
        """Mean decode time, or None before the first decode."""
        return self.decode_seconds_total / self.decodes if self.decodes else None


class Metrics:
    """Every vinbot metric, on its own registry, with one method per event."""

    # The classic text format: every Prometheus and Fly scraper reads it.
    content_type: Final = CONTENT_TYPE_PLAIN_0_0_4

    def __init__(self, providers: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._updates = Counter(
            "vinbot_updates", "Telegram updates received.", ["kind"], registry=self.registry
        )
        self._replies = Counter(
            "vinbot_replies", "Messages sent back to users.", ["kind"], registry=self.registry
        )
        self._decode_seconds = Histogram(
            "vinbot_decode_seconds",
            "Time to decode one VIN, cache included.",
            buckets=DECODE_BUCKETS,
            registry=self.registry,
        )
        self._provider_calls = Counter(
            "vinbot_provider_calls",
            "Calls to vehicle data providers by outcome.",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self._cache_requests = Counter(
            "vinbot_cache_requests", "Decode cache lookups.", ["result"], registry=self.registry
        )
        self._errors = Counter("vinbot_errors", "Errors by kind.", ["kind"], registry=self.registry)
        self._paid_calls = Counter(
            "vinbot_paid_calls", "Calls to paid provider endpoints.", registry=self.registry
        )
        self._polling_healthy = Gauge(
            "vinbot_polling_healthy",
            "1 while getUpdates succeeds within the stall threshold.",
            registry=self.registry,
        )
        self._ready = Gauge(
            "vinbot_ready", "1 while the bot reports itself ready.", registry=self.registry
        )
        self._webhook_requests = Counter(
            "vinbot_webhook_requests",
            "Requests to the webhook route by outcome (webhook mode only).",
            ["outcome"],
            registry=self.registry,
        )
        # Known series start at zero so rate() works from the first scrape.
        for kind in UPDATE_KINDS:
            self._updates.labels(kind=kind)
        for result in ("hit", "miss"):
            self._cache_requests.labels(result=result)
        for provider in providers:
            for outcome in PROVIDER_OUTCOMES:
                self._provider_calls.labels(provider=_label(provider), outcome=outcome)

    def update_received(self, kind: str) -> None:
        """Count one incoming update; unknown kinds count as "other"."""
        self._updates.labels(kind=kind if kind in UPDATE_KINDS else OTHER).inc()

    def reply_sent(self, kind: str) -> None:
        """Count one message sent to a user."""
        self._replies.labels(kind=_label(kind)).inc()

    def observe_decode(self, seconds: float) -> None:
        """Record how long one decode took."""
        self._decode_seconds.observe(max(seconds, 0.0))

    def provider_call(self, provider: str, outcome: ProviderOutcome) -> None:
        """Count one provider call and how it ended."""
        self._provider_calls.labels(
            provider=_label(provider),
            outcome=outcome if outcome in PROVIDER_OUTCOMES else OTHER,
        ).inc()

    def cache_hit(self) -> None:
        """Count a decode served from the cache."""
        self._cache_requests.labels(result="hit").inc()

    def cache_miss(self) -> None:
        """Count a decode the cache could not serve."""
        self._cache_requests.labels(result="miss").inc()

    def error(self, kind: str) -> None:
        """Count one error of a kind (an exception class name works)."""
        self._errors.labels(kind=_label(kind)).inc()

    def paid_call(self) -> None:
        """Count one call to a paid endpoint."""
        self._paid_calls.inc()

    def webhook_request(self, outcome: str) -> None:
        """Count one request to the webhook route ("ok", "forbidden", "bad_request", …)."""
        self._webhook_requests.labels(outcome=_label(outcome)).inc()

    def set_polling_healthy(self, healthy: bool) -> None:
        """Mirror the liveness verdict into a gauge."""
        self._polling_healthy.set(1 if healthy else 0)

    def set_ready(self, ready: bool) -> None:
        """Mirror the readiness flag into a gauge."""
        self._ready.set(1 if ready else 0)

    def render(self) -> bytes:
        """Every metric in the Prometheus text format (see `content_type`)."""
        return generate_latest(self.registry)

    def snapshot(self) -> MetricsSnapshot:
        """Current counts as plain numbers."""
        provider_calls: dict[tuple[str, str], int] = {}
        for family in self._provider_calls.collect():
            for sample in family.samples:
                if sample.name.endswith("_total") and sample.value:
                    key = (sample.labels["provider"], sample.labels["outcome"])
                    provider_calls[key] = int(sample.value)
        decodes = 0
        decode_seconds_total = 0.0
        for family in self._decode_seconds.collect():
            for sample in family.samples:
                if sample.name.endswith("_count"):
                    decodes = int(sample.value)
                elif sample.name.endswith("_sum"):
                    decode_seconds_total = sample.value
        cache = _by_label(self._cache_requests, "result")
        return MetricsSnapshot(
            updates={k: v for k, v in _by_label(self._updates, "kind").items() if v},
            replies=_by_label(self._replies, "kind"),
            errors=_by_label(self._errors, "kind"),
            provider_calls=provider_calls,
            decodes=decodes,
            decode_seconds_total=decode_seconds_total,
            cache_hits=cache.get("hit", 0),
            cache_misses=cache.get("miss", 0),
            paid_calls=_single(self._paid_calls),
        )
