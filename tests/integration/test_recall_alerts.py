"""Recall alerts on a real SQLite file: baseline, one alert per user per new campaign, restarts."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from tests.fakes.beyond import recall
from vinbot.models.errors import RecallsUnavailable
from vinbot.models.recalls import RecallReport
from vinbot.services.garage import GarageService
from vinbot.services.privacy import PrivacyService
from vinbot.services.recall_alerts import NotifyResult, RecallAlert, RecallAlertService
from vinbot.services.settings import UserSettingsService
from vinbot.storage.recall_alert_repository import SqlRecallAlertRepository
from vinbot.storage.repositories import (
    SqlGarageRepository,
    SqlUserDataRepository,
    SqlUserRepository,
)

from .storage_support import FakeClock, opened, scalar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

HONDA = "1HGCM82633A004352"
BMW = "WBAFR7C57CC811956"
FORD = "1FTFW1ET5DFC10312"
ALICE, BOB, CAROL = 1, 2, 3


@dataclass
class FakeNhtsa:
    """NHTSA by VIN: the campaign ids set per VIN, or RecallsUnavailable for failing VINs."""

    campaigns: dict[str, list[str]] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)

    async def nhtsa_recalls_for_vin(self, vin: str) -> RecallReport:
        self.calls.append(vin)
        if vin in self.failing:
            raise RecallsUnavailable("providers")
        recalls = tuple(recall(campaign) for campaign in self.campaigns.get(vin, []))
        return RecallReport(
            source="nhtsa", recalls=recalls, make="Honda", model="Accord", year=2003
        )


@dataclass
class FakeNotifier:
    """Records every alert; users in `blocked` block the bot, users in `failing` fail once."""

    blocked: set[int] = field(default_factory=set)
    failing: set[int] = field(default_factory=set)
    sent: list[RecallAlert] = field(default_factory=list)
    attempts: list[tuple[int, str]] = field(default_factory=list)

    async def notify(self, alert: RecallAlert) -> NotifyResult:
        self.attempts.append((alert.user_id, alert.recall.campaign_id))
        if alert.user_id in self.blocked:
            return NotifyResult.BLOCKED
        if alert.user_id in self.failing:
            self.failing.discard(alert.user_id)
            return NotifyResult.FAILED
        self.sent.append(alert)
        return NotifyResult.SENT

    def take(self) -> list[tuple[int, str, str]]:
        """The (user, VIN, campaign) alerts sent since the last take, sorted."""
        sent, self.sent = self.sent, []
        return sorted((a.user_id, a.vin, a.recall.campaign_id) for a in sent)


@dataclass
class Bot:
    """The services one process of the bot would build over the database file."""

    garage: GarageService
    settings: UserSettingsService
    alerts: RecallAlertService
    privacy: PrivacyService
    pauses: list[float]


@asynccontextmanager
async def started(
    url: str, clock: FakeClock, nhtsa: FakeNhtsa, **options: int
) -> AsyncIterator[Bot]:
    """Open the file and build fresh services on it, as a (re)started bot does."""
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    async with opened(url) as database:
        sessions = database.sessions
        settings = UserSettingsService(SqlUserRepository(sessions), now=clock)
        yield Bot(
            garage=GarageService(SqlGarageRepository(sessions), now=clock),
            settings=settings,
            alerts=RecallAlertService(
                SqlRecallAlertRepository(sessions),
                nhtsa,
                users=settings,
                now=clock,
                sleep=sleep,
                **options,
            ),
            privacy=PrivacyService(SqlUserDataRepository(sessions), now=clock),
            pauses=pauses,
        )


@pytest.fixture
def url(database_url: str) -> str:
    """The bot's database: each test runs on SQLite and on PostgreSQL."""
    return database_url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def next_day(clock: FakeClock) -> None:
    clock.advance(days=1)


async def test_the_first_check_is_a_baseline_nobody_hears_about(url: str, clock: FakeClock) -> None:
    """Campaigns found by a VIN's first check are stored as known and announced to nobody."""
    nhtsa = FakeNhtsa({HONDA: ["20V001000", "21V002000"]})
    notifier = FakeNotifier()
    async with started(url, clock, nhtsa) as bot:
        await bot.garage.add(ALICE, HONDA)
        clock.advance(minutes=5)
        summary = await bot.alerts.run_once(notifier)
    assert notifier.attempts == []
    assert (summary.vins_checked, summary.new_campaigns, summary.notifications_sent) == (1, 0, 0)
    assert await scalar(url, "SELECT count(*) FROM known_recalls WHERE baseline") == 2


