"""`python -m bench` (`make bench`): run the scenarios, print the table, write bench/results/."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from bench.report import draw_png, markdown_report, markdown_table, write_json
from bench.scenarios import SCENARIOS, Plan, Workspace

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bench.report import ScenarioResult

RESULTS = Path(__file__).resolve().parent / "results"
EXIT_INTERRUPTED = 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark vinbot against a bare python-telegram-bot bot on fake servers "
        "on 127.0.0.1; figures go to bench/results/.",
    )
    parser.add_argument("--quick", action="store_true", help="a short run (well under a minute)")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(SCENARIOS),
        help="run only this scenario (repeatable)",
    )
    parser.add_argument(
        "--latency", type=float, default=0.2, help="fake CarsXE latency, seconds (0.2)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="output folder")
    parser.add_argument("--keep-logs", action="store_true", help="keep the bots' logs in --out")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample each bot with py-spy (needs ptrace rights) into --out/profiles/*.txt",
    )
    return parser


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "python-telegram-bot": metadata.version("python-telegram-bot"),
        "platform": platform.platform(),
    }


async def run(plan: Plan, names: Sequence[str], workspace: Workspace) -> list[ScenarioResult]:
    """Run the named scenarios in order, announcing each on stderr.

    SIGTERM cancels the run like Ctrl-C does, so every child process is stopped on the way out.
    """
    this = asyncio.current_task()
    if this is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, this.cancel)
    results: list[ScenarioResult] = []
    for name in names:
        started = time.perf_counter()
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        results.append(await SCENARIOS[name](workspace, plan))
        print(f"bench: {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the table and write results.json, results.md and latency.png."""
    args = _parser().parse_args(argv)
    plan = Plan.quick() if args.quick else Plan()
    plan = dataclasses.replace(plan, upstream_latency=args.latency)
    names = [name for name in SCENARIOS if not args.only or name in args.only]
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    profiles = out / "profiles" if args.profile else None
    if profiles is not None:
        profiles.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vinbot-bench-") as tmp:
        try:
            results = asyncio.run(run(plan, names, Workspace(Path(tmp), profiles)))
        except (KeyboardInterrupt, asyncio.CancelledError):
            print("bench: interrupted; every child process was stopped", file=sys.stderr)
            return EXIT_INTERRUPTED
        finally:
            if args.keep_logs:
                logs = out / "logs"
                logs.mkdir(exist_ok=True)
                for log in Path(tmp).glob("*.log"):
                    shutil.copy(log, logs / log.name)
    settings = {**plan.settings(), "mode": "quick" if args.quick else "full"}
    about = machine()
    write_json(out / "results.json", results, about, settings)
    (out / "results.md").write_text(markdown_report(results, about, settings))
    drew = draw_png(out / "latency.png", results)
    print()
    print(markdown_table(results))
    print()
    wrote = ["results.json", "results.md"] + (["latency.png"] if drew else [])
    print(f"bench: wrote {', '.join(wrote)} to {out} in {time.perf_counter() - started:.0f} s")
    if not drew:
        print("bench: install matplotlib (requirements-dev.txt) to draw latency.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
