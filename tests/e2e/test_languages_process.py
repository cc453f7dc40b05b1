"""Readers in other languages, end to end: the real bot answers in the reader's language."""

from __future__ import annotations

import html
import re
from functools import cache

import pytest
from babel.messages.pofile import read_po

from tests.e2e.harness import World, buttons, in_chat
from tests.fakes.telegram.state import RecordedRequest
from vinbot.i18n import LANGUAGES, words_in
from vinbot.i18n.catalogs import po_path

pytestmark = pytest.mark.slow

BMW = "WBAFR7C57CC811956"
BAD_CHECK_DIGIT = "1HGCM82633A004353"
USER = 8101
_PLACEHOLDER_OR_TAG = re.compile(r"\{[A-Za-z_]+\}|<[^>]+>|\n")


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _fragments(text: str, shortest: int) -> list[str]:
    pieces = (_plain(piece).strip(" .,:;—-•") for piece in _PLACEHOLDER_OR_TAG.split(text))
    return [piece for piece in pieces if len(piece) >= shortest]


@cache
def _messages_of(source_file: str, language: str) -> list[tuple[str, list[str]]]:
    """(English source, translations) of every message a formatter module says."""
    with po_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    found = []
    for message in catalog:
        if not message.id or not any(path.endswith(source_file) for path, _ in message.locations):
            continue
        english = message.id if isinstance(message.id, str) else message.id[-1]
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        found.append((english, strings))
    return found


def speaks(reply: str, language: str, source_file: str) -> bool:
    """Whether the reply holds a translated sentence from the formatter module, and none of its
    English ones."""
    plain = _plain(reply)
    translated = english = False
    for source, strings in _messages_of(source_file, language):
        english |= any(piece in plain for piece in _fragments(source, 20))
        translated |= any(piece in plain for text in strings for piece in _fragments(text, 10))
    return translated and not english


async def _next_text(world: World, chat_id: int = USER) -> RecordedRequest:
    return await world.telegram.wait_for("sendMessage", in_chat(chat_id))


@pytest.mark.parametrize("telegram_language", ["ru", "ar", "pt-br"])
async def test_a_reader_gets_the_decode_recalls_and_an_invalid_vin_in_their_language(
    world: World, telegram_language: str
) -> None:
    """A user whose Telegram speaks Russian, Arabic or Brazilian Portuguese gets the decode (its
    labels and buttons), the recall answer and an invalid-VIN explanation in that language."""
    language = {"ru": "ru", "ar": "ar", "pt-br": "pt_BR"}[telegram_language]
    words = words_in(language)
    world.telegram.add_user(USER, language_code=telegram_language)
    await world.start_bot()

    world.telegram.send_text(USER, BMW)
    decode = await _next_text(world)
    text = decode.params["text"]
    assert words.pt("field", "Engine") in text
    assert "Engine:" not in _plain(text)
    labels = [button["text"] for button in buttons(decode)]
    recalls_label = words.pt("button", "🔔 Recalls")
    assert recalls_label in labels
    assert words.pt("button", "📋 Full specs") in labels

    recalls = next(button for button in buttons(decode) if button["text"] == recalls_label)
    world.telegram.press_button(USER, decode, recalls["callback_data"])
    recall_answer = await _next_text(world)
    assert speaks(recall_answer.params["text"], language, "formatters/recalls.py")

    world.telegram.send_text(USER, BAD_CHECK_DIGIT)
    invalid = await _next_text(world)
    assert speaks(invalid.params["text"], language, "formatters/vin_words.py")
    if language == "ar":  # the VIN keeps reading left to right inside the Arabic sentence
        assert "\u2068" in invalid.params["text"]


async def test_settings_switch_the_language_for_the_next_answer(world: World) -> None:
    """An English reader picks Русский in /settings; the page redraws and the next decode is in
    Russian."""
    world.telegram.add_user(USER, language_code="en")
    await world.start_bot()
    world.telegram.send_text(USER, "/settings")
    page = await _next_text(world)
    russian = next(button for button in buttons(page) if button["text"].endswith(LANGUAGES["ru"]))
    world.telegram.press_button(USER, page, russian["callback_data"])
    redrawn = await world.telegram.wait_for("editMessageText", in_chat(USER))
    assert speaks(redrawn.params["text"], "ru", "formatters/settings.py")

    world.telegram.send_text(USER, BMW)
    decode = await _next_text(world)
    assert words_in("ru").pt("field", "Engine") in decode.params["text"]


async def test_menus_and_descriptions_are_set_for_every_language(world: World) -> None:
    """At start the bot sets its command menu, description and short description for every
    language (Telegram's two-letter codes) and the default."""
    await world.start_bot()
    expected = {"", *(code.split("_")[0] for code in LANGUAGES if code != "en")}
    for method in ("setMyCommands", "setMyDescription", "setMyShortDescription"):
        for _ in range(len(expected)):
            await world.telegram.wait_for(method)
        codes = {
            str(call.params.get("language_code") or "") for call in world.telegram.calls(method)
        }
        assert expected <= codes, method
    russian_menu = next(
        call
        for call in world.telegram.calls("setMyCommands")
        if call.params.get("language_code") == "ru" and "scope" not in call.params
    )
    assert "/stats" not in str(russian_menu.params["commands"])
