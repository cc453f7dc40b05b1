"""In-process micro-benchmark: what reserving one paid call in the database costs.

A paid call is reserved with one conditional upsert per quota (the bot's month, then the user's
day) in one write transaction, and settled without another write when the call was made. This
times reserve + settle(paid=True) through the real PaidCallGate and QuotaService on a SQLite file
and on PostgreSQL (the test suite's server helper: Debian's binaries, a temporary cluster), one
after another and many at once, and sets the figures against the ~200 ms upstream call they
guard.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

from bench.report import LatencySummary, RunFigures, ScenarioResult, Target, percentile
from vinbot.services.paid_calls import PaidCallGate
from vinbot.services.quota import QuotaService
from vinbot.storage.engine import Database
from vinbot.storage.repositories import SqlUsageRepository

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from bench.scenarios import Plan, Workspace
    from vinbot.models.records import CapEvent

SEQUENTIAL = 400
CONCURRENT_USERS = 50
CONCURRENT_EACH = 8
# Limits high enough never to refuse: the conditional increments still run their WHERE.
DAILY_LIMIT = 1_000_000
MONTHLY_LIMIT = 100_000_000
# A reservation should cost next to nothing beside the call it guards.
SHARE_TARGET = 0.05


class _Quiet:
    def paid_call(self) -> None:
        """Not counted here."""

    async def spend_cap_reached(self, event: CapEvent) -> None:
        """Never reached here."""


@contextlib.asynccontextmanager
async def _postgres_url() -> AsyncIterator[str | None]:
    """A fresh PostgreSQL database, or None when no server can be started here."""
    try:
        from tests.postgres_server import PostgresServer, fresh_postgres_database  # noqa: PLC0415
    except ImportError:
        yield None
        return
    server = PostgresServer()
    try:
        await asyncio.to_thread(server.start)
    except Exception:
        yield None
        return
    try:
        async with fresh_postgres_database(server) as url:
            yield url
    finally:
        await asyncio.to_thread(server.stop)


async def _measure(label: str, url: str) -> tuple[RunFigures, float]:
    """Sequential reservations (their latencies), then many at once (reservations per second)."""
    database = Database(url)
    await database.initialize()
    try:
        quota = QuotaService(
            SqlUsageRepository(database.sessions),
            daily_lookups_per_user=DAILY_LIMIT,
            monthly_paid_calls=MONTHLY_LIMIT,
        )
        gate = PaidCallGate(quota, counter=_Quiet(), alerts=_Quiet())

        async def one(user_id: int) -> float:
            started = time.perf_counter()
            _, reservation = await gate.reserve(user_id, is_admin=False)
            if reservation is None:
                raise RuntimeError("a reservation was refused under limits that never refuse")
            reservation.settle(paid=True)
            return time.perf_counter() - started

        await one(0)  # the rows and the connection pool exist before timing
        sample = [await one(1 + n % CONCURRENT_USERS) for n in range(SEQUENTIAL)]
        started = time.perf_counter()
        waits = await asyncio.gather(
            *(one(1 + n % CONCURRENT_USERS) for n in range(CONCURRENT_USERS * CONCURRENT_EACH))
        )
        elapsed = time.perf_counter() - started
        await gate.aclose()
    finally:
        await database.aclose()
    total = CONCURRENT_USERS * CONCURRENT_EACH
    run = RunFigures(
        bot=label,
        updates=total,
        answered=total,
        updates_per_second=total / elapsed if elapsed else 0.0,
        latency=LatencySummary.of(sample),
        peak_rss_bytes=0,
        extra={"concurrent_p95_seconds": percentile(list(waits), 95)},
    )
    return run, percentile(sample, 95)


async def reservations(workspace: Workspace, plan: Plan) -> ScenarioResult:
    """The cost of one paid-call reservation on SQLite (and PostgreSQL), beside the upstream."""
    runs: list[RunFigures] = []
    p95s: dict[str, float] = {}
    sqlite_url = f"sqlite+aiosqlite:///{workspace.path('reservations.db')}"
    run, p95s["SQLite file"] = await _measure("reserve, SQLite file", sqlite_url)
    runs.append(run)
    notes = [
        (
            f"{SEQUENTIAL} reserve+settle one after another (latency columns), then "
            f"{CONCURRENT_USERS * CONCURRENT_EACH} at once from {CONCURRENT_USERS} users "
            "(updates/s column = reservations per second); in process, no Telegram, no upstream"
        )
    ]
    async with _postgres_url() as postgres:
        if postgres is None:
            notes.append("PostgreSQL: no server could be started here, SQLite only")
        else:
            run, p95s["PostgreSQL"] = await _measure("reserve, PostgreSQL", postgres)
            runs.append(run)
    budget = plan.upstream_latency * SHARE_TARGET
    return ScenarioResult(
        "reservations",
        "8 One paid-call reservation in the database, beside the upstream call",
        runs,
        targets=[
            Target(
                f"a reservation's p95 within {SHARE_TARGET:.0%} of the "
                f"{plan.upstream_latency * 1000:.0f} ms upstream call",
                ", ".join(
                    f"{name} {p95 * 1000:.2f} ms ({p95 / plan.upstream_latency:.1%})"
                    for name, p95 in p95s.items()
                ),
                all(p95 <= budget for p95 in p95s.values()),
            )
        ],
        notes=notes,
    )
