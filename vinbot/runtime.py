"""The bot's lifecycle: signals, start-up, long polling (or the webhook) beside the health server,
ordered stop."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError

from vinbot.bootstrap import build_bot_services
from vinbot.gc_tuning import freeze_start_up_objects
from vinbot.handlers.menus import publish_menus
from vinbot.health import HealthServer
from vinbot.journal import UpdateJournal, plan_for
from vinbot.journal_owners import JournalOwnership
from vinbot.logs import get_logger
from vinbot.models.errors import ConfigError
from vinbot.recovery import handle_left_over, recover_updates, skip_journaled_updates
from vinbot.telegram_app import build_application, build_requests
from vinbot.update_tracking import InFlightUpdates
from vinbot.watchdog import LoopWatchdog
from vinbot.webhook import (
    WebhookReceiver,
    delete_leftover_webhook,
    set_webhook,
    watch_webhook,
    webhook_path,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from vinbot.config import Settings
    from vinbot.handlers.context import BotServices
    from vinbot.storage.update_journal import JournaledUpdate
    from vinbot.update_tracking import TrackedApplication

log = get_logger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFLICT = 3
WATCH_INTERVAL_SECONDS = 0.5
STANDBY_CHECK_SECONDS = 2.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class ConflictWatch:
    """Tracks how long another poller has been fighting us for updates."""

    def __init__(self, services: BotServices) -> None:
        self._services = services
        self._since: float | None = None

    def on_polling_error(self, error: TelegramError) -> None:
        """PTB's polling error callback (must be a plain function)."""
        if isinstance(error, Conflict):
            if self._since is None:
                log.error(
                    "polling_conflict",
                    detail="another process is polling with this bot token; stop it",
                )
                self._since = time.monotonic()
            self._services.health.set_conflict()
            return
        log.warning("polling_error", error_type=type(error).__name__)

    def persisted_too_long(self) -> bool:
        """Whether the conflict has lasted past the configured limit."""
        if self._since is None:
            return False
        liveness = self._services.health.liveness()
        if liveness.reason is None or not liveness.reason.startswith("conflict"):
            self._since = None  # a successful poll ended it
            return False
        return time.monotonic() - self._since > self._services.settings.conflict_exit_seconds


async def _wait_for_stop(stop: asyncio.Event, conflicts: ConflictWatch) -> int:
    while True:
        try:
            async with asyncio.timeout(WATCH_INTERVAL_SECONDS):
                await stop.wait()
        except TimeoutError:
            if conflicts.persisted_too_long():
                log.error("exiting_on_conflict", detail="another poller kept the updates")
                return EXIT_CONFLICT
            continue
        return EXIT_OK


@contextmanager
def _watching(
    settings: Settings, in_flight: InFlightUpdates, journal: UpdateJournal
) -> Iterator[None]:
    """The loop watchdog around the application's run (none when LOOP_STALL_SECONDS is 0)."""
    if not settings.loop_stall_seconds:
        yield
        return
    watchdog = LoopWatchdog(
        settings.loop_stall_seconds,
        in_flight=in_flight.snapshot,
        before_exit=(journal.flush_blocking,),
    )
    watchdog.start(asyncio.get_running_loop())
    try:
        yield
    finally:
        # Handlers still running kept it armed; the steps from here on may be slow.
        watchdog.stop()


@asynccontextmanager
async def _keeping_journal(
    ownership: JournalOwnership,
    application: TrackedApplication,
    services: BotServices,
    journal: UpdateJournal,
    receiver: WebhookReceiver | None,
) -> AsyncIterator[None]:
    """After the application started: this instance's leftovers replayed, then its journal
    lease renewed and dead neighbours' rows adopted and replayed, until the block ends."""
    recovered = await recover_updates(application, journal, services.admin_alerts)
    if receiver is not None:
        receiver.acknowledge(recovered)

    async def replay(rows: list[JournaledUpdate]) -> None:
        if receiver is not None:  # Telegram may re-deliver one whose 200 the crash cut off
            receiver.acknowledge([row.update_id for row in rows])
        await handle_left_over(application, journal, plan_for(rows), services.admin_alerts)

    # Adopted replays are updates like any other: as long as a decode may take, and a little.
    finish_within = services.settings.decode_deadline_seconds + 5
    keeper = asyncio.create_task(
        ownership.keep(replay, finish_within=finish_within), name="journal-ownership"
    )
    try:
        yield
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper


