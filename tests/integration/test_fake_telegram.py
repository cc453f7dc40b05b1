"""The fake Telegram Bot API, driven by python-telegram-bot itself over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.telegram import parse_html
from tests.fakes.telegram_server import FakeTelegram

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    type PollingApp = Application[Any, Any, Any, Any, Any, Any]

TOKEN = "123456:TEST-token-for-the-fake-telegram"
USER = 4242
REPO_ROOT = Path(__file__).resolve().parents[2]
# A long poll the fake holds far longer than a loaded machine could take to end it early, and
# the bound on that early end: "early" is shown by the gap between them, never by a stopwatch.
LONG_POLL = 100
EARLY = 50
MULTIPART_PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
        yield client


@pytest.fixture
async def raw(tg: FakeTelegram) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=tg.url) as client:
        yield client


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the text back in bold, with a button."""
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("again", callback_data="again")]])
    await update.effective_message.reply_html(
        f"<b>{update.effective_message.text}</b>", reply_markup=keyboard, do_quote=True
    )


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the button and edit its message."""
    query = update.callback_query
    assert query is not None
    await query.answer("done")
    await query.edit_message_text(f"pressed {query.data}")


@pytest.fixture
async def polling_app(tg: FakeTelegram) -> AsyncIterator[PollingApp]:
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=dt.timedelta(seconds=2))
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def test_get_me_describes_the_bot(bot: Bot, tg: FakeTelegram) -> None:
    """getMe returns a bot User with the username and capability flags PTB reads."""
    me = await bot.get_me()

    assert me.is_bot
    assert me.id == 123456
    assert me.username == "vin_test_bot"
    assert me.can_join_groups is True
    assert me.supports_inline_queries is True
    assert bot.username == "vin_test_bot"
    assert [r.method for r in tg.requests] == ["getMe", "getMe"]


async def test_wrong_token_is_unauthorized(tg: FakeTelegram, raw: httpx.AsyncClient) -> None:
    """A well-formed but wrong token gets Telegram's 401 Unauthorized, raised as InvalidToken."""
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with Bot("654321:wrong-token", base_url=tg.base_url):
            pass
    response = await raw.post("/bot654321:wrong-token/getMe")

    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert tg.requests == []


async def test_unknown_method_is_not_found(raw: httpx.AsyncClient) -> None:
    """An unknown method answers 404 with Telegram's exact body, and names are case-insensitive."""
    missing = await raw.post(f"/bot{TOKEN}/sendTelepathy", data={"chat_id": "1"})
    lowercase = await raw.get(f"/bot{TOKEN}/getme")

    assert missing.status_code == 404
    assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert lowercase.json()["result"]["username"] == "vin_test_bot"


async def test_send_and_edit_html_message(bot: Bot, tg: FakeTelegram) -> None:
    """HTML is parsed into entities, inline keyboards echo back and an edit replaces the text."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Recalls", callback_data="r:1")]])

    sent = await bot.send_message(
        USER,
        "<b>VIN</b> 1HGCM82633A004352 &amp; more",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
    )
    edited = await bot.edit_message_text(
        "<i>decoded</i>", chat_id=USER, message_id=sent.message_id, parse_mode=ParseMode.HTML
    )

    assert sent.text == "VIN 1HGCM82633A004352 & more"
    assert sent.text_html == "<b>VIN</b> 1HGCM82633A004352 &amp; more"
    assert sent.reply_markup == keyboard
    assert sent.from_user is not None
    assert sent.from_user.is_bot
    assert sent.chat.type == "private"
    assert isinstance(edited, type(sent))
    assert edited.text == "decoded"
    assert edited.edit_date is not None
    assert edited.reply_markup is None
    assert [m["text"] for m in tg.sent_messages(USER)] == [sent.text, "decoded"]


async def test_message_ids_increase_per_chat(bot: Bot) -> None:
    """Each chat has its own message_id sequence."""
    first = await bot.send_message(1, "a")
    second = await bot.send_message(1, "b")
    other = await bot.send_message(2, "c")

    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)


async def test_unbalanced_html_is_rejected(bot: Bot, tg: FakeTelegram) -> None:
    """An unclosed tag is a 400 "can't parse entities" with Telegram's wording."""
    with pytest.raises(BadRequest) as raised:
        await bot.send_message(USER, "<b>VIN", parse_mode=ParseMode.HTML)

    description = tg.calls("sendMessage")[0].response["description"]
    assert description == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    assert str(raised.value) == description.removeprefix("Bad Request: ").capitalize()
    assert tg.sent_messages() == []


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("AT&T", 'Character "&" must be escaped as "&amp;" at byte offset 2'),
        ("é<x>", 'Unsupported start tag "x" at byte offset 2'),
    ],
)
async def test_invalid_html_errors(bot: Bot, tg: FakeTelegram, html: str, error: str) -> None:
    """Each kind of malformed HTML fails with its own Telegram error and UTF-8 byte offset."""
    with pytest.raises(BadRequest):
        await bot.send_message(USER, html, parse_mode=ParseMode.HTML)

    response = tg.calls("sendMessage")[0].response
    assert response["error_code"] == 400
    assert response["description"] == f"Bad Request: can't parse entities: {error}"


