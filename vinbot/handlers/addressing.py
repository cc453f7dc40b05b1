"""Whether a group message is meant for the bot, and the text without the bot's mention."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from telegram.constants import ChatType, MessageEntityType

if TYPE_CHECKING:
    from telegram import Message


def is_private(message: Message) -> bool:
    """Whether the message is in a one-to-one chat with the bot."""
    return message.chat.type == ChatType.PRIVATE


def is_addressed_to_bot(message: Message, bot_id: int, bot_username: str | None) -> bool:
    """A private message, a reply to the bot, or a message that mentions the bot."""
    if is_private(message):
        return True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return True
    mention = f"@{bot_username}".lower() if bot_username else None
    entities = message.parse_entities() or message.parse_caption_entities()
    for entity, text in entities.items():
        if entity.type == MessageEntityType.MENTION and mention and text.lower() == mention:
            return True
        if (
            entity.type == MessageEntityType.TEXT_MENTION
            and entity.user is not None
            and entity.user.id == bot_id
        ):
            return True
    return False


def without_mentions(text: str, bot_username: str | None) -> str:
    """The text with the bot's @mention removed, so the username is never read as a VIN."""
    if not bot_username:
        return text
    return _mention_pattern(bot_username).sub(" ", text)


@lru_cache(maxsize=4)
def _mention_pattern(bot_username: str) -> re.Pattern[str]:
    # One pass over the one string: case-insensitive for ASCII only (usernames are ASCII), so
    # no case mapping can change a length or a position (U+0130, U+00DF, the Kelvin sign...).
    username = re.escape(bot_username.removeprefix("@"))
    return re.compile(rf"@{username}(?![A-Za-z0-9_])", re.IGNORECASE | re.ASCII)
