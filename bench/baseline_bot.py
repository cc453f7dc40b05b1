"""The bare python-telegram-bot bot vinbot is measured against: a fixed reply to every text.

`python -m bench.baseline_bot` reads TELEGRAM_BOT_TOKEN and TELEGRAM_BASE_URL, and optionally
CONCURRENT_UPDATES (64, as vinbot), TELEGRAM_MAX_RATE (0: no rate limiter, as PTB's default),
POLL_TIMEOUT_SECONDS, and BASELINE_UPSTREAM_URL: when set, every text is first sent there as one
GET (`?vin=<text>&key=<CARSXE_API_KEY>`), so the bare bot pays for one upstream call per message as
vinbot does on a cache miss. It runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

import os
import sys
from typing import Final

import httpx
from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters

FIXED_REPLY: Final = "2012 BMW 5-Series 535i. Source: the baseline bot."
DEFAULT_CONCURRENT_UPDATES: Final = 64
UPSTREAM_TIMEOUT_SECONDS: Final = 10.0


class Replier:
    """Answers a text with the fixed reply, after an upstream call when one is configured."""

    def __init__(self, upstream_url: str | None, key: str = "") -> None:
        self._upstream_url = upstream_url
        self._key = key
        self._client: httpx.AsyncClient | None = None

    async def start(self, _application: object) -> None:
        """Open the upstream client (PTB's post_init hook)."""
        if self._upstream_url:
            self._client = httpx.AsyncClient(timeout=UPSTREAM_TIMEOUT_SECONDS)

    async def stop(self, _application: object) -> None:
        """Close the upstream client (PTB's post_shutdown hook)."""
        if self._client is not None:
            await self._client.aclose()

    async def reply(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a text message."""
        message = update.effective_message
        if message is None or message.text is None:
            return
        if self._client is not None and self._upstream_url:
            answer = await self._client.get(
                self._upstream_url, params={"vin": message.text, "key": self._key}
            )
            answer.json()
        await message.reply_text(FIXED_REPLY)


def build(environ: dict[str, str]) -> Application:  # type: ignore[type-arg]
    """A PTB Application with PTB's defaults, pointed at the Bot API the environment names."""
    replier = Replier(environ.get("BASELINE_UPSTREAM_URL"), environ.get("CARSXE_API_KEY", ""))
    builder = (
        Application.builder()
        .token(environ["TELEGRAM_BOT_TOKEN"])
        .base_url(environ.get("TELEGRAM_BASE_URL", "https://api.telegram.org/bot"))
        .concurrent_updates(int(environ.get("CONCURRENT_UPDATES", DEFAULT_CONCURRENT_UPDATES)))
        .post_init(replier.start)
        .post_shutdown(replier.stop)
    )
    max_rate = float(environ.get("TELEGRAM_MAX_RATE", "0"))
    if max_rate > 0:
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=max_rate))
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, replier.reply))
    return application


def main() -> int:
    """Poll until stopped; run_polling handles SIGTERM and SIGINT."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    environ = dict(os.environ)
    build(environ).run_polling(
        poll_interval=0.0,
        timeout=int(float(environ.get("POLL_TIMEOUT_SECONDS", "10"))),
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
