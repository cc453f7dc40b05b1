"""Recall reports as paged Telegram HTML: honest about coverage, dangerous campaigns first."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.formatters.html import clip, esc, fit
from vinbot.models.callback import CallbackAction

if TYPE_CHECKING:
    from vinbot.models.callback import CallbackCodec
    from vinbot.models.recalls import Recall, RecallOutcome

PAGE_SIZE = 3
SUMMARY_LIMIT = 450
SOURCE_NAMES = {"carsxe": "CarsXE (by VIN)", "nhtsa": "NHTSA (by make, model and year)"}

RECALLS_UNAVAILABLE = (
    "⚠️ I couldn't check recalls right now, so I can't say whether there are any. "
    "This is <b>not</b> the same as “no recalls”. Please try again in a few minutes, or check "
    '<a href="https://www.nhtsa.gov/recalls">nhtsa.gov/recalls</a>.'
)


def _flags(recall: Recall) -> list[str]:
    flags = []
    if recall.do_not_drive:
        flags.append("⛔ <b>DO NOT DRIVE</b> until repaired")
    if recall.park_outside:
        flags.append("🔥 <b>Park outside</b>, away from buildings")
    if recall.stop_sale:
        flags.append("🛑 Stop sale")
    if recall.remedy_available is True:
        flags.append("🔧 Remedy available")
    elif recall.remedy_available is False:
        flags.append("⏳ No remedy yet")
    if recall.over_the_air:
        flags.append("📡 Over-the-air fix")
    return flags


def _campaign(recall: Recall, number: int) -> list[str]:
    head = f"<b>{number}. {esc(recall.component or recall.name or 'Recall')}</b>"
    meta = [f"campaign {esc(recall.campaign_id)}"]
    if recall.date is not None:
        meta.append(recall.date.isoformat())
    lines = [head, f"<i>{' · '.join(meta)}</i>"]
    flags = _flags(recall)
    if flags:
        lines.append(" · ".join(flags))
    if recall.summary:
        lines.append(esc(clip(recall.summary, SUMMARY_LIMIT)))
    if recall.remedy:
        lines.append(f"<b>Remedy:</b> {esc(clip(recall.remedy, 200))}")
    return lines


def _subject(outcome: RecallOutcome) -> str:
    report = outcome.report
    words = [str(report.year) if report.year else "", report.make or "", report.model or ""]
    subject = " ".join(w for w in words if w)
    return esc(subject) if subject else f"<code>{esc(report.vin or '')}</code>"


def _coverage_note(outcome: RecallOutcome) -> str:
    report = outcome.report
    where = "vehicles sold in the US" if report.us_market_only else "this market"
    scope = "for this VIN" if report.vin_specific else "for this make, model and year"
    return (
        f"<i>Source: {SOURCE_NAMES.get(report.source, report.source)}, {scope}; covers {where}.</i>"
    )


def page_count(outcome: RecallOutcome) -> int:
    """How many pages the campaigns take."""
    return max(1, math.ceil(outcome.report.count / PAGE_SIZE))


def render_recalls(outcome: RecallOutcome, page: int = 0) -> str:
    """One page of a recall report; an empty report never reads as "safe"."""
    report = outcome.report
    notes = [f"<i>{esc(n)}</i>" for n in outcome.notes]
    if report.count == 0:
        lines = [
            f"✅ No recall campaigns found for {_subject(outcome)}.",
            (
                "That doesn't prove the car has no open recall or defect: it only means this "
                "source lists none. Ask a dealer with the VIN to be sure."
            ),
            "",
            _coverage_note(outcome),
            *notes,
        ]
        return fit(lines)
    pages = page_count(outcome)
    page = min(max(page, 0), pages - 1)
    plural = "campaign" if report.count == 1 else "campaigns"
    header = f"🔔 <b>{report.count} recall {plural}</b> for {_subject(outcome)}"
    if report.dangerous_count:
        header += f" — <b>{report.dangerous_count} urgent</b>"
    lines = [header, ""]
    start = page * PAGE_SIZE
    for number, recall in enumerate(report.recalls[start : start + PAGE_SIZE], start=start + 1):
        lines += [*_campaign(recall, number), ""]
    tail = [_coverage_note(outcome), *notes]
    if pages > 1:
        tail.append(f"Page {page + 1} of {pages}")
    return fit(lines, tail=tail)


def recalls_keyboard(
    codec: CallbackCodec, vin: str, outcome: RecallOutcome, page: int
) -> InlineKeyboardMarkup | None:
    """Previous/next buttons when the report has more than one page."""
    pages = page_count(outcome)
    if pages <= 1:
        return None
    buttons = []
    if page > 0:
        buttons.append(
            InlineKeyboardButton(
                "◀️ Previous",
                callback_data=codec.encode(CallbackAction.RECALLS_PAGE, f"{vin}:{page - 1}"),
            )
        )
    if page < pages - 1:
        buttons.append(
            InlineKeyboardButton(
                "Next ▶️",
                callback_data=codec.encode(CallbackAction.RECALLS_PAGE, f"{vin}:{page + 1}"),
            )
        )
    return InlineKeyboardMarkup([buttons])
