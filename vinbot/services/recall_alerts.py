"""Recall alerts: check garage cars for new NHTSA campaigns and tell each subscriber once.

The first check of a VIN is its baseline: the campaigns found then are stored and nobody is told
(they were there before anyone watched). A campaign found by a later check is new; it is
announced to every user with the car saved before it was first seen, alerts on and not blocked,
exactly once per (user, VIN, campaign).

Several instances may share the database: a run first takes the "recall_alerts" lease (renewed
before each VIN), so one instance checks at a time and the others skip their run. Behind that,
each message is claimed before it is sent - one INSERT ... ON CONFLICT DO NOTHING that only one
caller can win - so even two runs at once tell each owner once. A send that fails gives its
claim back, so it is tried again on the VIN's next check; a crash between the claim and the
send loses that one alert (at most once, never twice).
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from vinbot.logs import get_logger
from vinbot.models.errors import InvalidVin, RecallsUnavailable
from vinbot.models.records import utc_now

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from vinbot.models.recalls import Recall, RecallReport
    from vinbot.models.records import Clock
    from vinbot.services.leases import Lease
    from vinbot.storage.recall_alert_repository import RecallAlertRepository, VinAlertState

log = get_logger(__name__)

DEFAULT_PAUSE_SECONDS = 2.0
DEFAULT_MAX_VINS_PER_RUN = 500
DEFAULT_RECHECK_AFTER = timedelta(hours=12)


class NotifyResult(StrEnum):
    """What happened to one alert message."""

    SENT = "sent"
    BLOCKED = "blocked"  # the user blocked the bot: stop writing to them
    FAILED = "failed"  # anything else: try again on the next check


@dataclass(frozen=True, slots=True)
class RecallAlert:
    """One message to send: a new campaign for a car in one user's garage."""

    user_id: int
    vin: str
    nickname: str | None
    recall: Recall
    year: int | None = None
    make: str | None = None
    model: str | None = None
    language_code: str | None = None  # the owner's Telegram language (their pick comes first)


class RecallNotifier(Protocol):
    """Delivers alerts to users (the bot); never raises for a failed delivery."""

    async def notify(self, alert: RecallAlert) -> NotifyResult:
        """Send one alert and say how it went."""
        ...


class VinRecalls(Protocol):
    """The free recall source: NHTSA's campaigns for a VIN's make, model and year."""

    async def nhtsa_recalls_for_vin(self, vin: str) -> RecallReport:
        """The campaigns; raises InvalidVin or RecallsUnavailable."""
        ...


class BlockedUsers(Protocol):
    """Where a user who blocked the bot is remembered (the settings service)."""

    async def mark_blocked(self, user_id: int) -> None:
        """Skip the user until they write to the bot again."""
        ...


@dataclass(slots=True)
class AlertRunSummary:
    """What one run did, for the log."""

    vins_due: int = 0
    vins_checked: int = 0
    vins_unavailable: int = 0  # lookup failed: the VIN is checked again next run
    vins_failed: int = 0  # an unexpected error; logged with its traceback
    new_campaigns: int = 0
    notifications_sent: int = 0
    users_blocked: int = 0
    send_failures: int = 0
    stopped_early: bool = False
    already_running: bool = False
    other_instance: bool = False  # another instance holds the lease: this run did nothing
    lease_lost: bool = False  # the lease could not be renewed: stopped before the next VIN

    def fields(self) -> dict[str, int | bool]:
        """The counters as log fields."""
        return asdict(self)


@dataclass(slots=True)
class _Run:
    notifier: RecallNotifier
    summary: AlertRunSummary = field(default_factory=AlertRunSummary)
    blocked: set[int] = field(default_factory=set)


def pending_alerts(vin: str, report: RecallReport, state: VinAlertState) -> list[RecallAlert]:
    """The alerts still owed for a VIN: new campaigns in the report, per subscriber, unsent."""
    known = {campaign.campaign_id: campaign for campaign in state.known}
    alerts: list[RecallAlert] = []
    for subscriber in state.subscribers:
        for recall in report.recalls:
            campaign = known.get(recall.campaign_id)
            if campaign is None or campaign.baseline:
                continue
            # Known before the user saved the car: it is old news to them.
            if campaign.first_seen < subscriber.added_at:
                continue
            if (subscriber.user_id, recall.campaign_id) in state.notified:
                continue
            alerts.append(
                RecallAlert(
                    user_id=subscriber.user_id,
                    vin=vin,
                    nickname=subscriber.nickname,
                    recall=recall,
                    year=report.year,
                    make=report.make,
                    model=report.model,
                    language_code=subscriber.language_code,
                )
            )
    return alerts


def _always() -> bool:
    return True


