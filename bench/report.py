"""Figures from raw timings (pure), and the outputs: console table, results.json, .md, .png."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from pathlib import Path

MIB = 1024 * 1024
# Bot API calls that put a new message in front of the user.
SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks; NaN when empty."""
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """Reply latency percentiles in seconds."""

    count: int
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, latencies: Sequence[float]) -> LatencySummary:
        """Summarise a sample of latencies."""
        return cls(
            count=len(latencies),
            p50=percentile(latencies, 50),
            p95=percentile(latencies, 95),
            p99=percentile(latencies, 99),
            max=max(latencies) if latencies else math.nan,
        )


def latencies(timings: Iterable[Mapping[str, Any]]) -> list[float]:
    """Offer-to-reply seconds of every answered update in the fake's timing records."""
    return [float(t["latency"]) for t in timings if t.get("latency") is not None]


def throughput(timings: Sequence[Mapping[str, Any]]) -> float:
    """Answered updates per second, from the first offer to the last reply."""
    answered = [t for t in timings if t.get("replied_at") is not None]
    if not answered:
        return 0.0
    start = min(float(t["offered_at"]) for t in timings)
    end = max(float(t["replied_at"]) for t in answered)
    return len(answered) / (end - start) if end > start else math.inf


def max_in_window(times: Iterable[float], window: float = 1.0) -> int:
    """The most events inside any half-open interval [t, t + window)."""
    ordered = sorted(times)
    best = 0
    start = 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def steady_rate(times: Iterable[float]) -> float:
    """Events per second between the first and the last event."""
    ordered = sorted(times)
    if len(ordered) < 2:
        return 0.0
    span = ordered[-1] - ordered[0]
    return (len(ordered) - 1) / span if span > 0 else math.inf


def per_second(times: Iterable[float], origin: float) -> list[int]:
    """Events counted in consecutive one-second bins from origin."""
    counts: list[int] = []
    for moment in times:
        index = int(moment - origin)
        if index < 0:
            continue
        counts.extend([0] * (index + 1 - len(counts)))
        counts[index] += 1
    return counts


@dataclass(frozen=True)
class OutboundCalls:
    """What a bot sent into chats, from the fake's request records: Telegram limits these."""

    reply_times: list[float]
    by_method: dict[str, int]
    max_per_second: int
    max_per_chat_second: int
    too_many_requests: int

    @classmethod
    def of(cls, records: Iterable[Mapping[str, Any]]) -> OutboundCalls:
        """Every call naming a chat counts toward the limits; the SENDS are replies."""
        chat_calls = [r for r in records if r.get("params", {}).get("chat_id") is not None]
        by_chat: dict[str, list[float]] = {}
        by_method: dict[str, int] = {}
        for record in chat_calls:
            by_chat.setdefault(str(record["params"]["chat_id"]), []).append(float(record["at"]))
            by_method[record["method"]] = by_method.get(record["method"], 0) + 1
        return cls(
            reply_times=sorted(float(r["at"]) for r in chat_calls if r["method"] in SENDS),
            by_method=by_method,
            max_per_second=max_in_window(float(r["at"]) for r in chat_calls),
            max_per_chat_second=max((max_in_window(t) for t in by_chat.values()), default=0),
            too_many_requests=sum(1 for r in chat_calls if r.get("status") == 429),
        )


@dataclass
class RunFigures:
    """What one bot did in one scenario."""

    bot: str
    updates: int
    answered: int
    updates_per_second: float
    latency: LatencySummary
    peak_rss_bytes: int
    upstream_calls: int | None = None
    rss_after_bytes: int | None = None
    cpu_ms_per_update: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    latency_sample: list[float] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        """Everything but the raw sample."""
        data = asdict(self)
        data.pop("latency_sample")
        return data


@dataclass
class Target:
    """One of the issue's targets and whether this run met it."""

    goal: str
    measured: str
    met: bool


@dataclass(frozen=True)
class Series:
    """A time series to draw: one line per bot, with an optional limit line."""

    title: str
    y_label: str
    lines: dict[str, list[float]]
    limit: float | None = None
    limit_label: str = ""


@dataclass
class ScenarioResult:
    """One scenario's runs (vinbot, and the baseline where it applies) and its target."""

    key: str
    title: str
    runs: list[RunFigures]
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)

    def run(self, bot: str) -> RunFigures | None:
        """The run of one bot, if it took part."""
        return next((r for r in self.runs if r.bot == bot), None)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {
            "key": self.key,
            "title": self.title,
            "runs": [run.to_json() for run in self.runs],
            "targets": [asdict(t) for t in self.targets],
            "notes": self.notes,
            "series": [asdict(series) for series in self.series],
        }


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.0f}"


