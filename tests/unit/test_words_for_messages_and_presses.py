"""The language of a reply when only the message or the button press is at hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from telegram import CallbackQuery, Chat, Message, User

from vinbot.handlers.language import words_for_message, words_for_press
from vinbot.models.records import UserSettings

NOW = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)


@dataclass
class Settings:
    """The users' stored settings; a user never seen has the defaults."""

    stored: dict[int, UserSettings] = field(default_factory=dict)

    async def get(self, user_id: int) -> UserSettings:
        """The user's settings."""
        return self.stored.get(user_id, UserSettings())


def context(**picked: str) -> Any:
    """A context whose users 1 and 2 picked these languages (keys "u1", "u2")."""
    stored = {int(key[1:]): UserSettings(language=value) for key, value in picked.items()}
    return SimpleNamespace(services=SimpleNamespace(user_settings=Settings(stored)))


def message(user_id: int, language_code: str | None, *, sender_chat: Chat | None = None) -> Message:
    """A private message from a user with this Telegram language."""
    return Message(
        message_id=1,
        date=NOW,
        chat=Chat(user_id, Chat.PRIVATE),
        from_user=User(user_id, "A", is_bot=False, language_code=language_code),
        sender_chat=sender_chat,
    )


async def test_a_message_gets_the_picked_language_else_telegrams() -> None:
    """The language picked in /settings wins; without one, Telegram's language_code decides."""
    assert (await words_for_message(message(1, "ru"), context(u1="tr"))).language == "tr"
    assert (await words_for_message(message(2, "pt-br"), context(u1="tr"))).language == "pt_BR"
    assert (await words_for_message(message(2, None), context())).language == "en"


async def test_a_chat_writing_as_itself_has_no_picked_language() -> None:
    """A message sent on behalf of a chat reads no user's settings."""
    channel = Chat(-100, Chat.CHANNEL)
    sent = message(1, "uk", sender_chat=channel)
    assert (await words_for_message(sent, context(u1="tr"))).language == "uk"


async def test_a_press_gets_the_pressers_language() -> None:
    """The presser's pick wins over their Telegram language."""
    presser = User(2, "B", is_bot=False, language_code="es")
    query = CallbackQuery("1", presser, "ci", data="x")
    assert (await words_for_press(query, context(u2="ar"))).language == "ar"
    assert (await words_for_press(query, context())).language == "es"
