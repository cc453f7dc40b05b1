"""Recalls, market value, vehicle photo, VIN OCR, plates and inline mode through the handlers."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.beyond import nhtsa_report, recall
from tests.fakes.providers import FakeProvider
from tests.fakes.telegram.html import parse_html
from tests.integration.bot_harness import BotHarness, running_bot
from vinbot.formatters import messages
from vinbot.formatters.plate import plate_region_rejected
from vinbot.i18n import words_in
from vinbot.models.callback import CallbackAction, CallbackCodec
from vinbot.models.errors import PlateRegionRejected, ProviderUnavailable, RecallsUnavailable
from vinbot.models.ocr import OcrCandidate, OcrResult
from vinbot.models.vehicle import VehicleSpec

HONDA = "1HGCM82633A004352"
BMW = "WBAFR7C57CC811956"
USER = 100


def honda(source: str = "carsxe") -> VehicleSpec:
    return VehicleSpec(
        vin=HONDA,
        source=source,
        year=2003,
        make="Honda",
        model="Accord",
        trim="EX",  # type: ignore[arg-type]
    )


def make_bot(
    tmp_path: Path, *, paid: bool = True, **env: str
) -> AbstractAsyncContextManager[BotHarness]:
    providers = [FakeProvider("nhtsa", answers={HONDA: honda("nhtsa")})]
    if paid:
        providers.insert(0, FakeProvider("carsxe", paid=True, answers={HONDA: honda()}))
    return running_bot(tmp_path, providers, **env)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with make_bot(tmp_path) as bot:
        yield bot


@pytest.fixture
async def free_bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with make_bot(tmp_path, paid=False) as bot:
        yield bot


def buttons(sent: dict[str, Any]) -> list[dict[str, str]]:
    return [b for row in sent["reply_markup"]["inline_keyboard"] for b in row]


def photo_message(bot: BotHarness, caption: str | None = None, size: int = 1000) -> dict[str, Any]:
    photo = [
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90, "file_size": 100},
        {"file_id": "big", "file_unique_id": "b", "width": 900, "height": 900, "file_size": size},
    ]
    extra: dict[str, Any] = {"photo": photo}
    if caption is not None:
        extra["caption"] = caption
    return bot.message(**extra)


async def test_decode_keyboard_offers_recalls_and_market_value(bot: BotHarness) -> None:
    """With CarsXE the decode has Recalls and Market value buttons; without it, no value."""
    await bot.send(HONDA)
    labels = [b["text"] for b in buttons(bot.request.sent()[-1])]
    assert any("Recalls" in label for label in labels)
    assert any("Market value" in label for label in labels)


async def test_free_bot_hides_market_value(free_bot: BotHarness) -> None:
    """Without a CarsXE key the Market value button is absent and /value explains why."""
    await free_bot.send(HONDA)
    labels = [b["text"] for b in buttons(free_bot.request.sent()[-1])]
    assert not any("Market value" in label for label in labels)
    await free_bot.send(f"/value {HONDA}")
    assert "no CarsXE key" in free_bot.replies()[-1]


async def test_recalls_button_shows_count_danger_first_and_honest_note(bot: BotHarness) -> None:
    """Recalls lists the count, the do-not-drive campaign first, and the coverage note."""
    report = nhtsa_report(
        "Honda",
        "Accord",
        2003,
        recall("20V100000", date=dt.date(2020, 1, 1), component="SEATS"),
        recall("21V200000", do_not_drive=True, component="AIR <BAGS>"),
    )
    bot.extras.vin_recalls.error = ProviderUnavailable("carsxe", "502")
    bot.extras.model_recalls.reports[("Honda", "Accord", 2003)] = report
    await bot.press(bot.services.callbacks.encode(CallbackAction.RECALLS, HONDA))
    text = bot.replies()[-1]
    assert "2 recall campaigns" in text
    assert text.index("AIR &lt;BAGS&gt;") < text.index("SEATS")
    assert "DO NOT DRIVE" in text
    assert "vehicles sold in the US" in text


async def test_recalls_answer_in_the_askers_language_with_the_source_once(
    bot: BotHarness,
) -> None:
    """A Russian user's /recalls shows Russian dates, and the source and coverage only once."""
    bot.extras.vin_recalls.error = ProviderUnavailable("carsxe", "502")
    bot.extras.model_recalls.reports[("Honda", "Accord", 2003)] = nhtsa_report(
        "Honda", "Accord", 2003, recall("20V100000", date=dt.date(2020, 1, 2))
    )
    russian = {"id": USER, "is_bot": False, "first_name": "Ivan", "language_code": "ru"}
    await bot.send(f"/recalls {HONDA}", **{"from": russian})
    text = bot.replies()[-1]
    assert words_in("ru").date(dt.date(2020, 1, 2)) in text
    assert "Jan 2, 2020" not in text
    assert text.count("NHTSA") == 1  # the source line (names stay as they are in any language)
    assert text.count("CarsXE") == 1  # why the answer is not by VIN
    parse_html(text)


