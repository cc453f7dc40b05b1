"""The composition root: builds clients, cache, storage and services on an AsyncExitStack.

This is the only module that imports concrete adapters. Everything is closed by the stack in
reverse order of creation.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from vinbot.cache.memory import MemoryCache
from vinbot.cache.tiered import TieredCache
from vinbot.cache.upstash import UpstashCache
from vinbot.clients.breaker import CircuitBreaker
from vinbot.clients.carsxe import CarsXEClient, carsxe_http_client
from vinbot.clients.carsxe_title import CarsXETitleRecords
from vinbot.clients.image_download import ImageDownloader, image_http_client
from vinbot.clients.nhtsa import NhtsaVpicClient, nhtsa_http_client
from vinbot.clients.nhtsa_recalls import NhtsaRecallsClient, nhtsa_recalls_http_client
from vinbot.clients.offline import OfflineProvider
from vinbot.clients.retry import RetryPolicy
from vinbot.clients.wire import preload as preload_http_client
from vinbot.delivered_updates import DeliveredUpdates
from vinbot.formatters.report_pdf import render_report
from vinbot.formatters.title_check import title_check_summary
from vinbot.handlers.admin_alerts import TelegramAdminAlerts
from vinbot.handlers.context import BotServices
from vinbot.health import DEFAULT_UPDATE_STALL_SECONDS, HealthState
from vinbot.i18n.catalogs import load_all as load_catalogs
from vinbot.i18n.words import preload_locale_data
from vinbot.logs import get_logger
from vinbot.metrics import Metrics
from vinbot.models.callback import CallbackCodec
from vinbot.models.wmi import preload as preload_wmi_table
from vinbot.services.compare import CompareService
from vinbot.services.decoding import DecodeService
from vinbot.services.extras import ExtrasService, PaidServices
from vinbot.services.flood_guard import (
    FloodGate,
    FloodGuard,
    SharedFloodGuard,
    StoreWindowCounter,
)
from vinbot.services.garage import GarageService
from vinbot.services.hints import HintThrottle
from vinbot.services.history import HistoryRecorder
from vinbot.services.leases import Lease, instance_id
from vinbot.services.lookup import LookupService
from vinbot.services.market_value import MarketValueService
from vinbot.services.obd import ObdService
from vinbot.services.ocr import VinOcrService
from vinbot.services.paid_calls import PaidCallGate
from vinbot.services.plate import PlateService
from vinbot.services.presses import (
    CLAIM_SECONDS,
    DatabasePresses,
    PressesInFlight,
    SharedPresses,
    StorePresses,
)
from vinbot.services.privacy import PrivacyService
from vinbot.services.quota import QuotaService
from vinbot.services.recall_alerts import RecallAlertService
from vinbot.services.recalls import RecallsService
from vinbot.services.report import ReportService
from vinbot.services.retention import RetentionService
from vinbot.services.settings import UserSettingsService
from vinbot.services.status import StatusService
from vinbot.services.title_check import TitleCheckService
from vinbot.services.value_drafts import ValueDraftService
from vinbot.services.vehicle_photo import VehiclePhotoService
from vinbot.storage.delivery_marks import SqlDeliveryMarks
from vinbot.storage.engine import Database
from vinbot.storage.flood_counter import SqlWindowCounter
from vinbot.storage.lease_repository import SqlLeaseRepository
from vinbot.storage.recall_alert_repository import SqlRecallAlertRepository
from vinbot.storage.repositories import (
    SqlGarageRepository,
    SqlLookupRepository,
    SqlUsageRepository,
    SqlUserDataRepository,
    SqlUserRepository,
)
from vinbot.storage.value_draft_repository import SqlValueDraftRepository
from vinbot.telegram_app import POLL_READ_SLACK_SECONDS, require_token

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from contextlib import AsyncExitStack

    from vinbot.cache.base import Cache
    from vinbot.config import Settings
    from vinbot.i18n import Words
    from vinbot.models.report import TitleCheckSummary
    from vinbot.services.ports import VehicleDataProvider
    from vinbot.storage.engine import SessionFactory

RECALL_ALERT_LEASE = "recall_alerts"
RECALL_ALERT_LEASE_TTL = timedelta(minutes=5)
POLLER_LEASE = "poller"

log = get_logger(__name__)

# In the terminal a person is waiting and nothing retries for them later: give up sooner.
INTERACTIVE_DEADLINE_SECONDS = 6.0
INTERACTIVE_TIMEOUT_SECONDS = 4.0
# The cache's PING is a billed Upstash command: /ready reuses an "ok" for this long.
CACHE_PROBE_REUSE_SECONDS = 30.0
# A 429 from CarsXE means the plan's quota is spent; it will not come back in seconds.
CARSXE_QUOTA_COOLDOWN_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Core:
    """What both the bot and the CLI need: the decode service and what it stands on."""

    decoder: DecodeService
    cache: Cache
    metrics: Metrics
    breakers: Mapping[str, CircuitBreaker]
    carsxe: CarsXEClient | None = None

    def provider_states(self) -> dict[str, str]:
        """Each upstream's circuit state, for /stats."""
        return {name: str(breaker.state) for name, breaker in self.breakers.items()}


