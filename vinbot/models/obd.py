"""OBD-II diagnostic trouble codes (SAE J2012): reading one, finding them in text, what they mean.

A code is a letter for the system (P powertrain, B body, C chassis, U network) and four
characters: a digit 0-3, then three hexadecimal digits (0-9, A-F), e.g. ``P0420``. The code is
two bytes on the wire, which is why the second character never goes above 3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from vinbot.models.errors import InvalidObdCode

if TYPE_CHECKING:
    from vinbot.models.records import QuotaDecision

CODE_LENGTH: Final = 5
SYSTEMS: Final = {
    "P": "powertrain (engine and transmission)",
    "B": "body",
    "C": "chassis",
    "U": "network (communication between the car's computers)",
}
_HEX: Final = frozenset("0123456789ABCDEF")
_CODE: Final = re.compile(r"[PBCU][0-3][0-9A-F]{3}")
# A code standing on its own in text: no letter, digit or underscore touches it.
_CODE_IN_TEXT: Final = re.compile(r"(?<![^\W_])[PBCUpbcu][0-3][0-9A-Fa-f]{3}(?![^\W_])")
_SEPARATORS: Final = re.compile(r"[\s\-]+")
_LOOKALIKES: Final = str.maketrans("OIL", "011")  # letters typed for digits
EXAMPLE: Final = "P0420"
FORMAT_HINT: Final = (
    "An OBD-II code is a letter (P, B, C or U) and four characters: a digit from 0 to 3, then "
    f"three digits or letters A to F, like {EXAMPLE}."
)


@dataclass(frozen=True, slots=True)
class ObdDiagnosis:
    """What a trouble code means, as a provider words it."""

    code: str  # normalised, e.g. "P0420"
    diagnosis: str


def is_obd_code(text: str) -> bool:
    """Whether text is a normalised OBD-II code (upper case, no spaces)."""
    return _CODE.fullmatch(text) is not None


def parse_obd_code(raw: str) -> str:
    """The normalised code (upper case, spaces and dashes removed); raises InvalidObdCode with
    a sentence saying what is wrong when it is not one."""
    code = _SEPARATORS.sub("", raw).upper()
    if is_obd_code(code):
        return code
    fixed = code[:1] + code[1:].translate(_LOOKALIKES)
    suggestion = f" Did you mean {fixed}?" if is_obd_code(fixed) else ""
    raise InvalidObdCode(f"{_problem(code)}{suggestion} {FORMAT_HINT}")


def _problem(code: str) -> str:
    shown = code if len(code) <= 12 and code.isascii() else "That"  # noqa: PLR2004
    if not code:
        return "There is no code."
    if code[0] not in SYSTEMS:
        return f"{shown} starts with {code[0]!r}, but a code starts with P, B, C or U."
    if len(code) != CODE_LENGTH:
        return f"{shown} has {len(code)} characters, but a code has {CODE_LENGTH}."
    if code[1] not in "0123":
        return f"In {shown} the second character is {code[1]!r}; it can only be 0, 1, 2 or 3."
    wrong = next(char for char in code[2:] if char not in _HEX)
    return f"In {shown} {wrong!r} cannot appear; the last three are 0 to 9 or A to F."


def find_obd_codes(text: str, *, vins: tuple[str, ...] | list[str] = ()) -> list[str]:
    """Every OBD-II code standing on its own in free text, normalised, in order, no repeats.

    A code-shaped piece of one of `vins` (the VINs found in the same text, say one written
    with spaces) is part of the VIN, not a code.
    """
    found = (match.group().upper() for match in _CODE_IN_TEXT.finditer(text))
    return list(dict.fromkeys(code for code in found if not any(code in vin for vin in vins)))


def system_of(code: str) -> str:
    """The system a normalised code belongs to, in words."""
    return SYSTEMS[code[0]]


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
