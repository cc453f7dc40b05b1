"""Who asked: anonymous admins, channel posters and automatic forwards are keyed by their chat."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import structlog
from telegram import Bot, Update

from vinbot.handlers.identity import (
    CHANNEL_BOT_ID,
    GROUP_ANONYMOUS_BOT_ID,
    TELEGRAM_SERVICE_ID,
    Requester,
    requester_of,
    sender_of,
)
from vinbot.handlers.observe import observe_update
from vinbot.metrics import Metrics

UPDATES = Path(__file__).resolve().parents[1] / "fixtures" / "updates"
GROUP = -1001449165484
CHANNEL = -1001787450214
BOT = Bot("123456789:TEST-token-for-identity-tests-only-xyz")


def load(name: str) -> dict[str, Any]:
    """A recorded update, as Telegram sends it."""
    update: dict[str, Any] = json.loads((UPDATES / name).read_text(encoding="utf-8"))
    return update


def parsed(update: dict[str, Any]) -> Update:
    """The update as PTB parses it."""
    return Update.de_json(update, BOT)


@pytest.mark.parametrize(
    ("fixture", "shared_id", "key"),
    [
        ("group_anonymous_admin.json", GROUP_ANONYMOUS_BOT_ID, GROUP),
        ("group_channel_sender.json", CHANNEL_BOT_ID, CHANNEL),
        ("group_automatic_forward.json", TELEGRAM_SERVICE_ID, CHANNEL),
    ],
)
def test_a_message_on_behalf_of_a_chat_is_keyed_by_that_chat(
    fixture: str, shared_id: int, key: int
) -> None:
    """A message whose `from` is a shared stand-in user is the sender_chat's, never a person's."""
    update = parsed(load(fixture))
    assert update.effective_user is not None
    assert update.effective_user.id == shared_id
    assert requester_of(update) == Requester(key, personal=False)


def test_a_private_message_is_its_user() -> None:
    """A person writing in a private chat is keyed by their own user id."""
    assert requester_of(parsed(load("private_text_vin.json"))) == Requester(5550001, personal=True)


def test_a_shared_stand_in_without_sender_chat_is_still_not_a_person() -> None:
    """Should Telegram ever omit sender_chat, the stand-in user is keyed by the chat instead."""
    update = load("group_anonymous_admin.json")
    del update["message"]["sender_chat"]
    message = parsed(update).effective_message
    assert message is not None
    assert sender_of(message) == Requester(GROUP, personal=False)


_ANONYMOUS_POST = load("group_anonymous_admin.json")["message"]


@pytest.mark.parametrize(
    ("kind", "query", "user_id"),
    [
        (  # a button under an anonymous admin's post is still pressed by a real user
            "callback_query",
            {
                "id": "77",
                "from": {"id": 5596148289, "is_bot": False, "first_name": "Real"},
                "chat_instance": "-42",
                "data": "x",
                "message": {
                    **_ANONYMOUS_POST,
                    "from": {"id": 424242, "is_bot": True, "first_name": "B"},
                },
            },
            5596148289,
        ),
        (
            "inline_query",
            {
                "id": "88",
                "from": {"id": 5550002, "is_bot": False, "first_name": "Ann"},
                "query": "1HGCM82633A004352",
                "offset": "",
            },
            5550002,
        ),
    ],
)
def test_a_button_press_or_inline_query_is_the_real_user(
    kind: str, query: dict[str, Any], user_id: int
) -> None:
    """Button presses and inline queries carry the real user, also from anonymous admins."""
    assert requester_of(parsed({"update_id": 1, kind: query})) == Requester(user_id, personal=True)


def test_a_channel_post_is_the_channel_and_an_empty_update_nobody() -> None:
    """A channel post is keyed by its channel; an update with no sender has no requester."""
    channel = {"id": CHANNEL, "type": "channel", "title": "Dana's Garage"}
    post = {"message_id": 5, "date": 1767225600, "chat": channel, "sender_chat": channel}
    update = parsed({"update_id": 3, "channel_post": {**post, "text": "hello"}})
    assert requester_of(update) == Requester(CHANNEL, personal=False)
    assert requester_of(parsed({"update_id": 4})) is None


async def test_log_lines_of_an_anonymous_admins_update_name_the_group_not_the_shared_bot() -> None:
    """observe_update binds the requester's key as user_id, so logs tell groups apart."""
    context = SimpleNamespace(services=SimpleNamespace(metrics=Metrics(providers=())))
    await observe_update(parsed(load("group_anonymous_admin.json")), context)  # type: ignore[arg-type]
    try:
        assert structlog.contextvars.get_contextvars()["user_id"] == GROUP
    finally:
        structlog.contextvars.clear_contextvars()
