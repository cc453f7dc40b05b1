"""The command menus and the bot's descriptions, sent to Telegram at start-up in every language.

Telegram shows a user the list for their app's language (two-letter code) when there is one,
else the default (English). Each admin's private chat gets its own list with /stats, so nobody
else ever sees /stats in a menu. A refusal is logged and the rest go on: menus never stop the
bot from starting; a network failure skips the rest (the next start tries again).
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Final

from telegram import BotCommandScopeChat
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from vinbot.formatters import menus
from vinbot.i18n import DEFAULT_LANGUAGE, LANGUAGES, words_in
from vinbot.logs import get_logger

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Collection

    from telegram import Bot

log = get_logger(__name__)

# Telegram's flood control on these calls: waited out once when short, else left for next start.
MAX_RETRY_AFTER_SECONDS: Final = 30.0


def telegram_language_code(language: str) -> str:
    """Telegram's two-letter ISO 639-1 code for one of vinbot's languages ("pt" for pt_BR);
    "" for the default, whose lists are everyone's without a list of their own."""
    return "" if language == DEFAULT_LANGUAGE else language.split("_", 1)[0].lower()


async def publish_menus(bot: Bot, admin_ids: Collection[int]) -> int:
    """Set the menus, descriptions and admin menus for every language; how many failed."""
    steps: list[tuple[str, Callable[[], Awaitable[bool]]]] = []
    for language in LANGUAGES:
        words = words_in(language)
        code = telegram_language_code(language) or None
        steps += [
            (
                "commands",
                partial(bot.set_my_commands, menus.bot_commands(words), language_code=code),
            ),
            ("description", partial(bot.set_my_description, menus.description(words), code)),
            (
                "short_description",
                partial(bot.set_my_short_description, menus.short_description(words), code),
            ),
        ]
        steps += [
            (
                "admin_commands",
                partial(
                    bot.set_my_commands,
                    menus.admin_commands(words),
                    scope=BotCommandScopeChat(admin_id),
                    language_code=code,
                ),
            )
            for admin_id in sorted(admin_ids)
        ]
    failed = 0
    for done, (what, step) in enumerate(steps):
        try:
            await _with_one_retry(step)
        except (BadRequest, Forbidden) as exc:  # this one refused: the others may work
            failed += 1
            log.warning("menu_not_set", what=what, error_type=type(exc).__name__)
        except TelegramError as exc:  # Telegram unreachable or busy: try at the next start
            skipped = len(steps) - done
            log.warning("menus_not_set", what=what, error_type=type(exc).__name__, skipped=skipped)
            return failed + skipped
    return failed


async def _with_one_retry(step: Callable[[], Awaitable[bool]]) -> None:
    try:
        await step()
    except RetryAfter as exc:
        wait = exc.retry_after
        seconds = wait if isinstance(wait, int | float) else wait.total_seconds()
        if seconds > MAX_RETRY_AFTER_SECONDS:
            raise
        await asyncio.sleep(seconds)
        await step()
