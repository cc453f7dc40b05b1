"""The theft and title check as Telegram HTML, in the reader's language: the offer with its
cost, then danger first.

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
from vinbot.i18n import N_
from vinbot.i18n.bidi import without_direction_controls
from vinbot.models.callback import CallbackAction
from vinbot.models.report import TitleCheckSummary
from vinbot.models.title_check import CHECK_COST

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vinbot.i18n import Words
    from vinbot.models.callback import CallbackCodec
    from vinbot.models.records import QuotaDecision
    from vinbot.models.title_check import (
        RecordSection,
        TheftEvent,
        TitleCheck,
        TitleHistory,
        TitleRecord,
    )
    from vinbot.services.title_check import Offer

# The alert (at most 200 characters) for someone pressing another person's ✅ in a group.
NOT_YOUR_CHECK: Final = N_(
    "This check would use the paid lookups of the person who asked. For your own, press "
    "🛡 Theft & title under the decode or send /check with the VIN."
)
# The chat's danger markers, kept out of the messages (the PDF writes words instead).
_STOLEN: Final = "⛔ "
_WARNING: Final = "⚠️ "
_NOTE: Final = "📌 "
_RECORD_NAMES: Final[dict[RecordSection, str]] = {
    "junk_salvage": N_("Junk/salvage yard report"),
    "insurance": N_("Insurance total-loss report"),
    "brand": N_("Title brand"),
    "title": N_("Title"),
    "history": N_("Title record"),
}
_DETAIL_LIMIT: Final = 200


def not_your_check(words: Words) -> str:
    """The alert for someone pressing another person's ✅ (at most 200 characters)."""
    return words.t(NOT_YOUR_CHECK)


def button(words: Words) -> str:
    """The 🛡 button's label under a decode."""
    return words.pt("button", "🛡 Theft & title")


def _heading(words: Words, vin: str) -> str:
    return words.t("🛡 <b>Theft &amp; title check</b> for <code>{vin}</code>", vin=esc(vin))


def usage(words: Words) -> str:
    """/check without a VIN."""
    return words.nt(
        "Send the VIN after the command, like <code>/check 1HGCM82633A004352</code>: lien, "
        "theft and US title records before you buy ({count} paid lookup; a recent answer is "
        "free).",
        "Send the VIN after the command, like <code>/check 1HGCM82633A004352</code>: lien, "
        "theft and US title records before you buy ({count} paid lookups; a recent answer is "
        "free).",
        CHECK_COST,
    )


def no_key(words: Words) -> str:
    """/check on a bot with no CarsXE key."""
    return words.t(
        "The theft and title check comes from CarsXE, and this bot has no CarsXE key "
        "configured, so I can't check cars here."
    )


def unavailable(words: Words) -> str:
    """Neither source could answer now."""
    return words.t(
        "I couldn't reach the theft and title records right now. Please try again in a few minutes."
    )


def coverage(words: Words) -> str:
    """What the sources cover and what they do not (closes every answer)."""
    return words.t(
        "<i>What this covers: US lien and theft reports (not every lender or state reports to "
        "them), and NMVTIS, the US national title database (title brands, junk, salvage and "
        "insurance write-offs, title and odometer records from state agencies). It doesn't "
        "include accidents or repairs unless an insurer wrote the car off, nor cars titled "
        "outside the US. “No records found” means nothing was reported to these sources, not "
        "that the car is problem-free: look for a lienholder on the paper title, and have the "
        "car inspected.</i>"
    )


def sources(words: Words) -> str:
    """What the check will ask (in the offer)."""
    return words.t(
        "I'll ask two US sources: lien and theft reports, and NMVTIS, the US national title "
        "database (title brands such as salvage or flood, junk and insurance write-offs, "
        "odometer readings)."
    )


def no_title_records(words: Words) -> str:
    """NMVTIS answered with no records at all (which is not a clean car)."""
    return words.t(
        "NMVTIS has no title records for this VIN at all, so it can't tell whether the car was "
        "ever salvaged or branded. Ask the seller for the title and have the car inspected."
    )


def write_off_advice(words: Words) -> str:
    """Said once after the write-off records."""
    return words.t(
        "Cars like this are usually worth much less and can be hard to insure: have a mechanic "
        "check the repairs before you pay."
    )


