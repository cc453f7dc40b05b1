"""The bare python-telegram-bot bot vinbot is measured against: a fixed reply to every text.

`python -m bench.baseline_bot` reads TELEGRAM_BOT_TOKEN and TELEGRAM_BASE_URL, and optionally
CONCURRENT_UPDATES (64, as vinbot), TELEGRAM_MAX_RATE (0: no rate limiter) and
POLL_TIMEOUT_SECONDS. It runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

import os
import sys

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters

FIXED_REPLY = "2003 Honda Accord EX. Source: the baseline bot."
DEFAULT_CONCURRENT_UPDATES = 64


async def reply(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text message with the fixed reply."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(FIXED_REPLY)


def build(environ: dict[str, str]) -> Application:  # type: ignore[type-arg]
    """A PTB Application with PTB's defaults, pointed at the Bot API the environment names."""
    builder = (
        Application.builder()
        .token(environ["TELEGRAM_BOT_TOKEN"])
        .base_url(environ.get("TELEGRAM_BASE_URL", "https://api.telegram.org/bot"))
        .concurrent_updates(int(environ.get("CONCURRENT_UPDATES", DEFAULT_CONCURRENT_UPDATES)))
    )
    max_rate = float(environ.get("TELEGRAM_MAX_RATE", "0"))
    if max_rate > 0:
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=max_rate))
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, reply))
    return application


def main() -> int:
    """Poll until stopped; run_polling handles SIGTERM and SIGINT."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    environ = dict(os.environ)
    application = build(environ)
    application.run_polling(
        poll_interval=0.0,
        timeout=int(float(environ.get("POLL_TIMEOUT_SECONDS", "10"))),
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
