"""Texts for inline mode results."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.formatters.messages import SAMPLE_VIN, wait_seconds
from vinbot.formatters.vin_words import vin_problem

if TYPE_CHECKING:
    from vinbot.i18n import Words
    from vinbot.models.vin import VinAnalysis


def help_message(words: Words) -> str:
    """The message an explanatory inline result sends (HTML)."""
    return words.t(
        "🚗 Decode any VIN right in the chat: type <code>@</code>my name and a 17-character VIN."
    )


def busy(words: Words) -> tuple[str, str]:
    """Title and description of the result shown when the decode is too slow for inline mode."""
    return (
        # Translators: an inline result's title while the vehicle databases are slow.
        words.t("Still decoding…"),
        words.t("The vehicle databases are slow right now. Type the VIN again in a moment."),
    )


def explain(words: Words, analysis: VinAnalysis | None) -> tuple[str, str]:
    """Title and description of the single result for text that is not a decodable VIN."""
    if analysis is None or not analysis.vin:
        return (
            words.t("Type a VIN to decode"),
            # Translators: {example} is a sample VIN.
            words.t("17 letters and digits, like {example}", example=words.ltr(SAMPLE_VIN)),
        )
    if analysis.errors:
        reason = vin_problem(words, analysis.errors[0])
    else:
        reason = words.t("This is not a valid VIN.")
    if analysis.suggestion:
        # Translators: {reason} says what is wrong; {suggestion} is a corrected VIN.
        reason = words.t(
            "{reason} Did you mean {suggestion}?", reason=reason, suggestion=analysis.suggestion
        )
    # Translators: an inline result's title; {vin} is what the user typed (up to 20 characters).
    return words.t("Not a valid VIN: {vin}", vin=analysis.vin[:20]), reason


def slow(words: Words, retry_after: float) -> str:
    """The button above no results when the flood guard refuses an inline query."""
    return words.nt(
        "Too many lookups: try again in {count} s",
        "Too many lookups: try again in {count} s",
        wait_seconds(retry_after),
    )
