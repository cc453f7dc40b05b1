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
from vinbot.models.callback import CallbackAction
from vinbot.models.vehicle import Attr

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from vinbot.i18n import Words
    from vinbot.models.callback import CallbackCodec
    from vinbot.models.compare import ComparedCar, Comparison
    from vinbot.models.records import Units
    from vinbot.models.vehicle import DecodeNote

type CompareList = str  # "h" (history) or "g" (garage): where the cars to pick come from


def compare_usage(words: Words) -> str:
    """The reply to /compare without two VINs."""
    # Translators: {example} is the command with two VINs; "⚖️ Compare" is a button's label.
    return words.t(
        "Send two VINs after the command, like {example}, or press <b>⚖️ Compare</b> under "
        "/history or /garage.",
        example=f"<code>/compare {_EXAMPLE_VINS}</code>",
    )


def compare_same_car(words: Words) -> str:
    """The reply to one VIN given twice."""
    return words.t("Those are the same VIN twice. Send two different cars to compare.")


def too_few_alert(words: Words) -> str:
    """A pop-up alert (answerCallbackQuery): plain text, at most 200 characters."""
    return words.t(
        "This list needs at least two cars to compare. Decode another VIN (and press 💾 Save to "
        "add it to your garage), or send /compare VIN VIN."
    )


def compare_pick_first(words: Words) -> str:
    """The text above the list of cars to pick car A from."""
    heading = words.t("⚖️ <b>Compare two cars</b>")
    pick = words.t("Pick the first car (A):")
    return f"{heading}\n{pick}"


def recalls_not_looked_up(words: Words) -> str:
    """Why a comparison shows no recalls for a car."""
    text = words.t(
        "Comparing doesn't look up recalls. To see them, open a car with its 🔎 button below "
        "and press 🔔 Recalls (or send /recalls with its VIN), then compare again."
    )
    return f"<i>{text}</i>"


_EXAMPLE_VINS: Final = "1HGCM82633A004352 WBAFR7C57CC811956"
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
    attribute: bool = True  # False for recalls: "not checked yet" rather than "not known"

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


def _engine(words: Words, car: ComparedCar) -> str | None:
    a = car.result.spec.attributes
    engine = a.get(Attr.ENGINE)
    if engine:
        return engine
    litres, cylinders = a.get(Attr.ENGINE_DISPLACEMENT_L), a.get(Attr.ENGINE_CYLINDERS)
    parts = []
    if litres:
        # Translators: an engine's displacement in litres, e.g. "2.4 L".
        parts.append(words.t("{litres} L", litres=litres))
    if cylinders:
        count = u.parse_number(cylinders)
        if count is not None and count.is_integer():
            parts.append(words.nt("{count} cylinder", "{count} cylinders", int(count)))
        else:  # the provider's own text, as it comes
            parts.append(words.t("{cylinders} cylinders", cylinders=cylinders))
    return words.comma.join(parts) or None


def _recalls(words: Words, car: ComparedCar) -> tuple[str | None, int | None]:
    outcome = car.recalls
    if outcome is None:
        return None, None
    report = outcome.report
    count = report.count
    if report.vin_specific:
        text = words.nt("{count} campaign for this VIN", "{count} campaigns for this VIN", count)
    else:
        text = words.nt(
            "{count} campaign for the model (NHTSA)",
            "{count} campaigns for the model (NHTSA)",
            count,
        )
    return text, count


def _price(words: Words, car: ComparedCar) -> str | None:
    msrp = car.result.spec.attributes.get(Attr.MSRP_USD)
    if not msrp:
        return None
    amount = u.parse_number(msrp)
    return msrp if amount is None else words.money(amount)


def _rows(words: Words, comparison: Comparison, units: Units) -> list[_Row]:
    first, second = comparison.first, comparison.second

    def both(pick: Callable[[ComparedCar], str | None]) -> tuple[str | None, str | None]:
        return pick(first), pick(second)

    def attr(key: str) -> tuple[str | None, str | None]:
        return both(lambda car: car.result.spec.attributes.get(key) or None)

    def economy(car: ComparedCar) -> str | None:
        a = car.result.spec.attributes
        return u.economy(words, a.get(Attr.CITY_MPG), a.get(Attr.HIGHWAY_MPG), units)

    def year(car: ComparedCar) -> str | None:
        value = car.result.model_year
        return str(value) if value else None

    recalls_a, count_a = _recalls(words, first)
    recalls_b, count_b = _recalls(words, second)
    return [
        _Row(words.pt("field", "Year"), *both(year)),
        _Row(words.pt("field", "Make"), *both(lambda car: car.result.spec.make)),
        _Row(words.pt("field", "Model"), *both(lambda car: car.result.spec.model)),
        _Row(words.pt("field", "Trim"), *both(lambda car: car.result.spec.trim)),
        _Row(words.pt("field", "Engine"), *both(lambda car: _engine(words, car))),
        _Row(words.pt("field", "Transmission"), *attr(Attr.TRANSMISSION)),
        _Row(words.pt("field", "Drivetrain"), *attr(Attr.DRIVETRAIN)),
        _Row(words.pt("field", "Fuel economy"), *both(economy)),
        _Row(words.pt("field", "Original price"), *both(lambda car: _price(words, car))),
        _Row(words.pt("field", "Recalls"), recalls_a, recalls_b, count_a, count_b, attribute=False),
    ]