async def test_one_alert_per_user_per_new_campaign_across_a_restart(
    url: str, clock: FakeClock
) -> None:
    """New campaigns reach each owner once, old ones never, before and after a restart."""
    nhtsa = FakeNhtsa({HONDA: ["20V001000"], BMW: []})
    notifier = FakeNotifier()
    async with started(url, clock, nhtsa) as bot:
        await bot.garage.add(ALICE, HONDA, "Blue")
        await bot.garage.add(BOB, HONDA)
        await bot.garage.add(CAROL, BMW)
        await bot.alerts.run_once(notifier)
        assert notifier.take() == []

        next_day(clock)
        nhtsa.campaigns[HONDA].append("24V100000")
        summary = await bot.alerts.run_once(notifier)
        assert notifier.take() == [(ALICE, HONDA, "24V100000"), (BOB, HONDA, "24V100000")]
        assert (summary.new_campaigns, summary.notifications_sent) == (1, 2)

        next_day(clock)
        await bot.alerts.run_once(notifier)
        assert notifier.take() == []

    # Restart: new service objects on the same file; what was sent is remembered.
    next_day(clock)
    async with started(url, clock, nhtsa) as bot:
        await bot.alerts.run_once(notifier)
        assert notifier.take() == []

        next_day(clock)
        nhtsa.campaigns[HONDA].append("25V200000")
        nhtsa.campaigns[BMW].append("25V300000")
        await bot.alerts.run_once(notifier)
        assert notifier.take() == [
            (ALICE, HONDA, "25V200000"),
            (BOB, HONDA, "25V200000"),
            (CAROL, BMW, "25V300000"),
        ]
        next_day(clock)
        await bot.alerts.run_once(notifier)
    assert notifier.take() == []
    assert "20V001000" not in {campaign for _, campaign in notifier.attempts}
    assert await scalar(url, "SELECT count(*) FROM recall_notifications") == 5


async def test_the_alert_carries_the_nickname_vehicle_and_recall(
    url: str, clock: FakeClock
) -> None:
    """The notifier gets the user's nickname, the report's vehicle and the whole recall."""
    nhtsa = FakeNhtsa({HONDA: []})
    notifier = FakeNotifier()
    async with started(url, clock, nhtsa) as bot:
        await bot.garage.add(ALICE, HONDA, "Blue")
        await bot.alerts.run_once(notifier)
        next_day(clock)
        nhtsa.campaigns[HONDA].append("24V100000")
        await bot.alerts.run_once(notifier)
    (alert,) = notifier.sent
    assert (alert.nickname, alert.year, alert.make, alert.model) == (
        "Blue",
        2003,
        "Honda",
        "Accord",
    )
    assert alert.recall == recall("24V100000")


async def test_a_run_soon_after_another_checks_nothing(url: str, clock: FakeClock) -> None:
    """A VIN checked less than recheck_after ago is not asked about again (e.g. after a restart)."""
    nhtsa = FakeNhtsa({HONDA: []})
    async with started(url, clock, nhtsa) as bot:
        await bot.garage.add(ALICE, HONDA)
        await bot.alerts.run_once(FakeNotifier())
    clock.advance(hours=11)
    async with started(url, clock, nhtsa) as bot:
        summary = await bot.alerts.run_once(FakeNotifier())
        assert (summary.vins_due, nhtsa.calls) == (0, [HONDA])
        clock.advance(hours=2)
        await bot.alerts.run_once(FakeNotifier())
    assert nhtsa.calls == [HONDA, HONDA]


async def test_users_with_alerts_off_are_skipped(url: str, clock: FakeClock) -> None:
    """A user who turned alerts off hears nothing; a VIN only they watch is not even checked."""
    nhtsa = FakeNhtsa({HONDA: [], BMW: []})
    notifier = FakeNotifier()
    async with started(url, clock, nhtsa) as bot:
        await bot.garage.add(ALICE, HONDA)
        await bot.garage.add(BOB, HONDA)
        await bot.garage.add(BOB, BMW)
        await bot.settings.set_recall_alerts(BOB, enabled=False)
        await bot.alerts.run_once(notifier)
        assert nhtsa.calls == [HONDA]
        next_day(clock)
        nhtsa.campaigns[HONDA].append("24V100000")
        await bot.alerts.run_once(notifier)
    assert notifier.take() == [(ALICE, HONDA, "24V100000")]
    assert BMW not in nhtsa.calls


