"""Metrics: the exposition shows every series after its event, and snapshots give plain numbers."""

from __future__ import annotations

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from vinbot.metrics import DECODE_BUCKETS, Metrics


def _samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = metrics.render().decode("utf-8")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return _samples(metrics).get((name, frozenset(labels.items())))


def test_exposition_contains_every_series_after_events() -> None:
    """Each event method shows up as its series with the right labels and count."""
    metrics = Metrics()
    metrics.update_received("message")
    metrics.update_received("message")
    metrics.update_received("callback_query")
    metrics.reply_sent("decode_result")
    metrics.observe_decode(0.2)
    metrics.provider_call("carsxe", "ok")
    metrics.provider_call("nhtsa", "circuit_open")
    metrics.cache_hit()
    metrics.cache_miss()
    metrics.error("ProviderUnavailable")
    metrics.paid_call()

    assert _value(metrics, "vinbot_updates_total", kind="message") == 2
    assert _value(metrics, "vinbot_updates_total", kind="callback_query") == 1
    assert _value(metrics, "vinbot_replies_total", kind="decode_result") == 1
    assert _value(metrics, "vinbot_decode_seconds_count") == 1
    assert _value(metrics, "vinbot_decode_seconds_bucket", le="0.25") == 1
    assert _value(metrics, "vinbot_decode_seconds_bucket", le="0.1") == 0
    assert _value(metrics, "vinbot_provider_calls_total", provider="carsxe", outcome="ok") == 1
    assert (
        _value(metrics, "vinbot_provider_calls_total", provider="nhtsa", outcome="circuit_open")
        == 1
    )
    assert _value(metrics, "vinbot_cache_requests_total", result="hit") == 1
    assert _value(metrics, "vinbot_cache_requests_total", result="miss") == 1
    assert _value(metrics, "vinbot_errors_total", kind="providerunavailable") == 1
    assert _value(metrics, "vinbot_paid_calls_total") == 1


def test_known_series_start_at_zero() -> None:
    """Update kinds, cache results and declared providers are exposed at 0 before any event."""
    metrics = Metrics(providers=["carsxe"])
    assert _value(metrics, "vinbot_updates_total", kind="inline_query") == 0
    assert _value(metrics, "vinbot_cache_requests_total", result="miss") == 0
    assert _value(metrics, "vinbot_provider_calls_total", provider="carsxe", outcome="quota") == 0


def test_decode_buckets_span_five_ms_to_ten_seconds() -> None:
    """The decode histogram's buckets run from 5 ms to 10 s."""
    metrics = Metrics()
    assert DECODE_BUCKETS[0] == 0.005
    assert DECODE_BUCKETS[-1] == 10.0
    for bucket in ("0.005", "10.0", "+Inf"):
        assert _value(metrics, "vinbot_decode_seconds_bucket", le=bucket) == 0


def test_unexpected_label_values_collapse_to_other() -> None:
    """Unknown update kinds and label values that are not short identifiers count as "other"."""
    metrics = Metrics()
    metrics.update_received("poll_answer_from_the_future")
    metrics.error("a user's free text with spaces")
    metrics.reply_sent("x" * 200)
    assert _value(metrics, "vinbot_updates_total", kind="other") == 1
    assert _value(metrics, "vinbot_errors_total", kind="other") == 1
    assert _value(metrics, "vinbot_replies_total", kind="other") == 1


def test_gauges_follow_health_and_readiness() -> None:
    """The polling and ready gauges show the last value set."""
    metrics = Metrics()
    metrics.set_polling_healthy(True)
    metrics.set_ready(False)
    assert _value(metrics, "vinbot_polling_healthy") == 1
    assert _value(metrics, "vinbot_ready") == 0


def test_each_instance_owns_its_registry() -> None:
    """Two Metrics never share counts and nothing lands in the global registry."""
    first, second = Metrics(), Metrics()
    first.cache_hit()
    assert _value(first, "vinbot_cache_requests_total", result="hit") == 1
    assert _value(second, "vinbot_cache_requests_total", result="hit") == 0
    assert REGISTRY.get_sample_value("vinbot_cache_requests_total", {"result": "hit"}) is None


def test_content_type_is_prometheus_text() -> None:
    """The advertised content type is the Prometheus text format."""
    assert Metrics.content_type.startswith("text/plain; version=0.0.4")


def test_snapshot_gives_plain_numbers() -> None:
    """The snapshot sums counts per kind and computes the cache hit ratio and mean decode time."""
    metrics = Metrics()
    for _ in range(3):
        metrics.cache_hit()
    metrics.cache_miss()
    metrics.update_received("message")
    metrics.update_received("photo")
    metrics.reply_sent("decode_result")
    metrics.error("timeout")
    metrics.error("timeout")
    metrics.provider_call("carsxe", "quota")
    metrics.paid_call()
    metrics.observe_decode(0.5)
    metrics.observe_decode(1.5)

    snapshot = metrics.snapshot()

    assert snapshot.cache_hits == 3
    assert snapshot.cache_misses == 1
    assert snapshot.cache_hit_ratio == 0.75
    assert snapshot.updates == {"message": 1, "photo": 1}
    assert snapshot.updates_total == 2
    assert snapshot.replies_total == 1
    assert snapshot.errors == {"timeout": 2}
    assert snapshot.errors_total == 2
    assert snapshot.provider_calls == {("carsxe", "quota"): 1}
    assert snapshot.paid_calls == 1
    assert snapshot.decodes == 2
    assert snapshot.decode_seconds_average == 1.0


def test_empty_snapshot_has_no_ratios() -> None:
    """Before any lookup or decode, the ratio and the average are None, not a division error."""
    snapshot = Metrics().snapshot()
    assert snapshot.cache_hit_ratio is None
    assert snapshot.decode_seconds_average is None
    assert snapshot.updates_total == 0
