"""The theft and title check as Telegram HTML: the offer with its cost, then danger first.

Honest wording: "no records found" never reads as "clean", and every answer says what the
sources cover (US lien/theft reports and NMVTIS US titles) and what they do not.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import TYPE_CHECKING, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.cache import keys
from vinbot.formatters.html import clip, esc, fit
from vinbot.models.callback import CallbackAction
from vinbot.models.report import TitleCheckSummary
from vinbot.models.title_check import CHECK_COST

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vinbot.models.callback import CallbackCodec
    from vinbot.models.records import QuotaDecision
    from vinbot.models.title_check import TheftEvent, TitleCheck, TitleHistory, TitleRecord
    from vinbot.services.title_check import Offer

TITLE = "🛡 <b>Theft &amp; title check</b>"
BUTTON = "🛡 Theft & title"
USAGE = (
    "Send the VIN after the command, like <code>/check 1HGCM82633A004352</code>: lien, theft "
    "and US title records before you buy (2 paid lookups; a recent answer is free)."
)
NO_KEY = (
    "The theft and title check comes from CarsXE, and this bot has no CarsXE key configured, "
    "so I can't check cars here."
)
UNAVAILABLE = (
    "I couldn't reach the theft and title records right now. Please try again in a few minutes."
)
COVERAGE = (
    "<i>What this covers: US lien and theft reports (not every lender or state reports to "
    "them), and NMVTIS, the US national title database (title brands, junk, salvage and "
    "insurance write-offs, title and odometer records from state agencies). It doesn't include "
    "accidents or repairs unless an insurer wrote the car off, nor cars titled outside the US. "
    "“No records found” means nothing was reported to these sources, not that the car is "
    "problem-free: look for a lienholder on the paper title, and have the car inspected.</i>"
)
SOURCES = (
    "I'll ask two US sources: lien and theft reports, and NMVTIS, the US national title "
    "database (title brands such as salvage or flood, junk and insurance write-offs, odometer "
    "readings)."
)
NO_TITLE_RECORDS = (
    "NMVTIS has no title records for this VIN at all, so it can't tell whether the car was "
    "ever salvaged or branded. Ask the seller for the title and have the car inspected."
)
WRITE_OFF_ADVICE = (
    "Cars like this are usually worth much less and can be hard to insure: have a mechanic "
    "check the repairs before you pay."
)
# The alert (at most 200 characters) for someone pressing another person's ✅ in a group.
NOT_YOUR_CHECK = (
    "This check would use the paid lookups of the person who asked. For your own, press "
    "🛡 Theft & title under the decode or send /check with the VIN."
)
# How the PDF (whose font has no emoji) writes the chat's danger markers.
_PLAIN_MARKERS: Final = (("⛔ ", "STOLEN – "), ("⚠️ ", "Warning: "), ("📌 ", "Note: "))  # noqa: RUF001 - a dash
_RECORD_NAMES: Final = {
    "junk_salvage": "Junk/salvage yard report",
    "insurance": "Insurance total-loss report",
    "brand": "Title brand",
    "title": "Title",
    "history": "Title record",
}
_DETAIL_LIMIT: Final = 200


def not_us_market(vin: str, country: str | None, region: str | None) -> str:
    """Why a VIN built for another market gets no check (and that nothing was spent)."""
    where = country or region
    built = f" (its maker code is from {esc(where)})" if where else ""
    return (
        f"{TITLE} for <code>{esc(vin)}</code>\n"
        "This VIN doesn't look like one made for the US market: cars sold new in the US carry "
        "a check digit (the 9th character) that adds up and a maker code NHTSA knows, and this "
        f"one lacks one of them{built}. The check reads US records only, so I didn't run it "
        "and nothing was spent."
    )


def _moment(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "soon"


def refused(decision: QuotaDecision) -> str:
    """Why ✅ ran no check: the quota could not cover both paid lookups (nothing spent)."""
    when = _moment(decision.resets_at)
    if decision.reason == "bot_monthly":
        return (
            f"I didn't run the check: this bot has fewer than {CHECK_COST} paid lookups left "
            f"this month. Nothing was spent. They're back {when}."
        )
    return (
        f"I didn't run the check: it needs {CHECK_COST} paid lookups and you have fewer than "
        f"{CHECK_COST} left today. Nothing was spent. Your quota resets {when}."
    )


def render_offer(offer: Offer, asker: str | None = None) -> str:
    """What the check reads and what it costs against the allowance of the person who asked.

    `asker` is their name in a group, where "your" could mean anyone reading.
    """
    lines = [
        f"{TITLE} for <code>{esc(offer.vin)}</code>",
        SOURCES,
        "",
    ]
    cost = offer.cost
    hours = keys.TITLE_CHECK_TTL // 3600
    press = "Pressing ✅ Check below uses"
    whose, has = ("your", "you have") if asker is None else (f"{esc(asker)}'s", f"{esc(asker)} has")
    if offer.left is None:
        lines.append(f"{press} {cost} paid lookups.")
    elif not offer.affordable and offer.limit == "bot_monthly":
        lines.append(
            f"A check needs {cost} paid lookups, and this bot has {offer.left} left this month, "
            "so I can't run it now. Paid lookups come back at the start of next month (UTC)."
        )
    elif not offer.affordable:
        lines.append(
            f"A check needs {cost} paid lookups and {has} {offer.left} left today, so I "
            f"can't run it now. {whose[:1].upper()}{whose[1:]} quota resets at midnight UTC."
        )
    elif offer.limit == "bot_monthly":
        lines.append(
            f"{press} {cost} of the {offer.left} paid lookups this bot has left this month."
        )
    else:
        lines.append(f"{press} {cost} of {whose} {offer.left} paid lookups left today.")
    if offer.affordable:
        presser = "you press" if asker is None else f"{esc(asker)} presses"
        lines[-1] += (
            f" Nothing is spent until {presser} it, and the answer can then be shown again for "
            f"free for {hours} hours."
        )
    return "\n".join(lines)


def offer_keyboard(codec: CallbackCodec, offer: Offer, owner: int) -> InlineKeyboardMarkup | None:
    """The confirm button, which only the person who asked may press; none when unaffordable."""
    if not offer.affordable:
        return None
    data = codec.encode(CallbackAction.TITLE_CONFIRM, offer.vin, owner=owner)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"✅ Check (uses {offer.cost} paid lookups)", callback_data=data)]]
    )


def _where_when(location: str | None, date: object) -> str:
    parts = [esc(clip(location, 60)) if location else "", str(date) if date else ""]
    shown = ", ".join(part for part in parts if part)
    return f" ({shown})" if shown else ""


def _says(event: TheftEvent) -> str:
    if not event.details:
        return ""
    quoted = " ".join(event.details)
    return f" The record says: “{esc(clip(quoted, _DETAIL_LIMIT))}”"


def _event_line(event: TheftEvent) -> str:
    name = esc(clip(event.name, 60))
    where = _where_when(event.location, event.date)
    match event.kind:
        case "theft":
            return (
                f"⛔ <b>{name}</b>{where}: this car is reported stolen. Don't pay for it or "
                "confront the seller; tell the police, with the VIN and where the car is "
                f"offered.{_says(event)}"
            )
        case "lien":
            holder = f", held by {esc(clip(event.lienholder, 80))}" if event.lienholder else ""
            return (
                f"⚠️ <b>{name}</b>{where}{holder}: a loan is still recorded on this car, so the "
                "lender can claim it. This is common and fixable: before you pay, get a letter "
                "from the lender saying the loan is paid off (a lien release), or pay the lender "
                f"directly.{_says(event)}"
            )
        case "recovered":
            return (
                f"⚠️ <b>{name}</b>{where}: the car was stolen once and found. Make sure its "
                f"title and papers are in order.{_says(event)}"
            )
        case "export":
            return (
                f"⚠️ <b>{name}</b>{where}: reported exported from the US. If this car is for "
                f"sale in the US, check that the VIN on the car matches the title.{_says(event)}"
            )
        case _:
            return f"📌 <b>{name}</b>{where}.{_says(event)}"


def _record_line(record: TitleRecord, *, named: bool = True) -> str:
    description = esc(clip(record.description, 80)) if record.description else ""
    if named:
        parts = [_RECORD_NAMES[record.section] + (f": {description}" if description else "")]
    else:
        parts = [description] if description else []
    if record.state:
        parts.append(esc(clip(record.state, 40)))
    if record.odometer is not None:
        parts.append(f"{record.odometer:,} mi")
    if record.reported_by:
        parts.append(f"reported by {esc(clip(record.reported_by, 80))}")
    date = str(record.date) if record.date else "date not given"
    return f"{date} · " + " · ".join(parts)


def _written_off(record: TitleRecord) -> str:
    return (
        "⚠️ <b>Written off or badly damaged</b> (salvage, total loss, flood, rebuilt, lemon…): "
        + _record_line(record)
    )


def _history_dangers(history: TitleHistory) -> list[str]:
    """Write-offs, other title brands, odometer roll-backs and a changed VIN."""
    lines = [_written_off(record) for record in history.write_offs]
    if lines:
        lines.append(WRITE_OFF_ADVICE)
    lines += [
        "⚠️ <b>Title brand</b> (a permanent note on the title): "
        + _record_line(record, named=False)
        + ". Ask the seller what it means for this car."
        for record in history.section("brand")
        if not record.writes_off
    ]
    lines += [
        f"⚠️ <b>Mileage went down</b>: {before.odometer or 0:,} mi on {before.date}, then "
        f"{after.odometer or 0:,} mi on {after.date}. The odometer may have been rolled back, "
        "or a record has a typo: compare with the service records before you pay."
        for before, after in history.odometer_rollbacks
    ]
    if history.vin_changed:
        lines.append(
            "⚠️ <b>VIN changed</b>: NMVTIS records a change of VIN for this car. Ask the seller "
            "why, and check that the VIN on the car (windscreen, door pillar) matches the title."
        )
    return lines


_DANGER_ORDER: Final = ("theft", "lien", "recovered", "export")


def _body(check: TitleCheck) -> list[str]:
    """Danger first (theft, lien, write-offs, odometer, exports), then what was not found,
    then the other events (for sale, towed)."""
    events = check.theft.events if check.theft is not None else ()
    dangerous = sorted(
        (e for e in events if e.kind in _DANGER_ORDER), key=lambda e: _DANGER_ORDER.index(e.kind)
    )
    lines = [_event_line(event) for event in dangerous if event.kind != "export"]
    history = _history_dangers(check.history) if check.history is not None else []
    lines += history
    lines += [_event_line(event) for event in dangerous if event.kind == "export"]
    if check.theft is not None and not dangerous:
        lines.append("No theft, lien or export records found.")
    if check.history is not None and not check.history.records:
        lines.append(NO_TITLE_RECORDS)
    elif check.history is not None and not history:
        lines.append("No salvage, junk, total-loss or title-brand records found.")
    lines += [_event_line(event) for event in events if event.kind not in _DANGER_ORDER]
    return lines


def _missing(check: TitleCheck) -> list[str]:
    lines = []
    if check.theft is None:
        lines.append(
            "⚠️ The lien and theft records couldn't be reached just now, so this answer "
            f"doesn't include them. Checking again uses {CHECK_COST} paid lookups again, so "
            "wait a few minutes first."
        )
    if check.history is None:
        lines.append(
            "⚠️ The NMVTIS title records couldn't be reached just now, so this answer "
            f"doesn't include them. Checking again uses {CHECK_COST} paid lookups again, so "
            "wait a few minutes first."
        )
    return lines


def _titles(history: TitleHistory | None) -> Sequence[str]:
    if history is None or not history.records:  # none at all: _body says so
        return []
    titles = history.titles
    if not titles:
        return ["", "<b>Title history</b>", "No title records found."]
    return ["", "<b>Title history</b> (oldest first)", *(_record_line(r) for r in titles)]


def render_check(check: TitleCheck) -> str:
    """Danger first (theft, lien, write-offs, odometer, exports), then the title history."""
    lines = [f"{TITLE} for <code>{esc(check.vin)}</code>", *_missing(check), *_body(check)]
    lines += _titles(check.history)
    checked = _moment(check.checked_at)
    if check.complete:  # only a complete answer is kept
        until = _moment(check.checked_at + dt.timedelta(seconds=keys.TITLE_CHECK_TTL))
        kept = f"<i>Checked {checked}. Asking again before {until} shows this answer for free.</i>"
    else:
        kept = f"<i>Checked {checked}.</i>"
    return fit(lines, tail=["", kept, COVERAGE])


def _plain(line: str) -> str:
    for marker, word in _PLAIN_MARKERS:
        if line.startswith(marker):
            line = word + line.removeprefix(marker)
    return html.unescape(_TAG.sub("", line))


def _is_danger(line: str) -> bool:
    return line.startswith(("⛔", "⚠️")) or line == WRITE_OFF_ADVICE


_TAG: Final = re.compile(r"<[^>]+>")


def title_check_summary(check: TitleCheck) -> TitleCheckSummary:
    """The check as plain lines for the PDF report (words for the chat's ⛔ and ⚠️, which the
    PDF's font lacks): danger first, then history, and the coverage note apart."""
    body = [*_missing(check), *_body(check)]
    titles = [line for line in _titles(check.history) if line]
    return TitleCheckSummary(
        source="CarsXE lien & theft, NMVTIS title history",
        checked_at=check.checked_at,
        danger=tuple(_plain(line) for line in body if _is_danger(line)),
        lines=tuple(_plain(line) for line in (*body, *titles) if not _is_danger(line)),
        coverage=_plain(COVERAGE),
    )
