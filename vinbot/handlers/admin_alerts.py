"""Messages to the bot's admins: sent best-effort, never failing the update that caused them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.error import TelegramError

from vinbot.formatters.recovery import update_quarantined_alert
from vinbot.logs import get_logger

if TYPE_CHECKING:
    from collections.abc import Iterable

    from telegram import Bot

    from vinbot.models.records import CapEvent

log = get_logger(__name__)


class TelegramAdminAlerts:
    """Sends admin notices through the bot once it is attached."""

    def __init__(self, admin_ids: Iterable[int]) -> None:
        self._admin_ids = tuple(sorted(admin_ids))
        self._bot: Bot | None = None

    def attach(self, bot: Bot) -> None:
        """Use this bot to send (set once the application exists)."""
        self._bot = bot

    async def spend_cap_reached(self, event: CapEvent) -> None:
        """Tell every admin that the monthly paid-call cap was reached."""
        text = (
            f"⚠️ <b>Monthly paid-call cap reached</b> ({event.paid_calls}/{event.cap} in "
            f"{event.month}). Until the month ends everyone gets the free NHTSA/offline "
            "decodes. Raise MONTHLY_PAID_CALLS to lift it."
        )
        await self._send_all(text)

    async def update_quarantined(self, update_id: int, update_kind: str) -> None:
        """Tell every admin that an update failed twice and will not be handled again."""
        await self._send_all(update_quarantined_alert(update_id, update_kind))

    async def _send_all(self, text: str) -> None:
        if self._bot is None:
            log.warning("admin_alert_not_sent", reason="bot not attached")
            return
        for admin_id in self._admin_ids:
            try:
                await self._bot.send_message(admin_id, text)
            except TelegramError as exc:
                log.warning("admin_alert_failed", admin_id=admin_id, error_type=type(exc).__name__)
