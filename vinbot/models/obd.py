"""OBD-II diagnostic trouble codes (SAE J2012): reading one, finding them in text, what they mean.

A code is a letter for the system (P powertrain, B body, C chassis, U network) and four
characters: a digit 0-3, then three hexadecimal digits (0-9, A-F), e.g. ``P0420``. The code is
two bytes on the wire, which is why the second character never goes above 3.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from vinbot.models.errors import InvalidObdCode
from vinbot.models.vin import normalise

if TYPE_CHECKING:
    from vinbot.models.records import QuotaDecision

CODE_LENGTH: Final = 5
# The first letter names the system: P powertrain, B body, C chassis, U network (formatters/obd
# words them).
SYSTEMS: Final = frozenset("PBCU")
_HEX: Final = frozenset("0123456789ABCDEF")
_CODE: Final = re.compile(r"[PBCU][0-3][0-9A-F]{3}")
# A code standing on its own in text: no letter, digit or underscore touches it.
_CODE_IN_TEXT: Final = re.compile(r"(?<![^\W_])[PBCUpbcu][0-3][0-9A-Fa-f]{3}(?![^\W_])")
# Words that say a message is about trouble codes; a code-shaped word without one nearby is
# more likely a model name (a Chevy C1500, a Mazda B2300) than a code.
_TRIGGER: Final = re.compile(
    r"(?<![^\W_])(?:codes?|obd(?:-?ii|2)?|check[\s-]*engine|cel|dtcs?|faults?|errors?|mil"
    r"|engine[\s-]+light)(?![^\W_])",
    re.IGNORECASE,
)
TRIGGER_REACH: Final = 40  # characters between a trigger word and a code it vouches for
# What may stand between codes in a list ("P0301, P0302 and P0303") or fill a codes-only message.
_BETWEEN_CODES: Final = re.compile(r"(?:[\s,;/&.!?:+-]|\band\b)*", re.IGNORECASE)
_LOOKALIKES: Final = str.maketrans("OIL", "011")  # letters typed for digits
EXAMPLE: Final = "P0420"
_SHOWN_LENGTH: Final = 12  # a longer (or non-ASCII) text is called "that code", not quoted

type ObdCodeReason = Literal["empty", "first_letter", "length", "second_char", "bad_char"]


@dataclass(frozen=True, slots=True)
class ObdCodeProblem:
    """What is wrong with text that should be an OBD-II code (formatters/obd words it).

    `shown` is the text as typed when short and plain enough to quote, else None; `char` the
    offending character (first_letter, second_char, bad_char); `length` the text's length
    (length); `suggestion` the code meant when letters were typed for digits ("PO420").
    """

    reason: ObdCodeReason
    shown: str | None = None
    char: str | None = None
    length: int = 0
    suggestion: str | None = None


@dataclass(frozen=True, slots=True)
class ObdDiagnosis:
    """What a trouble code means, as a provider words it."""

    code: str  # normalised, e.g. "P0420"
    diagnosis: str


def is_obd_code(text: str) -> bool:
    """Whether text is a normalised OBD-II code (upper case, no spaces)."""
    return _CODE.fullmatch(text) is not None


def parse_obd_code(raw: str) -> str:
    """The normalised code (upper case; spaces, dashes and invisible characters removed, as in a
    VIN); raises InvalidObdCode carrying an ObdCodeProblem when it is not one."""
    code = normalise(unicodedata.normalize("NFKC", raw))
    if is_obd_code(code):
        return code
    fixed = code[:1] + code[1:].translate(_LOOKALIKES)
    raise InvalidObdCode(problem_of(code, suggestion=fixed if is_obd_code(fixed) else None))


def problem_of(code: str, *, suggestion: str | None = None) -> ObdCodeProblem:
    """What is wrong with a normalised text that is not a code."""
    if not code:
        return ObdCodeProblem("empty", suggestion=suggestion)
    shown = code if len(code) <= _SHOWN_LENGTH and code.isascii() else None
    if code[0] not in SYSTEMS:
        return ObdCodeProblem("first_letter", shown, code[0], suggestion=suggestion)
    if len(code) != CODE_LENGTH:
        return ObdCodeProblem("length", shown, length=len(code), suggestion=suggestion)
    if code[1] not in "0123":
        return ObdCodeProblem("second_char", shown, code[1], suggestion=suggestion)
    wrong = next(char for char in code[2:] if char not in _HEX)
    return ObdCodeProblem("bad_char", shown, wrong, suggestion=suggestion)


def find_obd_codes(text: str, *, vins: tuple[str, ...] | list[str] = ()) -> list[str]:
    """Every OBD-II code standing on its own in free text, normalised, in order, no repeats.

    A code-shaped piece of one of `vins` (the VINs found in the same text, say one written
    with spaces) is part of the VIN, not a code.
    """
    matches = _codes_in(unicodedata.normalize("NFKC", text), vins)
    return list(dict.fromkeys(match.group().upper() for match in matches))


def find_obd_codes_in_message(text: str, *, vins: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The codes a plain message asks about: like find_obd_codes, but a code counts only with
    a trigger word near it ("check engine light P0301", "got code P0420", "P0420 code"), in a
    list with such a code ("codes P0301, P0302"), or in a message of nothing but codes
    ("P0301 P0302"). A trigger vouches for the nearest code only: in "Mazda B2300 pickup, code
    P0420" only P0420 is a code.

    "1995 Chevy C1500" or "Mazda B2300 pickup" names a model, not a code: explaining it would
    spend a paid lookup on an unrelated meaning.
    """
    text = unicodedata.normalize("NFKC", text)
    matches = _codes_in(text, vins)
    if not matches:
        return []
    gaps = [text[: matches[0].start()]]
    gaps += [text[a.end() : b.start()] for a, b in itertools.pairwise(matches)]
    gaps.append(text[matches[-1].end() :])
    if all(_listed(gap) for gap in gaps):
        return list(dict.fromkeys(match.group().upper() for match in matches))
    vouched = [False] * len(matches)
    for trigger in _TRIGGER.finditer(text):  # vouches for the nearest code within reach
        distances = [
            (max(match.start() - trigger.end(), trigger.start() - match.end()), i)
            for i, match in enumerate(matches)
        ]
        distance, nearest = min(distances)
        if distance <= TRIGGER_REACH:
            vouched[nearest] = True
    # A list shares its neighbour's trigger: pass it on rightwards, then leftwards.
    for i in range(1, len(matches)):
        vouched[i] = vouched[i] or (vouched[i - 1] and _listed(gaps[i]))
    for i in range(len(matches) - 2, -1, -1):
        vouched[i] = vouched[i] or (vouched[i + 1] and _listed(gaps[i + 1]))
    kept = (m.group().upper() for m, ok in zip(matches, vouched, strict=True) if ok)
    return list(dict.fromkeys(kept))


def _listed(gap: str) -> bool:
    return _BETWEEN_CODES.fullmatch(gap) is not None


def _codes_in(text: str, vins: tuple[str, ...] | list[str]) -> list[re.Match[str]]:
    return [
        match
        for match in _CODE_IN_TEXT.finditer(text)
        if not any(match.group().upper() in vin for vin in vins)
    ]


def is_manufacturer_specific(code: str) -> bool:
    """Whether the code's meaning is set by each maker rather than by the SAE standard.

    J2012: P1, P30-P33, B1, B2, C1, C2, U1 and U2 codes are the maker's; the rest generic.
    """
    system, group = code[0], code[1]
    if system == "P":
        return group == "1" or (group == "3" and code[2] in "0123")
    return group in "12"


type ObdProblem = Literal["unknown", "unavailable", "refused"]


@dataclass(frozen=True, slots=True)
class ObdAnswer:
    """What the bot found out about one code asked for: its meaning, or why there is none."""

    code: str
    diagnosis: ObdDiagnosis | None = None
    problem: ObdProblem | None = None
    refusal: QuotaDecision | None = None  # the quota's refusal, for problem "refused"
