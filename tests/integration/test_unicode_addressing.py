"""Group messages, captions and commands with arbitrary Unicode around the bot's mention.

The whole Application handles each update to the end (never a frozen loop) and decodes exactly
the VIN that was sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes.recording_request import BOT_USERNAME
from tests.integration.bot_harness import BotHarness
from tests.integration.test_extras_handlers import HONDA, make_bot
from tests.unicode_samples import TRICKY
from vinbot.models.vin import ascii_forms

GROUP = -100
# No handler takes anywhere near this long; a frozen loop would never finish the update.
UPDATE_BUDGET_SECONDS = 20.0
FREEZE_TEXT = "\u0130" * 30


def reads_as_ascii_alphanumeric(char: str) -> bool:
    """Whether VIN finding reads the character as an ASCII letter or digit (full-width too)."""
    read = ascii_forms(char)
    return read.isascii() and read.isalnum()


# Text that cannot itself hold a VIN: no letters or digits read as ASCII ones.
surrounding = st.text(
    alphabet=st.one_of(
        st.sampled_from(TRICKY),
        st.characters(exclude_categories=("Cs",), exclude_characters="0123456789"),
    ).filter(lambda c: not reads_as_ascii_alphanumeric(c)),
    max_size=40,
)


def utf16_length(text: str) -> int:
    """Telegram counts entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def mentioning(bot: BotHarness, before: str, after: str, field: str = "text") -> dict[str, Any]:
    """A group message (or caption) `before @bot after`, with the mention entity Telegram adds."""
    mention = f"@{BOT_USERNAME}"
    entity = {"type": "mention", "offset": utf16_length(before), "length": len(mention)}
    body = before + mention + after
    if field == "text":
        return bot.message(
            body, user_id=5, chat_id=GROUP, chat_type="supergroup", entities=[entity]
        )
    photo = [{"file_id": "p1", "file_unique_id": "pu1", "width": 90, "height": 90}]
    return bot.message(
        user_id=5,
        chat_id=GROUP,
        chat_type="supergroup",
        photo=photo,
        caption=body,
        caption_entities=[entity],
    )


async def feed_within_budget(bot: BotHarness, message: dict[str, Any]) -> list[str]:
    """Handle one update to the end and return the texts the bot sent for it."""
    before = len(bot.replies())
    async with asyncio.timeout(UPDATE_BUDGET_SECONDS):
        await bot.feed({"message": message})
    return bot.replies()[before:]


def start_bot(tmp_path: Path) -> AbstractAsyncContextManager[BotHarness]:
    """The application over fake providers that know the Honda, with no flood or daily limit."""
    return make_bot(tmp_path, USER_DECODES_PER_MINUTE="0", DAILY_LOOKUPS_PER_USER="0")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with start_bot(tmp_path) as bot:
        yield bot


@pytest.mark.timeout(60)
@pytest.mark.parametrize("field", ["text", "caption"])
async def test_turkish_capitals_before_the_mention_get_the_decode(
    bot: BotHarness, field: str
) -> None:
    """The message that froze the bot (İ before @bot) is answered with the car."""
    replies = await feed_within_budget(bot, mentioning(bot, FREEZE_TEXT, f" {HONDA}", field))
    assert len(replies) == 1
    assert "Honda Accord" in replies[0]


@pytest.mark.timeout(60)
async def test_vin_command_addressed_to_the_bot_with_turkish_text_is_decoded(
    bot: BotHarness,
) -> None:
    """/vin@bot with case-shifting letters around the VIN decodes it."""
    text = f"/vin@{BOT_USERNAME} {FREEZE_TEXT} {HONDA} ß\u1e9e\ufb01"
    command = {"type": "bot_command", "offset": 0, "length": len(f"/vin@{BOT_USERNAME}")}
    message = bot.message(text, user_id=5, chat_id=GROUP, chat_type="supergroup")
    message["entities"] = [command]
    replies = await feed_within_budget(bot, message)
    assert len(replies) == 1
    assert "Honda Accord" in replies[0]


@pytest.fixture(scope="module")
def module_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[asyncio.Runner, Any]]:
    """One running application for every generated example (building one each time is slow)."""
    runner = asyncio.Runner()
    stack = AsyncExitStack()
    harness = runner.run(stack.enter_async_context(start_bot(tmp_path_factory.mktemp("unicode"))))
    try:
        yield runner, harness
    finally:
        runner.run(stack.aclose())
        runner.close()


@pytest.mark.timeout(120)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=surrounding, after=surrounding, field=st.sampled_from(["text", "caption"]))
def test_any_unicode_around_the_mention_decodes_exactly_the_vin(
    module_bot: tuple[asyncio.Runner, BotHarness], before: str, after: str, field: str
) -> None:
    """Whatever Unicode surrounds the mention, the update finishes and the one VIN is decoded."""
    runner, bot = module_bot
    message = mentioning(bot, before, f" {HONDA} {after}", field)
    replies = runner.run(feed_within_budget(bot, message))
    assert len(replies) == 1
    assert "Honda Accord" in replies[0]
