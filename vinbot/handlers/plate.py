"""/plate PLATE STATE [COUNTRY]: the VIN behind a licence plate, then its decode."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.formatters.plate import (
    plate_error,
    plate_found,
    plate_no_key,
    plate_not_found,
    plate_usage,
)
from vinbot.handlers.decode import flood_guarded, reply_html, send_decode, with_typing
from vinbot.handlers.identity import requester_of
from vinbot.handlers.language import words_for
from vinbot.handlers.routing import user_command
from vinbot.models.errors import InvalidInput, LookupNotFound, ProviderUnavailable, QuotaExceeded

if TYPE_CHECKING:
    from telegram import Update

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.routing import ButtonRouter


async def on_plate_command(update: Update, context: BotContext) -> None:
    """/plate PLATE STATE [COUNTRY]: find the VIN behind a plate, then decode it."""
    message = update.effective_message
    requester = requester_of(update)
    if message is None or requester is None:
        return
    words = await words_for(update, context)
    services = context.services
    if not services.extras.paid_features:
        await reply_html(message, context, plate_no_key(words))
        return
    args = context.args or []
    if len(args) < 2 or len(args) > 3:  # noqa: PLR2004 - plate, state and optional country
        await reply_html(message, context, plate_usage(words))
        return
    country = args[2] if len(args) == 3 else "US"  # noqa: PLR2004
    user_id = requester.key
    if not await flood_guarded(message, context, user_id):  # the plate; its decode counts too
        return
    is_admin = requester.is_admin(services.settings.admin_ids)
    try:
        result = await with_typing(
            message,
            services.extras.plate(args[0], args[1], country, user_id=user_id, is_admin=is_admin),
        )
    except (InvalidInput, LookupNotFound, ProviderUnavailable, QuotaExceeded) as exc:
        await reply_html(message, context, plate_error(words, exc))
        return
    if result.vin is None:
        await reply_html(message, context, plate_not_found(words))
        return
    await reply_html(message, context, plate_found(words, result))
    await send_decode(message, context, result.vin, requester, found=True)


def register(application: VinbotApplication, _buttons: ButtonRouter) -> None:
    """/plate (it has no buttons of its own: the decode that follows brings them)."""
    application.add_handler(user_command("plate", on_plate_command))