def build_cache(settings: Settings) -> Cache:
    """Upstash behind a local tier of the same size when configured, else the in-memory cache."""
    if settings.upstash_redis_rest_url and settings.upstash_redis_rest_token:
        shared = UpstashCache(settings.upstash_redis_rest_url, settings.upstash_redis_rest_token)
        return TieredCache(shared, max_entries=settings.cache_max_entries)
    return MemoryCache(max_entries=settings.cache_max_entries)


async def build_core(settings: Settings, stack: AsyncExitStack, *, interactive: bool) -> Core:
    """The decode stack, each part registered on the stack for an ordered close."""
    timeout = (
        min(settings.http_timeout_seconds, INTERACTIVE_TIMEOUT_SECONDS)
        if interactive
        else (settings.http_timeout_seconds)
    )
    deadline = (
        min(settings.decode_deadline_seconds, INTERACTIVE_DEADLINE_SECONDS)
        if interactive
        else settings.decode_deadline_seconds
    )
    retry = RetryPolicy(deadline=deadline)
    # Off the loop: the first lookup would otherwise block it while the table file (and the
    # first reply in each language, while its catalog) is read, the first reply while CLDR's
    # English data is, and the first upstream call while anyio's backend is imported.
    await asyncio.to_thread(preload_wmi_table)
    await asyncio.to_thread(load_catalogs)
    await asyncio.to_thread(preload_locale_data)
    await asyncio.to_thread(preload_http_client)
    metrics = Metrics(providers=("carsxe", "nhtsa"))
    cache = build_cache(settings)
    stack.push_async_callback(cache.aclose)

    providers: list[VehicleDataProvider] = []
    breakers: dict[str, CircuitBreaker] = {}
    carsxe: CarsXEClient | None = None
    if settings.carsxe_api_key is not None:
        carsxe_http = carsxe_http_client(settings.carsxe_base_url, timeout)
        stack.push_async_callback(carsxe_http.aclose)
        breakers["carsxe"] = CircuitBreaker("carsxe", quota_cooldown=CARSXE_QUOTA_COOLDOWN_SECONDS)
        carsxe = CarsXEClient(
            carsxe_http, api_key=settings.carsxe_api_key, breaker=breakers["carsxe"], retry=retry
        )
        providers.append(carsxe)
    nhtsa_http = nhtsa_http_client(settings.nhtsa_base_url, timeout)
    stack.push_async_callback(nhtsa_http.aclose)
    breakers["nhtsa"] = CircuitBreaker("nhtsa")
    providers.append(NhtsaVpicClient(nhtsa_http, breaker=breakers["nhtsa"], retry=retry))

    decoder = DecodeService(
        providers,
        OfflineProvider(),
        cache,
        observer=metrics,
        deadline_seconds=deadline,  # end to end, shared by the providers
        # Several instances share Upstash: one of them asks about a VIN, the others wait for it.
        locks=cache if isinstance(cache, TieredCache) else None,
    )
    stack.push_async_callback(decoder.aclose)
    log.debug("core_built", providers=[p.name for p in providers], cache=type(cache).__name__)
    return Core(decoder=decoder, cache=cache, metrics=metrics, breakers=breakers, carsxe=carsxe)


