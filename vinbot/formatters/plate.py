"""/plate: how to use it, what it found, and why it could not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.formatters.html import esc
from vinbot.formatters.paid_refusal import quota_refusal
from vinbot.models.errors import (
    InvalidPlate,
    InvalidRegion,
    PlateNotFound,
    PlateProblem,
    PlateRegionRejected,
    RegionProblem,
)
from vinbot.services.extras import PaidFeatureRefused

if TYPE_CHECKING:
    from vinbot.i18n import Words
    from vinbot.models.plate import PlateResult


def plate_usage(words: Words) -> str:
    """How /plate is used."""
    # Commands stay in the message ids: a placeholder would be isolated in Arabic.
    return words.t(
        "Use <code>/plate PLATE STATE [COUNTRY]</code>, e.g. <code>/plate 7ABC123 CA</code> "
        "(country defaults to US; Canada and Australia need a province or state too)."
    )


def plate_no_key(words: Words) -> str:
    """/plate on a bot without a CarsXE key."""
    return words.t("Plate lookups come from CarsXE, and this bot has no CarsXE key configured.")


def plate_not_found(words: Words) -> str:
    """The registry knows no vehicle under the plate."""
    return words.t("No vehicle was found for that plate. Check the characters and the state.")


def plate_region_rejected(words: Words) -> str:
    """CarsXE does not cover the country or state."""
    return words.t(
        "CarsXE doesn't look up plates for that country or state. Check the code, or send the VIN."
    )


def plate_unavailable(words: Words) -> str:
    """The lookup failed for now."""
    return words.t("I couldn't look up that plate right now. Please try again in a few minutes.")


def plate_problem(words: Words, error: InvalidPlate) -> str:
    """Why the plate as typed cannot be looked up."""
    if error.problem is PlateProblem.EMPTY:
        return words.t("Send the plate as letters and digits, like /plate ABC1234 CA.")
    if error.problem is PlateProblem.TOO_LONG:
        # Translators: {count} is the most a plate can have; {length} is how many were typed.
        return words.nt(
            "A plate has at most {count} letter or digit; this has {length}.",
            "A plate has at most {count} letters and digits; this has {length}.",
            error.limit,
            length=error.length,
        )
    return words.t("A plate has only the letters A to Z and digits; please check it.")


def _state_missing(words: Words, country: str) -> str:
    if country == "CA":
        return words.t(
            "A Canadian plate lookup needs the province or territory code, like "
            "/plate ABC1234 ON CA."
        )
    if country == "AU":
        return words.t(
            "An Australian plate lookup needs the state or territory code, like "
            "/plate ABC1234 NSW AU."
        )
    return words.t("A US plate lookup needs the state code, like /plate ABC1234 CA.")


def _state_unknown(words: Words, country: str, state: str) -> str:
    if country == "CA":
        # Translators: {state} is the code the user typed, such as "XX".
        return words.t("{state} is not a Canadian province or territory code.", state=state)
    if country == "AU":
        # Translators: {state} is the code the user typed, such as "XX".
        return words.t("{state} is not an Australian state or territory code.", state=state)
    # Translators: {state} is the code the user typed, such as "XX".
    return words.t("{state} is not a US state code.", state=state)


def region_problem(words: Words, error: InvalidRegion) -> str:
    """Why the country or state as typed cannot be used (HTML, the codes escaped)."""
    country = esc(error.country)
    if error.problem is RegionProblem.COUNTRY_FORMAT:
        return words.t("The country is a two-letter code such as US, CA or AU.")
    if error.problem is RegionProblem.REGION_FORMAT:
        return words.t("The region is a short code of letters and digits.")
    if error.problem is RegionProblem.STATE_MISSING:
        return _state_missing(words, error.country)
    return _state_unknown(words, country, esc(error.state or ""))


def plate_error(words: Words, error: Exception) -> str:
    """What a failed /plate says, whatever the lookup raised."""
    if isinstance(error, PaidFeatureRefused):
        return words.t(
            "Plate lookups are paid lookups. {why}", why=quota_refusal(words, error.decision)
        )
    if isinstance(error, PlateRegionRejected):
        return plate_region_rejected(words)
    if isinstance(error, PlateNotFound):
        return plate_not_found(words)
    if isinstance(error, InvalidPlate | InvalidRegion):
        problem = (
            plate_problem(words, error)
            if isinstance(error, InvalidPlate)
            else region_problem(words, error)
        )
        # Translators: {problem} says what is wrong; {usage} is how to use /plate.
        return words.t("{problem} {usage}", problem=problem, usage=plate_usage(words))
    return plate_unavailable(words)


def plate_found(words: Words, result: PlateResult) -> str:
    """The plate's VIN, before the decode follows."""
    where = ", ".join(part for part in (result.state, result.country) if part)
    # Translators: {where} is a state and country code such as "CA, US".
    return words.t(
        "🔎 Plate <code>{plate}</code> ({where}) belongs to VIN <code>{vin}</code>.",
        plate=esc(result.plate),
        where=esc(where),
        vin=esc(result.vin or ""),
    )
