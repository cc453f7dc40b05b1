"""What an admin's /stats shows: uptime, traffic, cache and provider health."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from vinbot.health import HealthState
    from vinbot.metrics import Metrics, MetricsSnapshot
    from vinbot.services.paid_calls import PaidCallGate
    from vinbot.services.quota import QuotaService


LEDGER_WAIT_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A point-in-time view of the running bot."""

    uptime_seconds: float
    seconds_since_last_poll: float | None
    metrics: MetricsSnapshot
    providers: Mapping[str, str]  # provider -> circuit state ("closed", "open", "half_open")
    paid_calls_today: int | None = None
    paid_calls_month: int | None = None
    monthly_cap: int = 0  # 0: no cap


class StatusService:
    """Collects the status report from the parts that know each figure."""

    def __init__(
        self,
        metrics: Metrics,
        health: HealthState,
        provider_states: Callable[[], Mapping[str, str]],
        quota: QuotaService,
        gate: PaidCallGate,
    ) -> None:
        self._quota = quota
        self._gate = gate
        self._metrics = metrics
        self._health = health
        self._provider_states = provider_states

    async def report(self) -> StatusReport:
        """The current figures."""
        liveness = self._health.liveness()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(LEDGER_WAIT_SECONDS):
                await self._gate.flush()  # allowances given back a moment ago are gone
        usage = await self._quota.usage_summary()
        return StatusReport(
            uptime_seconds=liveness.uptime_seconds,
            seconds_since_last_poll=liveness.seconds_since_last_poll,
            metrics=self._metrics.snapshot(),
            providers=dict(self._provider_states()),
            paid_calls_today=usage.today,
            paid_calls_month=usage.month,
            monthly_cap=usage.monthly_cap,
        )
