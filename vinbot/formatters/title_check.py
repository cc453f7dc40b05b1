"""The theft and title check as Telegram HTML: the offer with its cost, then danger first.

Honest wording: "no records found" never reads as "clean", and every answer says what the
sources cover (US lien/theft reports and NMVTIS US titles) and what they do not.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.cache import keys
from vinbot.formatters.html import clip, esc, fit
from vinbot.models.callback import CallbackAction
from vinbot.models.report import TitleCheckSummary

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vinbot.models.callback import CallbackCodec
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
    "<i>What this covers: lien and theft reports in the US, and NMVTIS, the US national title "
    "database (title brands, junk, salvage and insurance total-loss reports, title and "
    "odometer records from state agencies). It does not cover every accident or repair, nor "
    "cars titled outside the US. “No records found” means nothing was reported to these "
    "sources, not that the car is problem-free: have it inspected too.</i>"
)
SOURCES = (
    "I'll ask two US sources: lien and theft records, and NMVTIS title records (title brands, "
    "salvage and junk reports, insurance total losses, odometer readings)."
)
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
        f"This VIN doesn't look like a car built for the US market{built}. The check reads US "
        "records only (NMVTIS titles and US lien and theft reports), which don't cover cars "
        "titled outside the US, so I didn't make a paid lookup."
    )


def render_offer(offer: Offer) -> str:
    """What the check reads and what it costs against the user's allowance."""
    lines = [
        f"{TITLE} for <code>{esc(offer.vin)}</code>",
        SOURCES,
        "",
    ]
    cost = offer.cost
    if offer.left is None:
        lines.append(f"This uses {cost} paid lookups.")
    elif not offer.affordable and offer.limit == "bot_monthly":
        lines.append(
            f"A check needs {cost} paid lookups, and this bot's monthly budget has "
            f"{offer.left} left, so I can't run it now. It's back at the start of next month "
            "(UTC)."
        )
    elif not offer.affordable:
        lines.append(
            f"A check needs {cost} paid lookups and you have {offer.left} left today, so I "
            "can't run it now. Your quota resets at midnight UTC."
        )
    elif offer.limit == "bot_monthly":
        lines.append(
            f"This uses {cost} of the {offer.left} paid lookups this bot has left this month."
        )
    else:
        lines.append(f"This uses {cost} of your {offer.left} paid lookups left today.")
    if offer.affordable:
        lines.append("Nothing is spent until you press the button.")
    return "\n".join(lines)


def offer_keyboard(codec: CallbackCodec, offer: Offer, owner: int) -> InlineKeyboardMarkup | None:
    """The confirm button, which only the person who asked may press; none when unaffordable."""
    if not offer.affordable:
        return None
    data = codec.encode(CallbackAction.TITLE_CONFIRM, offer.vin, owner=owner)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"✅ Check ({offer.cost} lookups)", callback_data=data)]]
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
                f"⛔ <b>{name}</b>{where}: this car is reported stolen. Don't pay for it; "
                f"contact the police.{_says(event)}"
            )
        case "lien":
            holder = f", held by {esc(clip(event.lienholder, 80))}" if event.lienholder else ""
            return (
                f"⚠️ <b>{name}</b>{where}{holder}: the lender may own the car until the loan is "
                f"paid. Get a lien release before you pay.{_says(event)}"
            )
        case "recovered":
            return (
                f"⚠️ <b>{name}</b>{where}: the car was stolen once and found. Make sure its "
                f"title and papers are in order.{_says(event)}"
            )
        case "export":
            return f"⚠️ <b>{name}</b>{where}: reported exported from the US.{_says(event)}"
        case _:
            return f"📌 <b>{name}</b>{where}.{_says(event)}"


def _record_line(record: TitleRecord) -> str:
    parts = [_RECORD_NAMES[record.section]]
    if record.description:
        parts[0] += f": {esc(clip(record.description, 80))}"
    if record.state:
        parts.append(esc(clip(record.state, 40)))
    if record.odometer is not None:
        parts.append(f"{record.odometer:,} mi")
    if record.reported_by:
        parts.append(f"reported by {esc(clip(record.reported_by, 80))}")
    date = str(record.date) if record.date else "date not given"
    return f"{date} · " + " · ".join(parts)


def _written_off(record: TitleRecord) -> str:
    return "⚠️ <b>Salvage, junk or total-loss record</b>: " + _record_line(record)


def _history_dangers(history: TitleHistory) -> list[str]:
    """Write-offs, other title brands, odometer roll-backs and a changed VIN."""
    lines = [_written_off(record) for record in history.write_offs]
    lines += [
        "⚠️ <b>Title brand</b>: " + _record_line(record)
        for record in history.section("brand")
        if not record.writes_off
    ]
    lines += [
        f"⚠️ <b>The odometer went backwards</b>: {before.odometer or 0:,} mi on {before.date}"
        f", then {after.odometer or 0:,} mi on {after.date}. The mileage may have been rolled "
        "back."
        for before, after in history.odometer_rollbacks
    ]
    if history.vin_changed:
        lines.append("⚠️ NMVTIS says this car's VIN was changed.")
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
    if check.history is not None and not history:
        lines.append("No salvage, junk, total-loss or title-brand records found.")
    lines += [_event_line(event) for event in events if event.kind not in _DANGER_ORDER]
    return lines


def _missing(check: TitleCheck) -> list[str]:
    lines = []
    if check.theft is None:
        lines.append(
            "⚠️ The lien and theft records couldn't be reached just now, so this answer "
            "doesn't include them. Try again in a few minutes."
        )
    if check.history is None:
        lines.append(
            "⚠️ The NMVTIS title records couldn't be reached just now, so this answer "
            "doesn't include them. Try again in a few minutes."
        )
    return lines


def _titles(history: TitleHistory | None) -> Sequence[str]:
    if history is None:
        return []
    titles = history.titles
    if not titles:
        return ["", "<b>Title history</b>", "No title records found."]
    return ["", "<b>Title history</b> (oldest first)", *(_record_line(r) for r in titles)]


def render_check(check: TitleCheck) -> str:
    """Danger first (theft, lien, write-offs, odometer, exports), then the title history."""
    lines = [f"{TITLE} for <code>{esc(check.vin)}</code>", *_missing(check), *_body(check)]
    lines += _titles(check.history)
    hours = keys.TITLE_CHECK_TTL // 3600
    checked = check.checked_at.strftime("%Y-%m-%d %H:%M UTC")
    tail = [
        "",
        f"<i>Checked {checked}; the answer is kept for {hours} hours.</i>",
        COVERAGE,
    ]
    return fit(lines, tail=tail)


def _plain(line: str) -> str:
    return html.unescape(_TAG.sub("", line))


_TAG: Final = re.compile(r"<[^>]+>")


def title_check_summary(check: TitleCheck) -> TitleCheckSummary:
    """The check as plain lines for the PDF report: danger first, then history and coverage."""
    body = [*_missing(check), *_body(check)]
    titles = [line for line in _titles(check.history) if line]
    return TitleCheckSummary(
        source="CarsXE lien & theft, NMVTIS title history",
        checked_at=check.checked_at,
        danger=tuple(_plain(line) for line in body if line.startswith(("⛔", "⚠️"))),
        lines=tuple(
            _plain(line) for line in (*body, *titles, COVERAGE) if not line.startswith(("⛔", "⚠️"))
        ),
    )