async def test_recalls_page_through_long_lists(bot: BotHarness) -> None:
    """Seven campaigns are paged three at a time with a Next button that edits in place."""
    many = [recall(f"2{i}V00{i}000", component=f"PART {i}") for i in range(7)]
    bot.extras.vin_recalls.error = ProviderUnavailable("carsxe", "502")
    bot.extras.model_recalls.reports[("Honda", "Accord", 2003)] = nhtsa_report(
        "Honda", "Accord", 2003, *many
    )
    await bot.send(f"/recalls {HONDA}")
    first = bot.request.sent()[-1]
    assert "Page 1 of 3" in first["text"]
    (next_button,) = buttons(first)
    await bot.press(next_button["callback_data"])
    edited = bot.request.sent("editMessageText")[-1]
    assert "Page 2 of 3" in edited["text"]
    assert len(buttons(edited)) == 2


async def test_no_recalls_never_reads_as_safe(bot: BotHarness) -> None:
    """An empty report says it doesn't prove the car is free of recalls."""
    bot.extras.vin_recalls.error = ProviderUnavailable("carsxe", "502")
    bot.extras.model_recalls.reports[("Honda", "Accord", 2003)] = nhtsa_report(
        "Honda", "Accord", 2003
    )
    await bot.send(f"/recalls {HONDA}")
    assert "doesn't prove" in bot.replies()[-1]


async def test_failed_recall_lookup_is_not_no_recalls(bot: BotHarness) -> None:
    """When every source fails the user is told it is not the same as no recalls."""
    bot.extras.vin_recalls.error = ProviderUnavailable("carsxe", "502")
    bot.extras.model_recalls.error = RecallsUnavailable("providers")
    await bot.send(f"/recalls {HONDA}")
    assert "not</b> the same as “no recalls”" in bot.replies()[-1]


async def test_market_value_conversation(bot: BotHarness) -> None:
    """/value asks mileage, state and condition, validates each, then shows the ranges."""
    await bot.send(f"/value {BMW}")
    assert "mileage" in bot.replies()[-1]
    await bot.send("lots")
    assert "85k" in bot.replies()[-1]
    await bot.send("85k")
    assert "state" in bot.replies()[-1]
    await bot.send("ZZ")
    await bot.send("CA")
    condition = bot.request.sent()[-1]
    clean = next(b for b in buttons(condition) if b["text"] == "Clean")
    await bot.press(clean["callback_data"])
    text = bot.replies()[-1]
    assert "Market value" in text
    assert "85,000 miles" in text
    assert "CA" in text
    assert "$" in text
    assert bot.extras.values.calls == [(BMW, 85_000, "CA", "clean")]


async def test_market_value_button_and_cancel(bot: BotHarness) -> None:
    """The 💰 button starts the conversation and /cancel ends it without a paid call."""
    await bot.press(bot.services.callbacks.encode(CallbackAction.VALUE, HONDA))
    assert "mileage" in bot.replies()[-1]
    await bot.send("/cancel")
    assert bot.replies()[-1] == "Market value cancelled."
    await bot.send("90000")
    assert bot.extras.values.calls == []


async def answer_85k_ca_clean(bot: BotHarness) -> None:
    """Answer the /value questions in the private chat: 85k miles, California, Clean."""
    await bot.send("85k")
    await bot.send("CA")
    condition = bot.request.sent()[-1]
    clean = next(b for b in buttons(condition) if b["text"] == "Clean")
    await bot.press(clean["callback_data"])


async def test_value_in_another_chat_does_not_swap_the_car(bot: BotHarness) -> None:
    """/value in a group while one is going on in private: each chat values its own car."""
    await bot.send(f"/value {HONDA}")
    await bot.send(f"/value {BMW}", chat_id=-100, chat_type="supergroup")
    await answer_85k_ca_clean(bot)

    assert bot.extras.values.calls == [(HONDA, 85_000, "CA", "clean")]


async def test_value_again_starts_over_for_the_new_car(bot: BotHarness) -> None:
    await bot.send(f"/value {HONDA}")
    await bot.send(f"/value {BMW}")
    assert BMW in bot.replies()[-1]
    await answer_85k_ca_clean(bot)

    assert bot.extras.values.calls == [(BMW, 85_000, "CA", "clean")]


