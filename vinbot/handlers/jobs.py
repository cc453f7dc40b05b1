"""Scheduled work on the application's JobQueue: history retention, recall alerts and the sweep
of expired webhook delivery marks."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from vinbot.handlers.recall_alerts import schedule_recall_alerts
from vinbot.logs import get_logger

if TYPE_CHECKING:
    from vinbot.handlers.context import BotContext, VinbotApplication

log = get_logger(__name__)

PRUNE_JOB = "prune_history"
PRUNE_INTERVAL = timedelta(days=1)
FIRST_RUN_DELAY = timedelta(minutes=1)
SWEEP_MARKS_JOB = "sweep_delivery_marks"
SWEEP_MARKS_INTERVAL = timedelta(minutes=5)


async def prune_history(context: BotContext) -> None:
    """Delete lookups older than HISTORY_DAYS, and the counts /forget kept once their day ended."""
    days = context.services.settings.history_days
    deleted = await context.services.retention.prune(days)
    log.info("history_pruned", older_than_days=days, deleted=deleted)
    await context.services.retention.prune_forgotten_usage()


async def sweep_delivery_marks(context: BotContext) -> None:
    """Delete the webhook delivery marks that expired (kept in the database without Upstash)."""
    deliveries = context.services.delivered_updates
    if deliveries is None:
        return
    deleted = await deliveries.forget_expired()
    if deleted:
        log.info("delivery_marks_swept", deleted=deleted)


def schedule_jobs(application: VinbotApplication) -> None:
    """Register the repeating jobs the settings ask for."""
    queue = application.job_queue
    if queue is None:  # pragma: no cover - the job-queue extra is a pinned requirement
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    # Always: even with HISTORY_DAYS=0 the counts /forget kept must go when their day ends.
    queue.run_repeating(
        prune_history, interval=PRUNE_INTERVAL, first=FIRST_RUN_DELAY, name=PRUNE_JOB
    )
    schedule_recall_alerts(application)
    deliveries = application.bot_data.services.delivered_updates
    if deliveries is not None and deliveries.needs_sweeping:
        queue.run_repeating(
            sweep_delivery_marks,
            interval=SWEEP_MARKS_INTERVAL,
            first=SWEEP_MARKS_INTERVAL,
            name=SWEEP_MARKS_JOB,
        )