def test_supported_html_parses_to_entities() -> None:
    """Every supported tag and entity reference parses, with offsets in UTF-16 code units."""
    text, entities = parse_html(
        "🚗 <b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        '<strike>k</strike><del>d</del><span class="tg-spoiler">p</span><tg-spoiler>q</tg-spoiler>'
        '<a href="https://vpic.nhtsa.dot.gov/?a=1&amp;b=2">l</a><code>c</code>'
        '<pre><code class="language-python">x</code></pre><blockquote>z</blockquote>'
        "<blockquote expandable>y</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;&gt;&amp;&quot;&#39;&#x41;'
    )

    assert text == "🚗 bsieunskdpqlcxzy👍 <>&\"'A"
    kinds = [(e["type"], e["offset"], e["length"]) for e in entities]
    assert kinds[:3] == [("bold", 3, 1), ("bold", 4, 1), ("italic", 5, 1)]
    assert ("text_link", 14, 1) in kinds
    assert ("expandable_blockquote", 18, 1) in kinds
    assert ("custom_emoji", 19, 2) in kinds
    assert {"type": "pre", "offset": 16, "length": 1, "language": "python"} in entities
    assert {
        "type": "text_link",
        "offset": 14,
        "length": 1,
        "url": "https://vpic.nhtsa.dot.gov/?a=1&b=2",
    } in entities


async def test_text_limits(bot: Bot, tg: FakeTelegram) -> None:
    """Texts over 4096 UTF-16 units after parsing are too long; empty texts are empty."""
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    await bot.send_message(USER, "🚗" * 2048)
    with pytest.raises(BadRequest, match=r"^Message is too long$"):
        await bot.send_message(USER, "🚗" * 2049)
    with pytest.raises(BadRequest, match=r"^Message text is empty$"):
        await bot.send_message(USER, "<b> </b>", parse_mode=ParseMode.HTML)

    failures = [r.response["description"] for r in tg.calls("sendMessage") if not r.ok]
    assert failures == ["Bad Request: message is too long", "Bad Request: message text is empty"]


async def test_long_caption_is_rejected(bot: Bot) -> None:
    """A caption over 1024 characters fails like Telegram's."""
    with pytest.raises(BadRequest, match=r"^Message caption is too long$"):
        await bot.send_photo(USER, "https://example.test/car.jpg", caption="c" * 1025)