async def test_a_user_who_blocked_the_bot_is_marked_and_skipped(url: str, clock: FakeClock) -> None:
    """A 403 marks the user blocked: no retries, until they write to the bot again."""
    nhtsa = FakeNhtsa({HONDA: [], BMW: []})
    notifier = FakeNotifier(blocked={BOB})
    async with started(url, clock, nhtsa) as bot:
        await bot.garage.add(ALICE, HONDA)
        await bot.garage.add(BOB, HONDA)
        await bot.garage.add(BOB, BMW)
        await bot.alerts.run_once(notifier)
        next_day(clock)
        nhtsa.campaigns[HONDA].append("24V100000")
        nhtsa.campaigns[BMW].append("24V200000")
        summary = await bot.alerts.run_once(notifier)
        assert summary.users_blocked == 1
        assert notifier.attempts == [(ALICE, "24V100000"), (BOB, "24V100000")]
        assert await scalar(url, "SELECT blocked_at FROM users WHERE id = :id", id=BOB) is not None

        next_day(clock)
        nhtsa.campaigns[HONDA].append("25V100000")
        await bot.alerts.run_once(notifier)
        assert [user for user, _ in notifier.attempts].count(BOB) == 1
        assert notifier.take() == [(ALICE, HONDA, "24V100000"), (ALICE, HONDA, "25V100000")]

        # Writing to the bot again unblocks: the alerts missed meanwhile arrive once.
        notifier.blocked.clear()
        await bot.settings.touch_user(BOB)
        next_day(clock)
        await bot.alerts.run_once(notifier)
        next_day(clock)
        await bot.alerts.run_once(notifier)
    assert notifier.take() == [
        (BOB, HONDA, "24V100000"),
        (BOB, HONDA, "25V100000"),
        (BOB, BMW, "24V200000"),
    ]


async def test_a_failed_send_is_retried_on_the_next_run(url: str, clock: FakeClock) -> None:
    """A send that fails for another reason is not recorded, so the next run delivers it once."""
    nhtsa = FakeNhtsa({HONDA: []})
    notifier = FakeNotifier(failing={ALICE})
    async with started(url, clock, nhtsa) as bot:
        await bot.garage.add(ALICE, HONDA)
        await bot.alerts.run_once(notifier)
        next_day(clock)
        nhtsa.campaigns[HONDA].append("24V100000")
        summary = await bot.alerts.run_once(notifier)
        assert (summary.send_failures, notifier.take()) == (1, [])
        next_day(clock)
        await bot.alerts.run_once(notifier)
        assert notifier.take() == [(ALICE, HONDA, "24V100000")]
        next_day(clock)
        await bot.alerts.run_once(notifier)
    assert notifier.take() == []


async def test_a_vin_whose_lookup_fails_is_retried_next_run(url: str, clock: FakeClock) -> None:
    """RecallsUnavailable skips that VIN only; it stays due and its baseline comes next run."""
    nhtsa = FakeNhtsa({HONDA: ["20V001000"], BMW: []}, failing={HONDA})
    notifier = FakeNotifier()
    async with started(url, clock, nhtsa) as bot:
        await bot.garage.add(ALICE, HONDA)
        await bot.garage.add(ALICE, BMW)
        summary = await bot.alerts.run_once(notifier)
        assert (summary.vins_unavailable, summary.vins_checked) == (1, 1)
        assert await scalar(url, "SELECT count(*) FROM known_recalls") == 0

        clock.advance(minutes=30)
        nhtsa.failing.clear()
        summary = await bot.alerts.run_once(notifier)
        assert (summary.vins_due, summary.vins_checked) == (1, 1)
        assert nhtsa.calls == [HONDA, BMW, HONDA]
    # The campaign found when the lookup finally worked is the baseline, not news.
    assert notifier.attempts == []
    assert await scalar(url, "SELECT baseline FROM known_recalls WHERE vin = :vin", vin=HONDA) == 1


async def test_an_unexpected_error_for_one_vin_does_not_stop_the_run(
    url: str, clock: FakeClock
) -> None:
    """A VIN whose check raises something unforeseen is logged and the next VIN still runs."""

    class Exploding(FakeNhtsa):
        async def nhtsa_recalls_for_vin(self, vin: str) -> RecallReport:
            if vin == FORD:
                raise RuntimeError("bug")
            return await super().nhtsa_recalls_for_vin(vin)

    nhtsa = Exploding()
    async with started(url, clock, nhtsa) as bot:
        await bot.garage.add(ALICE, FORD)
        await bot.garage.add(ALICE, HONDA)
        summary = await bot.alerts.run_once(FakeNotifier())
    assert (summary.vins_failed, summary.vins_checked) == (1, 1)
    assert nhtsa.calls == [HONDA]


