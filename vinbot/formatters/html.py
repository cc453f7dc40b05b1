"""Telegram HTML for decodes and VIN problems: everything escaped, always under the size limit."""

from __future__ import annotations

from dataclasses import replace
from html import escape
from typing import TYPE_CHECKING

from vinbot.formatters.vehicle_view import build_view
from vinbot.formatters.vin_words import vin_problem

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vinbot.formatters.vehicle_view import Row
    from vinbot.i18n import Words
    from vinbot.models.records import Units
    from vinbot.models.vehicle import DecodeResult
    from vinbot.models.vin import VinAnalysis

# Telegram allows 4096 characters after entity parsing; markup only adds to our count, so
# measuring the HTML source with a margin keeps every message under the limit. Telegram counts
# UTF-16 code units: an emoji or any character past U+FFFF is two.
MESSAGE_LIMIT = 4000
CAPTION_LIMIT = 1000


def telegram_length(text: str) -> int:
    """The length Telegram's limits count: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def esc(text: object) -> str:
    """Escape any value for Telegram's HTML parse mode."""
    return escape(str(text), quote=True)


# One field never takes more than this, so a runaway API value cannot crowd out the rest.
VALUE_LIMIT = 300


def clip(text: str, limit: int) -> str:
    """The text cut to at most limit characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rows(rows: Sequence[Row]) -> list[str]:
    return [
        f"<b>{esc(clip(label, 60))}:</b> {esc(clip(value, VALUE_LIMIT))}" for label, value in rows
    ]


def fit(
    words: Words,
    lines: Sequence[str],
    limit: int = MESSAGE_LIMIT,
    tail: Sequence[str] = (),
) -> str:
    """Join lines, dropping whole lines from the end (never the tail) to stay under limit.

    Callers keep each line short (see clip), so dropping whole lines never splits a tag.
    `words` says "… 3 more lines not shown" in the reader's language.
    """
    tail_text = "\n".join(tail)
    budget = limit - telegram_length(tail_text) - 40
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        size = telegram_length(line)
        if used + size + 1 > budget:
            hidden = len(lines) - index
            # Translators: the end of a long message cut to Telegram's size limit.
            note = words.nt(
                "… {count} more line not shown", "… {count} more lines not shown", hidden
            )
            kept.append(f"<i>{note}</i>")
            break
        kept.append(line)
        used += size + 1
    body = "\n".join(kept)
    return words.paragraphs(f"{body}\n{tail_text}" if tail_text else body)


def render_decode(
    words: Words,
    result: DecodeResult,
    *,
    expanded: bool = False,
    units: Units = "imperial",
    limit: int = MESSAGE_LIMIT,
    market_value: bool = False,
) -> str:
    """The answer to a decode: title, summary rows, and with expanded=True every field.

    An offline-only decode (no provider has the car) says why it has no full specs (nor, with
    `market_value` offered elsewhere, a market value): its keyboard has no buttons for them.
    """
    if result.source == "offline" and result.notes:
        # A note says why this is only what the VIN itself says: the offline decoder's own
        # "basic decode" warning would say it a second time.
        result = replace(result, spec=replace(result.spec, warnings=()))
    if result.offline_only:  # its note is worded below, with what that means for the buttons
        result = replace(result, notes=tuple(n for n in result.notes if n.code != "no_data"))
    view = build_view(words, result, units=units)
    # Translators: the line under a decode's title; {vin} is the VIN itself.
    vin_line = words.t("VIN {vin}", vin=f"<code>{esc(view.vin)}</code>")
    lines = [f"🚗 <b>{esc(view.title)}</b>", vin_line, ""]
    lines += _rows(view.rows)
    if expanded and view.details:
        # Translators: the heading over every field of a decode.
        heading = words.t("Full specs")
        lines += ["", f"<b>{esc(heading)}</b>", *_rows(view.details)]
    tail: list[str] = []
    if view.warnings or view.notes or result.offline_only:
        tail.append("")
        tail += [f"⚠️ {esc(w)}" for w in view.warnings]
        tail += [f"<i>{esc(n)}</i>" for n in view.notes]
        if result.offline_only:
            tail.append(f"<i>{esc(_offline_only(words, market_value=market_value))}</i>")
    source = esc(view.source)
    line = (
        # Translators: {source} names the provider of the decode, e.g. "CarsXE".
        words.t("Source: {source} · cached", source=source)
        if view.cached
        else words.t("Source: {source}", source=source)
    )
    tail += ["", f"<i>{line}</i>"]
    return fit(words, lines, limit, tail)


def _offline_only(words: Words, *, market_value: bool) -> str:
    if market_value:
        return words.t(
            "No decoding service has data for this VIN; this is what the VIN itself says, so "
            "there are no full specs or market value to show."
        )
    return words.t(
        "No decoding service has data for this VIN; this is what the VIN itself says, so "
        "there are no full specs to show."
    )


def render_invalid(words: Words, analysis: VinAnalysis) -> str:
    """Why a VIN cannot be decoded, and how to fix it."""
    vin = f"<code>{esc(clip(analysis.vin, 40))}</code>"
    lines = [words.t("❌ {vin} is not a valid VIN.", vin=vin)]
    lines += [f"• {esc(vin_problem(words, e))}" for e in analysis.errors]
    if analysis.suggestion:
        suggestion = f"<code>{esc(analysis.suggestion)}</code>"
        lines.append(words.t("Did you mean {suggestion}?", suggestion=suggestion))
    lines.append(
        words.t(
            "A VIN has 17 letters and digits (never I, O or Q), usually on the dashboard "
            "by the windscreen or on the driver's door pillar."
        )
    )
    return fit(words, lines)
