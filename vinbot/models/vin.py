"""Pure VIN rules: normalise, validate, check digit, model year, WMI, and finding VINs in text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VinAnalysis:
    """Everything the 17 characters say on their own, with no provider asked."""

    vin: str  # normalised (spaces and dashes removed, upper case)
    valid: bool  # safe to send to a provider
    errors: tuple[str, ...] = ()  # precise, user-facing reasons it is not valid
    warnings: tuple[str, ...] = ()  # decodable, but something is off (e.g. check digit, non-NA)
    check_digit_valid: bool | None = None  # None when the format itself is invalid
    expected_check_digit: str | None = None
    suggestion: str | None = None  # a corrected VIN to offer (I->1, O/Q->0), never applied silently
    model_year: int | None = None  # set only when the rules settle one year
    model_year_candidates: tuple[int, ...] = ()
    wmi: str | None = None
    region: str | None = None
    country: str | None = None
    manufacturer: str | None = None  # from the WMI table, exact matches only


def normalise(raw: str) -> str:
    """Remove spaces and dashes and upper-case; never maps O to 0 or I to 1."""
    raise NotImplementedError


def analyse(raw: str) -> VinAnalysis:
    """Validate and decode offline everything the VIN itself says."""
    raise NotImplementedError


def find_vins(text: str) -> list[str]:
    """Every 17-character VIN-shaped token in free text, normalised, in order, without repeats."""
    raise NotImplementedError
