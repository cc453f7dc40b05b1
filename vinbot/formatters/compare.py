"""Two cars side by side, one attribute per line pair so it fits a phone, differences marked.

A monospace table would need two value columns plus labels: wider than a phone shows without
wrapping. Each attribute is one line when both cars agree ("= Make: Honda") and three when
they differ ("≠ Year" then "A: 2003" and "B: 2012"), so nothing is cut off on a narrow screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.formatters import units as u
from vinbot.formatters.html import clip, esc, fit
from vinbot.formatters.vin_words import SOURCE_LABELS, decode_note
from vinbot.i18n import words_in
from vinbot.models.callback import CallbackAction
from vinbot.models.vehicle import Attr

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from vinbot.models.callback import CallbackCodec
    from vinbot.models.compare import ComparedCar, Comparison
    from vinbot.models.records import Units

type CompareList = str  # "h" (history) or "g" (garage): where the cars to pick come from

COMPARE_USAGE = (
    "Send two VINs after the command, like <code>/compare 1HGCM82633A004352 "
    "WBAFR7C57CC811956</code>, or press <b>⚖️ Compare</b> under /history or /garage."
)
COMPARE_SAME_CAR = "Those are the same VIN twice. Send two different cars to compare."
# A pop-up alert (answerCallbackQuery): plain text, at most 200 characters.
TOO_FEW_ALERT = (
    "This list needs at least two cars to compare. Decode another VIN (and press 💾 Save to "
    "add it to your garage), or send /compare VIN VIN."
)
COMPARE_PICK_FIRST = "⚖️ <b>Compare two cars</b>\nPick the first car (A):"
RECALLS_NOT_LOOKED_UP = (
    "<i>Comparing doesn't look up recalls. To see them, open a car with its 🔎 button below "
    "and press 🔔 Recalls (or send /recalls with its VIN), then compare again.</i>"
)
NOT_KNOWN: Final = "not known"
NOT_CHECKED: Final = "not checked yet"
_LABEL_LIMIT: Final = 28
_VALUE_LIMIT: Final = 120


@dataclass(frozen=True, slots=True)
class _Row:
    label: str
    first: str | None
    second: str | None
    # What decides "same": by default the shown text, case and spacing aside.
    first_key: object = None
    second_key: object = None
    unknown: str = NOT_KNOWN

    @property
    def known(self) -> bool:
        return self.first is not None and self.second is not None

    @property
    def differs(self) -> bool:
        if not self.known:
            return False
        if self.first_key is not None or self.second_key is not None:
            return self.first_key != self.second_key
        return _same_text(self.first) != _same_text(self.second)


def _same_text(value: str | None) -> str:
    return " ".join((value or "").split()).casefold()


def _engine(car: ComparedCar) -> str | None:
    a = car.result.spec.attributes
    engine = a.get(Attr.ENGINE)
    if engine:
        return engine
    litres, cylinders = a.get(Attr.ENGINE_DISPLACEMENT_L), a.get(Attr.ENGINE_CYLINDERS)
    words = [f"{litres} L" if litres else "", f"{cylinders} cylinders" if cylinders else ""]
    return ", ".join(w for w in words if w) or None


def _recalls(car: ComparedCar) -> tuple[str | None, int | None]:
    outcome = car.recalls
    if outcome is None:
        return None, None
    report = outcome.report
    count = report.count
    scope = "for this VIN" if report.vin_specific else "for the model (NHTSA)"
    campaigns = "campaign" if count == 1 else "campaigns"
    return f"{count} {campaigns} {scope}", count


def _rows(comparison: Comparison, units: Units) -> list[_Row]:
    first, second = comparison.first, comparison.second

    def both(pick: Callable[[ComparedCar], str | None]) -> tuple[str | None, str | None]:
        return pick(first), pick(second)

    def attr(key: str) -> tuple[str | None, str | None]:
        return both(lambda car: car.result.spec.attributes.get(key) or None)

    def economy(car: ComparedCar) -> str | None:
        a = car.result.spec.attributes
        return u.economy(words_in("en"), a.get(Attr.CITY_MPG), a.get(Attr.HIGHWAY_MPG), units)

    def price(car: ComparedCar) -> str | None:
        msrp = car.result.spec.attributes.get(Attr.MSRP_USD)
        return u.money(words_in("en"), msrp) if msrp else None

    def year(car: ComparedCar) -> str | None:
        value = car.result.model_year
        return str(value) if value else None

    recalls_a, count_a = _recalls(first)
    recalls_b, count_b = _recalls(second)
    return [
        _Row("Year", *both(year)),
        _Row("Make", *both(lambda car: car.result.spec.make)),
        _Row("Model", *both(lambda car: car.result.spec.model)),
        _Row("Trim", *both(lambda car: car.result.spec.trim)),
        _Row("Engine", *both(_engine)),
        _Row("Transmission", *attr(Attr.TRANSMISSION)),
        _Row("Drivetrain", *attr(Attr.DRIVETRAIN)),
        _Row("Fuel economy", *both(economy)),
        _Row("Original price", *both(price)),
        _Row("Recalls", recalls_a, recalls_b, count_a, count_b, unknown=NOT_CHECKED),
    ]


def _row_lines(row: _Row) -> list[str]:
    label = f"<b>{esc(row.label)}</b>"
    a = esc(clip(row.first or row.unknown, _VALUE_LIMIT))
    b = esc(clip(row.second or row.unknown, _VALUE_LIMIT))
    if row.known and not row.differs:
        return [f"= {label}: {a}"]
    if row.first is None and row.second is None:
        return [f"— {label}: {esc(row.unknown)} for either car"]
    mark = "≠" if row.differs else "?"
    return [f"{mark} {label}", f"    A: {a}", f"    B: {b}"]


def _title(car: ComparedCar) -> str:
    spec = car.result.spec
    year = car.result.model_year
    words = [str(year) if year else "", spec.make or "", spec.model or "", spec.trim or ""]
    return " ".join(w for w in words if w) or "Unidentified vehicle"


def render_comparison(comparison: Comparison, *, units: Units = "imperial") -> str:
    """The two cars side by side, differences marked ≠ and listed first in a summary line."""
    first, second = comparison.first, comparison.second
    rows = _rows(comparison, units)
    differing = [row.label.lower() for row in rows if row.differs]
    # Recalls are "not checked yet", a different matter: only attributes count here.
    attributes = [row for row in rows if row.unknown == NOT_KNOWN]
    unknown = sum(not row.known for row in attributes)
    summary = (
        f"≠ differs: {esc(', '.join(differing))}"
        if differing
        else "No differences in what's known for both cars."
    )
    if unknown * 2 > len(attributes):
        summary += "\nToo little is known about these cars to compare much."
    lines = [
        "⚖️ <b>Two cars side by side</b>",
        f"<b>A</b>: {esc(clip(_title(first), _VALUE_LIMIT))}",
        f"<code>{esc(first.result.analysis.vin)}</code>",
        f"<b>B</b>: {esc(clip(_title(second), _VALUE_LIMIT))}",
        f"<code>{esc(second.result.analysis.vin)}</code>",
        "",
        summary,
        "<i>≠ differs · = same · ? known for one car only · — not known for either</i>",
        "",
    ]
    for row in rows:
        lines += _row_lines(row)
    tail = [""]
    if first.recalls is None or second.recalls is None:
        tail.append(RECALLS_NOT_LOOKED_UP)
    notes_a, notes_b = first.result.notes, second.result.notes
    for note in dict.fromkeys((*notes_a, *notes_b)):  # e.g. a quota note: say which car
        who = "A and B" if note in notes_a and note in notes_b else "A" if note in notes_a else "B"
        tail.append(f"<i>{who}: {esc(decode_note(words_in('en'), note))}</i>")
    sources = [
        f"{name}: {SOURCE_LABELS[car.result.source]}" for name, car in (("A", first), ("B", second))
    ]
    tail.append(f"<i>Sources: {esc(' · '.join(sources))}</i>")
    return fit(lines, tail=tail)


def comparison_keyboard(codec: CallbackCodec, comparison: Comparison) -> InlineKeyboardMarkup:
    """Buttons that open each car's own answer."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"🔎 {name}: {clip(_title(car), _LABEL_LIMIT)}",
                    callback_data=codec.encode(CallbackAction.DECODE, car.result.analysis.vin),
                )
            ]
            for name, car in (("A", comparison.first), ("B", comparison.second))
        ]
    )


