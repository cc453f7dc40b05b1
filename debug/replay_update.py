"""Replay a saved Telegram update through vinbot's handlers and print what the bot would send.

No Telegram is involved: the Application is built exactly as the bot builds it (same services,
same handlers, same settings) but with an in-process request object that answers every Bot API
call and records it. Providers and the cache are the configured ones (their *_BASE_URL settings
apply; --no-carsxe avoids paid calls). The database is a throwaway temporary file unless
--use-database is given, so a replay never adds history or usage to the real one.

The JSON file holds one Update object, a list of them, or a whole getUpdates answer
({"ok": true, "result": [...]}). Callback buttons are signed with the bot token: replaying a
saved button press needs the same TELEGRAM_BOT_TOKEN (a placeholder is used when none is set).

    python debug/replay_update.py tests/fixtures/updates/private_text_vin.json --no-carsxe
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, override

from _support import EXIT_OK, Failure, Script, load, parser, run
from telegram import Update
from telegram.request import BaseRequest, RequestData

from vinbot.bootstrap import build_bot_services
from vinbot.config import Secret
from vinbot.telegram_app import BotApiRequests, build_application

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vinbot.config import Settings
    from vinbot.handlers.context import BotContext

NAME = "replay_update"
PLACEHOLDER_TOKEN = "1:replay-placeholder-never-sent"  # noqa: S105 - not a secret
# Methods whose answer is a Message; everything else is answered with True (or [] below).
_MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "sendPhoto",
        "sendDocument",
        "sendLocation",
    }
)
_LIST_METHODS = frozenset({"getMyCommands", "getUpdates"})


@dataclasses.dataclass(frozen=True, slots=True)
class RecordedCall:
    """One Bot API call the handlers made."""

    method: str
    params: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """The call with JSON-encoded parameters (reply_markup, entities) decoded."""
        return {"method": self.method, "params": {k: _decoded(v) for k, v in self.params.items()}}


class RecordingRequest(BaseRequest):
    """A BaseRequest that answers the Bot API in-process and records every call."""

    def __init__(self, bot_id: int, bot_username: str) -> None:
        self.calls: list[RecordedCall] = []
        self._bot_id = bot_id
        self._bot_username = bot_username
        self._message_ids = itertools.count(1_000_000)

    @property
    @override
    def read_timeout(self) -> float | None:
        """Nothing here waits on a network."""
        return 1.0

    @override
    async def initialize(self) -> None:
        """Nothing to open."""

    @override
    async def shutdown(self) -> None:
        """Nothing to close."""

    def bot_user(self) -> dict[str, Any]:
        """The bot's own User, as getMe returns it."""
        return {
            "id": self._bot_id,
            "is_bot": True,
            "first_name": "vinbot (replay)",
            "username": self._bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id", 1)
        numeric = int(chat_id) if str(chat_id).lstrip("-").isdigit() else 1
        message: dict[str, Any] = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": {"id": numeric, "type": "private" if numeric > 0 else "group"},
            "from": self.bot_user(),
            "text": str(params.get("text") or params.get("caption") or ""),
        }
        markup = _decoded(params.get("reply_markup"))
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _result(self, method: str, params: dict[str, Any]) -> object:
        if method == "getMe":
            return self.bot_user()
        if method in _MESSAGE_METHODS:
            return self._message(params)
        if method in _LIST_METHODS:
            return []
        return True

    @override
    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Record the call and answer it with a plausible Bot API result."""
        del method, read_timeout, write_timeout, connect_timeout, pool_timeout
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        self.calls.append(RecordedCall(api_method, params))
        body = {"ok": True, "result": self._result(api_method, params)}
        return 200, json.dumps(body).encode()


def _decoded(value: object) -> object:
    if isinstance(value, str) and value[:1] in {"{", "["}:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def read_updates(path: Path) -> list[dict[str, Any]]:
    """The updates in a file: one Update, a list of them, or a getUpdates answer."""
    try:
        data: object = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise Failure(f"cannot read {path}: {exc.strerror or exc}", 2) from None
    except ValueError as exc:
        raise Failure(f"{path} is not JSON: {exc}", 2) from None
    if isinstance(data, dict) and isinstance(data.get("result"), list):
        data = data["result"]
    items: list[object] = data if isinstance(data, list) else [data]
    updates = [item for item in items if isinstance(item, dict)]
    if not updates or len(updates) != len(items):
        raise Failure(f"{path} holds no Update objects", 2)
    for number, update in enumerate(updates, start=1):
        update.setdefault("update_id", number)
    return updates


def replay_settings(
    settings: Settings, *, scratch_dir: Path | None, carsxe: bool
) -> tuple[Settings, bool]:
    """The bot's settings with a placeholder token if needed, no rate limiter, maybe no CarsXE."""
    placeholder = settings.telegram_bot_token is None
    changes: dict[str, Any] = {"telegram_max_rate": 0.0}
    if placeholder:
        changes["telegram_bot_token"] = Secret(PLACEHOLDER_TOKEN)
    if scratch_dir is not None:
        changes["database_url"] = f"sqlite+aiosqlite:///{scratch_dir / 'replay.db'}"
    if not carsxe:
        changes["carsxe_api_key"] = None
    return dataclasses.replace(settings, **changes), placeholder