async def test_callback_data_over_64_bytes_is_rejected(bot: Bot) -> None:
    """callback_data longer than 64 bytes is BUTTON_DATA_INVALID."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])

    with pytest.raises(BadRequest, match=r"^Button_data_invalid$"):
        await bot.send_message(USER, "pick", reply_markup=keyboard)


async def test_identical_edit_is_not_modified(bot: Bot, tg: FakeTelegram) -> None:
    """Editing a message to the same text and markup is "message is not modified"."""
    sent = await bot.send_message(USER, "same")

    with pytest.raises(BadRequest, match=r"^Message is not modified: specified new message"):
        await bot.edit_message_text("same", chat_id=USER, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await bot.edit_message_text("x", chat_id=USER, message_id=99)
    assert await bot.delete_message(USER, sent.message_id)
    with pytest.raises(BadRequest, match=r"^Message to delete not found$"):
        await bot.delete_message(USER, sent.message_id)
    assert tg.chat_history(USER) == []


async def test_rate_limit_raises_retry_after(
    bot: Bot, tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An injected 429 carries retry_after and surfaces as RetryAfter, then calls succeed again."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    tg.fail_next("sendMessage", status=429, retry_after=3)

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(USER, "hi")
    await bot.send_message(USER, "hi")

    assert raised.value.retry_after == dt.timedelta(seconds=3)
    assert tg.calls("sendMessage")[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }


async def test_injected_failures_map_to_ptb_errors(bot: Bot, tg: FakeTelegram) -> None:
    """5xx, a blocked user and a chat-specific failure surface as PTB's matching exceptions."""
    tg.fail_next("sendMessage", status=502)
    tg.block_chat(7)
    tg.fail_always("sendChatAction", status=500, chat_id=8)

    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(USER, "x")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(7, "x")
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_chat_action(8, "typing")
    assert await bot.send_chat_action(9, "typing")
    tg.clear_failures()
    assert await bot.send_chat_action(8, "typing")


async def test_get_updates_conflict_until_cleared(bot: Bot, tg: FakeTelegram) -> None:
    """getUpdates can be made to fail with 409 Conflict continuously until cleared."""
    tg.fail_always("getUpdates", status=409)

    for _ in range(3):
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await bot.get_updates(timeout=0)
    tg.clear_failures("getUpdates")

    assert await bot.get_updates(timeout=0) == ()
    assert tg.last_get_updates_at is not None


async def test_second_poller_and_webhook_conflict(bot: Bot, tg: FakeTelegram) -> None:
    """A newer getUpdates ends the held one with 409, and an active webhook forbids polling."""
    first = asyncio.create_task(bot.get_updates(timeout=LONG_POLL))
    await tg.wait_polling()
    async with Bot(TOKEN, base_url=tg.base_url) as other_instance:
        assert await other_instance.get_updates(timeout=0) == ()

    with pytest.raises(Conflict, match="make sure that only one bot instance is running"):
        await asyncio.wait_for(first, timeout=EARLY)
    await bot.set_webhook("https://vinbot.example.test/hook")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates(timeout=0)
    assert (await bot.get_webhook_info()).url == "https://vinbot.example.test/hook"
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


async def test_long_poll_returns_early_and_confirms_offsets(bot: Bot, tg: FakeTelegram) -> None:
    """A long poll wakes as soon as an update arrives; offsets confirm updates so none repeat."""
    poll = asyncio.create_task(bot.get_updates(timeout=LONG_POLL))
    await tg.wait_polling()
    first_id = tg.send_text(USER, "first")

    first = await asyncio.wait_for(poll, timeout=EARLY)
    tg.send_text(USER, "second")
    tg.send_text(USER, "third")
    limited = await bot.get_updates(offset=first[0].update_id + 1, limit=1, timeout=0)
    rest = await bot.get_updates(offset=limited[0].update_id + 1, timeout=0)
    again = await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0)

    assert [u.update_id for u in first] == [first_id]
    assert [u.message.text for u in (*first, *limited, *rest) if u.message] == [
        "first",
        "second",
        "third",
    ]
    assert again == ()
    assert tg.pending_updates == []


async def test_allowed_updates_filter_new_updates(bot: Bot, tg: FakeTelegram) -> None:
    """Once the bot asks only for callback queries, new text messages are not delivered."""
    await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    sent = await bot.send_message(
        USER,
        "menu",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data="go")]]),
    )
    tg.send_text(USER, "ignored")
    tg.press_button(USER, sent.to_dict(), "go")

    updates = await bot.get_updates(timeout=0)

    assert [u.callback_query.data for u in updates if u.callback_query] == ["go"]
    assert len(updates) == 1


