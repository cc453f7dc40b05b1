"""The real bot with one deliberate bug: `python -m tests.fakes.stalling_bot` (tests only).

A private message saying exactly STALL makes a handler spin forever without awaiting, freezing
the event loop the way a pathological input would. Everything else is `python -m vinbot`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from telegram.ext import MessageHandler, filters

import vinbot.telegram_app
from vinbot.__main__ import main
from vinbot.handlers.registry import register_handlers

if TYPE_CHECKING:
    from telegram import Update

    from vinbot.handlers.context import BotContext, VinbotApplication

MAGIC_TEXT = "STALL"
# Before the observe group (-1): nothing else sees the update first.
STALL_GROUP = -2


async def spin_forever(update: Update, context: BotContext) -> None:
    """Never return and never await: the loop runs nothing else from here on."""
    del update, context
    spins = 0
    while True:
        spins += 1


def register_with_stall(application: VinbotApplication) -> None:
    """The bot's handlers, plus the spinning one for the magic text."""
    application.add_handler(
        MessageHandler(filters.Text([MAGIC_TEXT]), spin_forever), group=STALL_GROUP
    )
    register_handlers(application)


def run() -> int:
    """Patch the handler registration in, then run the bot's own entry point."""
    vinbot.telegram_app.register_handlers = register_with_stall
    return main()


if __name__ == "__main__":
    sys.exit(run())
