"""/obd CODE and trouble codes found in a message: what each code means."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.formatters import obd as texts
from vinbot.handlers.decode import flood_guarded, reply_html, with_typing
from vinbot.handlers.identity import sender_of
from vinbot.handlers.language import words_for
from vinbot.handlers.routing import user_command
from vinbot.logs import get_logger
from vinbot.models.errors import InvalidObdCode, ObdCodeNotFound, ProviderUnavailable
from vinbot.models.obd import ObdAnswer, find_obd_codes, parse_obd_code
from vinbot.services.extras import PaidFeatureRefused

if TYPE_CHECKING:
    from collections.abc import Sequence

    from telegram import Message, Update

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.identity import Requester
    from vinbot.handlers.routing import ButtonRouter
    from vinbot.i18n import Words

log = get_logger(__name__)


async def _answer(context: BotContext, code: str, requester: Requester) -> ObdAnswer:
    services = context.services
    is_admin = requester.is_admin(services.settings.admin_ids)
    try:
        diagnosis = await services.extras.obd_code(code, user_id=requester.key, is_admin=is_admin)
    except ObdCodeNotFound:
        return ObdAnswer(code, problem="unknown")
    except PaidFeatureRefused as exc:
        return ObdAnswer(code, problem="refused", refusal=exc.decision)
    except ProviderUnavailable as exc:
        log.warning("obd_code_failed", code=code, error=exc.reason)
        return ObdAnswer(code, problem="unavailable")
    return ObdAnswer(code, diagnosis=diagnosis)


async def answer_codes(
    message: Message, context: BotContext, codes: Sequence[str], *, asked: bool, words: Words
) -> None:
    """Explain up to MAX_CODES_PER_MESSAGE normalised codes in one reply (one flood-guarded
    lookup per message). `asked`: an /obd command, which is told about a missing CarsXE key
    every time; a code met in a message is told once in a while."""
    requester = sender_of(message)
    services = context.services
    if requester is None or not codes:
        return
    if not services.extras.obd_codes:
        if asked or services.hints.should_hint(message.chat_id, "no_obd"):
            await reply_html(message, context, texts.obd_no_key(words))
        return
    if not await flood_guarded(message, context, requester.key):
        return
    wanted = codes[: texts.MAX_CODES_PER_MESSAGE]

    async def explain_all() -> list[ObdAnswer]:
        return [await _answer(context, code, requester) for code in wanted]

    answers = await with_typing(message, explain_all())
    skipped = len(codes) - len(wanted)
    await reply_html(message, context, texts.render_codes(words, answers, skipped=skipped))


async def on_obd_command(update: Update, context: BotContext) -> None:
    """/obd CODE [CODE…]: what each OBD-II trouble code means; a malformed one is explained."""
    message = update.effective_message
    if message is None:
        return
    words = await words_for(update, context)
    text = " ".join(context.args or [])
    if not text.strip():
        await reply_html(message, context, texts.obd_usage(words))
        return
    codes = find_obd_codes(text)
    if not codes:
        try:  # "P 0420" or "p-0420": one code written apart
            codes = [parse_obd_code(text)]
        except InvalidObdCode as exc:
            await reply_html(message, context, texts.invalid_code(words, exc.problem))
            return
    await answer_codes(message, context, codes, asked=True, words=words)


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:  # noqa: ARG001
    """/obd (codes sent as plain text are answered by the text handler)."""
    application.add_handler(user_command("obd", on_obd_command))