async def test_application_echoes_and_round_trips_a_button(
    polling_app: PollingApp, tg: FakeTelegram
) -> None:
    """A polling Application receives injected updates in order, replies, and handles a press."""
    await tg.wait_polling()
    for text in ("one", "two", "three"):
        tg.send_text(USER, text)

    replies = [await tg.wait_for_message(USER) for _ in range(3)]
    tg.press_button(USER, replies[0], "again")
    answer = await tg.wait_for("answerCallbackQuery")
    edited = await tg.wait_for_message(USER)
    await tg.wait_confirmed()

    assert [m["text"] for m in replies] == ["one", "two", "three"]
    assert replies[0]["entities"] == [{"type": "bold", "offset": 0, "length": 3}]
    assert replies[0]["reply_to_message"]["text"] == "one"
    assert answer.params["text"] == "done"
    assert edited["text"] == "pressed again"
    assert edited["message_id"] == replies[0]["message_id"]
    delivered = [u for r in tg.calls("getUpdates") if r.ok for u in r.response["result"]]
    assert len({u["update_id"] for u in delivered}) == len(delivered) == 4
    timings = tg.timings()
    assert all(t.latency is not None and t.latency >= 0 for t in timings)


async def test_wait_for_failure_lists_received_requests(tg: FakeTelegram, bot: Bot) -> None:
    """wait_for raises an AssertionError that lists what the fake did receive."""
    await bot.send_message(USER, "hello")

    with pytest.raises(AssertionError, match=r"sendPhoto request[\s\S]*sendMessage\(chat_id=4242"):
        await tg.wait_for("sendPhoto", timeout=0.05)


async def test_get_file_and_download(bot: Bot, tg: FakeTelegram) -> None:
    """getFile describes a registered file and the file URL serves its bytes."""
    file_id = tg.add_file("BQACAgIAAxkBAAIfake", b"VIN-PDF-BYTES")

    described = await bot.get_file(file_id)
    data = await described.download_as_bytearray()

    assert described.file_size == len(b"VIN-PDF-BYTES")
    assert described.file_path is not None
    assert described.file_path.startswith(f"{tg.base_file_url}{TOKEN}/")
    assert bytes(data) == b"VIN-PDF-BYTES"
    with pytest.raises(BadRequest, match=r"^Invalid file_id$"):
        await bot.get_file("nope")


async def test_user_photo_is_downloadable(bot: Bot, tg: FakeTelegram) -> None:
    """A photo a user sends arrives with sizes and a caption, and its largest size downloads."""
    tg.send_photo(USER, "VIN 1HGCM82633A004352", data=b"jpeg-bytes")

    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None
    photo = update.message.photo[-1]
    file = await photo.get_file()

    assert update.message.caption == "VIN 1HGCM82633A004352"
    assert len(update.message.photo) == 4
    assert bytes(await file.download_as_bytearray()) == b"jpeg-bytes"


async def test_multipart_send_photo(bot: Bot, tg: FakeTelegram) -> None:
    """sendPhoto with an uploaded file is parsed from multipart and the bytes are kept."""
    message = await bot.send_photo(
        USER,
        InputFile(MULTIPART_PHOTO, filename="car.jpg"),
        caption="<b>car</b>",
        parse_mode=ParseMode.HTML,
    )

    request = tg.calls("sendPhoto")[0]
    assert request.files["photo"].data == MULTIPART_PHOTO
    assert request.files["photo"].filename == "car.jpg"
    assert message.caption == "car"
    assert message.caption_entities[0].type == "bold"
    largest = await bot.get_file(message.photo[-1].file_id)
    assert bytes(await largest.download_as_bytearray()) == MULTIPART_PHOTO


async def test_send_photo_url_failure(bot: Bot, tg: FakeTelegram) -> None:
    """A photo URL set to fail gives Telegram's "wrong file identifier/HTTP URL specified"."""
    tg.fail_photo_url("https://cdn.example.test/broken.jpg")

    with pytest.raises(BadRequest, match=r"^Wrong file identifier/http url specified$"):
        await bot.send_photo(USER, "https://cdn.example.test/broken.jpg")
    message = await bot.send_photo(USER, "https://cdn.example.test/fine.jpg")

    assert message.photo
    assert [m.get("photo") is not None for m in tg.sent_messages(USER)] == [True]