async def build_decoder(
    settings: Settings, stack: AsyncExitStack, *, interactive: bool = False
) -> DecodeService:
    """Just the decode service (the CLI's needs)."""
    return (await build_core(settings, stack, interactive=interactive)).decoder


@dataclass(frozen=True, slots=True)
class State:
    """The database-backed services (SQLite or PostgreSQL)."""

    database: Database
    quota: QuotaService
    history: HistoryRecorder
    garage: GarageService
    user_settings: UserSettingsService
    retention: RetentionService


async def build_state(settings: Settings, stack: AsyncExitStack) -> State:
    """Open (and migrate) the database; queued history writes finish before it closes."""
    database = Database(settings.database_url)
    await database.initialize()
    stack.push_async_callback(database.aclose)
    sessions = database.sessions
    history = HistoryRecorder(
        SqlLookupRepository(sessions, max_per_user=settings.history_max_per_user)
    )
    stack.push_async_callback(history.aclose)
    user_settings = UserSettingsService(SqlUserRepository(sessions))
    if sessions.dialect == "sqlite":
        # One process owns a SQLite file, so its settings can be held in memory. On PostgreSQL
        # another instance may change a user's settings: every read goes to the database.
        await user_settings.load()
    return State(
        database=database,
        quota=QuotaService(
            SqlUsageRepository(sessions),
            daily_lookups_per_user=settings.daily_lookups_per_user,
            monthly_paid_calls=settings.monthly_paid_calls,
        ),
        history=history,
        garage=GarageService(SqlGarageRepository(sessions), limit=settings.garage_limit),
        user_settings=user_settings,
        retention=RetentionService(
            SqlLookupRepository(sessions), usage=SqlUsageRepository(sessions)
        ),
    )


def build_extras(
    settings: Settings, stack: AsyncExitStack, core: Core, gate: PaidCallGate
) -> ExtrasService:
    """Recalls (NHTSA always, CarsXE when keyed) and the CarsXE-only features."""
    recalls_http = nhtsa_recalls_http_client(
        settings.nhtsa_recalls_base_url, settings.http_timeout_seconds
    )
    stack.push_async_callback(recalls_http.aclose)
    breaker = CircuitBreaker("nhtsa_recalls")
    nhtsa_recalls = NhtsaRecallsClient(
        recalls_http, breaker=breaker, retry=RetryPolicy(deadline=settings.decode_deadline_seconds)
    )
    recalls = RecallsService(
        core.decoder,
        core.cache,
        carsxe=core.carsxe,
        nhtsa=nhtsa_recalls,
        deadline_seconds=settings.decode_deadline_seconds,
    )
    paid: PaidServices | None = None
    if core.carsxe is not None:
        paid = PaidServices(
            market_value=MarketValueService(core.carsxe, core.cache),
            photos=VehiclePhotoService(core.carsxe, core.cache),
            ocr=VinOcrService(core.carsxe, cache=core.cache),
            plates=PlateService(core.carsxe, core.cache),
            title_checks=TitleCheckService(CarsXETitleRecords(core.carsxe), core.cache, gate),
            obd=ObdService(core.carsxe, core.cache),
        )
    extras = ExtrasService(gate, recalls, paid, photos=settings.vehicle_photos)
    stack.push_async_callback(extras.aclose)  # before the gate and the HTTP clients close
    return extras