class RecallAlertService:
    """Checks due garage VINs one at a time, a pause apart, at most a capped number per run."""

    def __init__(
        self,
        repository: RecallAlertRepository,
        recalls: VinRecalls,
        *,
        users: BlockedUsers,
        now: Clock = utc_now,
        pause_seconds: float = DEFAULT_PAUSE_SECONDS,
        max_vins_per_run: int = DEFAULT_MAX_VINS_PER_RUN,
        recheck_after: timedelta = DEFAULT_RECHECK_AFTER,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        lease: Lease | None = None,
    ) -> None:
        if pause_seconds < 0:
            raise ValueError("pause_seconds must not be negative")
        if max_vins_per_run < 1:
            raise ValueError("max_vins_per_run must be at least 1")
        self._repository = repository
        self._recalls = recalls
        self._users = users
        self._now = now
        self._pause_seconds = pause_seconds
        self._max_vins = max_vins_per_run
        self._recheck_after = recheck_after
        self._sleep = sleep
        self._lease = lease
        self._running = asyncio.Lock()

    async def run_once(
        self, notifier: RecallNotifier, *, keep_running: Callable[[], bool] = _always
    ) -> AlertRunSummary:
        """Check the VINs due now and send the alerts they owe.

        `keep_running` is asked before each VIN, so a shutdown does not wait for the whole run.
        A run that starts while another is in progress does nothing.
        """
        if self._running.locked():
            log.warning("recall_check_already_running")
            return AlertRunSummary(already_running=True)
        async with self._running:
            lease = self._lease
            if lease is not None and not await lease.acquire():
                log.info("recall_check_skipped", reason="another instance holds the lease")
                return AlertRunSummary(other_instance=True)
            try:
                return await self._run(notifier, keep_running)
            finally:
                if lease is not None:
                    await lease.release()

    async def _run(
        self, notifier: RecallNotifier, keep_running: Callable[[], bool]
    ) -> AlertRunSummary:
        run = _Run(notifier)
        vins = await self._repository.vins_due(
            checked_before=self._now() - self._recheck_after, limit=self._max_vins
        )
        run.summary.vins_due = len(vins)
        for index, vin in enumerate(vins):
            if index:
                # Spread the upstream calls (and the messages) over time.
                await self._sleep(self._pause_seconds)
            if not keep_running():
                run.summary.stopped_early = True
                break
            if index and self._lease is not None and not await self._lease.acquire():
                # Expired while we worked and taken by another instance: it goes on from here.
                run.summary.lease_lost = True
                log.warning("recall_check_lease_lost", vin=vin)
                break
            try:
                await self._check(vin, run)
            except Exception:  # one VIN's failure must not end the run
                run.summary.vins_failed += 1
                log.exception("recall_check_failed", vin=vin)
        return run.summary

    async def _check(self, vin: str, run: _Run) -> None:
        try:
            report = await self._recalls.nhtsa_recalls_for_vin(vin)
        except RecallsUnavailable as exc:
            # Not recorded as checked, so the VIN stays due for the next run.
            run.summary.vins_unavailable += 1
            log.info("recall_check_unavailable", vin=vin, reason=exc.reason)
            return
        except InvalidVin:
            # It will never become valid: record a check so it goes to the back of the queue.
            await self._repository.record_check(vin, (), self._now())
            log.warning("recall_check_invalid_vin", vin=vin)
            return
        recorded = await self._repository.record_check(vin, report.campaign_ids, self._now())
        run.summary.vins_checked += 1
        if recorded.new_campaigns:
            log.info(
                "recall_campaigns_stored",
                vin=vin,
                campaigns=sorted(recorded.new_campaigns),
                baseline=recorded.first_check,
            )
            if not recorded.first_check:
                run.summary.new_campaigns += len(recorded.new_campaigns)
        state = await self._repository.alert_state(vin)
        for alert in pending_alerts(vin, report, state):
            await self._deliver(alert, run)

    async def _deliver(self, alert: RecallAlert, run: _Run) -> None:
        campaign_id = alert.recall.campaign_id
        if alert.user_id in run.blocked:
            return
        # The claim is the one atomic step: whoever inserts the row sends the message.
        if not await self._repository.record_notification(
            alert.user_id, alert.vin, campaign_id, self._now()
        ):
            return
        result = await run.notifier.notify(alert)
        if result is NotifyResult.SENT:
            run.summary.notifications_sent += 1
            log.info(
                "recall_alert_sent", user_id=alert.user_id, vin=alert.vin, campaign=campaign_id
            )
            return
        # Not delivered: give the claim back so the next check tries again.
        await self._repository.forget_notification(alert.user_id, alert.vin, campaign_id)
        if result is NotifyResult.BLOCKED:
            await self._users.mark_blocked(alert.user_id)
            run.blocked.add(alert.user_id)
            run.summary.users_blocked += 1
            log.info("recall_alert_user_blocked", user_id=alert.user_id)
        else:
            run.summary.send_failures += 1
            log.warning(
                "recall_alert_not_sent", user_id=alert.user_id, vin=alert.vin, campaign=campaign_id
            )
