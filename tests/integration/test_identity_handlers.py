"""Who the user is, through the real handlers: anonymous admins, channel posters, buttons and
/value in groups."""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, closing
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.providers import FakeProvider
from tests.fakes.recording_request import BOT_ID, BOT_USERNAME
from tests.integration.bot_harness import BotHarness, running_bot
from vinbot.formatters import account
from vinbot.formatters import market_value as value_texts
from vinbot.i18n import words_in
from vinbot.models.callback import CallbackAction
from vinbot.models.vehicle import VehicleSpec

HONDA = "1HGCM82633A004352"
BMW = "WBAFR7C57CC811956"
MCI = "1M8GDM9AXKP042788"
UPDATES = Path(__file__).resolve().parents[1] / "fixtures" / "updates"
GROUP_A = -1001449165484  # the group in the recorded updates
GROUP_B = -1001202020202
CHANNEL = -1001787450214
OWNER, OTHER = 100, 200
GROUP = -100500  # where OWNER and OTHER talk
_message_ids = itertools.count(5000)


def honda() -> VehicleSpec:
    return VehicleSpec(vin=HONDA, source="carsxe", year=2003, make="Honda", model="Accord")


def make_bot(tmp_path: Path, **env: str) -> AbstractAsyncContextManager[BotHarness]:
    carsxe = FakeProvider("carsxe", paid=True, answers={HONDA: honda()})
    return running_bot(tmp_path, [carsxe, FakeProvider("nhtsa")], **env)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with make_bot(tmp_path) as bot:
        yield bot


def addressed(text: str) -> tuple[str, list[dict[str, Any]]]:
    """A command as is, anything else after an @mention of the bot, with Telegram's entities."""
    if text.startswith("/"):
        return text, [
            {"offset": 0, "length": len(text.split(maxsplit=1)[0]), "type": "bot_command"}
        ]
    mention = f"@{BOT_USERNAME}"
    return f"{mention} {text}", [{"offset": 0, "length": len(mention), "type": "mention"}]


def on_behalf_of_a_chat(fixture: str, text: str, *, group: int = GROUP_A) -> dict[str, Any]:
    """A recorded anonymous-admin or channel-sender update with new text, in a given group."""
    update: dict[str, Any] = json.loads((UPDATES / fixture).read_text(encoding="utf-8"))
    message = update["message"]
    del update["update_id"]
    message["message_id"] = next(_message_ids)
    message["text"], message["entities"] = addressed(text)
    message["chat"]["id"] = group
    if message["sender_chat"]["type"] == "supergroup":  # an anonymous admin writes as the group
        message["sender_chat"]["id"] = group
    return update


def anonymous_admin(text: str, *, group: int = GROUP_A) -> dict[str, Any]:
    """An anonymous admin of a group writes (from GroupAnonymousBot, sender_chat the group)."""
    return on_behalf_of_a_chat("group_anonymous_admin.json", text, group=group)


def stored_lookups(tmp_path: Path) -> list[tuple[int, str]]:
    with closing(sqlite3.connect(tmp_path / "bot.db")) as db:
        return db.execute("select user_id, vin from lookups").fetchall()


async def flush(bot: BotHarness) -> None:
    await bot.services.privacy.export_user(0)  # flushes queued history writes


def buttons(sent: dict[str, Any]) -> list[dict[str, str]]:
    return [b for row in sent["reply_markup"]["inline_keyboard"] for b in row]


def last_answer(bot: BotHarness) -> tuple[str, bool]:
    """The text of the last callback answer and whether it was an alert."""
    answer = bot.request.sent("answerCallbackQuery")[-1]
    return answer.get("text", ""), bool(answer.get("show_alert"))


async def test_anonymous_admins_get_decodes_but_no_history_shared_between_groups(
    bot: BotHarness, tmp_path: Path
) -> None:
    """An anonymous admin's VIN is decoded; /history in another group shows none of it."""
    await bot.feed(anonymous_admin(HONDA, group=GROUP_A))
    decoded = bot.request.sent()[-1]
    assert (decoded["chat_id"], "Honda Accord" in decoded["text"]) == (GROUP_A, True)
    await flush(bot)

    await bot.feed(anonymous_admin("/history", group=GROUP_B))

    assert bot.replies()[-1] == account.PERSONAL_ACCOUNT_NEEDED
    assert stored_lookups(tmp_path) == []