async def test_a_vin_sent_mid_valuation_is_decoded_and_ends_it(bot: BotHarness) -> None:
    await bot.send(f"/value {BMW}")
    await bot.send(HONDA)

    assert "Honda Accord" in bot.replies()[-1]
    await bot.send("85k")  # no valuation is going on any more
    assert bot.extras.values.calls == []
    assert "state" not in bot.replies()[-1]


async def test_decode_with_a_photo_and_text_fallback(tmp_path: Path) -> None:
    """With photos on, the decode is a photo with caption; a broken image falls back to text."""
    async with make_bot(tmp_path, VEHICLE_PHOTOS="1") as bot:
        await bot.send(HONDA)
        (photo,) = bot.request.sent("sendPhoto")
        assert "Honda Accord" in photo["caption"]
        assert len(photo["caption"]) <= 1024
        bot.request.failures["sendPhoto"] = "Bad Request: wrong file identifier/HTTP URL specified"
        await bot.send(HONDA)
        assert "Honda Accord" in bot.request.sent()[-1]["text"]


async def test_photo_of_a_vin_plate_is_read_and_decoded(bot: BotHarness) -> None:
    """A photo without caption is downloaded, sent to OCR as bytes, and the VIN decoded."""
    bot.extras.reader.result = OcrResult(
        vin=HONDA, confidence=0.97, candidates=(OcrCandidate(HONDA, 0.97),)
    )
    await bot.feed({"message": photo_message(bot)})
    assert bot.request.sent("getFile")[-1]["file_id"] == "big"
    assert bot.extras.reader.images == [bot.request.file_bytes]
    texts = bot.replies()
    assert "I read <code>1HGCM82633A004352</code>" in texts[-2]
    assert "Honda Accord" in texts[-1]


async def test_an_album_is_read_once_not_once_per_photo(bot: BotHarness) -> None:
    """Ten photos sent as one album: one paid OCR read, not ten."""
    bot.extras.reader.result = OcrResult(
        vin=HONDA, confidence=0.97, candidates=(OcrCandidate(HONDA, 0.97),)
    )
    for _ in range(10):
        album_photo = photo_message(bot)
        album_photo["media_group_id"] = "13579"
        await bot.feed({"message": album_photo})

    assert len(bot.extras.reader.images) == 1


async def test_photo_reads_are_flood_guarded(tmp_path: Path) -> None:
    """A read counts like a decode (and the decode of what it read counts too): past
    USER_DECODES_PER_MINUTE the user is told to wait."""
    async with make_bot(tmp_path, USER_DECODES_PER_MINUTE="4") as bot:
        for _ in range(5):
            await bot.feed({"message": photo_message(bot)})

    assert len(bot.extras.reader.images) == 2
    assert any("Please wait" in text for text in bot.replies())


async def test_unsure_ocr_offers_candidates(bot: BotHarness) -> None:
    """A low-confidence reading offers the candidates as buttons that decode when pressed."""
    bot.extras.reader.result = OcrResult(
        vin=HONDA,
        confidence=0.4,
        candidates=(OcrCandidate(HONDA, 0.4), OcrCandidate(BMW, 0.3)),
    )
    await bot.feed({"message": photo_message(bot)})
    choice = bot.request.sent()[-1]
    assert "Which of these" in choice["text"]
    await bot.press(buttons(choice)[0]["callback_data"])
    assert "Honda Accord" in bot.replies()[-1]


async def test_oversized_photo_is_refused_before_download(bot: BotHarness) -> None:
    """An image over the size limit is refused without downloading or a paid call."""
    await bot.feed({"message": photo_message(bot, size=50_000_000)})
    assert "over 5 MB" in bot.replies()[-1]
    assert bot.request.sent("getFile") == []
    assert bot.extras.reader.images == []


async def test_plate_lookup_then_decode(bot: BotHarness) -> None:
    """/plate finds the VIN and decodes it; bad states and missing args get the usage."""
    await bot.send("/plate 7ABC123 CA")
    texts = bot.replies()
    assert "belongs to VIN" in texts[-2]
    assert "Honda Accord" in texts[-1]
    await bot.send("/plate 7ABC123 XX")
    assert "/plate PLATE STATE" in bot.replies()[-1]
    await bot.send("/plate")
    assert "/plate PLATE STATE" in bot.replies()[-1]
    assert bot.extras.plates.calls == [("7ABC123", "CA", "US")]


async def test_user_text_quoted_in_an_error_is_escaped(bot: BotHarness) -> None:
    """A state like <x> comes back escaped, as HTML Telegram accepts."""
    await bot.send("/plate 7ABC123 <x>")

    reply = bot.replies()[-1]
    assert "&lt;X&gt;" in reply
    parse_html(reply)


