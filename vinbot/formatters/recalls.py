"""Recall reports as paged Telegram HTML: honest about coverage, dangerous campaigns first.

The source and what it covers are said once, in one line under the campaigns; the notes a
lookup returns (codes, see `RecallNote`) are worded here too, for the chat and for the PDF.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.formatters.html import clip, esc, fit
from vinbot.models.callback import CallbackAction
from vinbot.models.recalls import RecallNote

if TYPE_CHECKING:
    from vinbot.i18n import Words
    from vinbot.models.callback import CallbackCodec
    from vinbot.models.recalls import Recall, RecallOutcome, RecallReport

PAGE_SIZE = 3
SUMMARY_LIMIT = 450
REMEDY_LIMIT = 200
# The names of the sources are names: never translated.
SOURCE_NAMES = {"carsxe": "CarsXE", "nhtsa": "NHTSA"}


def recalls_usage(words: Words) -> str:
    """/recalls sent without a VIN."""
    return words.t("Send the VIN after the command, like <code>/recalls 1HGCM82633A004352</code>.")


def recalls_need_vin(words: Words) -> str:
    """/recalls with something that is not a valid VIN."""
    return words.t("That isn't a valid VIN, so I can't look up its recalls.")


def recalls_unavailable(words: Words) -> str:
    """No source could answer: never to be read as "no recalls"."""
    # The link stays in the message id: a placeholder would be isolated in Arabic, link and all.
    return words.t(
        "⚠️ I couldn't check recalls right now, so I can't say whether there are any. "
        "This is <b>not</b> the same as “no recalls”. Please try again in a few minutes, or "
        'check <a href="https://www.nhtsa.gov/recalls">nhtsa.gov/recalls</a>.'
    )


def _flags(words: Words, recall: Recall) -> list[str]:
    flags = []
    if recall.do_not_drive:
        flags.append(words.t("⛔ <b>DO NOT DRIVE</b> until repaired"))
    if recall.park_outside:
        flags.append(words.t("🔥 <b>Park outside</b>, away from buildings"))
    if recall.stop_sale:
        flags.append(words.t("🛑 Stop sale"))
    if recall.remedy_available is True:
        flags.append(words.t("🔧 Remedy available"))
    elif recall.remedy_available is False:
        flags.append(words.t("⏳ No remedy yet"))
    if recall.over_the_air:
        flags.append(words.t("📡 Over-the-air fix"))
    return flags


def campaign_heading(words: Words, recall: Recall) -> str:
    """What a campaign is about: its component, else its name, else just "Recall" (escaped)."""
    if recall.component or recall.name:
        return esc(recall.component or recall.name)
    # Translators: the heading of a recall campaign whose component is not known.
    return esc(words.pt("campaign", "Recall"))


def campaign_meta(words: Words, recall: Recall) -> str:
    """'campaign 21V201000 · Mar 5, 2024' (escaped, without the italics)."""
    # Translators: {campaign} is a recall campaign number such as 21V201000.
    meta = [words.t("campaign {campaign}", campaign=esc(recall.campaign_id))]
    if recall.date is not None:
        meta.append(words.date(recall.date))
    return " · ".join(meta)


def _campaign(words: Words, recall: Recall, number: int) -> list[str]:
    lines = [
        f"<b>{number}. {campaign_heading(words, recall)}</b>",
        f"<i>{campaign_meta(words, recall)}</i>",
    ]
    flags = _flags(words, recall)
    if flags:
        lines.append(" · ".join(flags))
    if recall.summary:
        lines.append(esc(clip(recall.summary, SUMMARY_LIMIT)))
    if recall.remedy:
        remedy = esc(clip(recall.remedy, REMEDY_LIMIT))
        # Translators: {remedy} is the manufacturer's description of the repair.
        lines.append(words.t("<b>Remedy:</b> {remedy}", remedy=remedy))
    return lines


def _vehicle_name(report: RecallReport) -> str | None:
    parts = [str(report.year) if report.year else "", report.make or "", report.model or ""]
    return " ".join(part for part in parts if part) or None


def _subject(report: RecallReport) -> str:
    name = _vehicle_name(report)
    return esc(name) if name else f"<code>{esc(report.vin or '')}</code>"


def source_line(words: Words, report: RecallReport) -> str:
    """Where the campaigns come from, for what, and what market it covers: said once."""
    source = SOURCE_NAMES.get(report.source, report.source)
    if report.vin_specific:
        if report.us_market_only:
            return words.t(
                "Source: {source}, for this VIN; covers vehicles sold in the US, so campaigns "
                "issued in other markets are not listed.",
                source=source,
            )
        return words.t("Source: {source}, for this VIN.", source=source)
    name = _vehicle_name(report)
    vehicle = esc(name) if name else words.t("vehicle of this model")
    if report.us_market_only:
        # Translators: {vehicle} is a year, make and model such as "2003 Honda Accord".
        return words.t(
            "Source: {source}, for every {vehicle}, not for this exact car; covers vehicles sold "
            "in the US, so campaigns issued in other markets are not listed.",
            source=source,
            vehicle=vehicle,
        )
    return words.t(
        "Source: {source}, for every {vehicle}, not for this exact car.",
        source=source,
        vehicle=vehicle,
    )


def _why_not_by_vin(words: Words, outcome: RecallOutcome) -> list[str]:
    """Why the answer is not CarsXE's by VIN, when CarsXE was asked (the chat's short words)."""
    if RecallNote.CARSXE_FAILED in outcome.notes:
        return [words.t("CarsXE, which checks recalls by VIN, did not answer just now.")]
    if RecallNote.CARSXE_NO_DATA in outcome.notes:
        return [words.t("CarsXE, which checks recalls by VIN, has no record of this VIN.")]
    return []


def recall_notes(words: Words, outcome: RecallOutcome) -> list[str]:
    """Every note of a lookup as a plain-text sentence (not HTML): for the PDF report."""
    report = outcome.report
    source = SOURCE_NAMES.get(report.source, report.source)
    texts: list[str] = []
    for note in outcome.notes:
        if note is RecallNote.CARSXE_FAILED:
            texts.append(
                words.t(
                    "CarsXE did not answer just now, so these are NHTSA's recalls for the model "
                    "rather than for this exact VIN."
                )
            )
        elif note is RecallNote.CARSXE_NO_DATA:
            texts.append(
                words.t(
                    "CarsXE has no recall record for this VIN, so these are NHTSA's recalls for "
                    "the model."
                )
            )
        elif note is RecallNote.MODEL_WIDE:
            texts.append(
                # Translators: {vehicle} is a year, make and model such as "2003 Honda Accord".
                words.t(
                    "NHTSA lists recalls for every {vehicle}, not for this exact car: a dealer can "
                    "confirm whether a campaign applies to it and whether it was repaired.",
                    vehicle=_vehicle_name(report) or words.t("vehicle of this model"),
                )
            )
        elif note is RecallNote.NONE_LISTED:
            texts.append(_none_listed(words, report, source))
        elif note is RecallNote.US_COVERAGE:
            texts.append(
                words.t(
                    "Recall data comes from NHTSA and covers vehicles sold in the US; campaigns "
                    "issued in other markets are not listed."
                )
            )
    return texts


def _none_listed(words: Words, report: RecallReport, source: str) -> str:
    if report.vin_specific:
        return words.t(
            "{source} lists no recall campaign for this VIN. That is not a safety check: it does "
            "not mean the car is safe, only that no campaign is on record.",
            source=source,
        )
    return words.t(
        "{source} lists no recall campaign for this model. That is not a safety check: it does "
        "not mean the car is safe, only that no campaign is on record.",
        source=source,
    )


def page_count(outcome: RecallOutcome) -> int:
    """How many pages the campaigns take."""
    return max(1, math.ceil(outcome.report.count / PAGE_SIZE))


def _header(words: Words, report: RecallReport) -> str:
    campaigns = words.nt(
        "🔔 <b>{count} recall campaign</b> for {vehicle}",
        "🔔 <b>{count} recall campaigns</b> for {vehicle}",
        report.count,
        vehicle=_subject(report),
    )
    if not report.dangerous_count:
        return campaigns
    # Translators: {campaigns} is the line "🔔 3 recall campaigns for 2003 Honda Accord";
    # {count} of those campaigns tell owners not to drive or to park outside.
    return words.nt(
        "{campaigns} — <b>{count} urgent</b>",
        "{campaigns} — <b>{count} urgent</b>",
        report.dangerous_count,
        campaigns=campaigns,
    )


def render_recalls(words: Words, outcome: RecallOutcome, page: int = 0) -> str:
    """One page of a recall report; an empty report never reads as "safe"."""
    report = outcome.report
    coverage = [
        *(f"<i>{note}</i>" for note in _why_not_by_vin(words, outcome)),
        f"<i>{source_line(words, report)}</i>",
    ]
    if report.count == 0:
        lines = [
            words.t("✅ No recall campaigns found for {vehicle}.", vehicle=_subject(report)),
            words.t(
                "That doesn't prove the car has no open recall or defect: it only means this "
                "source lists none. Ask a dealer with the VIN to be sure."
            ),
            "",
            *coverage,
        ]
        return fit(words, lines)
    pages = page_count(outcome)
    page = min(max(page, 0), pages - 1)
    lines = [_header(words, report), ""]
    start = page * PAGE_SIZE
    for number, recall in enumerate(report.recalls[start : start + PAGE_SIZE], start=start + 1):
        lines += [*_campaign(words, recall, number), ""]
    tail = coverage
    if RecallNote.MODEL_WIDE in outcome.notes:
        tail.append(
            "<i>"
            + words.t(
                "A dealer can confirm whether a campaign applies to this car and whether it was "
                "repaired."
            )
            + "</i>"
        )
    if pages > 1:
        tail.append(words.t("Page {page} of {pages}", page=page + 1, pages=pages))
    return fit(words, lines, tail=tail)


def recalls_keyboard(
    words: Words, codec: CallbackCodec, vin: str, outcome: RecallOutcome, page: int
) -> InlineKeyboardMarkup | None:
    """Previous/next buttons when the report has more than one page."""
    pages = page_count(outcome)
    if pages <= 1:
        return None
    buttons = []
    if page > 0:
        buttons.append(
            InlineKeyboardButton(
                words.pt("button", "◀️ Previous"),
                callback_data=codec.encode(CallbackAction.RECALLS_PAGE, f"{vin}:{page - 1}"),
            )
        )
    if page < pages - 1:
        buttons.append(
            InlineKeyboardButton(
                words.pt("button", "Next ▶️"),
                callback_data=codec.encode(CallbackAction.RECALLS_PAGE, f"{vin}:{page + 1}"),
            )
        )
    if words.right_to_left:
        # Read right to left, the earlier page is on the right (its arrow, in the catalog,
        # points right too); Telegram lays a row out left to right whatever the language.
        buttons.reverse()
    return InlineKeyboardMarkup([buttons])