async def test_anonymous_quota_and_flood_budget_belong_to_each_group(tmp_path: Path) -> None:
    """Anonymous admins of two groups spend two budgets: one group's use never refuses another."""
    async with make_bot(tmp_path, USER_DECODES_PER_MINUTE="1", DAILY_LOOKUPS_PER_USER="1") as bot:
        carsxe = bot.providers[0]
        await bot.feed(anonymous_admin(HONDA, group=GROUP_A))
        await bot.feed(anonymous_admin(BMW, group=GROUP_B))
        assert "more lookups than I allow in one minute" not in bot.replies()[-1]
        assert [call for call in carsxe.calls if call in {HONDA, BMW}] == [HONDA, BMW]

        await bot.feed(anonymous_admin(MCI, group=GROUP_A))  # group A's minute is used up
        assert "more lookups than I allow in one minute" in bot.replies()[-1]


@pytest.mark.parametrize(
    "fixture", ["group_anonymous_admin.json", "group_channel_sender.json"], ids=["admin", "channel"]
)
@pytest.mark.parametrize(
    "command",
    [
        "/history",
        "/garage",
        "/garage rename 1 Daily",
        "/settings",
        "/export",
        "/forget",
        f"/value {BMW}",
    ],
)
async def test_personal_commands_ask_chat_senders_for_a_personal_account(
    bot: BotHarness, fixture: str, command: str
) -> None:
    """History, garage, settings, export, forget and /value sent as a group or channel get one
    short explanation and no page, button or question."""
    await bot.feed(on_behalf_of_a_chat(fixture, command))

    sent = bot.request.sent()
    assert [s["text"] for s in sent] == [account.PERSONAL_ACCOUNT_NEEDED]
    assert "reply_markup" not in sent[0]


async def test_an_automatic_forward_is_decoded_for_the_channel_and_not_remembered(
    bot: BotHarness, tmp_path: Path
) -> None:
    """A linked channel's post forwarded into its group (from 777000) is decoded; nothing is
    kept as if Telegram's service account were a person."""
    update = json.loads((UPDATES / "group_automatic_forward.json").read_text(encoding="utf-8"))

    await bot.feed(update)
    await flush(bot)

    assert "Honda Accord" in bot.replies()[-1]
    assert stored_lookups(tmp_path) == []


async def test_stats_is_never_shown_to_an_anonymous_admin(tmp_path: Path) -> None:
    """Even with GroupAnonymousBot's id in ADMIN_IDS, anyone writing as a group is no admin."""
    async with make_bot(tmp_path, ADMIN_IDS="1087968824") as bot:
        await bot.feed(anonymous_admin("/stats"))
    assert bot.replies() == []


async def test_someone_elses_garage_buttons_are_refused_in_a_group(bot: BotHarness) -> None:
    """Another member pressing Remove or Open under my /garage gets an alert, and my garage
    stays as it is; my own press still works."""
    codec = bot.services.callbacks
    await bot.press(codec.encode(CallbackAction.SAVE, HONDA), user_id=OWNER)
    await bot.send("/garage", user_id=OWNER, chat_id=GROUP, chat_type="supergroup")
    page = bot.request.sent()[-1]
    open_ = next(b for b in buttons(page) if b["text"].startswith("🔎"))
    remove = next(b for b in buttons(page) if "Remove" in b["text"])
    sent_before = len(bot.request.sent())

    for button in (remove, open_):
        await bot.press(
            button["callback_data"], user_id=OTHER, chat_id=GROUP, chat_type="supergroup"
        )
        assert last_answer(bot) == (account.NOT_YOUR_BUTTON, True)

    assert [entry.vin for entry in await bot.services.garage.list(OWNER)] == [HONDA]
    assert bot.request.sent("editMessageText") == []
    assert len(bot.request.sent()) == sent_before
    await bot.press(remove["callback_data"], user_id=OWNER, chat_id=GROUP, chat_type="supergroup")
    assert "garage is empty" in bot.request.sent("editMessageText")[-1]["text"]