def not_us_market(words: Words, vin: str, country: str | None, region: str | None) -> str:
    """Why a VIN built for another market gets no check (and that nothing was spent)."""
    where = country or region
    if where:
        # Translators: {place} is a country or a region of the world, in the reader's language.
        why = words.t(
            "This VIN doesn't look like one made for the US market: cars sold new in the US "
            "carry a check digit (the 9th character) that adds up and a maker code NHTSA knows, "
            "and this one lacks one of them (its maker code is from {place}). The check reads "
            "US records only, so I didn't run it and nothing was spent.",
            place=esc(words.place(where)),
        )
    else:
        why = words.t(
            "This VIN doesn't look like one made for the US market: cars sold new in the US "
            "carry a check digit (the 9th character) that adds up and a maker code NHTSA knows, "
            "and this one lacks one of them. The check reads US records only, so I didn't run it "
            "and nothing was spent."
        )
    return f"{_heading(words, vin)}\n{why}"


def refused(words: Words, decision: QuotaDecision) -> str:
    """Why ✅ ran no check: the quota could not cover both paid lookups (nothing spent)."""
    resets_at = decision.resets_at
    when = words.date_time(resets_at) if resets_at is not None else None
    if decision.reason == "bot_monthly":
        if when is None:
            return words.nt(
                "I didn't run the check: this bot has fewer than {count} paid lookup left this "
                "month. Nothing was spent. They're back soon.",
                "I didn't run the check: this bot has fewer than {count} paid lookups left this "
                "month. Nothing was spent. They're back soon.",
                CHECK_COST,
            )
        # Translators: {when} is a date and time, in UTC.
        return words.nt(
            "I didn't run the check: this bot has fewer than {count} paid lookup left this "
            "month. Nothing was spent. They're back {when} UTC.",
            "I didn't run the check: this bot has fewer than {count} paid lookups left this "
            "month. Nothing was spent. They're back {when} UTC.",
            CHECK_COST,
            when=when,
        )
    if when is None:
        return words.nt(
            "I didn't run the check: it needs {count} paid lookup and you have fewer than "
            "{count} left today. Nothing was spent. Your quota resets soon.",
            "I didn't run the check: it needs {count} paid lookups and you have fewer than "
            "{count} left today. Nothing was spent. Your quota resets soon.",
            CHECK_COST,
        )
    # Translators: {when} is a date and time, in UTC.
    return words.nt(
        "I didn't run the check: it needs {count} paid lookup and you have fewer than "
        "{count} left today. Nothing was spent. Your quota resets {when} UTC.",
        "I didn't run the check: it needs {count} paid lookups and you have fewer than "
        "{count} left today. Nothing was spent. Your quota resets {when} UTC.",
        CHECK_COST,
        when=when,
    )


def _cost_line(words: Words, offer: Offer, asker: str | None) -> str:  # noqa: PLR0911 - one per case
    """What pressing ✅ uses, or why it cannot be pressed now."""
    cost, left = offer.cost, offer.left
    if left is None:
        return words.nt(
            "Pressing ✅ Check below uses {count} paid lookup.",
            "Pressing ✅ Check below uses {count} paid lookups.",
            cost,
        )
    if not offer.affordable and offer.limit == "bot_monthly":
        # Translators: {cost} is how many paid lookups a check needs, {count} how many the
        # bot has left.
        return words.nt(
            "A check needs {cost} paid lookups, and this bot has {count} left this month, so I "
            "can't run it now. Paid lookups come back at the start of next month (UTC).",
            "A check needs {cost} paid lookups, and this bot has {count} left this month, so I "
            "can't run it now. Paid lookups come back at the start of next month (UTC).",
            left,
            cost=cost,
        )
    if not offer.affordable and asker is None:
        # Translators: {cost} is how many paid lookups a check needs, {count} how many the
        # user has left.
        return words.nt(
            "A check needs {cost} paid lookups and you have {count} left today, so I can't run "
            "it now. Your quota resets at midnight UTC.",
            "A check needs {cost} paid lookups and you have {count} left today, so I can't run "
            "it now. Your quota resets at midnight UTC.",
            left,
            cost=cost,
        )
    if not offer.affordable and left <= 0:
        # Translators: {cost} is how many paid lookups a check needs; {asker} is the first name
        # of the person who asked, in a group; keep it the subject (a name cannot be declined).
        return words.t(
            "A check needs {cost} paid lookups, so I can't run it now: {asker} has no paid "
            "lookups left today. The quota resets at midnight UTC.",
            cost=cost,
            asker=asker,
        )
    if not offer.affordable:
        # Translators: {asker} is the first name of the person who asked, in a group; keep it
        # the subject (a name cannot be declined).
        return words.nt(
            "A check needs {cost} paid lookups, so I can't run it now: {asker} can make only "
            "{count} more today. The quota resets at midnight UTC.",
            "A check needs {cost} paid lookups, so I can't run it now: {asker} can make only "
            "{count} more today. The quota resets at midnight UTC.",
            left,
            cost=cost,
            asker=asker,
        )
    if offer.limit == "bot_monthly":
        # Translators: {cost} is how many paid lookups a check uses, {count} how many the
        # bot has left.
        return words.nt(
            "Pressing ✅ Check below uses {cost} of the {count} paid lookup this bot has left "
            "this month.",
            "Pressing ✅ Check below uses {cost} of the {count} paid lookups this bot has left "
            "this month.",
            left,
            cost=cost,
        )
    if asker is None:
        # Translators: {cost} is how many paid lookups a check uses, {count} how many the
        # user has left.
        return words.nt(
            "Pressing ✅ Check below uses {cost} of your {count} paid lookup left today.",
            "Pressing ✅ Check below uses {cost} of your {count} paid lookups left today.",
            left,
            cost=cost,
        )
    # Translators: {asker} is the first name of the person who asked, in a group; keep it the
    # subject (a name cannot be declined).
    return words.nt(
        "Pressing ✅ Check below uses {cost} of the {count} paid lookup {asker} can still make "
        "today.",
        "Pressing ✅ Check below uses {cost} of the {count} paid lookups {asker} can still make "
        "today.",
        left,
        cost=cost,
        asker=asker,
    )


