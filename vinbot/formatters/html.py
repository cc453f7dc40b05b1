"""Telegram HTML for decodes and VIN problems: everything escaped, always under the size limit."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from vinbot.formatters.vehicle_view import build_view

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vinbot.formatters.vehicle_view import Row
    from vinbot.models.records import Units
    from vinbot.models.vehicle import DecodeResult
    from vinbot.models.vin import VinAnalysis

# Telegram allows 4096 characters after entity parsing; markup only adds to our count, so
# measuring the HTML source with a margin keeps every message under the limit.
MESSAGE_LIMIT = 4000
CAPTION_LIMIT = 1000


def esc(text: object) -> str:
    """Escape any value for Telegram's HTML parse mode."""
    return escape(str(text), quote=True)


# One field never takes more than this, so a runaway API value cannot crowd out the rest.
VALUE_LIMIT = 300


def clip(text: str, limit: int) -> str:
    """The text cut to at most limit characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def esc_error(exc: BaseException) -> str:
    """An error's message for an HTML reply: escaped and clipped, as it may quote user input."""
    return esc(clip(str(exc), VALUE_LIMIT))


def _rows(rows: Sequence[Row]) -> list[str]:
    return [
        f"<b>{esc(clip(label, 60))}:</b> {esc(clip(value, VALUE_LIMIT))}" for label, value in rows
    ]


def fit(lines: Sequence[str], limit: int = MESSAGE_LIMIT, tail: Sequence[str] = ()) -> str:
    """Join lines, dropping whole lines from the end (never the tail) to stay under limit.

    Callers keep each line short (see clip), so dropping whole lines never splits a tag.
    """
    tail_text = "\n".join(tail)
    budget = limit - len(tail_text) - 40
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        if used + len(line) + 1 > budget:
            kept.append(f"<i>… {len(lines) - index} more lines not shown</i>")
            break
        kept.append(line)
        used += len(line) + 1
    body = "\n".join(kept)
    return f"{body}\n{tail_text}" if tail_text else body


def render_decode(
    result: DecodeResult,
    *,
    expanded: bool = False,
    units: Units = "imperial",
    limit: int = MESSAGE_LIMIT,
) -> str:
    """The answer to a decode: title, summary rows, and with expanded=True every field."""
    view = build_view(result, units=units)
    lines = [f"🚗 <b>{esc(view.title)}</b>", f"VIN <code>{esc(view.vin)}</code>", ""]
    lines += _rows(view.rows)
    if expanded and view.details:
        lines += ["", "<b>Full specs</b>", *_rows(view.details)]
    tail: list[str] = []
    if view.warnings or view.notes:
        tail.append("")
        tail += [f"⚠️ {esc(w)}" for w in view.warnings]
        tail += [f"<i>{esc(n)}</i>" for n in view.notes]
    source = f"Source: {esc(view.source)}" + (" · cached" if view.cached else "")
    tail += ["", f"<i>{source}</i>"]
    return fit(lines, limit, tail)


def render_invalid(analysis: VinAnalysis) -> str:
    """Why a VIN cannot be decoded, and how to fix it."""
    lines = [f"❌ <code>{esc(clip(analysis.vin, 40))}</code> is not a valid VIN."]
    lines += [f"• {esc(e)}" for e in analysis.errors]
    if analysis.suggestion:
        lines.append(f"Did you mean <code>{esc(analysis.suggestion)}</code>?")
    lines.append("A VIN has 17 letters and digits (never I, O or Q), usually on the dashboard")
    lines.append("by the windscreen or on the driver's door pillar.")
    return fit(lines)