async def _serve(
    application: TrackedApplication,
    services: BotServices,
    journal: UpdateJournal,
    stop: asyncio.Event,
) -> int:
    settings = services.settings
    health_server = HealthServer(services.health, services.metrics, port=settings.port)
    receiver = _webhook_receiver(settings, services, journal, health_server)
    # Bound first: a port in use fails the start with one line, before Telegram is touched
    # (and before the journal lease named after this host and port is taken).
    await health_server.start()
    ownership = JournalOwnership(
        journal,
        services.leases,
        services.instance,
        timedelta(seconds=settings.poller_lease_seconds),
    )
    try:
        await ownership.claim()
        # A dead neighbour's unfinished updates become this instance's, replayed below.
        await ownership.adopt_orphans()
        async with application:
            log.info("telegram_connected", bot_username=application.bot.username)
            await publish_menus(application.bot, settings.admin_ids)
            in_flight = InFlightUpdates()
            application.update_listeners.extend((in_flight, journal))
            if receiver is not None:
                application.update_listeners.append(receiver)
            with _watching(services.settings, in_flight, journal):
                if receiver is not None:
                    return await _webhook_until_stopped(
                        application, services, journal, receiver, stop, ownership=ownership
                    )
                return await _poll_until_stopped(
                    application, services, journal, stop, ownership=ownership
                )
    finally:
        await ownership.release()
        await health_server.stop()


async def _poll_until_stopped(
    application: TrackedApplication,
    services: BotServices,
    journal: UpdateJournal,
    stop: asyncio.Event,
    *,
    ownership: JournalOwnership,
) -> int:
    updater = application.updater
    if updater is None:  # pragma: no cover - the builder always makes one
        raise RuntimeError("the application has no updater")
    poller = _LeasedPoller(application, services, journal)
    await application.start()
    code = EXIT_FAILED
    try:
        async with _keeping_journal(ownership, application, services, journal, None):
            code = await poller.run(stop)
        log.info("shutting_down", exit_code=code)
    finally:
        # Also when polling never started: the application must stop before it shuts down.
        services.health.set_ready(False)
        services.health.mark_stopped("shutting down")
        if updater.running:
            await updater.stop()
            log.info("polling_stopped")
        await poller.release()
        await application.stop()
        log.info("application_stopped")
    return code


class _LeasedPoller:
    """Polls only while this instance holds the poller lease; stands by otherwise.

    Telegram lets one getUpdates caller per token (a second gets 409 Conflict), so with several
    instances on one database the poller lease picks the one that polls. It is renewed every
    third of POLLER_LEASE_SECONDS; an instance that cannot renew it (the database is away or
    does not answer) polls on until a sixth of the lease is left, then stands by, so it has
    stopped before another instance can take the lease; a standby instance (looking every
    STANDBY_CHECK_SECONDS) takes over once the holder released it (a clean stop) or it expired
    (a crash, an outage).
    """

    def __init__(
        self, application: TrackedApplication, services: BotServices, journal: UpdateJournal
    ) -> None:
        self._application = application
        self._services = services
        self._journal = journal
        self._conflicts = ConflictWatch(services)
        self._held = False
        self._held_until = 0.0  # monotonic: when the lease last renewed runs out

    async def run(self, stop: asyncio.Event) -> int:
        """Poll or stand by until stopped; EXIT_CONFLICT when another poller kept the updates."""
        lease = self._services.poller_lease
        renew_every = lease.ttl.total_seconds() / 3
        while True:
            held = await self._acquire()
            if held and not self._held:
                await self._start_polling()
            elif not held and (self._held or not self._services.health.standby):
                await self._stand_by()
            self._held = held
            # A standby instance looks more often: a released lease is taken within seconds.
            wake_at = time.monotonic() + (
                renew_every if held else min(renew_every, STANDBY_CHECK_SECONDS)
            )
            if held:
                # After a failed renewal, look again no later than when polling must stop.
                wake_at = min(wake_at, self._polling_deadline())
            while (left := wake_at - time.monotonic()) > 0:
                try:
                    async with asyncio.timeout(min(WATCH_INTERVAL_SECONDS, left)):
                        await stop.wait()
                except TimeoutError:
                    if self._held and self._conflicts.persisted_too_long():
                        log.error("exiting_on_conflict", detail="another poller kept the updates")
                        return EXIT_CONFLICT
                    continue
                return EXIT_OK

    async def release(self) -> None:
        """Give the lease up at shutdown so a standby instance takes over at once."""
        if not self._held:
            return
        self._held = False
        lease = self._services.poller_lease
        try:
            async with asyncio.timeout(lease.ttl.total_seconds() / 3):
                await lease.release()
        except Exception:  # noqa: BLE001 - it expires by itself; shutdown goes on
            log.warning("poller_lease_release_failed")

    def _polling_deadline(self) -> float:
        """When polling stops unless the lease is renewed (monotonic): half a renewal period
        before the lease runs out, the time polling takes to stop before another may start."""
        ttl = self._services.poller_lease.ttl.total_seconds()
        return self._held_until - ttl / 6

    async def _acquire(self) -> bool:
        lease = self._services.poller_lease
        ttl = lease.ttl.total_seconds()
        started = time.monotonic()
        # A database that does not answer (a connect timeout is a minute) must not keep us
        # polling past the deadline; a standby's answer must leave it time to poll.
        deadline = self._polling_deadline() if self._held else started + ttl / 3
        try:
            async with asyncio.timeout(max(deadline - started, 0.0)):
                held = await lease.acquire()
        except Exception:  # noqa: BLE001 - the database is away for a moment, or for good
            # Ours until the deadline (nobody else can take it before the lease runs out); then
            # stop, since another instance may take it once it has.
            still_ours = self._held and time.monotonic() < self._polling_deadline()
            log.warning("poller_lease_unavailable", still_ours=still_ours)
            return still_ours
        if held:
            self._held_until = started + ttl
        return held

    async def _start_polling(self) -> None:
        application = self._application
        updater = application.updater
        if updater is None:  # pragma: no cover - the builder always makes one
            raise RuntimeError("the application has no updater")
        services = self._services
        services.health.set_standby(False)
        log.info("poller_lease_taken", instance=services.instance)
        # A webhook left set (by webhook mode) makes every getUpdates fail with 409.
        await delete_leftover_webhook(application.bot)
        # What the journal has (replayed, or in the previous poller's hands) is not fetched again.
        await skip_journaled_updates(application, self._journal)
        await updater.start_polling(
            timeout=int(services.settings.poll_timeout_seconds),
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
            bootstrap_retries=3,
            error_callback=self._conflicts.on_polling_error,
        )
        log.info("polling_started")
        services.health.set_ready(True)

    async def _stand_by(self) -> None:
        updater = self._application.updater
        if updater is not None and updater.running:
            await updater.stop()
            log.warning("polling_stopped", reason="the poller lease went to another instance")
        self._services.health.set_standby(True)
        # Ready to take over: /ready answers 200, /health says "standby".
        self._services.health.set_ready(True)
        holder = None
        lease = self._services.poller_lease
        with contextlib.suppress(Exception):
            async with asyncio.timeout(lease.ttl.total_seconds() / 3):
                holder = await lease.current_holder()
        log.info("polling_standby", instance=self._services.instance, poller=holder)


