"""At start-up, before polling: quarantine what failed twice, handle again what failed once.

Updates in flight at the last failure are handled again together. If that replay brings the bot
down too, each update left over is handled again on its own (one at a time), so the next failure
points at exactly one update: only that one is quarantined, never the others beside it. Every
replay is counted on disk before it starts (see UpdateJournal).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Protocol

from telegram import ReplyParameters, Update
from telegram.error import TelegramError

from vinbot.formatters.recovery import apology_for
from vinbot.i18n import resolve_language, words_in
from vinbot.journal import update_kind
from vinbot.logs import get_logger

if TYPE_CHECKING:
    from collections.abc import Sequence

    from telegram import Bot

    from vinbot.journal import RecoveryPlan, UpdateJournal
    from vinbot.storage.update_journal import JournaledUpdate
    from vinbot.update_tracking import TrackedApplication

log = get_logger(__name__)


class QuarantineAlerts(Protocol):
    """Tells the admins about a quarantined update."""

    async def update_quarantined(self, update_id: int, update_kind: str) -> None:
        """Send the alert (best effort)."""
        ...


def _payload(row: JournaledUpdate) -> dict[str, object]:
    try:
        data = json.loads(row.payload)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


async def recover_updates(
    application: TrackedApplication, journal: UpdateJournal, alerts: QuarantineAlerts
) -> frozenset[int]:
    """Quarantine and replay what this instance's last run left (after application.start()).

    Returns the ids dealt with. In webhook mode the route acknowledges these ids without
    handling them again (Telegram resends an update whose 200 the failure cut off).
    """
    return await handle_left_over(application, journal, await journal.recover(), alerts)


async def skip_journaled_updates(application: TrackedApplication, journal: UpdateJournal) -> None:
    """Polling, before the first getUpdates: Telegram forgets what the journal already has.

    A batch whose acknowledgement a failure cut off must not come back beside its replay (or
    after it was handled).
    """
    resume_from = await journal.resume_from()
    if resume_from is None:
        return
    try:
        await application.bot.get_updates(offset=resume_from, timeout=0, limit=1)
    except TelegramError as exc:
        log.warning("journal_resume_failed", error_type=type(exc).__name__)


async def handle_left_over(
    application: TrackedApplication,
    journal: UpdateJournal,
    plan: RecoveryPlan,
    alerts: QuarantineAlerts,
) -> frozenset[int]:
    """Quarantine and replay rows a failure left (this instance's, or a dead one's adopted)."""
    if plan.quarantine:
        # Decided on disk first: whatever happens while apologising, it never runs again.
        await journal.drop([row.update_id for row in plan.quarantine])
        for row in plan.quarantine:
            await _quarantine(application.bot, row, alerts)
    for row in plan.replay_alone:
        await _replay(application, journal, [row])
    if plan.replay_together:
        await _replay(application, journal, plan.replay_together)
    rows = (*plan.quarantine, *plan.replay_alone, *plan.replay_together)
    return frozenset(row.update_id for row in rows)


async def _replay(
    application: TrackedApplication, journal: UpdateJournal, rows: Sequence[JournaledUpdate]
) -> None:
    updates: list[tuple[Update, str]] = []
    for row in rows:
        data = _payload(row)
        update = _update(data, application.bot)
        if update is None:
            log.error("update_replay_unreadable", update_id=row.update_id)
            await journal.drop([row.update_id])
        else:
            updates.append((update, update_kind(data)))
    if not updates:
        return
    await journal.begin_replay([update.update_id for update, _ in updates])
    # No more at once than polling would handle (CONCURRENT_UPDATES).
    slots = asyncio.Semaphore(application.concurrent_updates)
    await asyncio.gather(*(_handle(application, slots, update, kind) for update, kind in updates))


async def _handle(
    application: TrackedApplication, slots: asyncio.Semaphore, update: Update, kind: str
) -> None:
    try:
        async with slots:
            log.info("update_replayed", update_id=update.update_id, update_kind=kind)
            await application.process_update(update)
    except Exception as exc:  # noqa: BLE001 - one update's failure must not stop the start-up
        log.error("update_replay_failed", update_id=update.update_id, error_type=type(exc).__name__)


def _update(data: dict[str, object], bot: Bot) -> Update | None:
    if not data:
        return None
    try:
        return Update.de_json(data, bot)
    except (KeyError, TypeError, ValueError):
        return None


async def _quarantine(bot: Bot, row: JournaledUpdate, alerts: QuarantineAlerts) -> None:
    data = _payload(row)
    kind = update_kind(data)
    log.warning(
        "update_quarantined",
        update_id=row.update_id,
        update_kind=kind,
        detail="in flight at two failures in a row; not handled again",
    )
    update = _update(data, bot)
    # Recovery reads the journal, not the user settings: the sender's Telegram language.
    user = update.effective_user if update is not None else None
    words = words_in(resolve_language(None, user.language_code if user is not None else None))
    apology = apology_for(words, kind)
    if update is not None and apology is not None:
        await _apologise(bot, update, apology)
    await alerts.update_quarantined(row.update_id, kind)


async def _apologise(bot: Bot, update: Update, apology: str) -> None:
    chat = update.effective_chat
    user = update.effective_user
    chat_id = chat.id if chat is not None else (user.id if user is not None else None)
    if chat_id is None:
        return
    message = update.effective_message
    reply = (
        ReplyParameters(message.message_id, allow_sending_without_reply=True)
        if message is not None and chat is not None
        else None
    )
    try:
        await bot.send_message(chat_id, apology, parse_mode=None, reply_parameters=reply)
    except TelegramError as exc:
        log.warning("quarantine_apology_failed", error_type=type(exc).__name__)
