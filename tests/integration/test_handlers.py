"""Handlers through Application.process_update: what the user receives for each kind of update."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from tests.fakes.providers import FakeProvider
from tests.fakes.recording_request import BOT_ID, BOT_USERNAME
from tests.integration.bot_harness import BotHarness, build_harness, harness_settings
from tests.unicode_samples import full_width
from vinbot.models.callback import CallbackAction, CallbackCodec
from vinbot.models.errors import ProviderUnavailable, VinNotFound
from vinbot.models.vehicle import VehicleSpec

HONDA = "1HGCM82633A004352"
BMW = "WBAFR7C57CC811956"


def honda_spec(source: str = "carsxe") -> VehicleSpec:
    return VehicleSpec(
        vin=HONDA,
        source=source,  # type: ignore[arg-type]
        year=2003,
        make="Honda",
        model="Accord",
        trim="EX-V6",
        attributes={"engine": "3.0L V6", "transmission": "5-Speed Automatic", "doors": "4"},
    )


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    carsxe = FakeProvider("carsxe", paid=True, answers={HONDA: honda_spec()})
    nhtsa = FakeProvider("nhtsa", answers={HONDA: honda_spec("nhtsa")})
    async with AsyncExitStack() as stack:
        harness = await build_harness(
            harness_settings(tmp_path, ADMIN_IDS="7"), [carsxe, nhtsa], stack
        )
        async with harness.running():
            yield harness


async def test_start_welcomes_with_a_sample_button(bot: BotHarness) -> None:
    """/start replies with the welcome and a button whose signed data decodes the sample VIN."""
    await bot.send("/start")
    sent = bot.request.sent()
    assert "decode Vehicle Identification Numbers" in sent[-1]["text"]
    markup = sent[-1]["reply_markup"]
    data = markup["inline_keyboard"][0][0]["callback_data"]
    decoded = bot.services.callbacks.decode(data)
    assert decoded is not None
    assert decoded.action is CallbackAction.DECODE


async def test_start_with_the_inline_pause_payload_explains_the_pause(bot: BotHarness) -> None:
    """The inline "try again" button opens /start slow_down: it is answered, not ignored."""
    await bot.send("/start slow_down")
    assert "pausing for a moment" in bot.replies()[-1]


async def test_start_with_a_payload_that_is_no_vin_still_welcomes(bot: BotHarness) -> None:
    """A deep link with some other payload gets the welcome instead of silence."""
    await bot.send("/start from_a_forum_post")
    assert "decode Vehicle Identification Numbers" in bot.replies()[-1]


async def test_vin_in_text_gets_the_decode_with_a_full_specs_button(bot: BotHarness) -> None:
    """A VIN in a private message is answered with the car and a Full specs button."""
    await bot.send(f"hi, my car is {HONDA.lower()} thanks")
    sent = bot.request.sent()
    assert len(sent) == 1
    assert "2003 Honda Accord EX-V6" in sent[0]["text"]
    assert "3.0L V6" in sent[0]["text"]
    assert sent[0]["parse_mode"] == "HTML"
    button = sent[0]["reply_markup"]["inline_keyboard"][0][0]
    assert button["text"].endswith("Full specs")


async def test_full_width_vin_gets_the_same_decode_as_the_ascii_one(bot: BotHarness) -> None:
    """A VIN typed on a Japanese or Chinese input method (full-width) is looked up and answered
    as the same VIN typed in ASCII."""
    await bot.send(full_width(f"VIN: {HONDA.lower()}"))
    await bot.send(f"VIN: {HONDA}")
    full_width_reply, ascii_reply = bot.request.sent()
    assert bot.providers[0].calls == [HONDA]
    assert "2003 Honda Accord EX-V6" in full_width_reply["text"]
    assert full_width_reply["text"] == ascii_reply["text"].replace(" · cached", "")
    assert full_width_reply["reply_markup"] == ascii_reply["reply_markup"]


async def test_three_vins_decoded_and_the_rest_skipped_with_a_note(bot: BotHarness) -> None:
    """Five VINs in one message: three answers and one note that two were skipped."""
    vins = [HONDA, BMW, "WP0ZZZ99ZTS392124", "1M8GDM9AXKP042788", "JHMCM56557C404453"]
    await bot.send(" ".join(vins))
    texts = bot.replies()
    assert len(texts) == 4
    assert "2 more VINs skipped" in texts[-1]


async def test_invalid_vin_gets_a_precise_reason_and_a_suggestion(bot: BotHarness) -> None:
    """A VIN with an O gets the reason and a button to decode the suggested correction."""
    await bot.send("1HGCM82633AOO4352")
    sent = bot.request.sent()
    assert "not a valid VIN" in sent[-1]["text"]
    assert "1HGCM82633A004352" in sent[-1]["text"]
    assert bot.providers[0].calls == []


async def test_typo_in_check_digit_is_explained_without_a_paid_call(bot: BotHarness) -> None:
    """A North-American VIN failing its check digit gets the reason and no provider is called."""
    await bot.send("1HGCM82623A004352")
    assert "check digit" in bot.replies()[-1].lower()
    assert bot.providers[0].calls == []


async def test_text_without_a_vin_gets_one_hint_not_a_flood(bot: BotHarness) -> None:
    """Chatter in a private chat gets a single hint; repeated chatter gets no more hints."""
    await bot.send("hello there")
    await bot.send("anyone?")
    assert len(bot.replies()) == 1
    assert "17 letters and digits" in bot.replies()[0]


async def test_full_specs_button_expands_in_place_and_back(bot: BotHarness) -> None:
    """Full specs edits the message to the expanded view; Summary edits it back."""
    codec = bot.services.callbacks
    await bot.press(codec.encode(CallbackAction.SPECS, HONDA))
    edits = bot.request.sent("editMessageText")
    assert "Full specs" in edits[-1]["text"]
    assert edits[-1]["reply_markup"]["inline_keyboard"][0][0]["text"].endswith("Summary")
    await bot.press(codec.encode(CallbackAction.SUMMARY, HONDA))
    edits = bot.request.sent("editMessageText")
    assert "<b>Full specs</b>" not in edits[-1]["text"]
    assert len(bot.request.sent("answerCallbackQuery")) == 2


@pytest.mark.parametrize(
    "data",
    [
        "garbage",
        "1|s|1HGCM82633A004352|AAAAAAAA",
        CallbackCodec(b"another-bot").encode(CallbackAction.SPECS, HONDA),
        "0|s|1HGCM82633A004352|xxxxxxxx",
    ],
)
async def test_forged_or_foreign_callback_is_expired(bot: BotHarness, data: str) -> None:
    """Forged, foreign or stale callback data is answered "expired" and changes nothing."""
    await bot.press(data)
    answers = bot.request.sent("answerCallbackQuery")
    assert answers[-1]["text"].startswith("This button has expired")
    assert bot.request.sent("editMessageText") == []
    assert bot.providers[0].calls == []


async def test_group_message_not_addressed_to_the_bot_is_ignored(bot: BotHarness) -> None:
    """In a group, a VIN in ordinary chatter gets no reply."""
    await bot.send(f"look {HONDA}", user_id=5, chat_id=-100, chat_type="supergroup")
    assert bot.replies() == []


async def test_group_mention_and_vin_command_are_answered(bot: BotHarness) -> None:
    """In a group, a mention of the bot and /vin both get the decode, quoting the message."""
    text = f"@{BOT_USERNAME} {HONDA}"
    mention = {"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}
    await bot.feed(
        {
            "message": bot.message(
                text, user_id=5, chat_id=-100, chat_type="group", entities=[mention]
            )
        }
    )
    await bot.send(f"/vin {HONDA}", user_id=6, chat_id=-100, chat_type="group")
    sent = bot.request.sent()
    assert len(sent) == 2
    assert all("Honda Accord" in s["text"] for s in sent)
    assert all("reply_parameters" in s for s in sent)


async def test_group_reply_to_the_bot_is_answered(bot: BotHarness) -> None:
    """In a group, a reply to one of the bot's messages with a VIN is decoded."""
    replied = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": -100, "type": "group", "title": "Cars"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "VIN bot"},
        "text": "earlier answer",
    }
    await bot.feed(
        {
            "message": bot.message(
                HONDA, user_id=5, chat_id=-100, chat_type="group", reply_to_message=replied
            )
        }
    )
    assert "Honda Accord" in bot.replies()[-1]