async def test_commands_round_trip(bot: Bot) -> None:
    """setMyCommands stores commands per scope that getMyCommands returns; bad names fail."""
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("vin", "Decode a VIN")])

    assert [c.command for c in await bot.get_my_commands()] == ["start", "vin"]
    with pytest.raises(BadRequest, match=r"^Bot_command_invalid$"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_commands_and_descriptions_per_language_and_scope(bot: Bot, tg: FakeTelegram) -> None:
    """Commands are kept per scope and two-letter language; descriptions per language within
    Telegram's 512 and 120 characters; a longer language code or text is refused."""
    await bot.set_my_commands([BotCommand("vin", "VIN")], language_code="ru")
    await bot.set_my_commands(
        [BotCommand("stats", "Stats")], scope=BotCommandScopeChat(7), language_code="ru"
    )
    await bot.set_my_description("x" * 512, language_code="ru")
    await bot.set_my_short_description("Kurz")

    assert [c.command for c in await bot.get_my_commands(language_code="ru")] == ["vin"]
    assert await bot.get_my_commands() == ()
    chat = await bot.get_my_commands(scope=BotCommandScopeChat(7), language_code="ru")
    assert [c.command for c in chat] == ["stats"]
    assert (await bot.get_my_description(language_code="ru")).description == "x" * 512
    assert (await bot.get_my_short_description(language_code="de")).short_description == "Kurz"
    with pytest.raises(BadRequest, match=r"(?i)language code"):
        await bot.set_my_commands([BotCommand("vin", "VIN")], language_code="pt_BR")
    with pytest.raises(BadRequest, match="too long"):
        await bot.set_my_description("x" * 513)
    with pytest.raises(BadRequest, match="too long"):
        await bot.set_my_short_description("x" * 121, language_code="uk")
    assert ('{"chat_id": 7, "type": "chat"}', "ru") in tg.api.commands


async def test_update_builders_produce_valid_ptb_updates(bot: Bot, tg: FakeTelegram) -> None:
    """Every injected update kind de-serialises in PTB with the fields handlers rely on."""
    tg.send_text(USER, "/start")
    tg.send_text(USER, "hi", chat_type="group", mention_bot=True)
    sent = await bot.send_message(-100777, "group reply")
    tg.send_text(USER, "re", chat_id=-100777, chat_type="supergroup", reply_to_bot=True)
    tg.edit_text(USER, 1, "/start again")
    tg.channel_post(-1001234567890, "post")
    tg.send_document(USER, caption="papers")
    tg.send_sticker(USER)
    tg.send_voice(USER)
    tg.inline_query(USER, "1HGCM82633A004352")

    updates = await bot.get_updates(timeout=0)

    command, mention, reply, edited, post, document, sticker, voice, inline = updates
    assert command.message is not None
    assert command.message.entities[0].type == "bot_command"
    assert mention.message is not None
    assert mention.message.chat.type == "group"
    assert mention.message.text == "@vin_test_bot hi"
    assert mention.message.entities[0].type == "mention"
    assert reply.message is not None
    assert reply.message.chat.type == "supergroup"
    assert reply.message.reply_to_message is not None
    assert reply.message.reply_to_message.message_id == sent.message_id
    assert edited.edited_message is not None
    assert edited.edited_message.text == "/start again"
    assert post.channel_post is not None
    assert post.channel_post.sender_chat is not None
    assert document.message is not None
    assert document.message.document is not None
    assert document.message.caption == "papers"
    assert sticker.message is not None
    assert sticker.message.sticker is not None
    assert voice.message is not None
    assert voice.message.voice is not None
    assert inline.inline_query is not None
    assert await inline.inline_query.answer([]) is True


@pytest.mark.slow
def test_standalone_server_serves_and_is_controllable() -> None:
    """The standalone server prints its port, obeys /_control/ and exits cleanly on SIGTERM."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.telegram_server", "--port", "0", "--token", TOKEN],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("PORT=")
        base = f"http://127.0.0.1:{line.removeprefix('PORT=')}"
        with httpx.Client(base_url=base) as client:
            offered = client.post(
                "/_control/updates",
                json={"updates": [{"kind": "text", "user_id": 5, "text": "hi"}]},
            ).json()
            updates = client.post(f"/bot{TOKEN}/getUpdates", data={"timeout": "0"}).json()
            client.post(f"/bot{TOKEN}/sendMessage", data={"chat_id": "5", "text": "hello"})
            recorded = client.get("/_control/requests", params={"method": "sendMessage"}).json()
            timings = client.get("/_control/timings").json()["timings"]
    finally:
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()

    assert [u["update_id"] for u in updates["result"]] == offered["update_ids"]
    assert recorded["requests"][0]["params"] == {"chat_id": 5, "text": "hello"}
    assert timings[0]["latency"] is not None
    assert returncode == 0
