"""Plain text for the terminal: the same rows as the Telegram answer, without markup.

The CLI speaks English (`words_in("en")`); only the rows and reasons shared with the bot go
through `words`, the terminal's own framing ("warning:", "source:") is not for translation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.formatters.vehicle_view import build_view
from vinbot.formatters.vin_words import vin_problem

if TYPE_CHECKING:
    from vinbot.i18n import Words
    from vinbot.models.records import Units
    from vinbot.models.vehicle import DecodeResult
    from vinbot.models.vin import VinAnalysis


def render_decode_text(words: Words, result: DecodeResult, *, units: Units = "imperial") -> str:
    """Every known field of a decode as aligned 'Label: value' lines."""
    view = build_view(words, result, units=units)
    rows = [*view.rows, *view.details]
    width = max((len(label) for label, _ in rows), default=0)
    lines = [view.title, f"VIN {view.vin}"]
    lines += [f"  {label.ljust(width)}  {value}" for label, value in rows]
    lines += [f"  warning: {w}" for w in view.warnings]
    lines += [f"  note: {n}" for n in view.notes]
    lines.append(f"  source: {view.source}" + (" (cached)" if view.cached else ""))
    return "\n".join(lines)


def render_invalid_text(words: Words, analysis: VinAnalysis) -> str:
    """Why a VIN is invalid, one reason per line."""
    lines = [f"{analysis.vin or '(empty)'}: not a valid VIN"]
    lines += [f"  {vin_problem(words, e)}" for e in analysis.errors]
    if analysis.suggestion:
        lines.append(f"  did you mean {analysis.suggestion}?")
    return "\n".join(lines)
