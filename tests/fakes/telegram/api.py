"""The Bot API methods the fake implements, validating like api.telegram.org and keeping state."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.telegram.builders import (
    JsonDict,
    bot_user_dict,
    group_chat,
    photo_sizes,
    private_chat,
    user_dict,
)
from tests.fakes.telegram.html import HtmlParseError, parse_html, trim, utf16_length
from tests.fakes.telegram.state import (
    ApiError,
    ChatState,
    StoredFile,
    UpdateQueue,
    UploadedFile,
    bad_request,
)

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256
MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120
# language_code of setMyCommands and the descriptions: a two-letter ISO 639-1 code, or empty.
LANGUAGE_CODE = re.compile(r"[a-z]{2}")
COMMAND_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
MAX_INLINE_RESULTS = 50
SUPERGROUP_PREFIX = "-100"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
BUTTON_URL = re.compile(r"(https?|tg)://\S+")
FILE_ID_PREFIXES = {
    "photo": "AgACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
}
FILE_FOLDERS = {"photo": "photos", "document": "documents", "sticker": "stickers", "voice": "voice"}
FILE_EXTENSIONS = {"photo": ".jpg", "document": "", "sticker": ".webp", "voice": ".oga"}

Handler = Callable[[JsonDict, dict[str, UploadedFile]], Any]


# setWebhook's rules (https://core.telegram.org/bots/api#setwebhook).
WEBHOOK_PORTS = frozenset({443, 80, 88, 8443})
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
MAX_WEBHOOK_CONNECTIONS = 100


def _now() -> int:
    return int(time.time())


def _as_int(params: JsonDict, name: str, missing: str | None = None) -> int:
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(missing or f"{name} is empty")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"invalid {name} specified") from None


def _as_list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None
    if not isinstance(value, list):
        raise bad_request(f"can't parse {name} JSON object")
    return value


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in {"true", "1"})


class BotApi:
    """The state behind the fake Bot API and one method per Bot API call it answers."""

    def __init__(
        self,
        *,
        bot_id: int,
        bot_username: str,
        bot_first_name: str,
        strict_html: bool,
        known_chats_only: bool,
    ) -> None:
        self.bot_user = bot_user_dict(bot_id, bot_username, bot_first_name)
        self.strict_html = strict_html
        self.known_chats_only = known_chats_only
        self.updates = UpdateQueue()
        self.users: dict[int, JsonDict] = {}
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, StoredFile] = {}
        self.outbox: list[JsonDict] = []
        self.deleted: list[tuple[int, int]] = []
        self.callback_queries: dict[str, JsonDict] = {}
        self.callback_answers: dict[str, JsonDict] = {}
        self.inline_queries: dict[str, JsonDict] = {}
        self.inline_answers: dict[str, JsonDict] = {}
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        # (which, language_code) -> text; which is "description" or "short_description".
        self.descriptions: dict[tuple[str, str], str] = {}
        self.failing_urls: dict[str, str] = {}
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_max_connections = 40
        self.webhook_last_error: tuple[int, str] | None = None  # (unix time, message)
        self._file_counter = 0
        self.handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "logOut": self.accept,
            "close": self.accept,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "answerInlineQuery": self.answer_inline_query,
            "sendChatAction": self.send_chat_action,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setMyDescription": self.set_my_description,
            "setMyShortDescription": self.set_my_short_description,
            "getMyDescription": self.get_my_description,
            "getMyShortDescription": self.get_my_short_description,
            "setMyName": self.accept,
            "setChatMenuButton": self.accept,
            "sendPhoto": self.send_photo,
            "sendDocument": self.send_document,
            "getFile": self.get_file,
        }

    # --- people, chats and files -------------------------------------------------------------

    def user(self, user_id: int) -> JsonDict:
        """Return the registered User for an id, inventing a plausible one on first use."""
        if user_id not in self.users:
            self.users[user_id] = user_dict(user_id)
        return self.users[user_id]

    def chat_state(self, chat_id: int, chat_type: str = "", title: str | None = None) -> ChatState:
        """Return a chat's state, creating the chat with a type that fits its id."""
        if chat_id not in self.chats:
            if chat_id > 0:
                chat = private_chat(self.user(chat_id))
            else:
                kind = chat_type or (
                    "supergroup" if str(chat_id).startswith(SUPERGROUP_PREFIX) else "group"
                )
                chat = group_chat(chat_id, kind, title)
            self.chats[chat_id] = ChatState(chat)
        return self.chats[chat_id]

    def new_file_id(self, kind: str) -> tuple[str, str]:
        """Mint a file_id and file_unique_id that look like Telegram's."""
        self._file_counter += 1
        number = f"{self._file_counter:06d}"
        return f"{FILE_ID_PREFIXES.get(kind, 'BQACAgIAAxkBAAI')}{number}", f"AQAD{number}"

    def store_file(
        self,
        file_id: str,
        data: bytes,
        *,
        kind: str = "document",
        file_path: str | None = None,
        file_unique_id: str | None = None,
    ) -> StoredFile:
        """Remember bytes under a file_id so getFile and the file URL can serve them."""
        number = len(self.files)
        path = file_path or f"{FILE_FOLDERS.get(kind, 'documents')}/file_{number}"
        if file_path is None:
            path += FILE_EXTENSIONS.get(kind, "")
        stored = StoredFile(file_id, file_unique_id or f"AQAD{number:06d}x", path, data)
        self.files[file_id] = stored
        return stored

    def file_by_path(self, file_path: str) -> StoredFile | None:
        """Find stored bytes by the file_path that getFile handed out."""
        for stored in self.files.values():
            if stored.file_path == file_path:
                return stored
        return None

    def store_message(self, chat: ChatState, message: JsonDict) -> JsonDict:
        """Keep a message in its chat so later edits, replies and button presses can find it."""
        chat.messages[message["message_id"]] = message
        return copy.deepcopy(message)

    def last_bot_message(self, chat_id: int) -> JsonDict | None:
        """The newest message the bot has in a chat, if any."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return None
        for message in reversed(chat.messages.values()):
            if message.get("from", {}).get("id") == self.bot_user["id"]:
                return copy.deepcopy(message)
        return None

    # --- validation shared by the methods ----------------------------------------------------

    def resolve_chat(self, params: JsonDict) -> ChatState:
        """Find the chat a call names, as Telegram would, or fail with its error."""
        value = params.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            for chat in self.chats.values():
                if chat.chat.get("username", "").lower() == value[1:].lower():
                    return chat
            raise bad_request("chat not found")
        try:
            chat_id = int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        if chat_id not in self.chats and (self.known_chats_only or chat_id == 0):
            raise bad_request("chat not found")
        return self.chat_state(chat_id)

    def formatted(
        self,
        text: Any,
        parse_mode: Any,
        entities: Any,
        *,
        limit: int,
        too_long: str,
        empty: str | None,
    ) -> tuple[str, list[JsonDict]]:
        """Turn text plus parse_mode into what Telegram stores, enforcing its limits."""
        if text is None or text == "":
            if empty is not None:
                raise bad_request(empty)
            return "", []
        text = str(text)
        mode = str(parse_mode or "").lower()
        parsed: list[JsonDict] = []
        if mode == "html":
            try:
                text, parsed = parse_html(text, strict_ampersand=self.strict_html)
            except HtmlParseError as error:
                raise bad_request(f"can't parse entities: {error}") from None
        elif mode == "":
            parsed = [dict(entity) for entity in _as_list(entities, "entities")]
        elif mode not in {"markdown", "markdownv2"}:
            raise bad_request("unsupported parse_mode")
        text, parsed = trim(text, parsed)
        if not text and empty is not None:
            raise bad_request(empty)
        if utf16_length(text) > limit:
            raise bad_request(too_long)
        return text, parsed

    def markup(self, value: Any) -> JsonDict | None:
        """Validate reply_markup; return it when the message object echoes it (inline keyboards)."""
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise bad_request("can't parse reply keyboard markup JSON object") from None
        if not isinstance(value, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in value:
            return None
        rows = value["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse inline keyboard markup JSON object")
        for row in rows:
            for button in row:
                self.check_button(button)
        return {"inline_keyboard": rows}

    @staticmethod
    def check_button(button: Any) -> None:
        """Reject an inline keyboard button the way Telegram does."""
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline keyboard button: Text must be a String")
        if not any(action in button for action in BUTTON_ACTIONS):
            raise bad_request(
                "can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard"
            )
        if "callback_data" in button:
            size = len(str(button["callback_data"]).encode("utf-8"))
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button and not BUTTON_URL.fullmatch(str(button["url"])):
            raise bad_request(
                f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL"
            )

    def replied_message(self, chat: ChatState, params: JsonDict) -> JsonDict | None:
        """Find the message a send call replies to, failing like Telegram when it is gone."""
        reply = params.get("reply_parameters")
        if isinstance(reply, str):
            reply = json.loads(reply)
        if not isinstance(reply, dict):
            if params.get("reply_to_message_id") in {None, ""}:
                return None
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply"),
            }
        target = chat.messages.get(int(reply.get("message_id", 0)))
        if target is None:
            if _is_true(reply.get("allow_sending_without_reply")):
                return None
            raise bad_request("message to be replied not found")
        quoted = copy.deepcopy(target)
        quoted.pop("reply_to_message", None)
        return quoted

    def new_bot_message(
        self,
        chat: ChatState,
        content: JsonDict,
        params: JsonDict,
        markup: JsonDict | None,
    ) -> JsonDict:
        """Store and return a message the bot just sent."""
        message: JsonDict = {
            "message_id": chat.allocate_message_id(),
            "from": copy.deepcopy(self.bot_user),
            "chat": copy.deepcopy(chat.chat),
            "date": _now(),
        }
        if chat.chat["type"] == "channel":
            message.pop("from")
            message["sender_chat"] = copy.deepcopy(chat.chat)
        replied = self.replied_message(chat, params)
        if replied is not None:
            message["reply_to_message"] = replied
        message.update(content)
        if markup is not None:
            message["reply_markup"] = markup
        result = self.store_message(chat, message)
        self.outbox.append(copy.deepcopy(result))
        return result

    def editable_message(self, params: JsonDict) -> tuple[ChatState, JsonDict]:
        """Find the bot's message an edit call names."""
        chat = self.resolve_chat(params)
        message_id = _as_int(params, "message_id", "message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id", self.bot_user["id"]) != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return chat, message

    def apply_edit(
        self, message: JsonDict, fields: dict[str, Any], markup: JsonDict | None
    ) -> JsonDict:
        """Apply an edit unless it changes nothing, which Telegram refuses."""
        changed = {key: value for key, value in fields.items() if value not in (None, "", [])}
        before = {key: message.get(key) for key in fields} | {
            "reply_markup": message.get("reply_markup")
        }
        after = {key: changed.get(key) for key in fields} | {"reply_markup": markup}
        if before == after:
            raise bad_request(NOT_MODIFIED)
        for key in fields:
            message.pop(key, None)
        message.update(changed)
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        message["edit_date"] = _now()
        result = copy.deepcopy(message)
        self.outbox.append(copy.deepcopy(result))
        return result

    def media_message(
        self, kind: str, params: JsonDict, files: dict[str, UploadedFile]
    ) -> tuple[ChatState, JsonDict, str, str]:
        """Check a photo or document argument; return the chat, caption fields and file ids."""
        chat = self.resolve_chat(params)
        caption, caption_entities = self.formatted(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=MAX_CAPTION_LENGTH,
            too_long="message caption is too long",
            empty=None,
        )
        fields: JsonDict = {}
        if caption:
            fields["caption"] = caption
        if caption_entities:
            fields["caption_entities"] = caption_entities
        value = params.get(kind)
        upload = files.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        if upload is not None:
            file_id, unique_id = self.new_file_id(kind)
            self.store_file(file_id, upload.data, kind=kind, file_unique_id=unique_id)
            return chat, fields, file_id, unique_id
        if not isinstance(value, str) or not value:
            raise bad_request(f"there is no {kind} in the request")
        if value.startswith(("http://", "https://")):
            if value in self.failing_urls:
                raise bad_request(self.failing_urls[value])
            file_id, unique_id = self.new_file_id(kind)
            self.store_file(file_id, b"", kind=kind, file_unique_id=unique_id)
            return chat, fields, file_id, unique_id
        stored = self.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return chat, fields, stored.file_id, stored.file_unique_id

    # --- Bot API methods ----------------------------------------------------------------------

    def accept(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        """Answer True to a call the fake accepts without keeping state."""
        return True

    def get_me(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        """getMe: the bot's own User."""
        return copy.deepcopy(self.bot_user)

    def set_webhook(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        """setWebhook: validate like Telegram, remember URL, secret and allowed_updates.

        An empty URL removes the webhook. While one is set getUpdates answers 409, and updates
        go out by `FakeTelegram.deliver_webhook` instead.
        """
        url = str(params.get("url") or "")
        if not url:
            return self.delete_webhook(params, files)
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        try:
            port = parts.port or 443
        except ValueError:
            port = 0
        if port not in WEBHOOK_PORTS:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = params.get("secret_token")
        if secret is not None and not WEBHOOK_SECRET.fullmatch(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        max_connections = int(params.get("max_connections") or 40)
        if not 1 <= max_connections <= MAX_WEBHOOK_CONNECTIONS:
            raise bad_request("invalid max_connections specified")
        allowed = params.get("allowed_updates")
        if allowed is not None:
            kinds = _as_list(allowed, "allowed_updates")
            self.updates.allowed = frozenset(str(kind) for kind in kinds)
        if url != self.webhook_url:
            self.webhook_last_error = None
        self.webhook_url = url
        self.webhook_secret = None if secret is None else str(secret)
        self.webhook_max_connections = max_connections
        if _is_true(params.get("drop_pending_updates")):
            self.updates.drop_pending()
        return True

    def delete_webhook(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        """deleteWebhook: forget the URL and secret, dropping pending updates when asked."""
        self.webhook_url = ""
        self.webhook_secret = None
        self.webhook_last_error = None
        if _is_true(params.get("drop_pending_updates")):
            self.updates.drop_pending()
        return True

    def get_webhook_info(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        """getWebhookInfo: the WebhookInfo object (never the secret token)."""
        info: JsonDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates.pending),
        }
        if self.webhook_url:
            info["max_connections"] = self.webhook_max_connections
            if self.webhook_last_error is not None:
                info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        if self.updates.allowed:
            info["allowed_updates"] = sorted(self.updates.allowed)
        return info

    def send_message(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        """sendMessage: the sent Message."""
        chat = self.resolve_chat(params)
        text, entities = self.formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MAX_TEXT_LENGTH,
            too_long="message is too long",
            empty="message text is empty",
        )
        markup = self.markup(params.get("reply_markup"))
        content: JsonDict = {"text": text}
        if entities:
            content["entities"] = entities
        return self.new_bot_message(chat, content, params, markup)

    def edit_message_text(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        """editMessageText: the edited Message, or True for inline messages."""
        text, entities = self.formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MAX_TEXT_LENGTH,
            too_long="message is too long",
            empty="message text is empty",
        )
        markup = self.markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        _, message = self.editable_message(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        return self.apply_edit(message, {"text": text, "entities": entities}, markup)

    def edit_message_caption(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        """editMessageCaption: the edited Message, or True for inline messages."""
        caption, entities = self.formatted(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=MAX_CAPTION_LENGTH,
            too_long="message caption is too long",
            empty=None,
        )
        markup = self.markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        _, message = self.editable_message(params)
        if "text" in message:
            raise bad_request("there is no caption in the message to edit")
        return self.apply_edit(message, {"caption": caption, "caption_entities": entities}, markup)

    def edit_message_reply_markup(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        """editMessageReplyMarkup: the edited Message, or True for inline messages."""
        markup = self.markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        _, message = self.editable_message(params)
        return self.apply_edit(message, {}, markup)

    def delete_message(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        """deleteMessage: True, or Telegram's error when the message is already gone."""
        chat = self.resolve_chat(params)
        message_id = _as_int(params, "message_id", "message identifier is not specified")
        if chat.messages.pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        self.deleted.append((chat.chat["id"], message_id))
        return True

    def answer_callback_query(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        """answerCallbackQuery: True once per known query."""
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self.callback_queries or query_id in self.callback_answers:
            raise bad_request(QUERY_TOO_OLD)
        self.callback_answers[query_id] = dict(params)
        return True

    def answer_inline_query(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        """answerInlineQuery: True once per known query with valid results."""
        query_id = str(params.get("inline_query_id") or "")
        if query_id not in self.inline_queries or query_id in self.inline_answers:
            raise bad_request(QUERY_TOO_OLD)
        results = _as_list(params.get("results"), "results")
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or "type" not in result or "id" not in result:
                raise bad_request("can't parse InlineQueryResult JSON object")
            result_id = str(result["id"])
            if not 1 <= len(result_id.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("RESULT_ID_INVALID")
            if result_id in seen:
                raise bad_request("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                self.formatted(
                    content["message_text"],
                    content.get("parse_mode"),
                    content.get("entities"),
                    limit=MAX_TEXT_LENGTH,
                    too_long="MESSAGE_TOO_LONG",
                    empty="message text is empty",
                )
            if "reply_markup" in result:
                self.markup(result["reply_markup"])
        self.inline_answers[query_id] = dict(params)
        return True

    def send_chat_action(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        """sendChatAction: True for a known action."""
        self.resolve_chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    @staticmethod
    def language_code(params: JsonDict) -> str:
        """The request's language_code: empty, or two lowercase letters (ISO 639-1)."""
        code = str(params.get("language_code") or "")
        if code and not LANGUAGE_CODE.fullmatch(code):
            raise bad_request("language code is invalid")
        return code

    @classmethod
    def commands_key(cls, params: JsonDict) -> tuple[str, str]:
        """Commands are stored per scope and language, like Telegram does."""
        scope = params.get("scope") or {"type": "default"}
        if isinstance(scope, str):
            scope = json.loads(scope)
        if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
            raise bad_request("can't parse BotCommandScope JSON object")
        if scope["type"].startswith("chat") and "chat_id" not in scope:
            raise bad_request("chat not found")
        return json.dumps(scope, sort_keys=True), cls.language_code(params)

    def _set_description(self, which: str, limit: int, params: JsonDict) -> bool:
        text = str(params.get(which) or "")
        if len(text) > limit:
            raise bad_request(f"{which} is too long")
        code = self.language_code(params)
        if text:
            self.descriptions[which, code] = text
        else:  # an empty text removes the language's own one
            self.descriptions.pop((which, code), None)
        return True

    def set_my_description(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        """setMyDescription: at most 512 characters per language."""
        return self._set_description("description", MAX_DESCRIPTION, params)

    def set_my_short_description(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        """setMyShortDescription: at most 120 characters per language."""
        return self._set_description("short_description", MAX_SHORT_DESCRIPTION, params)

    def _get_description(self, which: str, params: JsonDict) -> JsonDict:
        code = self.language_code(params)
        text = self.descriptions.get((which, code), self.descriptions.get((which, ""), ""))
        return {which: text}

    def get_my_description(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        """getMyDescription: the language's own, else the default."""
        return self._get_description("description", params)

    def get_my_short_description(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> JsonDict:
        """getMyShortDescription: the language's own, else the default."""
        return self._get_description("short_description", params)

    def set_my_commands(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        """setMyCommands: True after validating every BotCommand."""
        commands = _as_list(params.get("commands"), "commands")
        if len(commands) > MAX_COMMANDS:
            raise bad_request("too many commands specified")
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            if not COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            description = str(command.get("description", "")).strip()
            if not 1 <= len(description) <= MAX_COMMAND_DESCRIPTION:
                raise bad_request("command description is empty or too long")
        self.commands[self.commands_key(params)] = [
            {"command": command["command"], "description": command["description"]}
            for command in commands
        ]
        return True

    def get_my_commands(self, params: JsonDict, files: dict[str, UploadedFile]) -> list[JsonDict]:
        """getMyCommands: the list stored for the scope and language."""
        return copy.deepcopy(self.commands.get(self.commands_key(params), []))

    def delete_my_commands(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        """deleteMyCommands: True."""
        self.commands.pop(self.commands_key(params), None)
        return True

    def send_photo(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        """sendPhoto: the sent Message with its PhotoSize array."""
        chat, fields, file_id, unique_id = self.media_message("photo", params, files)
        size = len(self.files[file_id].data) if file_id in self.files else 0
        sizes = photo_sizes(file_id, unique_id, size)
        for photo in sizes[:-1]:
            if photo["file_id"] not in self.files:
                self.store_file(
                    photo["file_id"],
                    self.files[file_id].data if file_id in self.files else b"",
                    kind="photo",
                    file_unique_id=photo["file_unique_id"],
                )
        markup = self.markup(params.get("reply_markup"))
        return self.new_bot_message(chat, {"photo": sizes, **fields}, params, markup)

    def send_document(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        """sendDocument: the sent Message with its Document."""
        chat, fields, file_id, unique_id = self.media_message("document", params, files)
        upload = files.get("document")
        stored = self.files[file_id]
        document: JsonDict = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "file_size": len(stored.data),
            "file_name": (upload.filename if upload else None) or stored.file_path.split("/")[-1],
            "mime_type": (upload.content_type if upload else None) or "application/octet-stream",
        }
        markup = self.markup(params.get("reply_markup"))
        return self.new_bot_message(chat, {"document": document, **fields}, params, markup)

    def get_file(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        """getFile: the File with a file_path the file URL serves."""
        stored = self.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }


def api_error_for_status(status: int, description: str | None, retry_after: int) -> ApiError:
    """Build an injected failure with Telegram's wording for the status."""
    if status == 429:
        return ApiError(
            429,
            description or f"Too Many Requests: retry after {retry_after}",
            {"retry_after": retry_after},
        )
    default = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden: bot was blocked by the user",
        404: "Not Found",
        409: (
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running"
        ),
        500: "Internal Server Error",
        502: "Bad Gateway",
    }
    return ApiError(status, description or default.get(status, f"Error {status}"))
