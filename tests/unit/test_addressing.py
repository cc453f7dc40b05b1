"""Mention stripping over any Unicode: it always ends and removes exactly the bot's mention."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unicode_samples import TRICKY
from vinbot.handlers.addressing import without_mentions

USERNAME = "VinDecoderBot"
tricky_text = st.text(
    alphabet=st.one_of(st.sampled_from(TRICKY), st.characters(), st.sampled_from("@vindecoBT")),
    max_size=40,
)
mention_in_any_case = st.lists(st.booleans(), min_size=len(USERNAME), max_size=len(USERNAME)).map(
    lambda uppers: (
        "@"
        + "".join(c.upper() if up else c.lower() for c, up in zip(USERNAME, uppers, strict=True))
    )
)
not_continuing_a_username = tricky_text.filter(lambda s: not re.match(r"[A-Za-z0-9_]", s))


@pytest.mark.timeout(30)
def test_turkish_capitals_before_the_mention_do_not_hang_and_the_mention_goes() -> None:
    """The text that froze the bot (İ before the mention) comes back at once without the mention."""
    turkish = "\u0130" * 20
    text = f"{turkish}@{USERNAME.lower()}"
    assert without_mentions(text, USERNAME) == f"{turkish} "


@pytest.mark.timeout(60)
@given(prefix=tricky_text, mention=mention_in_any_case, suffix=not_continuing_a_username)
def test_a_mention_between_any_texts_is_replaced_by_one_space(
    prefix: str, mention: str, suffix: str
) -> None:
    """Whatever surrounds it, the mention becomes one space and the rest is stripped on its own."""
    result = without_mentions(prefix + mention + suffix, USERNAME)
    assert result == without_mentions(prefix, USERNAME) + " " + without_mentions(suffix, USERNAME)


@pytest.mark.timeout(60)
@given(
    repeated=st.sampled_from(TRICKY[:10]),
    count=st.integers(min_value=0, max_value=60),
    mention=mention_in_any_case,
    suffix=not_continuing_a_username,
)
def test_runs_of_length_changing_letters_before_the_mention_are_kept(
    repeated: str, count: int, mention: str, suffix: str
) -> None:
    """However many case-shifting letters come first, they stay and only the mention goes."""
    result = without_mentions(repeated * count + mention + suffix, USERNAME)
    assert result == repeated * count + " " + without_mentions(suffix, USERNAME)


@pytest.mark.timeout(60)
@given(text=tricky_text)
def test_stripping_twice_changes_nothing_and_never_grows_the_text(text: str) -> None:
    """No mention is left behind (stripping again is a no-op) and the text never gets longer."""
    once = without_mentions(text, USERNAME)
    assert without_mentions(once, USERNAME) == once
    assert len(once) <= len(text)
    assert re.search(rf"@{USERNAME}(?![A-Za-z0-9_])", once, re.IGNORECASE | re.ASCII) is None


@pytest.mark.timeout(60)
@given(text=tricky_text.filter(lambda s: "@" not in s))
def test_text_without_an_at_sign_is_untouched(text: str) -> None:
    """Only a mention is removed: text with no @ comes back exactly as it was."""
    assert without_mentions(text, USERNAME) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"@{USERNAME}_fan 1HGCM82633A004352", f"@{USERNAME}_fan 1HGCM82633A004352"),
        (f"@{USERNAME}2", f"@{USERNAME}2"),
        ("@vindecoderbot,@VINDECODERBOT", " , "),
        ("@vindecoder\u212aot", "@vindecoder\u212aot"),  # Kelvin sign is not the letter k
        ("1HGCM82633A004352@vindecoderbot", "1HGCM82633A004352 "),
    ],
)
def test_only_the_bots_own_username_in_ascii_is_a_mention(text: str, expected: str) -> None:
    """Longer usernames and look-alike letters are left alone; any ASCII case of ours goes."""
    assert without_mentions(text, USERNAME) == expected


def test_no_username_leaves_the_text_alone() -> None:
    """Before the bot knows its username there is nothing to strip."""
    assert without_mentions("@anything \u0130", None) == "@anything \u0130"