async def test_a_late_subscriber_is_not_told_about_old_campaigns(
    url: str, clock: FakeClock
) -> None:
    """Someone who saves the car after a campaign became known only hears about later ones."""
    nhtsa = FakeNhtsa({HONDA: ["20V001000"]})
    notifier = FakeNotifier()
    async with started(url, clock, nhtsa) as bot:
        await bot.garage.add(ALICE, HONDA)
        await bot.alerts.run_once(notifier)
        next_day(clock)
        nhtsa.campaigns[HONDA].append("24V100000")
        await bot.alerts.run_once(notifier)
        assert notifier.take() == [(ALICE, HONDA, "24V100000")]

        clock.advance(hours=1)
        await bot.garage.add(BOB, HONDA)
        next_day(clock)
        await bot.alerts.run_once(notifier)
        assert notifier.take() == []

        next_day(clock)
        nhtsa.campaigns[HONDA].append("25V200000")
        await bot.alerts.run_once(notifier)
    assert notifier.take() == [(ALICE, HONDA, "25V200000"), (BOB, HONDA, "25V200000")]


async def test_checks_are_spread_out_and_capped_per_run(url: str, clock: FakeClock) -> None:
    """VINs are checked one by one with the pause between them, at most the cap per run."""
    nhtsa = FakeNhtsa()
    async with started(url, clock, nhtsa, max_vins_per_run=2) as bot:
        for vin in (HONDA, BMW, FORD):
            await bot.garage.add(ALICE, vin)
        first = await bot.alerts.run_once(FakeNotifier())
        assert (first.vins_checked, bot.pauses) == (2, [2.0])
        clock.advance(minutes=1)
        second = await bot.alerts.run_once(FakeNotifier())
        assert second.vins_checked == 1
    # The VIN left out of the first run is the one the second run checks.
    assert sorted(nhtsa.calls) == sorted([HONDA, BMW, FORD])


async def test_a_run_stops_between_vins_when_told_to(url: str, clock: FakeClock) -> None:
    """keep_running is asked before each VIN, so shutting down does not wait for the whole run."""
    nhtsa = FakeNhtsa()
    answers = iter([True, False])
    async with started(url, clock, nhtsa) as bot:
        for vin in (HONDA, BMW, FORD):
            await bot.garage.add(ALICE, vin)
        summary = await bot.alerts.run_once(FakeNotifier(), keep_running=lambda: next(answers))
    assert (summary.vins_checked, summary.stopped_early, len(nhtsa.calls)) == (1, True, 1)


async def test_forget_deletes_and_export_lists_the_users_recall_alerts(
    url: str, clock: FakeClock
) -> None:
    """/export shows the alerts a user was sent and /forget removes them with the rest."""
    nhtsa = FakeNhtsa({HONDA: []})
    async with started(url, clock, nhtsa) as bot:
        await bot.garage.add(ALICE, HONDA)
        await bot.garage.add(BOB, HONDA)
        await bot.alerts.run_once(FakeNotifier())
        next_day(clock)
        nhtsa.campaigns[HONDA].append("24V100000")
        await bot.alerts.run_once(FakeNotifier())
        document = await bot.privacy.export_user(ALICE)
        assert document["recall_notifications"] == [
            {"vin": HONDA, "campaign_id": "24V100000", "notified_at": clock.now.isoformat()}
        ]
        await bot.privacy.forget_user(ALICE)
        assert (await bot.privacy.export_user(ALICE))["recall_notifications"] == []
    assert (
        await scalar(url, "SELECT count(*) FROM recall_notifications WHERE user_id = :id", id=ALICE)
        == 0
    )
    assert (
        await scalar(url, "SELECT count(*) FROM recall_notifications WHERE user_id = :id", id=BOB)
        == 1
    )


async def test_a_notification_for_a_forgotten_user_is_not_recorded(url: str) -> None:
    """Recording an alert for a user who no longer exists stores nothing (no user row revived)."""
    async with opened(url) as database:
        repository = SqlRecallAlertRepository(database.sessions)
        at = FakeClock().now
        assert not await repository.record_notification(ALICE, HONDA, "24V100000", at)
        assert not await repository.was_notified(ALICE, HONDA, "24V100000")
    assert await scalar(url, "SELECT count(*) FROM users") == 0


def test_the_service_refuses_nonsense_limits() -> None:
    """A negative pause or a cap below one is a programming error, caught at construction."""
    settings = UserSettingsService(SqlUserRepository(None))
    repository = SqlRecallAlertRepository(None)
    with pytest.raises(ValueError, match="pause"):
        RecallAlertService(repository, FakeNhtsa(), users=settings, pause_seconds=-1)
    with pytest.raises(ValueError, match="max_vins"):
        RecallAlertService(repository, FakeNhtsa(), users=settings, max_vins_per_run=0)