def _webhook_receiver(
    settings: Settings, services: BotServices, journal: UpdateJournal, server: HealthServer
) -> WebhookReceiver | None:
    """Webhook mode (WEBHOOK_URL set): the receiver, routed on the health server; else None."""
    if settings.webhook_url is None or settings.webhook_secret_token is None:
        return None
    receiver = WebhookReceiver(
        settings.webhook_secret_token.value,
        journal,
        services.health,
        services.metrics,
        deliveries=services.delivered_updates,
    )
    server.add_post_route(webhook_path(settings.webhook_url), receiver.handle)
    services.health.use_webhook()
    return receiver


async def _webhook_until_stopped(
    application: TrackedApplication,
    services: BotServices,
    journal: UpdateJournal,
    receiver: WebhookReceiver,
    stop: asyncio.Event,
    *,
    ownership: JournalOwnership,
) -> int:
    """Webhook mode: updates arrive on the health server's route instead of by getUpdates."""
    settings = services.settings
    if settings.webhook_url is None or settings.webhook_secret_token is None:  # pragma: no cover
        raise RuntimeError("webhook mode without WEBHOOK_URL")
    await application.start()
    try:
        async with _keeping_journal(ownership, application, services, journal, receiver):
            receiver.open(application.bot, application.update_queue)
            await set_webhook(
                application.bot, settings.webhook_url, settings.webhook_secret_token.value
            )
            services.health.set_ready(True)
            watch = asyncio.create_task(
                watch_webhook(
                    application.bot,
                    settings.webhook_url,
                    services.health,
                    settings.health_stall_seconds,
                )
            )
            try:
                code = await _wait_for_stop(stop, ConflictWatch(services))
            finally:
                watch.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watch
        log.info("shutting_down", exit_code=code)
    finally:
        # From here the route answers 503 and Telegram delivers again later. The webhook stays
        # set: another instance may be serving it (starting in polling mode deletes it).
        receiver.close()
        services.health.set_ready(False)
        services.health.mark_stopped("shutting down")
        await application.stop()
        log.info("application_stopped")
    return code


async def run_bot(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT; returns the process exit code."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    try:
        async with AsyncExitStack() as stack:
            services = await build_bot_services(settings, stack)
            # Opened on the migrated file; closed after the application stopped.
            journal = UpdateJournal.open(settings.database_url, services.instance)
            stack.push_async_callback(journal.aclose)
            requests = build_requests(settings, services.health, journal)
            stack.push_async_callback(requests.shutdown)
            application = build_application(settings, services, requests)
            frozen = freeze_start_up_objects()
            log.info("starting", config=settings.redacted(), gc_frozen=frozen)
            code = await _serve(application, services, journal, stop)
        log.info("stopped", exit_code=code)
    except InvalidToken:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_TOKEN was rejected by Telegram (check it)"
        ) from None
    except NetworkError as exc:
        log.error("telegram_unreachable", error_type=type(exc).__name__, error=exc.message)
        return EXIT_FAILED
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
    return code