def _row_lines(words: Words, row: _Row) -> list[str]:
    label = f"<b>{esc(row.label)}</b>"
    unknown = words.t("not known") if row.attribute else words.t("not checked yet")
    a = esc(clip(row.first or unknown, _VALUE_LIMIT))
    b = esc(clip(row.second or unknown, _VALUE_LIMIT))
    if row.known and not row.differs:
        return [f"= {label}: {a}"]
    if row.first is None and row.second is None:
        if row.attribute:
            # Translators: {label} is a field's name in bold, e.g. "Trim".
            return ["— " + words.t("{label}: not known for either car", label=label)]
        return ["— " + words.t("{label}: not checked yet for either car", label=label)]
    mark = "≠" if row.differs else "?"
    return [f"{mark} {label}", f"    A: {a}", f"    B: {b}"]


def _title(words: Words, car: ComparedCar) -> str:
    spec = car.result.spec
    year = car.result.model_year
    parts = [str(year) if year else "", spec.make or "", spec.model or "", spec.trim or ""]
    return " ".join(p for p in parts if p) or words.t("Unidentified vehicle")


def _who(
    words: Words, note: DecodeNote, notes_a: Sequence[DecodeNote], notes_b: Sequence[DecodeNote]
) -> str:
    if note in notes_a and note in notes_b:
        # Translators: both cars, named A and B.
        return words.t("A and B")
    return "A" if note in notes_a else "B"


def render_comparison(words: Words, comparison: Comparison, *, units: Units = "imperial") -> str:
    """The two cars side by side, differences marked ≠ and listed first in a summary line."""
    first, second = comparison.first, comparison.second
    rows = _rows(words, comparison, units)
    differing = [row.label.lower() for row in rows if row.differs]
    # Recalls are "not checked yet", a different matter: only attributes count here.
    attributes = [row for row in rows if row.attribute]
    unknown = sum(not row.known for row in attributes)
    if differing:
        # Translators: {fields} lists the fields that differ, e.g. "year, model, engine".
        summary = words.t("≠ differs: {fields}", fields=esc(words.comma.join(differing)))
    else:
        summary = words.t("No differences in what's known for both cars.")
    if unknown * 2 > len(attributes):
        summary += "\n" + words.t("Too little is known about these cars to compare much.")
    legend = words.t("≠ differs · = same · ? known for one car only · — not known for either")
    lines = [
        words.t("⚖️ <b>Two cars side by side</b>"),
        f"<b>A</b>: {esc(clip(_title(words, first), _VALUE_LIMIT))}",
        f"<code>{esc(first.result.analysis.vin)}</code>",
        f"<b>B</b>: {esc(clip(_title(words, second), _VALUE_LIMIT))}",
        f"<code>{esc(second.result.analysis.vin)}</code>",
        "",
        summary,
        f"<i>{legend}</i>",
        "",
    ]
    for row in rows:
        lines += _row_lines(words, row)
    tail = [""]
    if first.recalls is None or second.recalls is None:
        tail.append(recalls_not_looked_up(words))
    notes_a, notes_b = first.result.notes, second.result.notes
    tail += [  # e.g. a quota note: say which car
        f"<i>{esc(_who(words, note, notes_a, notes_b))}: {esc(decode_note(words, note))}</i>"
        for note in dict.fromkeys((*notes_a, *notes_b))
    ]
    sources = " · ".join(
        f"{name}: {words.t(SOURCE_LABELS[car.result.source])}"
        for name, car in (("A", first), ("B", second))
    )
    # Translators: {sources} names where each car's data came from, e.g. "A: CarsXE · B: NHTSA".
    shown_sources = words.t("Sources: {sources}", sources=sources)
    tail.append(f"<i>{esc(shown_sources)}</i>")
    return fit(words, lines, tail=tail)


def comparison_keyboard(
    words: Words, codec: CallbackCodec, comparison: Comparison
) -> InlineKeyboardMarkup:
    """Buttons that open each car's own answer."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"🔎 {name}: {clip(_title(words, car), _LABEL_LIMIT)}",
                    callback_data=codec.encode(CallbackAction.DECODE, car.result.analysis.vin),
                )
            ]
            for name, car in (("A", comparison.first), ("B", comparison.second))
        ]
    )


def compare_button(
    words: Words, codec: CallbackCodec, source: CompareList, owner: int
) -> InlineKeyboardButton:
    """⚖️ Compare under /history ("h") or /garage ("g"), for its owner only."""
    return InlineKeyboardButton(
        words.pt("button", "⚖️ Compare two cars"),
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
    words: Words, codec: CallbackCodec, cars: Sequence[tuple[str, str]], first: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The text and buttons once car A is marked: every other car, each pressing compares."""
    title = next((t for vin, t in cars if vin == first), first)
    # Translators: {title} is car A's year, make and model; {vin} its VIN.
    chosen = words.t(
        "A: {title} ({vin})",
        title=esc(clip(title, _VALUE_LIMIT)),
        vin=f"<code>{esc(first)}</code>",
    )
    text = words.paragraphs(
        "\n".join(
            [words.t("⚖️ <b>Compare two cars</b>"), chosen, words.t("Now pick the second car (B):")]
        )
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
