"""Check the bot token (getMe), the webhook state (getWebhookInfo) and the registered commands.

A long-polling bot cannot receive anything while a webhook is set (getUpdates answers 409
Conflict), so a set webhook fails the check; --delete-webhook removes it. With WEBHOOK_URL set
(webhook mode) the webhook is expected instead (the bot sets it at start).

--check-conflict [SECONDS] long-polls getUpdates itself for a while (15 s by default, longer
than the bot's own poll) without confirming anything. Telegram ends the older of two
concurrent polls with 409 Conflict, so if another process is polling with this token it takes
the poll back and this check sees the Conflict. A running bot notices too: it logs one
`polling_conflict` and /health answers 503 until its next poll succeeds, a few seconds later.

    python debug/telegram_check.py
    TELEGRAM_BASE_URL=http://127.0.0.1:8125/bot python debug/telegram_check.py --check-conflict
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from _support import EXIT_OK, Failure, Script, load, parser, require, run
from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError

from vinbot.telegram_app import BotApiRequests
from vinbot.telegram_request import AiohttpRequest

if TYPE_CHECKING:
    from collections.abc import Sequence

NAME = "telegram_check"


def _bot(script: Script, requests: BotApiRequests) -> Bot:
    settings = script.settings
    require(
        settings.telegram_bot_token,
        "TELEGRAM_BOT_TOKEN",
        "the check needs the bot's token (from @BotFather)",
    )
    assert settings.telegram_bot_token is not None
    return Bot(
        settings.telegram_bot_token.value,
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
        request=requests.methods,
        get_updates_request=requests.polling,
    )


async def check(
    script: Script,
    *,
    seconds: float,
    delete_webhook: bool,
    drop_pending: bool,
    conflict: float | None,
) -> int:
    """getMe, getWebhookInfo, getMyCommands, and optionally deleteWebhook or a getUpdates probe."""
    base_url = script.settings.telegram_base_url
    # The bot's own transport (proxies, TLS trust), so what works here works for the bot.
    requests = BotApiRequests(
        methods=AiohttpRequest(
            connect_timeout=seconds, read_timeout=seconds, write_timeout=seconds
        ),
        polling=AiohttpRequest(connect_timeout=seconds, read_timeout=seconds),
    )
    bot = _bot(script, requests)
    try:
        async with bot:
            await _report(script, bot, delete_webhook=delete_webhook, drop_pending=drop_pending)
            if conflict is not None:
                await _probe_polling(script, bot, conflict)
    except InvalidToken:
        raise Failure(
            "Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized): copy it again from "
            "@BotFather, or /revoke and set the new one"
        ) from None
    except NetworkError as exc:
        raise Failure(f"cannot reach the Bot API at {base_url}: {exc.message}") from None
    finally:
        await requests.shutdown()  # PTB skips it when getMe already failed
    return EXIT_OK


async def _report(script: Script, bot: Bot, *, delete_webhook: bool, drop_pending: bool) -> None:
    me = bot.bot
    script.out(f"token ok: @{me.username} (id {me.id}, name {me.first_name!r})")
    script.out(f"  can join groups:             {me.can_join_groups}")
    privacy = (
        "off (reads every group message)"
        if me.can_read_all_group_messages
        else "on (in groups: commands, mentions and replies only)"
    )
    script.out(f"  privacy mode:                {privacy}")
    script.out(f"  supports inline queries:     {me.supports_inline_queries}")
    commands = await bot.get_my_commands()
    listed = ", ".join(f"/{c.command}" for c in commands) or "none (the bot sets them at start)"
    script.out(f"  commands:                    {listed}")
    info = await bot.get_webhook_info()
    script.out(f"webhook: {info.url or 'not set (long polling can receive updates)'}")
    script.out(f"  pending updates:             {info.pending_update_count}")
    if info.last_error_date is not None:
        script.out(
            f"  last error:                  {info.last_error_date} {info.last_error_message}"
        )
    expected = script.settings.webhook_url
    if expected is not None and not delete_webhook:
        state = "set to WEBHOOK_URL" if info.url == expected else "not WEBHOOK_URL yet"
        script.out(f"  webhook mode (WEBHOOK_URL):   {state}; the bot sets it at start")
        return
    if not info.url:
        return
    if not delete_webhook:
        raise Failure(
            f"a webhook is set ({info.url}): getUpdates answers 409 Conflict until it is "
            "removed; rerun with --delete-webhook"
        )
    await bot.delete_webhook(drop_pending_updates=drop_pending)
    dropped = " and dropped the pending updates" if drop_pending else ""
    script.out(f"deleted the webhook{dropped}; long polling can receive updates now")


async def _probe_polling(script: Script, bot: Bot, seconds: float) -> None:
    script.out(f"long-polling getUpdates for {seconds:g} s to see whether another process polls")
    try:
        # No offset: nothing is confirmed, so the bot still receives every update later.
        updates = await bot.get_updates(timeout=int(seconds), limit=1, read_timeout=seconds + 10)
    except Conflict as exc:
        raise Failure(
            f"another process is polling with this token ({exc.message}); stop it: "
            "two pollers steal each other's updates"
        ) from None
    except TelegramError as exc:
        raise Failure(f"getUpdates failed: {type(exc).__name__}: {exc.message}") from None
    if updates:
        script.out(
            "getUpdates ok: no other poller, but updates are waiting unclaimed "
            "(is the bot running?)"
        )
    else:
        script.out(f"getUpdates ok: no other process polled in {seconds:g} s")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, then check."""
    args_parser = parser(NAME, __doc__.splitlines()[0] if __doc__ else NAME)
    args_parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per request (default 10)"
    )
    args_parser.add_argument(
        "--delete-webhook",
        action="store_true",
        help="remove a webhook that is set, so long polling can receive updates",
    )
    args_parser.add_argument(
        "--drop-pending",
        action="store_true",
        help="with --delete-webhook: also drop the updates Telegram is holding",
    )
    args_parser.add_argument(
        "--check-conflict",
        type=float,
        nargs="?",
        const=15.0,
        default=None,
        metavar="SECONDS",
        help="long-poll getUpdates for SECONDS (default 15) to detect another process polling "
        "with this token; a running bot sees one brief conflict",
    )
    args = args_parser.parse_args(argv)
    script = load(NAME, verbose=args.verbose)
    return run(
        script,
        check(
            script,
            seconds=args.timeout,
            delete_webhook=args.delete_webhook,
            drop_pending=args.drop_pending,
            conflict=args.check_conflict,
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
