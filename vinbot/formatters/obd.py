"""Texts for /obd and OBD-II trouble codes found in a message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from vinbot.formatters.html import VALUE_LIMIT, clip, esc, fit
from vinbot.models.obd import EXAMPLE, is_manufacturer_specific, system_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vinbot.models.obd import ObdAnswer
    from vinbot.models.records import QuotaDecision

MAX_CODES_PER_MESSAGE: Final = 3

OBD_USAGE = (
    f"Send the trouble code after the command, like <code>/obd {EXAMPLE}</code> (up to "
    f"{MAX_CODES_PER_MESSAGE} codes at once). You get the code from an OBD-II reader plugged in "
    "under the dashboard (many parts stores read it for free): a letter and four characters."
)
OBD_NO_KEY = (
    "Explaining OBD trouble codes needs CarsXE, and this bot has no CarsXE key configured. "
    "VINs are still decoded."
)
OBD_CAVEAT = (
    "A code says what the car's computer noticed, not which part has failed: the same code can "
    "have cheap or costly causes, so have a mechanic find the cause before you buy."
)
_UNKNOWN = "CarsXE doesn't know this code."
_UNKNOWN_MAKER = "CarsXE doesn't know this code; a dealer for this make may know it."
_UNAVAILABLE = "I couldn't look this code up right now. Please try again in a few minutes."


def _refusal(decision: QuotaDecision | None) -> str:
    when = decision.resets_at if decision is not None else None
    back = f" {when:%Y-%m-%d %H:%M} UTC" if when is not None else " soon"
    if decision is not None and decision.reason == "bot_monthly":
        return f"This bot's paid lookups for the month are used up; they're back{back}."
    return f"You've used today's paid lookups; your quota resets{back}."


def _kind(code: str, *, explained: bool = True) -> str:
    system = system_of(code)
    if is_manufacturer_specific(code):
        if not explained:  # no meaning above to warn about
            return f"A {system} code whose meaning each maker sets."
        return (
            f"A {system} code whose meaning each maker sets: the meaning above may be another "
            "make's, so check it for this car's make."
        )
    return f"A generic {system} code: it means the same on every make."


def _answer_lines(answer: ObdAnswer) -> list[str]:
    code = f"<b>{esc(answer.code)}</b>"
    if answer.diagnosis is not None:
        meaning = esc(clip(answer.diagnosis.diagnosis, VALUE_LIMIT))
        return [f"🔧 {code}: {meaning}", f"<i>{esc(_kind(answer.code))}</i>"]
    if answer.problem == "unknown":
        words = _UNKNOWN_MAKER if is_manufacturer_specific(answer.code) else _UNKNOWN
        return [f"❓ {code}: {words}", f"<i>{esc(_kind(answer.code, explained=False))}</i>"]
    if answer.problem == "refused":
        return [f"⏳ {code}: explaining a code is a paid lookup. {_refusal(answer.refusal)}"]
    return [f"⚠️ {code}: {_UNAVAILABLE}"]


def render_codes(answers: Sequence[ObdAnswer], *, skipped: int = 0) -> str:
    """What each code means (or why that is not known), one block per code."""
    lines: list[str] = []
    for answer in answers:
        if lines:
            lines.append("")
        lines += _answer_lines(answer)
    if skipped:
        codes, them = ("code", "it") if skipped == 1 else ("codes", "them")
        note = (
            f"I explain up to {MAX_CODES_PER_MESSAGE} codes per message; {skipped} more "
            f"{codes} skipped. Send {them} in another message."
        )
        lines += ["", note]
    explained = any(answer.diagnosis is not None for answer in answers)
    tail = ["", f"<i>{OBD_CAVEAT}</i>", "<i>Source: CarsXE</i>"] if explained else []
    return fit(lines, tail=tail)
