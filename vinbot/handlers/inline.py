"""Inline mode: `@botname VIN` in any chat offers the decode as a result to send."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from telegram import InlineQueryResultArticle, InlineQueryResultsButton, InputTextMessageContent

from vinbot.formatters import inline as texts
from vinbot.formatters.html import render_decode
from vinbot.formatters.vehicle_view import build_view
from vinbot.handlers.decode import language_code_of
from vinbot.handlers.identity import requester_of
from vinbot.handlers.language import words_for
from vinbot.models.errors import InvalidVin
from vinbot.models.vin import analyse
from vinbot.models.vin_request import parse_vin_request

if TYPE_CHECKING:
    from telegram import Update

    from vinbot.handlers.context import BotContext

# Telegram drops inline answers that come too late; stay well inside its window.
INLINE_DEADLINE_SECONDS = 8.0
CACHE_SECONDS = 300
# Where the "slow down" button above an empty result list leads: the bot's private chat.
SLOW_START_PARAMETER = "slow_down"


def _article(result_id: str, title: str, description: str, html: str) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=result_id[:64],
        title=title[:256],
        description=description[:512],
        input_message_content=InputTextMessageContent(html),
    )


async def on_inline_query(update: Update, context: BotContext) -> None:
    """Answer with one result: the decode, or a single line explaining what to type."""
    query = update.inline_query
    requester = requester_of(update)  # the real user, also in anonymous mode
    if query is None or requester is None:
        return
    services = context.services
    words = await words_for(update, context)
    help_message = texts.help_message(words)
    request = parse_vin_request(query.query, max_vins=1)
    if not request.vins:
        attempt = request.attempts[0] if request.attempts else query.query.strip()
        title, description = texts.explain(words, analyse(attempt) if attempt else None)
        await query.answer(
            [_article("help", title, description, help_message)],
            cache_time=CACHE_SECONDS,
            is_personal=True,
        )
        return
    vin = request.vins[0]
    user_id = requester.key
    decision = await services.flood_guard.admit(user_id, "inline")
    if not decision.allowed:
        # No results, so nothing can be sent into the chat by mistake; the reason is the button
        # Telegram shows above the (empty) list; cache_time=0 so the retry is asked anew.
        await query.answer(
            [],
            cache_time=0,
            is_personal=True,
            button=InlineQueryResultsButton(
                texts.slow(words, decision.retry_after), start_parameter=SLOW_START_PARAMETER
            ),
        )
        return
    try:
        async with asyncio.timeout(INLINE_DEADLINE_SECONDS):
            result = await services.lookup.lookup(
                vin, user_id=user_id, is_admin=user_id in services.settings.admin_ids
            )
    except InvalidVin as exc:
        title, description = texts.explain(words, exc.analysis)
        results = [_article("invalid", title, description, help_message)]
        await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True)
        return
    except TimeoutError:
        busy_title, busy = texts.busy(words)
        results = [_article("busy", busy_title, busy, help_message)]
        await query.answer(results, cache_time=0, is_personal=True)
        return
    units = await services.lookup.units_for(user_id, language_code_of(update.effective_user))
    view = build_view(words, result, units=units)
    summary = words.comma.join(value for _, value in view.rows[:3])
    html = render_decode(words, result, units=units)
    article = _article(vin, view.title, summary or vin, html)
    await query.answer([article], cache_time=CACHE_SECONDS, is_personal=True)
    services.metrics.reply_sent("inline")
