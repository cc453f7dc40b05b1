"""Builds the python-telegram-bot Application from settings: URLs, rate limiter, concurrency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, ApplicationBuilder, Defaults

from vinbot.handlers.context import CONTEXT_TYPES
from vinbot.handlers.jobs import schedule_jobs
from vinbot.handlers.registry import register_handlers
from vinbot.models.errors import ConfigError
from vinbot.polling import PollingProbeRequest
from vinbot.telegram_request import AiohttpRequest
from vinbot.update_processor import FairUpdateProcessor
from vinbot.update_tracking import TrackedApplication

if TYPE_CHECKING:
    from telegram.request import BaseRequest

    from vinbot.config import Settings
    from vinbot.handlers.context import BotServices
    from vinbot.health import HealthState
    from vinbot.journal import UpdateJournal

# How often a request that Telegram answered with 429 is retried after waiting retry_after.
RATE_LIMIT_RETRIES = 3
# Slack on top of the long-poll timeout before a getUpdates read counts as hung (PTB adds the
# poll's own timeout to the request's read timeout).
POLL_READ_SLACK_SECONDS = 10.0


def require_token(settings: Settings) -> str:
    """The bot token, or a configuration error saying where to get one."""
    if settings.telegram_bot_token is None:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN",
            "TELEGRAM_BOT_TOKEN is required to run the bot (create one with @BotFather); "
            "'python -m vinbot decode VIN' works without it",
        )
    return settings.telegram_bot_token.value


def build_rate_limiter(settings: Settings) -> AIORateLimiter | None:
    """The overall limiter for TELEGRAM_MAX_RATE (None when 0), retrying 429s after waiting."""
    if settings.telegram_max_rate <= 0:
        return None
    # One message per 1/rate seconds rather than `rate` per second: a leaky bucket as deep as
    # the rate lets a burst through on top of the steady flow, so a 1 s window could see twice
    # the rate.
    return AIORateLimiter(
        overall_max_rate=1,
        overall_time_period=1 / settings.telegram_max_rate,
        max_retries=RATE_LIMIT_RETRIES,
    )


@dataclass(frozen=True, slots=True)
class BotApiRequests:
    """PTB's two transports: one for Bot API methods, one for getUpdates."""

    methods: BaseRequest
    polling: BaseRequest

    @classmethod
    def sharing(cls, request: BaseRequest) -> BotApiRequests:
        """One request object for both (tests pass an in-process fake)."""
        return cls(request, request)

    async def shutdown(self) -> None:
        """Close both; PTB does it on a normal stop, not when initialize() failed half-way."""
        await self.methods.shutdown()
        await self.polling.shutdown()


def build_requests(
    settings: Settings, health: HealthState, journal: UpdateJournal | None = None
) -> BotApiRequests:
    """The aiohttp transports; getUpdates' one reports every poll and journals every batch."""
    return BotApiRequests(
        methods=AiohttpRequest(connection_pool_size=max(8, settings.concurrent_updates)),
        polling=PollingProbeRequest(health, journal, read_timeout=POLL_READ_SLACK_SECONDS),
    )


def build_application(
    settings: Settings, services: BotServices, requests: BotApiRequests
) -> TrackedApplication:
    """The Application, with handlers registered and services attached."""
    builder = (
        ApplicationBuilder()
        .token(require_token(settings))
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .context_types(CONTEXT_TYPES)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .concurrent_updates(
            FairUpdateProcessor(
                total=settings.concurrent_updates,
                per_sender=settings.concurrent_updates_per_user,
                per_chat=settings.concurrent_updates_per_chat,
            )
        )
        .request(requests.methods)
        .get_updates_request(requests.polling)
        .application_class(TrackedApplication)
    )
    limiter = build_rate_limiter(settings)
    built = builder.build() if limiter is None else builder.rate_limiter(limiter).build()
    application = cast("TrackedApplication", built)  # application_class made it one
    application.bot_data.attach(services)
    application.update_listeners.append(services.health)  # /health sees stuck handlers
    application.update_listeners.append(services.user_settings)  # settings read once an update
    services.admin_alerts.attach(application.bot)
    register_handlers(application)
    schedule_jobs(application)
    return application