def _nothing_spent_yet(words: Words, asker: str | None) -> str:
    hours = keys.TITLE_CHECK_TTL // 3600
    if asker is None:
        return words.nt(
            "Nothing is spent until you press it, and the answer can then be shown again for "
            "free for {count} hour.",
            "Nothing is spent until you press it, and the answer can then be shown again for "
            "free for {count} hours.",
            hours,
        )
    # Translators: {asker} is the first name of the person who asked, in a group.
    return words.nt(
        "Nothing is spent until {asker} presses it, and the answer can then be shown again for "
        "free for {count} hour.",
        "Nothing is spent until {asker} presses it, and the answer can then be shown again for "
        "free for {count} hours.",
        hours,
        asker=asker,
    )


def render_offer(words: Words, offer: Offer, asker: str | None = None) -> str:
    """What the check reads and what it costs against the allowance of the person who asked.

    `asker` is their name in a group, where "your" could mean anyone reading.
    """
    named = None if asker is None else esc(without_direction_controls(asker))
    cost = _cost_line(words, offer, named)
    if offer.affordable:
        cost = f"{cost} {_nothing_spent_yet(words, named)}"
    return words.paragraphs("\n".join([_heading(words, offer.vin), sources(words), "", cost]))


def offer_keyboard(
    words: Words, codec: CallbackCodec, offer: Offer, owner: int
) -> InlineKeyboardMarkup | None:
    """The confirm button, which only the person who asked may press; none when unaffordable."""
    if not offer.affordable:
        return None
    data = codec.encode(CallbackAction.TITLE_CONFIRM, offer.vin, owner=owner)
    # Translators: a button label.
    label = words.nt(
        "✅ Check (uses {count} paid lookup)",
        "✅ Check (uses {count} paid lookups)",
        offer.cost,
    )
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])


def _where_when(words: Words, location: str | None, date: dt.date | None) -> str:
    place = esc(clip(location, 60)) if location else None
    if place and date:
        # Translators: where and when an event was recorded, after its name.
        return " " + words.t("({place}, {date})", place=place, date=words.date(date))
    if place:
        return f" ({place})"
    if date:
        return f" ({words.date(date)})"
    return ""


def _says(words: Words, event: TheftEvent) -> str:
    if not event.details:
        return ""
    quoted = esc(clip(" ".join(event.details), _DETAIL_LIMIT))
    # Translators: {quote} is the record's own words, in English, as the provider gives them.
    return " " + words.t("The record says: “{quote}”", quote=quoted)