def build_reports(
    settings: Settings, stack: AsyncExitStack, lookup: LookupService, extras: ExtrasService
) -> ReportService:
    """The PDF report over cache-only reads of every section (no provider is ever asked)."""
    paid = extras.paid_services
    images = None
    if paid is not None and settings.vehicle_photos:
        image_http = image_http_client()
        stack.push_async_callback(image_http.aclose)
        images = ImageDownloader(image_http)
    return ReportService(
        decodes=lookup,
        recalls=extras.recalls_service,
        render=render_report,
        valuations=paid.market_value if paid is not None else None,
        photos=paid.photos if paid is not None and settings.vehicle_photos else None,
        images=images,
        title_checks=(
            CachedTitleSummaries(paid.title_checks)
            if paid is not None and paid.title_checks is not None
            else None
        ),
    )


class CachedTitleSummaries:
    """The report's view of the theft & title check: its cached answer, already in words."""

    def __init__(self, checks: TitleCheckService) -> None:
        self._checks = checks

    async def cached_title_check(self, vin: str, words: Words) -> TitleCheckSummary | None:
        """The cached check as plain lines in the reader's words, or None when none is cached
        (nothing is fetched)."""
        check = await self._checks.cached(vin)
        return title_check_summary(words, check) if check is not None else None


def build_recall_alerts(
    settings: Settings, state: State, extras: ExtrasService, instance: str
) -> RecallAlertService:
    """The garage recall checks over the free NHTSA path; a VIN is due after half an interval."""
    # Half the interval: a restart soon after a run does not check every car again.
    recheck_after = timedelta(hours=settings.recall_check_interval_hours) / 2
    return RecallAlertService(
        SqlRecallAlertRepository(state.database.sessions),
        extras.recalls_service,
        users=state.user_settings,
        recheck_after=recheck_after,
        # Renewed before each VIN; an instance that died mid-run lets another in after this.
        lease=Lease(
            SqlLeaseRepository(state.database.sessions),
            RECALL_ALERT_LEASE,
            instance,
            RECALL_ALERT_LEASE_TTL,
        ),
    )


def build_flood_guard(settings: Settings, cache: Cache, sessions: SessionFactory) -> FloodGate:
    """Upstash when configured, else the database when it can be shared (PostgreSQL), else this
    process's own sliding window (the single-instance default: SQLite, no Upstash)."""
    limit = settings.user_decodes_per_minute
    if limit > 0 and isinstance(cache, TieredCache):
        return SharedFloodGuard(limit, StoreWindowCounter(cache), backend="upstash")
    if limit > 0 and sessions.dialect != "sqlite":
        return SharedFloodGuard(limit, SqlWindowCounter(sessions), backend="database")
    return FloodGuard(limit)


def longest_update_seconds(settings: Settings) -> float:
    """How long handling one update may take: a decode's whole deadline, and a little more."""
    return max(DEFAULT_UPDATE_STALL_SECONDS, 2 * settings.decode_deadline_seconds)


def build_presses(
    settings: Settings, cache: Cache, sessions: SessionFactory, instance: str
) -> PressesInFlight:
    """Presses claimed in Upstash when configured, else in the database when it can be shared
    (PostgreSQL), else in this process only (SQLite: one process owns the file)."""
    ttl = timedelta(seconds=CLAIM_SECONDS)
    shared: SharedPresses
    if isinstance(cache, TieredCache):
        shared, backend = StorePresses(cache, instance, ttl), "upstash"
    elif sessions.dialect != "sqlite":
        shared, backend = DatabasePresses(SqlLeaseRepository(sessions), instance, ttl), "database"
    else:
        return PressesInFlight()
    # Renewed while handled, for no longer than handling an update may take.
    return PressesInFlight(shared, hold_at_most=longest_update_seconds(settings), backend=backend)


def build_delivered_updates(
    settings: Settings, cache: Cache, sessions: SessionFactory, instance: str
) -> DeliveredUpdates | None:
    """Webhook updates marked in Upstash when configured, else in the database in webhook mode
    on PostgreSQL (instances share the webhook); none on SQLite alone (one process per file)."""
    bot_id = require_token(settings).partition(":")[0]  # public, unlike the rest of the token
    if isinstance(cache, TieredCache):
        return DeliveredUpdates(cache, bot_id, instance)
    if settings.webhook_url is not None and sessions.dialect != "sqlite":
        marks = SqlDeliveryMarks(sessions)
        return DeliveredUpdates(marks, bot_id, instance, expired=marks)
    return None


