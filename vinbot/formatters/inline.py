"""Texts for inline mode results."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vinbot.models.vin import VinAnalysis

HELP_MESSAGE = (
    "🚗 Decode any VIN right in the chat: type <code>@</code>my name and a 17-character VIN."
)
BUSY_TITLE = "Still decoding…"
BUSY = "The vehicle databases are slow right now. Type the VIN again in a moment."


def explain(analysis: VinAnalysis | None) -> tuple[str, str]:
    """Title and description of the single result for text that is not a decodable VIN."""
    if analysis is None or not analysis.vin:
        return "Type a VIN to decode", "17 letters and digits, like 1HGCM82633A004352"
    reason = analysis.errors[0] if analysis.errors else "This is not a valid VIN."
    if analysis.suggestion:
        reason += f" Did you mean {analysis.suggestion}?"
    return f"Not a valid VIN: {analysis.vin[:20]}", reason


def slow(retry_after: float) -> str:
    """The button above no results when the flood guard refuses an inline query."""
    return f"Too many lookups: try again in {max(1, math.ceil(retry_after))} s"