async def test_a_plate_region_carsxe_does_not_cover_is_explained(bot: BotHarness) -> None:
    bot.extras.plates.error = PlateRegionRejected(
        "carsxe", country="DE", state="B", paid_call_made=True
    )

    await bot.send("/plate ABC123 B DE")

    assert bot.replies()[-1] == plate_region_rejected(words_in("en"))


async def test_a_reply_telegram_refuses_is_followed_by_a_plain_apology(bot: BotHarness) -> None:
    """Telegram refusing the HTML answer (a BadRequest) still leaves the user an apology."""
    bot.request.html_failure = "Bad Request: can't parse entities"

    await bot.send("1HGCM82633A004352")

    apology = bot.request.sent("sendMessage")[-1]
    assert apology["text"] == messages.something_went_wrong(words_in("en"))
    assert apology.get("parse_mode") is None


async def inline(bot: BotHarness, query: str) -> list[dict[str, Any]]:
    await bot.feed(
        {
            "inline_query": {
                "id": str(time.time_ns()),
                "from": {"id": USER, "is_bot": False, "first_name": "U"},
                "query": query,
                "offset": "",
            }
        }
    )
    results = bot.request.sent("answerInlineQuery")[-1]["results"]
    return json.loads(results) if isinstance(results, str) else results


async def test_inline_mode_decodes_and_explains(bot: BotHarness) -> None:
    """An inline VIN gives one article titled with the car; bad text gives one explanation."""
    (article,) = await inline(bot, HONDA.lower())
    assert article["title"] == "2003 Honda Accord EX"
    assert "Honda Accord" in article["input_message_content"]["message_text"]
    (explanation,) = await inline(bot, "1HGCM82633AOO4352")
    assert explanation["title"].startswith("Not a valid VIN")
    assert "1HGCM82633A004352" in explanation["description"]


async def test_an_image_file_without_a_size_is_refused_by_getfile_before_download(
    bot: BotHarness,
) -> None:
    """An image file whose message gives no size is refused on getFile's size: never
    downloaded, never read."""
    bot.request.file_bytes = b"\x89PNG" + bytes(6_000_000)
    document = {"file_id": "doc", "file_unique_id": "d", "mime_type": "image/png"}
    await bot.feed({"message": bot.message(document=document)})
    assert "please send one under 5 MB" in bot.replies()[-1]
    assert [c for c in bot.request.calls if c.method == "download"] == []
    assert bot.extras.reader.images == []


async def test_value_buttons_go_through_the_signed_codec(bot: BotHarness) -> None:
    """/value's Skip and condition buttons decode through the bot's codec; forged or altered
    data is refused as expired and spends nothing."""
    codec = bot.services.callbacks
    await bot.send(f"/value {BMW}")
    await bot.send("85k")
    skip = buttons(bot.request.sent()[-1])[0]["callback_data"]
    decoded = codec.decode(skip)
    assert decoded is not None
    assert decoded.action is CallbackAction.VALUE_STATE

    for forged in ("mv:state:skip", skip[:-1] + ("A" if skip[-1] != "A" else "B")):
        await bot.press(forged)
        assert bot.request.sent("answerCallbackQuery")[-1]["text"] == messages.BUTTON_EXPIRED
        assert "condition" not in bot.replies()[-1]

    await bot.press(skip)
    assert "condition" in bot.replies()[-1]
    conditions = buttons(bot.request.sent()[-1])
    clean = next(b["callback_data"] for b in conditions if b["text"] == "Clean")
    decoded = codec.decode(clean)
    assert decoded is not None
    assert decoded.action is CallbackAction.VALUE_CONDITION
    assert decoded.payload == "clean"

    await bot.press("mv:cond:clean")
    await bot.press(CallbackCodec(b"not the bot's secret").encode(decoded.action, "clean"))
    assert bot.extras.values.calls == []
    await bot.press(clean)
    assert bot.extras.values.calls == [(BMW, 85_000, None, "clean")]


async def test_value_speaks_the_askers_language(bot: BotHarness) -> None:
    """A Russian user's valuation is written the Russian way (85 000 miles, 26 400 $)."""

    async def send_in_russian(text: str) -> None:
        message = bot.message(text)
        message["from"]["language_code"] = "ru"
        await bot.feed({"message": message})

    await send_in_russian(f"/value {BMW}")
    await send_in_russian("85k")
    await send_in_russian("CA")
    await send_in_russian("clean")
    text = bot.replies()[-1]
    assert "85\xa0000" in text
    assert "10\xa0400\xa0$" in text
    assert bot.extras.values.calls == [(BMW, 85_000, "CA", "clean")]