def _event_line(words: Words, event: TheftEvent) -> str:
    name = esc(clip(event.name, 60))
    where = _where_when(words, event.location, event.date)
    match event.kind:
        case "theft":
            # Translators: {name} is the event as the provider names it ("Active Theft"),
            # {where} where and when it was recorded, in parentheses, or nothing.
            line = _STOLEN + words.t(
                "<b>{name}</b>{where}: this car is reported stolen. Don't pay for it or "
                "confront the seller; tell the police, with the VIN and where the car is "
                "offered.",
                name=name,
                where=where,
            )
        case "lien" if event.lienholder:
            # Translators: {holder} is the lender's name as the provider gives it.
            line = _WARNING + words.t(
                "<b>{name}</b>{where}, held by {holder}: a loan is still recorded on this car, "
                "so the lender can claim it. This is common and fixable: before you pay, get a "
                "letter from the lender saying the loan is paid off (a lien release), or pay "
                "the lender directly.",
                name=name,
                where=where,
                holder=esc(clip(event.lienholder, 80)),
            )
        case "lien":
            line = _WARNING + words.t(
                "<b>{name}</b>{where}: a loan is still recorded on this car, so the lender can "
                "claim it. This is common and fixable: before you pay, get a letter from the "
                "lender saying the loan is paid off (a lien release), or pay the lender "
                "directly.",
                name=name,
                where=where,
            )
        case "recovered":
            line = _WARNING + words.t(
                "<b>{name}</b>{where}: the car was stolen once and found. Make sure its title "
                "and papers are in order.",
                name=name,
                where=where,
            )
        case "export":
            line = _WARNING + words.t(
                "<b>{name}</b>{where}: reported exported from the US. If this car is for sale "
                "in the US, check that the VIN on the car matches the title.",
                name=name,
                where=where,
            )
        case _:
            line = _NOTE + words.t("<b>{name}</b>{where}.", name=name, where=where)
    return line + _says(words, event)


def _miles(words: Words, odometer: int) -> str:
    """An odometer reading: a plural, so "1 mile", "2 мили", "5 миль" each take their own form."""
    return words.nt("{count} mile", "{count} miles", odometer)


def _record_line(words: Words, record: TitleRecord, *, named: bool = True) -> str:
    description = esc(clip(record.description, 80)) if record.description else ""
    parts: list[str] = []
    if named:
        section = words.t(_RECORD_NAMES[record.section])
        parts.append(
            # Translators: a kind of title record and what it says ("Title brand: SALVAGE").
            words.t("{record}: {description}", record=section, description=description)
            if description
            else section
        )
    elif description:
        parts.append(description)
    if record.state:
        parts.append(esc(clip(record.state, 40)))
    if record.odometer is not None:
        parts.append(_miles(words, record.odometer))
    if record.reported_by:
        parts.append(words.t("reported by {source}", source=esc(clip(record.reported_by, 80))))
    date = words.date(record.date) if record.date else words.t("date not given")
    return " · ".join([date, *parts])


def _written_off(words: Words, record: TitleRecord) -> str:
    # Translators: {record} is the record: date · kind: what it says · state · mileage.
    return _WARNING + words.t(
        "<b>Written off or badly damaged</b> (salvage, total loss, flood, rebuilt, lemon…): "
        "{record}",
        record=_record_line(words, record),
    )


def _history_dangers(words: Words, history: TitleHistory) -> list[str]:
    """Write-offs, other title brands, odometer roll-backs and a changed VIN."""
    lines = [_written_off(words, record) for record in history.write_offs]
    if lines:
        lines.append(write_off_advice(words))
    lines += [
        _WARNING
        # Translators: {record} is the record: date · what the brand says · state.
        + words.t(
            "<b>Title brand</b> (a permanent note on the title): {record}. Ask the seller what "
            "it means for this car.",
            record=_record_line(words, record, named=False),
        )
        for record in history.section("brand")
        if not record.writes_off
    ]
    lines += [
        _WARNING
        # Translators: {before} and {after} are odometer readings ("40,000 miles", worded by
        # "{count} mile"), each with the date it was recorded.
        + words.t(
            "<b>Mileage went down</b>: {before} on {before_date}, then {after} on "
            "{after_date}. The odometer may have been rolled back, or a record has a typo: "
            "compare with the service records before you pay.",
            before=_miles(words, before.odometer or 0),
            before_date=_date(words, before.date),
            after=_miles(words, after.odometer or 0),
            after_date=_date(words, after.date),
        )
        for before, after in history.odometer_rollbacks
    ]
    if history.vin_changed:
        lines.append(
            _WARNING
            + words.t(
                "<b>VIN changed</b>: NMVTIS records a change of VIN for this car. Ask the seller "
                "why, and check that the VIN on the car (windscreen, door pillar) matches the "
                "title."
            )
        )
    return lines


def _date(words: Words, date: dt.date | None) -> str:
    return words.date(date) if date is not None else words.t("date not given")


_DANGER_ORDER: Final = ("theft", "lien", "recovered", "export")


