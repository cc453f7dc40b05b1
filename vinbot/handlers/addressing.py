"""Whether a group message is meant for the bot, and the text without the bot's mention."""

from __future__ import annotations

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
    mention = f"@{bot_username}"
    index = text.lower().find(mention.lower())
    while index != -1:
        text = text[:index] + " " + text[index + len(mention) :]
        index = text.lower().find(mention.lower())
    return text
