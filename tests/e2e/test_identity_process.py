"""Who the user is, in the real bot process: anonymous admins and other members' buttons."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import World, buttons, in_chat
from vinbot.formatters import account

pytestmark = pytest.mark.slow

BMW = "WBAFR7C57CC811956"
OWNER, OTHER = 6101, 6102
GROUP = -1001449165484
UPDATES = Path(__file__).resolve().parents[1] / "fixtures" / "updates"


def anonymous_admin(world: World, text: str) -> None:
    """The recorded anonymous-admin message, with new text, arrives in the group."""
    message: dict[str, Any] = json.loads(
        (UPDATES / "group_anonymous_admin.json").read_text(encoding="utf-8")
    )["message"]
    chat = world.telegram.api.chat_state(GROUP, "supergroup", message["chat"]["title"])
    message["message_id"] = chat.allocate_message_id()
    message["date"] = int(time.time())
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text), "type": "bot_command"}]
    else:
        mention = f"@{world.telegram.bot_username}"
        message["entities"] = [{"offset": 0, "length": len(mention), "type": "mention"}]
        text = f"{mention} {text}"
    message["text"] = text
    world.telegram.add_update({"message": world.telegram.api.store_message(chat, message)})


async def test_group_identities_in_the_real_process(world: World) -> None:
    """In a supergroup an anonymous admin gets a decode but no personal page, and another
    member pressing someone's garage Remove gets an alert while the car stays saved."""
    telegram = world.telegram
    await world.start_bot()
    telegram.send_text(OWNER, BMW)
    answer = await telegram.wait_for("sendMessage", in_chat(OWNER))
    save = next(b for b in buttons(answer) if "Save" in b["text"])
    telegram.press_button(OWNER, answer, save["callback_data"])
    await telegram.wait_for("answerCallbackQuery")

    anonymous_admin(world, BMW)
    decoded = await telegram.wait_for("sendMessage", in_chat(GROUP))
    assert "BMW" in decoded.params["text"]
    anonymous_admin(world, "/history")
    refused = await telegram.wait_for("sendMessage", in_chat(GROUP))
    assert refused.params["text"] == account.PERSONAL_ACCOUNT_NEEDED

    telegram.send_text(OWNER, "/garage", chat_id=GROUP, chat_type="supergroup")
    garage = await telegram.wait_for("sendMessage", in_chat(GROUP))
    remove = next(b for b in buttons(garage) if "Remove" in b["text"])
    telegram.press_button(OTHER, garage, remove["callback_data"])
    alert = await telegram.wait_for("answerCallbackQuery")
    assert alert.params["text"] == account.NOT_YOUR_BUTTON
    assert alert.params["show_alert"] in {True, "true"}

    telegram.send_text(OWNER, "/garage")
    mine = await telegram.wait_for("sendMessage", in_chat(OWNER))
    assert BMW in mine.params["text"]
    assert telegram.calls("editMessageText") == []