def compare_button(codec: CallbackCodec, source: CompareList, owner: int) -> InlineKeyboardButton:
    """⚖️ Compare under /history ("h") or /garage ("g"), for its owner only."""
    return InlineKeyboardButton(
        "⚖️ Compare two cars",
        callback_data=codec.encode(CallbackAction.COMPARE_START, source, owner=owner),
    )


def pick_first_keyboard(
    codec: CallbackCodec, cars: Sequence[tuple[str, str]], source: CompareList, owner: int
) -> InlineKeyboardMarkup:
    """One button per (VIN, title): the press marks that car as A (the owner's only)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"A: {number}. {clip(title, _LABEL_LIMIT)}",
                    callback_data=codec.encode(
                        CallbackAction.COMPARE_PICK, f"{source}:{vin}", owner=owner
                    ),
                )
            ]
            for number, (vin, title) in enumerate(cars, start=1)
        ]
    )


def pick_second(
    codec: CallbackCodec, cars: Sequence[tuple[str, str]], first: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The text and buttons once car A is marked: every other car, each pressing compares."""
    title = next((t for vin, t in cars if vin == first), first)
    text = (
        "⚖️ <b>Compare two cars</b>\n"
        f"A: {esc(clip(title, _VALUE_LIMIT))} (<code>{esc(first)}</code>)\n"
        "Now pick the second car (B):"
    )
    rows = [
        [
            InlineKeyboardButton(
                f"B: {number}. {clip(other, _LABEL_LIMIT)}",
                callback_data=codec.encode(CallbackAction.COMPARE, f"{first}:{vin}"),
            )
        ]
        for number, (vin, other) in enumerate(cars, start=1)
        if vin != first
    ]
    return text, InlineKeyboardMarkup(rows)
