"""Paragraph direction in right-to-left replies.

Telegram clients give each line (paragraph) the direction of its first strong character, so an
Arabic line that opens with a VIN, a model name or a provider's English is laid out left to right
and aligned to the wrong side. Such lines get a RIGHT-TO-LEFT MARK in front: before any tag, never
inside <code> or <pre> (a tap copies what is inside them, which must stay the VIN alone).
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Final

RIGHT_TO_LEFT_MARK: Final = "\u200f"

_TAG = re.compile(r"<[^<>]*>")
# An isolated run (FSI/LRI/RLI … PDI, as `Words` wraps values) does not count towards the
# direction of its paragraph (Unicode bidi rule P2), so it is left out before looking.
_ISOLATED = re.compile("[\u2066\u2067\u2068][^\u2066\u2067\u2068\u2069]*\u2069")
_VERBATIM_OPEN = re.compile(r"<(?:code|pre)\b[^>]*>")
_VERBATIM_CLOSE = re.compile(r"</(?:code|pre)>")


# Embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): in a name they
# would steer the direction of the bot's own words after it.
_DIRECTION_CONTROLS: Final = dict.fromkeys(
    map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


# Marks (LRM RLM ALM) steer no text after them, but a value opening with one sets the direction
# of the line it starts.
_DIRECTION_FORMATTING: Final = dict.fromkeys(
    [*_DIRECTION_CONTROLS, *map(ord, "\u200e\u200f\u061c")]
)


def without_direction_controls(text: str) -> str:
    """User text (a name) without the characters that change the direction of what follows."""
    return text.translate(_DIRECTION_CONTROLS)


def without_direction_formatting(text: str) -> str:
    """Upstream text without any direction control or mark: the replies set direction themselves
    (the marks `right_to_left_paragraphs` adds come after, and stay)."""
    return text.translate(_DIRECTION_FORMATTING)


def _first_strong_is_right_to_left(line: str) -> bool:
    text = html.unescape(_TAG.sub("", line))
    while _ISOLATED.search(text):
        text = _ISOLATED.sub("", text)
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in {"R", "AL"}:
            return True
        if direction == "L":
            return False
    return False


def right_to_left_paragraphs(text: str) -> str:
    """The HTML text with a RIGHT-TO-LEFT MARK opening each line that would not read RTL."""
    lines = text.split("\n")
    verbatim_depth = 0
    for index, line in enumerate(lines):
        inside_verbatim = verbatim_depth > 0
        verbatim_depth += len(_VERBATIM_OPEN.findall(line)) - len(_VERBATIM_CLOSE.findall(line))
        if inside_verbatim or not line.strip() or _first_strong_is_right_to_left(line):
            continue
        lines[index] = RIGHT_TO_LEFT_MARK + line
    return "\n".join(lines)
