"""Distinct, valid North-American VINs for load: the bot's validator accepts every one."""

from __future__ import annotations

import random
from typing import Final

from vinbot.models.vin import MODEL_YEAR_CODES, VIN_ALPHABET, check_digit

# Honda's WMI: North American, so the check digit must be right for the bot to accept the VIN.
WMI: Final = "1HG"
_ALPHABET: Final = "".join(sorted(VIN_ALPHABET))
_DIGITS: Final = "0123456789"
# Position 10 codes that never name a year later than next year, whatever position 7 says.
_SAFE_YEAR_CODES: Final = MODEL_YEAR_CODES[:20]
_SERIALS: Final = 1_000_000


def with_check_digit(vin: str) -> str:
    """The same 17 characters with position 9 set to the check digit they call for."""
    draft = vin[:8] + "0" + vin[9:]
    return draft[:8] + check_digit(draft) + draft[9:]


def make_vin(rng: random.Random, serial: int) -> str:
    """One valid VIN: Honda WMI, random descriptor, correct check digit, `serial` at 12-17."""
    descriptor = "".join(rng.choice(_ALPHABET) for _ in range(4)) + rng.choice(_DIGITS)
    year = rng.choice(_SAFE_YEAR_CODES)
    plant = rng.choice(_ALPHABET)
    return with_check_digit(f"{WMI}{descriptor}0{year}{plant}{serial % _SERIALS:06d}")


def distinct_vins(count: int, *, seed: int = 1) -> list[str]:
    """`count` different valid VINs, the same list for the same seed."""
    rng = random.Random(seed)
    seen: set[str] = set()
    vins: list[str] = []
    serial = 0
    while len(vins) < count:
        vin = make_vin(rng, serial)
        serial += 1
        if vin not in seen:
            seen.add(vin)
            vins.append(vin)
    return vins
