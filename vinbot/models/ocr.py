"""What VIN reading from a photo found, and what the bot makes of it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OcrCandidate:
    """One reading of the photo with the reader's confidence (0 to 1)."""

    vin: str
    confidence: float


@dataclass(frozen=True, slots=True)
class OcrResult:
    """The OCR provider's answer: its best VIN (None when it read none) and its alternatives."""

    vin: str | None
    confidence: float | None = None
    candidates: tuple[OcrCandidate, ...] = ()


@dataclass(frozen=True, slots=True)
class Decided:
    """The photo shows this VIN with high confidence: decode it."""

    vin: str
    confidence: float
    paid_call_made: bool = False


@dataclass(frozen=True, slots=True)
class Candidates:
    """The photo may show one of these valid VINs (best first): let the user pick."""

    candidates: tuple[OcrCandidate, ...]
    paid_call_made: bool = False


@dataclass(frozen=True, slots=True)
class Nothing:
    """No valid VIN could be read (the reader is told how to take a better photo)."""

    paid_call_made: bool = False


type OcrOutcome = Decided | Candidates | Nothing
