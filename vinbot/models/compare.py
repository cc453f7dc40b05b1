"""Two cars side by side: what a comparison holds before it is worded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vinbot.models.recalls import RecallOutcome
    from vinbot.models.vehicle import DecodeResult


@dataclass(frozen=True, slots=True)
class ComparedCar:
    """One side: its decode, and its recalls when they are already cached (else None)."""

    result: DecodeResult
    recalls: RecallOutcome | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    """Car A and car B, in the order the user gave them."""

    first: ComparedCar
    second: ComparedCar
