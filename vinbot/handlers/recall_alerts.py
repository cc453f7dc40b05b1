"""The recall-alert job: a repeating check that sends each new campaign to the car's owners."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import TYPE_CHECKING

from telegram.error import Forbidden, TelegramError

from vinbot.formatters.recall_alerts import recall_alert_keyboard, render_recall_alert
from vinbot.handlers.language import words_for_user
from vinbot.logs import get_logger
from vinbot.services.recall_alerts import NotifyResult

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from telegram import Bot

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.i18n import Words
    from vinbot.models.callback import CallbackCodec
    from vinbot.services.recall_alerts import RecallAlert

log = get_logger(__name__)

# The words for an alert's owner: (user id, their Telegram language_code) -> Words.
type WordsOf = Callable[[int, str | None], Awaitable[Words]]

RECALL_ALERT_JOB = "recall_alerts"
# Late enough that a crash loop does not check the garage on every start; a shorter interval
# (set for testing) comes first, so the first check never waits longer than one interval.
RECALL_FIRST_RUN_DELAY = timedelta(minutes=5)


class TelegramRecallNotifier:
    """Sends alerts as bot messages, each in its owner's language; a user who blocked the bot
    is reported as blocked."""

    def __init__(self, bot: Bot, codec: CallbackCodec, words_of: WordsOf) -> None:
        self._bot = bot
        self._codec = codec
        self._words_of = words_of

    async def notify(self, alert: RecallAlert) -> NotifyResult:
        """Send one alert with a "See recalls" button."""
        words = await self._words_of(alert.user_id, alert.language_code)
        try:
            await self._bot.send_message(
                alert.user_id,
                render_recall_alert(words, alert),
                reply_markup=recall_alert_keyboard(words, self._codec, alert.vin),
            )
        except Forbidden:
            return NotifyResult.BLOCKED
        except TelegramError as exc:
            log.warning(
                "recall_alert_send_failed", user_id=alert.user_id, error_type=type(exc).__name__
            )
            return NotifyResult.FAILED
        return NotifyResult.SENT


async def check_recalls(context: BotContext) -> None:
    """Check the garage cars that are due and send the new campaigns' alerts."""
    services = context.services
    notifier = TelegramRecallNotifier(
        context.bot, services.callbacks, functools.partial(words_for_user, context)
    )
    application = context.application
    summary = await services.recall_alerts.run_once(
        notifier, keep_running=lambda: application.running
    )
    log.info("recall_alerts_checked", **summary.fields())


def schedule_recall_alerts(application: VinbotApplication) -> None:
    """Repeat the check every RECALL_CHECK_INTERVAL_HOURS; 0 turns alerts off."""
    hours = application.bot_data.services.settings.recall_check_interval_hours
    if hours <= 0:
        return
    queue = application.job_queue
    if queue is None:  # pragma: no cover - the job-queue extra is a pinned requirement
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    interval = timedelta(hours=hours)
    queue.run_repeating(
        check_recalls,
        interval=interval,
        first=min(RECALL_FIRST_RUN_DELAY, interval),
        name=RECALL_ALERT_JOB,
    )