def _mib(size: int | None) -> str:
    return "-" if not size else f"{size / MIB:.1f}"


def markdown_table(results: Sequence[ScenarioResult]) -> str:
    """One row per bot per scenario, then the targets."""
    lines = [
        (
            "| scenario | bot | answered | updates/s | p50 ms | p95 ms | p99 ms | upstream calls "
            "| CPU ms/update | peak RSS MiB | RSS after MiB |"
        ),
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        for run in result.runs:
            calls = "-" if run.upstream_calls is None else str(run.upstream_calls)
            cpu = "-" if run.cpu_ms_per_update is None else f"{run.cpu_ms_per_update:.2f}"
            lines.append(
                f"| {result.title} | {run.bot} | {run.answered}/{run.updates} "
                f"| {run.updates_per_second:.1f} | {_ms(run.latency.p50)} | {_ms(run.latency.p95)} "
                f"| {_ms(run.latency.p99)} | {calls} | {cpu} | {_mib(run.peak_rss_bytes)} "
                f"| {_mib(run.rss_after_bytes)} |"
            )
    lines += ["", "| target | measured | met |", "| --- | --- | --- |"]
    for result in results:
        lines.extend(
            f"| {t.goal} | {t.measured} | {'yes' if t.met else '**no**'} |" for t in result.targets
        )
    notes = [f"- {result.title}: {note}" for result in results for note in result.notes]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def markdown_report(
    results: Sequence[ScenarioResult], machine: Mapping[str, Any], settings: Mapping[str, Any]
) -> str:
    """results.md: the machine, the settings and the table."""
    described = ", ".join(f"{key}: {value}" for key, value in machine.items())
    configured = ", ".join(f"{key}={value}" for key, value in settings.items())
    return (
        "# vinbot benchmark\n\n"
        f"Machine: {described}.\n\nSettings: {configured}.\n\n"
        f"{markdown_table(results)}\n"
    )


def write_json(
    path: Path,
    results: Sequence[ScenarioResult],
    machine: Mapping[str, Any],
    settings: Mapping[str, Any],
) -> None:
    """results.json: every figure, for tools and for comparing runs; no data is null."""
    body = {
        "machine": dict(machine),
        "settings": dict(settings),
        "scenarios": [result.to_json() for result in results],
    }
    path.write_text(json.dumps(finite(body), indent=2, allow_nan=False) + "\n")


def finite(value: Any) -> Any:
    """The same JSON-ready value with NaN and infinities (figures without data) as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def draw_png(path: Path, results: Sequence[ScenarioResult]) -> bool:
    """latency.png: latency distributions per scenario, then the time series.

    Returns False when matplotlib (a dev dependency) is not installed.
    """
    try:
        import matplotlib as mpl  # noqa: PLC0415 - optional, dev only

        mpl.use("Agg")
        from matplotlib import pyplot as plt  # noqa: PLC0415
    except ImportError:
        return False
    latency_panels = [r for r in results if any(run.latency_sample for run in r.runs)]
    series = [series for result in results for series in result.series]
    count = len(latency_panels) + len(series)
    if count == 0:
        return False
    rows = math.ceil(count / 2)
    figure, axes = plt.subplots(rows, 2, figsize=(12, 3.6 * rows), squeeze=False)
    flat = [axis for row in axes for axis in row]
    for axis, result in zip(flat, latency_panels, strict=False):
        for run in result.runs:
            if run.latency_sample:
                sample = sorted(value * 1000 for value in run.latency_sample)
                share = [(index + 1) / len(sample) for index in range(len(sample))]
                label = f"{run.bot} (p50 {_ms(run.latency.p50)}, p95 {_ms(run.latency.p95)} ms)"
                axis.step(sample, share, where="post", label=label)
        axis.set_title(result.title)
        axis.set_xlabel("reply latency, ms (update offered → reply received)")
        axis.set_ylabel("share of updates answered")
        axis.grid(visible=True, alpha=0.3)
        axis.legend(loc="lower right", fontsize="small")
    for axis, line_set in zip(flat[len(latency_panels) :], series, strict=False):
        for name, values in line_set.lines.items():
            axis.plot(range(len(values)), values, marker=".", label=name)
        if line_set.limit is not None:
            axis.axhline(line_set.limit, color="red", linestyle="--", label=line_set.limit_label)
        axis.set_title(line_set.title)
        axis.set_xlabel("second of the run")
        axis.set_ylabel(line_set.y_label)
        axis.set_ylim(bottom=0)
        axis.grid(visible=True, alpha=0.3)
        axis.legend(loc="lower right", fontsize="small")
    for axis in flat[count:]:
        axis.set_visible(False)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True