async def test_stickers_edits_and_channel_posts_never_fail(bot: BotHarness) -> None:
    """A sticker gets one hint, an edited VIN is decoded, a channel post is ignored."""
    sticker = {
        "file_id": "s1",
        "file_unique_id": "u1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    await bot.feed({"message": bot.message(sticker=sticker)})
    await bot.feed({"edited_message": {**bot.message(HONDA), "edit_date": 1}})
    await bot.feed(
        {
            "channel_post": {
                "message_id": 5,
                "date": 0,
                "chat": {"id": -1005, "type": "channel", "title": "News"},
                "text": HONDA,
            }
        }
    )
    texts = bot.replies()
    assert len(texts) == 2
    assert "only read VINs from text" in texts[0]
    assert "Honda Accord" in texts[1]


async def test_caption_with_a_vin_is_decoded(bot: BotHarness) -> None:
    """A photo whose caption holds a VIN is answered with the decode."""
    photo = [{"file_id": "p1", "file_unique_id": "pu1", "width": 90, "height": 90}]
    await bot.feed({"message": bot.message(photo=photo, caption=f"VIN: {HONDA}")})
    assert "Honda Accord" in bot.replies()[-1]


async def test_long_message_with_emoji_and_html_is_safe(bot: BotHarness) -> None:
    """A 4096-character message full of emoji and markup gets a hint, not a crash."""
    text = ("<b>🚗 & friends</b> " * 300)[:4096]
    await bot.send(text)
    assert len(bot.replies()) == 1


async def test_flood_guard_tells_once_and_makes_no_upstream_call(tmp_path: Path) -> None:
    """Past the per-minute limit the user is told once, and no provider is called."""
    carsxe = FakeProvider("carsxe", paid=True)
    async with AsyncExitStack() as stack:
        settings = harness_settings(tmp_path, USER_DECODES_PER_MINUTE="2")
        harness = await build_harness(settings, [carsxe], stack)
        await stack.enter_async_context(harness.running())
        for vin in [HONDA, BMW, "1M8GDM9AXKP042788", "JHMCM56557C404453"]:
            await harness.send(vin)
    texts = harness.replies()
    assert len(texts) == 3
    assert "more lookups than I allow in one minute" in texts[-1]
    assert len(carsxe.calls) == 2


async def test_stats_for_admins_only(bot: BotHarness) -> None:
    """/stats shows figures to an admin and the unknown-command answer to anyone else."""
    await bot.send("/stats", user_id=7)
    await bot.send("/stats", user_id=8)
    await bot.send("/nonsense", user_id=8)
    texts = bot.replies()
    assert "vinbot status" in texts[0]
    assert "Cache:" in texts[0]
    assert texts[1] == texts[2]
    assert "don't know that command" in texts[1]


async def test_provider_outage_still_answers_and_says_so(tmp_path: Path) -> None:
    """With every provider down the user still gets the offline decode, marked as basic."""
    down = FakeProvider("nhtsa", error=ProviderUnavailable("nhtsa", "502"))
    async with AsyncExitStack() as stack:
        harness = await build_harness(harness_settings(tmp_path), [down], stack)
        await stack.enter_async_context(harness.running())
        await harness.send(HONDA)
    text = harness.replies()[-1]
    assert "NHTSA did not answer" in text
    assert "basic offline decode" in text


async def test_a_handler_crash_is_reported_to_the_user_and_the_bot_goes_on(
    bot: BotHarness,
) -> None:
    """An unexpected error in one update gets an apology and the next update still works."""
    bot.providers[0].error = RuntimeError("boom")
    await bot.send(HONDA)
    bot.providers[0].error = None
    await bot.send(BMW)
    texts = [m["text"] for m in bot.request.sent("sendMessage") if int(m["chat_id"]) == 100]
    assert "something went wrong" in texts[0]
    assert len(texts) == 2


async def test_typing_shows_for_slow_decodes_and_never_for_cached_ones(tmp_path: Path) -> None:
    """A decode that waits on a slow upstream shows typing; the same VIN from cache does not."""
    slow = FakeProvider("nhtsa", answers={HONDA: honda_spec("nhtsa")}, delay=1.3)
    async with AsyncExitStack() as stack:
        harness = await build_harness(harness_settings(tmp_path), [slow], stack)
        await stack.enter_async_context(harness.running())
        await harness.send(HONDA)
        assert len(harness.request.sent("sendChatAction")) == 1
        await harness.send(HONDA, user_id=101)
        assert len(harness.request.sent("sendChatAction")) == 1
        assert len(harness.request.sent()) == 2


async def test_a_handler_crash_alerts_the_admins_once_without_user_data(
    bot: BotHarness,
) -> None:
    """The admins get the error type and its place, never the message, the VIN or the user;
    the same crash again within ten minutes sends no second alert, while users still hear."""
    bot.providers[0].error = RuntimeError(f"boom for {HONDA} key=SECRET-KEY-1")
    await bot.send(HONDA, user_id=4242)
    await bot.send(HONDA, user_id=4243)

    alerts = [m for m in bot.request.sent("sendMessage") if int(m["chat_id"]) == 7]
    apologies = [m for m in bot.request.sent("sendMessage") if int(m["chat_id"]) in {4242, 4243}]
    assert len(alerts) == 1
    assert len(apologies) == 2
    text = alerts[0]["text"]
    assert "<code>RuntimeError</code>" in text
    assert "vinbot.services.decoding:_attempt:" in text
    for private in (HONDA, "SECRET-KEY-1", "boom", "4242"):
        assert private not in text


async def test_offline_only_decode_has_no_buttons_that_give_nothing(tmp_path: Path) -> None:
    """No provider has the car: no Full specs or Market value button, and the answer says why."""
    missing = FakeProvider("nhtsa", error=VinNotFound("nhtsa"))
    async with AsyncExitStack() as stack:
        harness = await build_harness(harness_settings(tmp_path), [missing], stack)
        await stack.enter_async_context(harness.running())
        await harness.send(BMW)
    sent = harness.request.sent()[-1]
    assert "there are no full specs" in sent["text"]
    labels = [b["text"] for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert not any("Full specs" in label or "Market value" in label for label in labels)
    assert any("Recalls" in label for label in labels)


@pytest.mark.parametrize("language_code", ["ru", "ar", "pt-br"])
async def test_a_reader_in_another_language_gets_the_decode_and_the_reasons(
    bot: BotHarness, language_code: str
) -> None:
    """A user whose Telegram speaks another language is answered (English until translated)."""
    sender = {"id": 100, "is_bot": False, "first_name": "U", "language_code": language_code}
    await bot.feed({"message": bot.message(HONDA, **{"from": sender})})
    await bot.feed({"message": bot.message("1HGCM82633AOO4352", **{"from": sender})})
    texts = bot.replies()
    assert "Honda Accord" in texts[0]
    assert "1HGCM82633A004352" in texts[1]
    assert all("{" not in text for text in texts)