def _summary(update: dict[str, Any]) -> str:
    kinds = [key for key in update if key != "update_id"]
    kind = kinds[0] if kinds else "empty"
    body = update.get(kind) if kinds else None
    sender = body.get("from", {}).get("id") if isinstance(body, dict) else None
    text = ""
    if isinstance(body, dict):
        text = str(body.get("text") or body.get("caption") or body.get("data") or "")
    shown = f" {text[:80]!r}" if text else ""
    return f"update {update['update_id']}: {kind} from user {sender}{shown}"


def print_calls(script: Script, calls: Sequence[RecordedCall]) -> None:
    """What the bot sent, one call after another, texts shown as sent (HTML)."""
    if not calls:
        script.out("   (the bot sent nothing)")
    for call in calls:
        params = call.as_json()["params"]
        text = params.pop("text", None)
        script.out(f"-> {call.method} {json.dumps(params, ensure_ascii=False, default=str)}")
        if text is not None:
            for line in str(text).splitlines() or [""]:
                script.out(f"   | {line}")


async def replay(
    script: Script,
    path: Path,
    *,
    use_database: bool,
    carsxe: bool,
    bot_username: str,
    as_json: bool,
) -> int:
    """Build the application with a recording request, feed it the updates, print the calls."""
    updates = read_updates(path)
    errors: list[str] = []

    async def record_error(update: object, context: BotContext) -> None:
        del update
        errors.append(f"{type(context.error).__name__}: {context.error}")

    async with AsyncExitStack() as stack:
        scratch = None if use_database else Path(stack.enter_context(tempfile.TemporaryDirectory()))
        settings, placeholder = replay_settings(script.settings, scratch_dir=scratch, carsxe=carsxe)
        if placeholder and not as_json:
            script.out("TELEGRAM_BOT_TOKEN is not set: using a placeholder (saved buttons fail)")
        token = settings.telegram_bot_token.value if settings.telegram_bot_token else ""
        bot_id = int(token.split(":", 1)[0])
        request = RecordingRequest(bot_id, bot_username)
        services = await build_bot_services(settings, stack)
        application = build_application(settings, services, BotApiRequests.sharing(request))
        application.add_error_handler(record_error)
        results: list[dict[str, Any]] = []
        async with application:
            for data in updates:
                first = len(request.calls)
                update = Update.de_json(data, application.bot)
                await application.process_update(update)
                calls = request.calls[first:]
                if as_json:
                    results.append(
                        {"update_id": data["update_id"], "calls": [c.as_json() for c in calls]}
                    )
                else:
                    script.out(_summary(data))
                    print_calls(script, calls)
    if as_json:
        script.out_json(results)
    if errors:
        raise Failure(f"a handler raised {errors[0]} (the user got the error reply shown above)")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, then replay."""
    args_parser = parser(NAME, __doc__.splitlines()[0] if __doc__ else NAME)
    args_parser.add_argument("update_file", type=Path, metavar="UPDATE.json")
    args_parser.add_argument(
        "--use-database",
        action="store_true",
        help="use DATABASE_URL instead of a throwaway file (the replay then writes history)",
    )
    args_parser.add_argument(
        "--no-carsxe",
        action="store_true",
        help="leave CarsXE out even when CARSXE_API_KEY is set (no paid calls)",
    )
    args_parser.add_argument(
        "--bot-username",
        default="vinbot_replay_bot",
        help="the username getMe reports (mentions in group messages are matched against it)",
    )
    args_parser.add_argument(
        "--json", action="store_true", help="print the calls per update as one JSON array"
    )
    args = args_parser.parse_args(argv)
    script = load(NAME, verbose=args.verbose)
    return run(
        script,
        replay(
            script,
            args.update_file,
            use_database=args.use_database,
            carsxe=not args.no_carsxe,
            bot_username=args.bot_username,
            as_json=args.json,
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