def assemble_bot_services(
    settings: Settings,
    core: Core,
    state: State,
    extras_for: Callable[[PaidCallGate], ExtrasService],
    stack: AsyncExitStack,
) -> BotServices:
    """The handlers' services on top of the decode stack and state (tests pass fakes in)."""
    health = HealthState(
        poll_timeout=settings.poll_timeout_seconds,
        stall_seconds=settings.health_stall_seconds,
        poll_slack=POLL_READ_SLACK_SECONDS,
        update_stall_seconds=longest_update_seconds(settings),
    )
    health.add_probe("cache", core.cache.ping, reuse_for=CACHE_PROBE_REUSE_SECONDS)
    health.add_probe("database", state.database.ping)
    alerts = TelegramAdminAlerts(settings.admin_ids, language_of=state.user_settings.language_of)
    gate = PaidCallGate(state.quota, counter=core.metrics, alerts=alerts)
    # Unused allowances are given back before the database closes.
    stack.push_async_callback(gate.aclose)
    # Decodes still in flight settle their paid calls at the gate: stop them before it closes.
    stack.push_async_callback(core.decoder.aclose)
    # Re-showing a cached answer (Full specs / Summary) goes through a decoder with no
    # providers: it cannot reach an upstream, so it needs no flood-guard budget.
    cache_only = DecodeService((), OfflineProvider(), core.cache, observer=core.metrics)
    stack.push_async_callback(cache_only.aclose)
    lookup = LookupService(
        core.decoder,
        gate=gate,
        history=state.history,
        user_settings=state.user_settings,
        cache_only=cache_only,
    )
    extras = extras_for(gate)
    instance = instance_id(settings.port)
    return BotServices(
        settings=settings,
        lookup=lookup,
        flood_guard=build_flood_guard(settings, core.cache, state.database.sessions),
        hints=HintThrottle(),
        presses=build_presses(settings, core.cache, state.database.sessions, instance),
        callbacks=CallbackCodec.for_bot_token(require_token(settings)),
        metrics=core.metrics,
        health=health,
        status=StatusService(core.metrics, health, core.provider_states, state.quota, gate),
        garage=state.garage,
        user_settings=state.user_settings,
        privacy=PrivacyService(
            SqlUserDataRepository(state.database.sessions), pending=(state.history, gate)
        ),
        retention=state.retention,
        admin_alerts=alerts,
        extras=extras,
        recall_alerts=build_recall_alerts(settings, state, extras, instance),
        value_drafts=ValueDraftService(SqlValueDraftRepository(state.database.sessions)),
        instance=instance,
        poller_lease=Lease(
            SqlLeaseRepository(state.database.sessions),
            POLLER_LEASE,
            instance,
            timedelta(seconds=settings.poller_lease_seconds),
        ),
        leases=SqlLeaseRepository(state.database.sessions),
        reports=build_reports(settings, stack, lookup, extras),
        compare=CompareService(lookup, extras.recalls_service),
        delivered_updates=build_delivered_updates(
            settings, core.cache, state.database.sessions, instance
        ),
    )


async def build_bot_services(settings: Settings, stack: AsyncExitStack) -> BotServices:
    """Everything the Telegram handlers call: decode stack, then state, then the rest."""
    require_token(settings)
    core = await build_core(settings, stack, interactive=False)
    state = await build_state(settings, stack)
    services = assemble_bot_services(
        settings, core, state, lambda gate: build_extras(settings, stack, core, gate), stack
    )
    if state.database.sessions.dialect == "sqlite":
        # One process owns a SQLite file: a text without a draft in its chat needs no query.
        await services.value_drafts.load()
    return services