def _body(words: Words, check: TitleCheck) -> list[str]:
    """Danger first (theft, lien, write-offs, odometer, exports), then what was not found,
    then the other events (for sale, towed)."""
    events = check.theft.events if check.theft is not None else ()
    dangerous = sorted(
        (e for e in events if e.kind in _DANGER_ORDER), key=lambda e: _DANGER_ORDER.index(e.kind)
    )
    lines = [_event_line(words, event) for event in dangerous if event.kind != "export"]
    history = _history_dangers(words, check.history) if check.history is not None else []
    lines += history
    lines += [_event_line(words, event) for event in dangerous if event.kind == "export"]
    if check.theft is not None and not dangerous:
        lines.append(words.t("No theft, lien or export records found."))
    if check.history is not None and not check.history.records:
        lines.append(no_title_records(words))
    elif check.history is not None and not history:
        lines.append(words.t("No salvage, junk, total-loss or title-brand records found."))
    lines += [_event_line(words, event) for event in events if event.kind not in _DANGER_ORDER]
    return lines


def _missing(words: Words, check: TitleCheck) -> list[str]:
    lines = []
    if check.theft is None:
        lines.append(
            _WARNING
            + words.nt(
                "The lien and theft records couldn't be reached just now, so this answer "
                "doesn't include them. Checking again uses {count} paid lookup again, so wait a "
                "few minutes first.",
                "The lien and theft records couldn't be reached just now, so this answer "
                "doesn't include them. Checking again uses {count} paid lookups again, so wait "
                "a few minutes first.",
                CHECK_COST,
            )
        )
    if check.history is None:
        lines.append(
            _WARNING
            + words.nt(
                "The NMVTIS title records couldn't be reached just now, so this answer doesn't "
                "include them. Checking again uses {count} paid lookup again, so wait a few "
                "minutes first.",
                "The NMVTIS title records couldn't be reached just now, so this answer doesn't "
                "include them. Checking again uses {count} paid lookups again, so wait a few "
                "minutes first.",
                CHECK_COST,
            )
        )
    return lines


def _titles(words: Words, history: TitleHistory | None) -> Sequence[str]:
    if history is None or not history.records:  # none at all: _body says so
        return []
    titles = history.titles
    if not titles:
        return ["", words.t("<b>Title history</b>"), words.t("No title records found.")]
    return [
        "",
        words.t("<b>Title history</b> (oldest first)"),
        *(_record_line(words, r) for r in titles),
    ]


def render_check(words: Words, check: TitleCheck) -> str:
    """Danger first (theft, lien, write-offs, odometer, exports), then the title history."""
    lines = [_heading(words, check.vin), *_missing(words, check), *_body(words, check)]
    lines += _titles(words, check.history)
    checked = words.date_time(check.checked_at)
    if check.complete:  # only a complete answer is kept
        until = words.date_time(check.checked_at + dt.timedelta(seconds=keys.TITLE_CHECK_TTL))
        # Translators: {checked} and {until} are dates and times, in UTC.
        kept = words.t(
            "<i>Checked {checked} UTC. Asking again before {until} UTC shows this answer for "
            "free.</i>",
            checked=checked,
            until=until,
        )
    else:
        # Translators: {checked} is a date and time, in UTC.
        kept = words.t("<i>Checked {checked} UTC.</i>", checked=checked)
    return fit(words, lines, tail=["", kept, coverage(words)])


_TAG: Final = re.compile(r"<[^>]+>")


def _plain(words: Words, line: str) -> str:
    """A chat line for the PDF: markers as words, no tags, no entities."""
    if line.startswith(_STOLEN):
        # Translators: in the PDF report, before a theft record, in capitals.
        line = words.t("STOLEN – {line}", line=line.removeprefix(_STOLEN))  # noqa: RUF001 - a dash
    elif line.startswith(_WARNING):
        # Translators: in the PDF report, before a warning.
        line = words.t("Warning: {line}", line=line.removeprefix(_WARNING))
    elif line.startswith(_NOTE):
        # Translators: in the PDF report, before a note.
        line = words.t("Note: {line}", line=line.removeprefix(_NOTE))
    return html.unescape(_TAG.sub("", line))


def title_check_summary(words: Words, check: TitleCheck) -> TitleCheckSummary:
    """The check as plain lines for the PDF report (words for the chat's ⛔ and ⚠️, which the
    PDF's font lacks): danger first, then history, and the coverage note apart."""
    body = [*_missing(words, check), *_body(words, check)]
    titles = [line for line in _titles(words, check.history) if line]
    advice = write_off_advice(words)

    def is_danger(line: str) -> bool:
        return line.startswith((_STOLEN, _WARNING)) or line == advice

    return TitleCheckSummary(
        source=words.t("CarsXE lien & theft, NMVTIS title history"),
        checked_at=check.checked_at,
        danger=tuple(_plain(words, line) for line in body if is_danger(line)),
        lines=tuple(_plain(words, line) for line in (*body, *titles) if not is_danger(line)),
        coverage=_plain(words, coverage(words)),
    )
