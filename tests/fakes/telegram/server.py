"""FakeTelegram: a Bot API server on 127.0.0.1 that a real PTB bot can poll, with test controls."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import re
import time
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from tests.fakes.telegram.api import BotApi, api_error_for_status
from tests.fakes.telegram.builders import (
    JsonDict,
    auto_entities,
    default_chat_id,
    photo_sizes,
    user_dict,
)
from tests.fakes.telegram.control import add_control_routes
from tests.fakes.telegram.state import (
    REPLY_METHODS,
    ApiError,
    Failure,
    RecordedRequest,
    Signal,
    UpdateTiming,
    UploadedFile,
    WebhookDelivery,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

DEFAULT_TOKEN = "123456:TEST-token-for-the-fake-telegram"
WELL_FORMED_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
INTEGER = re.compile(r"-?\d+")
# Parameters that are strings on the wire even when they look like JSON or numbers.
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "file_id",
        "photo",
        "document",
        "url",
        "action",
        "language_code",
        "description",
        "short_description",
        "name",
        "next_offset",
        "secret_token",
        "business_connection_id",
        "message_effect_id",
        "emoji",
        "title",
    }
)
CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
MAX_UPDATES_PER_POLL = 100
MAX_BODY_BYTES = 64 * 1024 * 1024
SHUTDOWN_SECONDS = 1.0
RECENT_REQUESTS_SHOWN = 30
QUERY_ID_BASE = 4_000_000_000_000_000_000
WEBHOOK_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_TIMEOUT_SECONDS = 30.0  # a loaded CI machine may take seconds to answer one
# How long a wait for the bot's next request gives up by default: a failure bound only (the
# wait ends as soon as the request comes), generous for a machine under load.
WAIT_SECONDS = 30.0


def decode_param(name: str, raw: str) -> Any:
    """Undo PTB's form encoding: JSON for nested objects, numbers and booleans; strings stay."""
    if name in STRING_PARAMS:
        return raw
    if name == "chat_id":
        return int(raw) if INTEGER.fullmatch(raw) else raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class FakeTelegram:
    """A fake api.telegram.org for one bot token, run inside the test's event loop."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "vin_test_bot",
        bot_first_name: str = "VIN Test Bot",
        strict_html: bool = True,
        known_chats_only: bool = False,
    ) -> None:
        self.token = token
        self.host = host
        self._requested_port = port
        prefix = token.split(":", 1)[0]
        self.api = BotApi(
            bot_id=int(prefix) if prefix.isdigit() else 123456,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            strict_html=strict_html,
            known_chats_only=known_chats_only,
        )
        self.requests: list[RecordedRequest] = []
        self.failures: list[Failure] = []
        self.blocked_chats: set[int | str] = set()
        self.delays: dict[str, float] = {}
        self.last_get_updates_at: float | None = None
        self._canonical = {name.lower(): name for name in [*self.api.handlers, "getUpdates"]}
        self._changed = Signal()
        self._consumed_requests: set[int] = set()
        self._consumed_messages: set[int] = set()
        self._poll_generation = 0
        self._polls_waiting = 0
        self._closing = False
        self._query_ids = itertools.count(QUERY_ID_BASE)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._webhook_routes: dict[str, itertools.cycle[str]] = {}
        self._webhook_session: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on the host and an ephemeral (or the given) port."""
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        add_control_routes(app, self)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=SHUTDOWN_SECONDS
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._requested_port)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Release waiting long polls and close the server."""
        self._closing = True
        self.api.updates.changed.fire()
        self._changed.fire()
        await self.stop_webhook_delivery()
        if self._webhook_session is not None:
            await self._webhook_session.close()
            self._webhook_session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started; use `async with FakeTelegram()`")
        return self._port

    @property
    def url(self) -> str:
        """The server root, e.g. http://127.0.0.1:PORT."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to pass as PTB's base_url (the token is appended by PTB)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass as PTB's base_file_url."""
        return f"{self.url}/file/bot"

    @property
    def bot_user(self) -> JsonDict:
        """The bot's User object, as getMe returns it."""
        return copy.deepcopy(self.api.bot_user)

    @property
    def bot_username(self) -> str:
        """The bot's username without the @."""
        return str(self.api.bot_user["username"])

    # --- HTTP -----------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        at = time.perf_counter()
        token = request.match_info["token"]
        if token != self.token:
            status = 401 if WELL_FORMED_TOKEN.fullmatch(token) else 404
            error = ApiError(status, "Unauthorized" if status == 401 else "Not Found")
            return web.json_response(error.body(), status=status)
        method = self._canonical.get(request.match_info["method"].lower())
        if method is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        try:
            params, files = await self._read_params(request)
        except ApiError as error:
            return web.json_response(error.body(), status=error.status)
        record = RecordedRequest(len(self.requests), method, params, files, at)
        self.requests.append(record)
        try:
            result = await self._answer(record)
        except ApiError as error:
            record.status, record.response = error.status, error.body()
        else:
            record.status, record.response = 200, {"ok": True, "result": result}
            if method in REPLY_METHODS and isinstance(record.chat_id, int):
                self.api.updates.note_reply(record.chat_id, at)
        self._changed.fire()
        return web.json_response(record.response, status=record.status)

    async def _read_params(self, request: web.Request) -> tuple[JsonDict, dict[str, UploadedFile]]:
        params: JsonDict = {key: decode_param(key, value) for key, value in request.query.items()}
        files: dict[str, UploadedFile] = {}
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON encoded request") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: can't parse JSON encoded request")
            params.update(body)
        elif request.can_read_body:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = UploadedFile(
                        key, value.filename, value.content_type, value.file.read()
                    )
                else:
                    params[key] = decode_param(key, str(value))
        return params, files

    async def _answer(self, record: RecordedRequest) -> Any:
        if record.method == "getUpdates":
            self.last_get_updates_at = time.monotonic()
        if delay := self.delays.get(record.method):
            await asyncio.sleep(delay)
        self._raise_injected_failure(record)
        if record.method == "getUpdates":
            return await self._get_updates(record.params)
        return self.api.handlers[record.method](record.params, record.files)

    def _raise_injected_failure(self, record: RecordedRequest) -> None:
        if record.chat_id is not None and record.chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        for failure in self.failures:
            if failure.matches(record.method, record.chat_id):
                if failure.times is not None:
                    failure.times -= 1
                    if failure.times <= 0:
                        self.failures.remove(failure)
                raise ApiError(failure.status, failure.description, failure.parameters)

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        if self.api.webhook_url:
            raise ApiError(409, CONFLICT_WEBHOOK)
        queue = self.api.updates
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            queue.allowed = frozenset(str(kind) for kind in allowed)
        queue.confirm(int(params.get("offset") or 0))
        limit = min(max(int(params.get("limit") or MAX_UPDATES_PER_POLL), 1), MAX_UPDATES_PER_POLL)
        deadline = time.monotonic() + max(float(params.get("timeout") or 0), 0.0)
        self._poll_generation += 1
        generation = self._poll_generation
        queue.changed.fire()
        self._changed.fire()
        self._polls_waiting += 1
        try:
            while True:
                if generation != self._poll_generation:
                    raise ApiError(409, CONFLICT_OTHER_POLL)
                batch = queue.take(limit)
                remaining = deadline - time.monotonic()
                if batch or self._closing or remaining <= 0:
                    return copy.deepcopy(batch)
                await queue.changed.wait(remaining)
        finally:
            self._polls_waiting -= 1

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self.api.file_by_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    # --- users, files and updates a test injects --------------------------------------------------

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> JsonDict:
        """Register how a user looks before they write; otherwise a plausible user is invented."""
        self.api.users[user_id] = user_dict(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        return copy.deepcopy(self.api.users[user_id])

    def add_file(self, file_id: str, data: bytes, *, file_path: str | None = None) -> str:
        """Make bytes downloadable through getFile and the file URL; returns the file_id."""
        self.api.store_file(file_id, data, file_path=file_path)
        return file_id

    def fail_photo_url(
        self, url: str, description: str = "Bad Request: wrong file identifier/HTTP URL specified"
    ) -> None:
        """Make sendPhoto with this URL fail as Telegram does when it cannot fetch the image."""
        self.api.failing_urls[url] = description.removeprefix("Bad Request: ")

    def add_update(self, body: JsonDict) -> int:
        """Offer a raw update (without update_id) to the bot; returns its update_id."""
        update_id = self.api.updates.offer({k: v for k, v in body.items() if k != "update_id"})
        self._changed.fire()
        return update_id

    def _user_message(
        self,
        user_id: int,
        content: JsonDict,
        *,
        chat_id: int | None,
        chat_type: str,
        reply_to: JsonDict | None = None,
        title: str | None = None,
    ) -> JsonDict:
        chat_id = default_chat_id(user_id, chat_type) if chat_id is None else chat_id
        chat = self.api.chat_state(chat_id, "" if chat_type == "private" else chat_type, title)
        message: JsonDict = {
            "message_id": chat.allocate_message_id(),
            "from": copy.deepcopy(self.api.user(user_id)),
            "chat": copy.deepcopy(chat.chat),
            "date": int(time.time()),
        }
        if reply_to is not None:
            quoted = copy.deepcopy(reply_to)
            quoted.pop("reply_to_message", None)
            message["reply_to_message"] = quoted
        message.update(content)
        return self.api.store_message(chat, message)

    def _reply_target(self, chat_id: int, reply_to_bot: bool) -> JsonDict | None:
        if not reply_to_bot:
            return None
        target = self.api.last_bot_message(chat_id)
        if target is None:
            raise AssertionError(f"reply_to_bot: the bot has sent nothing in chat {chat_id}")
        return target

    def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to_bot: bool = False,
        entities: list[JsonDict] | None = None,
        *,
        mention_bot: bool = False,
        reply_to: JsonDict | None = None,
        title: str | None = None,
    ) -> int:
        """A user sends text; commands, mentions and URLs get entities unless entities is given."""
        if mention_bot:
            text = f"@{self.bot_username} {text}"
        resolved_chat = default_chat_id(user_id, chat_type) if chat_id is None else chat_id
        content: JsonDict = {"text": text}
        found = auto_entities(text) if entities is None else entities
        if found:
            content["entities"] = found
        message = self._user_message(
            user_id,
            content,
            chat_id=resolved_chat,
            chat_type=chat_type,
            reply_to=reply_to or self._reply_target(resolved_chat, reply_to_bot),
            title=title,
        )
        return self.add_update({"message": message})

    def edit_text(
        self, user_id: int, message_id: int, text: str, chat_id: int | None = None
    ) -> int:
        """A user edits a message they sent earlier, producing an edited_message update."""
        chat = self.api.chats.get(user_id if chat_id is None else chat_id)
        message = None if chat is None else chat.messages.get(message_id)
        if message is None or message.get("from", {}).get("id") != user_id:
            raise AssertionError(f"user {user_id} has no message {message_id} to edit")
        message["text"] = text
        message.pop("entities", None)
        if found := auto_entities(text):
            message["entities"] = found
        message["edit_date"] = int(time.time())
        return self.add_update({"edited_message": copy.deepcopy(message)})

    def channel_post(
        self, chat_id: int, text: str, *, title: str | None = None, username: str | None = None
    ) -> int:
        """A channel the bot administers publishes a post."""
        if chat_id >= 0:
            raise ValueError("channel ids are negative, e.g. -1001234567890")
        chat = self.api.chat_state(chat_id, "channel", title)
        if username:
            chat.chat["username"] = username
        message: JsonDict = {
            "message_id": chat.allocate_message_id(),
            "sender_chat": copy.deepcopy(chat.chat),
            "chat": copy.deepcopy(chat.chat),
            "date": int(time.time()),
            "text": text,
        }
        if found := auto_entities(text):
            message["entities"] = found
        return self.add_update({"channel_post": self.api.store_message(chat, message)})

    def _caption(self, caption: str | None) -> JsonDict:
        if not caption:
            return {}
        content: JsonDict = {"caption": caption}
        if found := auto_entities(caption):
            content["caption_entities"] = found
        return content

    def send_photo(
        self,
        user_id: int,
        caption: str | None = None,
        *,
        data: bytes = b"\xff\xd8\xff\xe0fake-jpeg",
        chat_id: int | None = None,
        chat_type: str = "private",
    ) -> int:
        """A user sends a photo (three sizes, largest last, all downloadable) with a caption."""
        file_id, unique_id = self.api.new_file_id("photo")
        sizes = photo_sizes(file_id, unique_id, len(data))
        for size in sizes:
            self.api.store_file(
                size["file_id"], data, kind="photo", file_unique_id=size["file_unique_id"]
            )
        message = self._user_message(
            user_id,
            {"photo": sizes, **self._caption(caption)},
            chat_id=chat_id,
            chat_type=chat_type,
        )
        return self.add_update({"message": message})

    def send_document(
        self,
        user_id: int,
        data: bytes = b"%PDF-1.4 fake",
        *,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        chat_id: int | None = None,
        chat_type: str = "private",
    ) -> int:
        """A user sends a file as a document, with an optional caption."""
        file_id, unique_id = self.api.new_file_id("document")
        self.api.store_file(file_id, data, kind="document", file_unique_id=unique_id)
        document = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        message = self._user_message(
            user_id,
            {"document": document, **self._caption(caption)},
            chat_id=chat_id,
            chat_type=chat_type,
        )
        return self.add_update({"message": message})

    def send_sticker(self, user_id: int, emoji: str = "🚗", *, chat_id: int | None = None) -> int:
        """A user sends a regular static sticker."""
        file_id, unique_id = self.api.new_file_id("sticker")
        self.api.store_file(file_id, b"RIFF-fake-webp", kind="sticker", file_unique_id=unique_id)
        sticker = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "FakeCars",
            "file_size": 14,
        }
        message = self._user_message(
            user_id, {"sticker": sticker}, chat_id=chat_id, chat_type="private"
        )
        return self.add_update({"message": message})

    def send_voice(
        self,
        user_id: int,
        duration: int = 3,
        *,
        data: bytes = b"OggS-fake-opus",
        chat_id: int | None = None,
    ) -> int:
        """A user sends a voice note."""
        file_id, unique_id = self.api.new_file_id("voice")
        self.api.store_file(file_id, data, kind="voice", file_unique_id=unique_id)
        voice = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        message = self._user_message(
            user_id, {"voice": voice}, chat_id=chat_id, chat_type="private"
        )
        return self.add_update({"message": message})

    def inline_query(self, user_id: int, query: str, offset: str = "") -> int:
        """A user types `@bot query` in any chat."""
        query_id = str(next(self._query_ids))
        inline = {
            "id": query_id,
            "from": copy.deepcopy(self.api.user(user_id)),
            "query": query,
            "offset": offset,
            "chat_type": "sender",
        }
        self.api.inline_queries[query_id] = inline
        return self.add_update({"inline_query": inline})

    def press_button(
        self,
        user_id: int,
        message: JsonDict | RecordedRequest,
        data: str,
        *,
        check: bool = True,
    ) -> int:
        """A user presses an inline button on a message the bot sent (a Message dict or request)."""
        if isinstance(message, RecordedRequest):
            if not message.ok:
                raise AssertionError(f"{message.summary()} did not produce a message")
            target: JsonDict = message.response["result"]
        else:
            target = message
        chat = self.api.chats.get(int(target["chat"]["id"]))
        current = None if chat is None else chat.messages.get(int(target["message_id"]))
        if current is None:
            raise AssertionError(f"message {target['message_id']} is not (or no longer) in chat")
        buttons = [
            button.get("callback_data")
            for row in current.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
        ]
        if check and data not in buttons:
            raise AssertionError(f"no button with callback_data {data!r}; buttons: {buttons}")
        query_id = str(next(self._query_ids))
        query = {
            "id": query_id,
            "from": copy.deepcopy(self.api.user(user_id)),
            "message": copy.deepcopy(current),
            "chat_instance": str(abs(hash(("chat", current["chat"]["id"])))),
            "data": data,
        }
        self.api.callback_queries[query_id] = query
        return self.add_update({"callback_query": query})

    # --- webhook delivery ---------------------------------------------------------------------

    def route_webhook(self, public_origin: str, *local_origins: str) -> None:
        """Play the proxy in front of the bot (Fly's, say): a webhook URL on `public_origin`
        (`https://bot.example`) is delivered to the same path on the local origins
        (`http://127.0.0.1:PORT`), taking turns when there are several instances."""
        if not local_origins:
            raise ValueError("route_webhook needs at least one local origin")
        origins = [origin.rstrip("/") for origin in local_origins]
        self._webhook_routes[public_origin.rstrip("/")] = itertools.cycle(origins)

    def _webhook_target(self, url: str) -> str:
        parts = urlsplit(url)
        route = self._webhook_routes.get(f"{parts.scheme}://{parts.netloc}")
        if route is None:
            return url
        tail = parts.path + (f"?{parts.query}" if parts.query else "")
        return next(route) + tail

    async def deliver_webhook(
        self, timeout: float = WEBHOOK_TIMEOUT_SECONDS, connections: int = 1
    ) -> list[WebhookDelivery]:
        """POST every pending update to the webhook, as Telegram does, once each, in order.

        The secret token set with setWebhook goes in the X-Telegram-Bot-Api-Secret-Token header.
        A 2xx answer delivers the update (it is forgotten); anything else, or no answer, leaves
        it pending for the next delivery and shows in getWebhookInfo's last_error_message.
        With `connections` above 1, up to that many POSTs are open at once (Telegram's
        setWebhook max_connections); their order of arrival is then no longer guaranteed.
        """
        url = self.api.webhook_url
        if not url:
            raise AssertionError("no webhook is set (the bot has not called setWebhook)")
        pending = list(self.api.updates.pending)
        if connections <= 1:
            delivered = [await self._post_update(url, update, timeout) for update in pending]
        else:
            slots = asyncio.Semaphore(connections)

            async def post(update: JsonDict) -> WebhookDelivery:
                async with slots:
                    return await self._post_update(url, update, timeout)

            delivered = list(await asyncio.gather(*(post(update) for update in pending)))
        self._changed.fire()
        return delivered

    async def _post_update(self, url: str, update: JsonDict, timeout: float) -> WebhookDelivery:
        update_id = int(update["update_id"])
        headers = {"Content-Type": "application/json"}
        if self.api.webhook_secret is not None:
            headers[WEBHOOK_SECRET_HEADER] = self.api.webhook_secret
        timing = self.api.updates.timings.get(update_id)
        if timing is not None and timing.delivered_at is None:
            timing.delivered_at = time.perf_counter()
        if self._webhook_session is None:
            self._webhook_session = aiohttp.ClientSession()
        try:
            async with self._webhook_session.post(
                self._webhook_target(url),
                data=json.dumps(update),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                await response.read()
                result = WebhookDelivery(update_id, response.status)
                reason = f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as error:
            result = WebhookDelivery(update_id, None, type(error).__name__)
            reason = "Connection refused" if isinstance(error, aiohttp.ClientError) else "Timeout"
        self.webhook_deliveries.append(result)
        if result.ok:
            self.api.updates.forget(update_id)
        else:
            self.api.webhook_last_error = (int(time.time()), reason)
        return result

    def start_webhook_delivery(self, retry_seconds: float = 0.2, connections: int = 1) -> None:
        """Deliver by itself from now on, like Telegram: every offered update goes out at once,
        and what failed is tried again after `retry_seconds` (deliver_webhook in a loop)."""
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(
                self._deliver_forever(retry_seconds, connections)
            )

    async def stop_webhook_delivery(self) -> None:
        """End the delivery loop started by start_webhook_delivery."""
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_forever(self, retry_seconds: float, connections: int) -> None:
        queue = self.api.updates
        while not self._closing:
            if self.api.webhook_url and queue.pending:
                delivered = await self.deliver_webhook(connections=connections)
                if all(result.ok for result in delivered):
                    continue
                await asyncio.sleep(retry_seconds)
            else:
                await queue.changed.wait(retry_seconds)

    # --- fault injection ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        times: int | None = 1,
        *,
        description: str | None = None,
        chat_id: int | str | None = None,
    ) -> None:
        """Fail the next `times` calls of a method ("*" for any; None times = until cleared)."""
        error = api_error_for_status(status, description, retry_after)
        self.failures.append(
            Failure(method, error.status, error.description, error.parameters, times, chat_id)
        )

    def fail_always(
        self,
        method: str,
        status: int = 502,
        *,
        description: str | None = None,
        chat_id: int | str | None = None,
        retry_after: int = 1,
    ) -> None:
        """Fail every call of a method until clear_failures; e.g. getUpdates with 502 or 409."""
        self.fail_next(
            method,
            status,
            retry_after,
            None,
            description=description,
            chat_id=chat_id,
        )

    def clear_failures(self, method: str | None = None) -> None:
        """Remove injected failures for one method, or all of them."""
        self.failures = [f for f in self.failures if method is not None and f.method != method]

    def block_chat(self, chat_id: int | str) -> None:
        """The user blocked the bot: every call naming this chat gets 403."""
        self.blocked_chats.add(chat_id)

    def unblock_chat(self, chat_id: int | str) -> None:
        """The user unblocked the bot."""
        self.blocked_chats.discard(chat_id)

    def delay(self, method: str, seconds: float) -> None:
        """Answer a method only after a pause (0 removes it), to provoke client timeouts."""
        if seconds > 0:
            self.delays[method] = seconds
        else:
            self.delays.pop(method, None)

    # --- observation ----------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[RecordedRequest]:
        """Every recorded request, or those of one method, in arrival order."""
        return [r for r in self.requests if method is None or r.method == method]

    def sent_messages(self, chat_id: int | None = None) -> list[JsonDict]:
        """Messages the bot sent or edited (one snapshot per call), optionally in one chat."""
        return [
            copy.deepcopy(m)
            for m in self.api.outbox
            if chat_id is None or m["chat"]["id"] == chat_id
        ]

    def chat_history(self, chat_id: int) -> list[JsonDict]:
        """The chat as it stands now: user and bot messages, edits applied, deletions gone."""
        chat = self.api.chats.get(chat_id)
        return [] if chat is None else [copy.deepcopy(m) for m in chat.messages.values()]

    def timings(self) -> list[UpdateTiming]:
        """Per update: offered, first delivered and first answered (perf_counter seconds)."""
        return list(self.api.updates.timings.values())

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by a getUpdates offset."""
        return copy.deepcopy(self.api.updates.pending)

    @property
    def is_polling(self) -> bool:
        """Whether a getUpdates call is being held open right now."""
        return self._polls_waiting > 0

    def clear_records(self) -> None:
        """Forget recorded requests, sent messages and timings (chats and files stay)."""
        self.requests.clear()
        self._consumed_requests.clear()
        self.api.outbox.clear()
        self._consumed_messages.clear()
        self.api.updates.timings.clear()
        self.api.updates.unanswered.clear()

    def _recent(self) -> str:
        shown: list[str] = []
        recent = self.requests[-RECENT_REQUESTS_SHOWN:]
        for method, group in itertools.groupby(recent, key=lambda record: record.method):
            records = list(group)
            if method == "getUpdates" and len(records) > 1:
                shown.append(f"getUpdates x{len(records)}")
            else:
                shown.extend(record.summary() for record in records)
        return "\n  ".join(shown) or "(nothing)"

    async def wait_until(
        self, condition: Callable[[], bool], timeout: float = WAIT_SECONDS, what: str = "condition"
    ) -> None:
        """Wait until a condition on the fake's state holds, or fail listing what arrived."""
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closing:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}; "
                    f"requests received:\n  {self._recent()}"
                )
            await self._changed.wait(remaining)

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        timeout: float = WAIT_SECONDS,
    ) -> RecordedRequest:
        """Return the oldest answered, not yet returned request of a method matching predicate."""
        found: list[RecordedRequest] = []

        def matched() -> bool:
            for record in self.requests:
                if (
                    record.method == method
                    and record.status is not None
                    and record.index not in self._consumed_requests
                    and (predicate is None or predicate(record))
                ):
                    found.append(record)
                    return True
            return False

        suffix = " matching the predicate" if predicate else ""
        await self.wait_until(matched, timeout, f"a {method} request{suffix}")
        self._consumed_requests.add(found[0].index)
        return found[0]

    async def wait_for_message(
        self,
        chat_id: int | None = None,
        predicate: Callable[[JsonDict], bool] | None = None,
        timeout: float = WAIT_SECONDS,
    ) -> JsonDict:
        """Return the oldest not yet returned message the bot sent or edited (in one chat)."""
        found: list[int] = []

        def matched() -> bool:
            for index, message in enumerate(self.api.outbox):
                if (
                    index not in self._consumed_messages
                    and (chat_id is None or message["chat"]["id"] == chat_id)
                    and (predicate is None or predicate(message))
                ):
                    found.append(index)
                    return True
            return False

        where = "" if chat_id is None else f" in chat {chat_id}"
        await self.wait_until(matched, timeout, f"a bot message{where}")
        self._consumed_messages.add(found[0])
        return copy.deepcopy(self.api.outbox[found[0]])

    async def wait_polling(self, timeout: float = WAIT_SECONDS) -> None:
        """Wait until the bot holds a getUpdates call open."""
        await self.wait_until(lambda: self.is_polling, timeout, "the bot to long-poll getUpdates")

    async def wait_confirmed(self, timeout: float = WAIT_SECONDS) -> None:
        """Wait until the bot confirmed every offered update with a getUpdates offset."""
        await self.wait_until(
            lambda: not self.api.updates.pending, timeout, "every update to be confirmed"
        )
