"""📄 Report under a decode: the car's one-page PDF, from cached answers only, as a document."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InputFile

from vinbot.formatters import report_pdf as texts
from vinbot.handlers.addressing import is_private
from vinbot.handlers.identity import presser_of
from vinbot.handlers.language import words_for_press
from vinbot.models.callback import CallbackAction
from vinbot.services.report import ReportRefused

if TYPE_CHECKING:
    from telegram import CallbackQuery, Message

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.routing import ButtonRouter
    from vinbot.models.callback import Callback


async def report_pressed(
    query: CallbackQuery, context: BotContext, message: Message, vin: str
) -> None:
    """Build the report in the presser's language (no lookup, so no flood-guard budget is
    spent) and send it; a second report while the first is built, or past the bot's limit at
    once, is refused on the press."""
    services = context.services
    words = await words_for_press(query, context)
    try:
        report = await services.reports.report(vin, user_id=presser_of(query).key, words=words)
    except ReportRefused as refused:
        await query.answer(texts.report_refused(words, refused.refusal), show_alert=True)
        return
    await query.answer()
    await message.reply_document(
        InputFile(report.data, filename=report.filename),
        caption=texts.report_caption(words, vin),
        do_quote=not is_private(message),
    )
    services.metrics.reply_sent("document")


async def _report_route(
    query: CallbackQuery, context: BotContext, message: Message, _callback: Callback, vin: str
) -> None:
    await report_pressed(query, context, message, vin)  # from caches only: no flood budget


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:  # noqa: ARG001
    """📄 Report under a decode (a button only)."""
    buttons.on_vin(CallbackAction.REPORT, _report_route)