async def test_someone_elses_settings_history_and_forget_buttons_are_refused_in_a_group(
    bot: BotHarness,
) -> None:
    """Settings toggles, history entries and the /forget confirmation answer only the person
    who asked; Full specs under a decode stays open to everyone."""
    group = {"chat_id": GROUP, "chat_type": "supergroup"}
    await bot.send(HONDA, user_id=OWNER)
    await flush(bot)
    personal = []
    for command in ("/settings", "/history", "/forget"):
        await bot.send(command, user_id=OWNER, **group)
        personal.append(buttons(bot.request.sent()[-1])[0]["callback_data"])
    sent_before = len(bot.request.sent())

    for data in personal:
        await bot.press(data, user_id=OTHER, **group)
        assert last_answer(bot) == (account.NOT_YOUR_BUTTON, True)

    assert len(bot.request.sent()) == sent_before
    assert bot.request.sent("editMessageText") == []
    assert (await bot.services.user_settings.get(OWNER)).units is None
    assert (await bot.services.user_settings.get(OTHER)).units is None
    assert [r.vin for r in await bot.services.lookup.recent(OWNER)] == [HONDA]
    specs = bot.services.callbacks.encode(CallbackAction.SPECS, HONDA)
    await bot.press(specs, user_id=OTHER, message_text="decode", **group)
    assert "Honda Accord" in bot.request.sent("editMessageText")[-1]["text"]


async def test_old_personal_buttons_are_refused_in_groups_and_still_work_in_private(
    bot: BotHarness,
) -> None:
    """Garage and settings buttons sent before owners were recorded act in a private chat only."""
    codec = bot.services.callbacks
    await bot.press(codec.encode(CallbackAction.SAVE, HONDA), user_id=OWNER)
    old_remove = codec.encode(CallbackAction.GARAGE_REMOVE, HONDA)
    old_units = codec.encode(CallbackAction.SETTINGS, "units:imperial")

    for data in (old_remove, old_units):
        await bot.press(data, user_id=OWNER, chat_id=GROUP, chat_type="supergroup")
        assert last_answer(bot) == (account.PERSONAL_BUTTON_EXPIRED, True)
    assert [entry.vin for entry in await bot.services.garage.list(OWNER)] == [HONDA]
    assert (await bot.services.user_settings.get(OWNER)).units is None

    await bot.press(old_remove, user_id=OWNER)
    assert not await bot.services.garage.list(OWNER)


def reply_to_bot(bot: BotHarness, text: str) -> dict[str, Any]:
    """OWNER's group message replying to the bot's last message."""
    question = bot.request.sent()[-1]
    replied = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": GROUP, "type": "supergroup", "title": "Cars"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "VIN bot", "username": BOT_USERNAME},
        "text": question["text"],
    }
    return {
        "message": bot.message(
            text, user_id=OWNER, chat_id=GROUP, chat_type="supergroup", reply_to_message=replied
        )
    }


async def test_value_in_a_group_takes_only_answers_addressed_to_the_bot(bot: BotHarness) -> None:
    """During a /value in a group, the asker's other chatter (a VIN too) is neither answered nor
    decoded; a reply to the question or a mention of the bot answers it."""
    group = {"user_id": OWNER, "chat_id": GROUP, "chat_type": "supergroup"}
    await bot.send(f"/value {BMW}", **group)
    assert "mileage" in bot.replies()[-1]
    replies_before = len(bot.replies())

    await bot.send("haha, nobody asked you", **group)
    await bot.send(f"mine is {HONDA}, by the way", **group)
    assert len(bot.replies()) == replies_before
    assert bot.providers[0].calls == []

    await bot.feed(reply_to_bot(bot, "85k"))
    assert bot.replies()[-1] == value_texts.ask_state(words_in("en"))
    text, entities = addressed("CA")
    await bot.feed({"message": bot.message(text, entities=entities, **group)})
    assert bot.replies()[-1] == value_texts.ask_condition(words_in("en"))
    clean = next(b for b in buttons(bot.request.sent()[-1]) if b["text"] == "Clean")
    await bot.press(clean["callback_data"], user_id=OWNER, chat_id=GROUP, chat_type="supergroup")
    assert bot.extras.values.calls == [(BMW, 85_000, "CA", "clean")]
