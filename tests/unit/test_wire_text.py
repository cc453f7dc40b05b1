"""Provider strings become display text: invisible and direction characters removed."""

from __future__ import annotations

import pytest

from vinbot.clients.wire import text


@pytest.mark.parametrize(
    "value", ["\u200b", "\ufeff", "\u2060 \u200b", "\u202e\u200b", " n/a\ufeff"]
)
def test_a_value_of_only_invisible_characters_is_missing(value: str) -> None:
    """A value holding nothing visible is missing (None), never a blank-looking field."""
    assert text(value) is None


def test_invisible_characters_inside_a_value_are_removed() -> None:
    """A zero-width space separates words; a byte-order mark or word joiner disappears."""
    assert text("\ufeffSport\u200bLine\u2060 Plus") == "Sport Line Plus"
