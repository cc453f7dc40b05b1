"""The typed context handlers receive: services reached by attribute, never by dict key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

if TYPE_CHECKING:
    from vinbot.config import Settings
    from vinbot.delivered_updates import DeliveredUpdates
    from vinbot.handlers.admin_alerts import TelegramAdminAlerts
    from vinbot.health import HealthState
    from vinbot.metrics import Metrics
    from vinbot.models.callback import CallbackCodec
    from vinbot.services.compare import CompareService
    from vinbot.services.extras import ExtrasService
    from vinbot.services.flood_guard import FloodGate
    from vinbot.services.garage import GarageService
    from vinbot.services.hints import HintThrottle
    from vinbot.services.leases import Lease, LeaseStore
    from vinbot.services.lookup import LookupService
    from vinbot.services.presses import PressesInFlight
    from vinbot.services.privacy import PrivacyService
    from vinbot.services.recall_alerts import RecallAlertService
    from vinbot.services.report import ReportService
    from vinbot.services.retention import RetentionService
    from vinbot.services.settings import UserSettingsService
    from vinbot.services.status import StatusService
    from vinbot.services.value_drafts import ValueDraftService


@dataclass(frozen=True, slots=True)
class BotServices:
    """Everything handlers may call; built once by the composition root."""

    settings: Settings
    lookup: LookupService
    flood_guard: FloodGate
    hints: HintThrottle
    presses: PressesInFlight
    callbacks: CallbackCodec
    metrics: Metrics
    health: HealthState
    status: StatusService
    garage: GarageService
    user_settings: UserSettingsService
    privacy: PrivacyService
    retention: RetentionService
    admin_alerts: TelegramAdminAlerts
    extras: ExtrasService
    recall_alerts: RecallAlertService
    reports: ReportService
    compare: CompareService
    value_drafts: ValueDraftService
    instance: str  # this process's lease holder id
    poller_lease: Lease  # polling mode: only its holder calls getUpdates
    leases: LeaseStore  # the database's leases (the journal's, per instance)
    # Webhook updates marked in Upstash (or PostgreSQL), so a re-delivery to another instance
    # is not handled.
    delivered_updates: DeliveredUpdates | None = None


class BotData:
    """The application's bot_data: holds the services once the composition root attaches them."""

    __slots__ = ("_services",)

    def __init__(self) -> None:
        self._services: BotServices | None = None

    def attach(self, services: BotServices) -> None:
        """Make the services reachable from every handler."""
        self._services = services

    @property
    def services(self) -> BotServices:
        """The attached services; handlers never run before attach()."""
        if self._services is None:
            raise RuntimeError("services are not attached to the application yet")
        return self._services


class UserData:
    """Per-user data PTB keeps in memory: nothing (the /value drafts live in the database)."""

    __slots__ = ()


class BotContext(CallbackContext[ExtBot[Any], UserData, dict[Any, Any], BotData]):
    """CallbackContext with typed access to vinbot's services."""

    @property
    def services(self) -> BotServices:
        """The bot's services."""
        return self.bot_data.services


CONTEXT_TYPES = ContextTypes(context=BotContext, bot_data=BotData, user_data=UserData)

type VinbotApplication = Application[
    ExtBot[Any], BotContext, UserData, dict[Any, Any], BotData, Any
]
