"""Who asked: the one place that says whose quotas, flood budget and data an update uses.

Telegram sends messages written "as the group" by anonymous admins from one shared user
(GroupAnonymousBot), messages written "as a channel" from another (Channel_Bot) and a linked
channel's automatic forwards from Telegram (777000); `sender_chat` says who really wrote.
Such a requester is keyed by that chat's id (negative, so it never collides with a user id)
and is not a person: VINs are decoded, but nothing personal (history, garage, settings, /value)
is kept for it. Button presses and inline queries always come from the real, pressing user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Collection

    from telegram import CallbackQuery, Message, Update

GROUP_ANONYMOUS_BOT_ID: Final = 1087968824
CHANNEL_BOT_ID: Final = 136817688
TELEGRAM_SERVICE_ID: Final = 777000
# Users Telegram puts in `from` for messages that were not written by that user.
SHARED_SENDER_IDS: Final = frozenset({GROUP_ANONYMOUS_BOT_ID, CHANNEL_BOT_ID, TELEGRAM_SERVICE_ID})


@dataclass(frozen=True, slots=True)
class Requester:
    """Whose budget an update spends: a person (their user id) or a chat writing as itself."""

    key: int
    personal: bool

    def is_admin(self, admin_ids: Collection[int]) -> bool:
        """Whether this is an admin: a chat writing as itself hides who wrote, so never."""
        return self.personal and self.key in admin_ids


def sender_of(message: Message) -> Requester | None:
    """Who wrote a message: its `sender_chat` when written on behalf of a chat, else the user."""
    if message.sender_chat is not None:
        return Requester(message.sender_chat.id, personal=False)
    user = message.from_user
    if user is None:
        return None
    if user.id in SHARED_SENDER_IDS:  # a shared sender without its sender_chat: the chat
        return Requester(message.chat.id, personal=False)
    return Requester(user.id, personal=True)


def presser_of(query: CallbackQuery) -> Requester:
    """Who pressed a button: always the real user, also for anonymous admins."""
    return Requester(query.from_user.id, personal=True)


def press_key(query: CallbackQuery) -> tuple[int, int | None, int | None, str | None]:
    """Who pressed which button under which message: equal for the taps of a double tap."""
    message = query.message
    return (
        presser_of(query).key,
        message.chat.id if message is not None else None,
        message.message_id if message is not None else None,
        query.data,
    )


def requester_of(update: Update) -> Requester | None:
    """Who an update comes from: the presser, the inline asker or the message's sender."""
    if update.callback_query is not None:
        return presser_of(update.callback_query)
    if update.inline_query is not None:  # always the real user, even in anonymous mode
        return Requester(update.inline_query.from_user.id, personal=True)
    message = update.effective_message
    if message is not None:
        return sender_of(message)
    user = update.effective_user
    return Requester(user.id, personal=True) if user is not None else None
