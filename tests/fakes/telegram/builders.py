"""Pure builders for the Bot API objects a fake server hands to a bot: users, chats, messages."""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.telegram.html import utf16_length

JsonDict = dict[str, Any]

BOT_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w@/])")
MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}(?![\w@])")
URL = re.compile(r"https?://[^\s<>\"]+")
SUPERGROUP_ID_BASE = -1_000_000_000_000


def user_dict(
    user_id: int,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "en",
) -> JsonDict:
    """Build a human User as Telegram describes it to bots."""
    user: JsonDict = {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name or f"User{user_id}",
    }
    if last_name:
        user["last_name"] = last_name
    user["username"] = username if username is not None else f"user{user_id}"
    if not user["username"]:
        del user["username"]
    if language_code:
        user["language_code"] = language_code
    return user


def bot_user_dict(bot_id: int, username: str, first_name: str) -> JsonDict:
    """Build the bot's own User as getMe returns it."""
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": first_name,
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": True,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def private_chat(user: JsonDict) -> JsonDict:
    """Build the private Chat whose id is the user's id."""
    chat: JsonDict = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    for key in ("last_name", "username"):
        if key in user:
            chat[key] = user[key]
    return chat


def default_chat_id(user_id: int, chat_type: str) -> int:
    """Pick a chat id of the right shape for a chat the test did not name."""
    if chat_type == "private":
        return user_id
    if chat_type == "group":
        return -(1000 + user_id % 1_000_000_000)
    return SUPERGROUP_ID_BASE - (1000 + user_id % 1_000_000_000)


def group_chat(chat_id: int, chat_type: str, title: str | None = None) -> JsonDict:
    """Build a group, supergroup or channel Chat."""
    chat: JsonDict = {"id": chat_id, "type": chat_type, "title": title or f"Chat {abs(chat_id)}"}
    if chat_type == "supergroup":
        chat["is_forum"] = False
    return chat


def auto_entities(text: str) -> list[JsonDict]:
    """Find the bot_command, mention and url entities Telegram's clients attach to typed text."""
    found: list[tuple[int, str, re.Match[str]]] = []
    for kind, pattern in (("bot_command", BOT_COMMAND), ("mention", MENTION), ("url", URL)):
        found.extend((match.start(), kind, match) for match in pattern.finditer(text))
    entities: list[JsonDict] = []
    covered_until = 0
    for start, kind, match in sorted(found, key=lambda item: item[0]):
        if start < covered_until:
            continue
        covered_until = match.end()
        entities.append(
            {
                "type": kind,
                "offset": utf16_length(text[:start]),
                "length": utf16_length(match.group()),
            }
        )
    return entities


def photo_sizes(file_id: str, unique_id: str, size: int) -> list[JsonDict]:
    """Build the three PhotoSize variants Telegram stores for every photo, largest last."""
    return [
        {
            "file_id": f"{file_id}-{suffix}",
            "file_unique_id": f"{unique_id}{suffix}",
            "width": width,
            "height": height,
            "file_size": max(size * width // 1280, 1),
        }
        for suffix, width, height in (("s", 90, 68), ("m", 320, 240), ("x", 800, 600))
    ] + [
        {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "width": 1280,
            "height": 960,
            "file_size": size,
        }
    ]


def update_type(update: JsonDict) -> str:
    """Name the kind of an update: the one key besides update_id."""
    kinds = [key for key in update if key != "update_id"]
    return kinds[0] if kinds else ""


def update_chat_id(update: JsonDict) -> int | None:
    """Find the chat an update belongs to, if any."""
    body = update.get(update_type(update))
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("chat"), dict):
        return int(body["chat"]["id"])
    message = body.get("message")
    if isinstance(message, dict) and isinstance(message.get("chat"), dict):
        return int(message["chat"]["id"])
    return None
