"""Messages to the bot's admins: sent best-effort, never failing the update that caused them."""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING

from telegram.error import TelegramError

from vinbot.formatters import admin
from vinbot.i18n import DEFAULT_LANGUAGE, words_in
from vinbot.logs import get_logger

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

    from telegram import Bot

    from vinbot.i18n import Words
    from vinbot.models.records import CapEvent

    # The language (one of vinbot's) to write to an admin in.
    type LanguageOf = Callable[[int], Awaitable[str]]

log = get_logger(__name__)

# At most one alert per kind of error and place in this window; the next one says how many
# were held back.
ERROR_ALERT_WINDOW_SECONDS = 600.0
_OUTSIDE = "outside vinbot"


def error_place(error: BaseException) -> str:
    """Where an error was raised, as module:function:line of the innermost vinbot frame.

    Frames outside vinbot (PTB, httpx) are skipped: the vinbot line that called them is the one
    to look at. Only code locations, never values, so no user data or secret can be in it.
    """
    place = _OUTSIDE
    frame = error.__traceback__
    while frame is not None:
        module = frame.tb_frame.f_globals.get("__name__", "")
        if isinstance(module, str) and (module == "vinbot" or module.startswith("vinbot.")):
            place = f"{module}:{frame.tb_frame.f_code.co_name}:{frame.tb_lineno}"
        frame = frame.tb_next
    return place


class ErrorAlertThrottle:
    """One alert per (error type, place) per window; the rest are counted, not sent."""

    def __init__(
        self,
        window: float = ERROR_ALERT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window = window
        self._clock = clock
        self._sent_at: dict[tuple[str, str], float] = {}
        self._held_back: Counter[tuple[str, str]] = Counter()

    def admit(self, key: tuple[str, str]) -> int | None:
        """None to hold this alert back, else how many like it were held back before it."""
        now = self._clock()
        last = self._sent_at.get(key)
        if last is not None and now - last < self._window:
            self._held_back[key] += 1
            return None
        self._sent_at[key] = now
        return self._held_back.pop(key, 0)


class TelegramAdminAlerts:
    """Sends admin notices through the bot once it is attached."""

    def __init__(
        self,
        admin_ids: Iterable[int],
        *,
        throttle: ErrorAlertThrottle | None = None,
        language_of: LanguageOf | None = None,
    ) -> None:
        self._admin_ids = tuple(sorted(admin_ids))
        self._bot: Bot | None = None
        self._throttle = throttle or ErrorAlertThrottle()
        self._language_of = language_of

    def attach(self, bot: Bot) -> None:
        """Use this bot to send (set once the application exists)."""
        self._bot = bot

    async def spend_cap_reached(self, event: CapEvent) -> None:
        """Tell every admin that the monthly paid-call cap was reached."""
        await self._send_all(lambda words: admin.spend_cap_reached(words, event))

    async def unexpected_error(self, error: BaseException, *, in_update: bool) -> None:
        """Tell the admins an error type and where it happened, at most once per window.

        Never the message (it can quote user input or a URL with a key), nor the update.
        """
        kind, place = type(error).__name__, error_place(error)
        held_back = self._throttle.admit((kind, place))
        if held_back is None or not self._admin_ids:
            return
        minutes = round(ERROR_ALERT_WINDOW_SECONDS / 60)
        await self._send_all(
            lambda words: admin.unexpected_error(
                words,
                kind,
                place,
                in_update=in_update,
                held_back=held_back,
                window_minutes=minutes,
            )
        )

    async def update_quarantined(self, update_id: int, update_kind: str) -> None:
        """Tell every admin that an update failed twice and will not be handled again."""
        await self._send_all(lambda words: admin.update_quarantined(words, update_id, update_kind))

    async def update_unreadable(self, update_id: int, update_kind: str) -> None:
        """Tell every admin (at most once per window and kind) that an update was skipped."""
        held_back = self._throttle.admit(("unreadable", update_kind))
        if held_back is not None:
            await self._send_all(
                lambda words: admin.update_unreadable(words, update_id, update_kind, held_back)
            )

    async def _words_of(self, admin_id: int) -> Words:
        if self._language_of is None:
            return words_in(DEFAULT_LANGUAGE)
        try:
            return words_in(await self._language_of(admin_id))
        except Exception as exc:  # noqa: BLE001 - an alert goes out in English rather than not at all
            log.warning("admin_language_unknown", admin_id=admin_id, error_type=type(exc).__name__)
            return words_in(DEFAULT_LANGUAGE)

    async def _send_all(self, render: Callable[[Words], str]) -> None:
        """Send each admin the alert in their own language."""
        if self._bot is None:
            log.warning("admin_alert_not_sent", reason="bot not attached")
            return
        for admin_id in self._admin_ids:
            text = render(await self._words_of(admin_id))
            try:
                await self._bot.send_message(admin_id, text)
            except TelegramError as exc:
                log.warning("admin_alert_failed", admin_id=admin_id, error_type=type(exc).__name__)
