"""The one-page PDF report: every cached answer about a car, each part dated and sourced.

fpdf2 lays the page out (imported lazily: the bot pays its memory only once a report is asked
for). The text is set in Noto Sans (Latin, Cyrillic, Greek: English, Turkish, Polish, Russian…)
with Noto Sans Arabic as the fallback for Arabic script, shaped by HarfBuzz (uharfbuzz) so
Arabic letters join and runs right to left. Both fonts come from PyPI packages
(fontpkg-noto-sans, fontpkg-noto-sans-arabic; SIL Open Font License 1.1), so `pip install -r
requirements.txt` brings them to every machine and the Docker image. Emoji are not in these
fonts: the page names buttons by their words, and the theft and title check's danger lines are
marked with words ("STOLEN", "Warning:") and printed in red. Headings are larger and coloured
rather than bold (instancing a bold weight from the variable font costs seconds of CPU).

The page is in the presser's language (`render_report(words, data)`): our headings, labels,
notes and footer go through Words; what providers and the other answers' formatters worded is
printed as it comes. A right-to-left language is set flush right, and fpdf2's bidi algorithm
keeps a VIN or a number inside Arabic text left to right (Words wraps them in isolates, which
Noto Sans has as zero-width glyphs).

Pure and synchronous: the report service calls `render_report` in a worker thread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from importlib.resources import as_file, files
from typing import TYPE_CHECKING, Final, Literal

from babel.dates import format_datetime

from vinbot.cache import keys
from vinbot.formatters.market_value import CONDITION_NAMES
from vinbot.formatters.recalls import recall_notes
from vinbot.formatters.vehicle_view import build_view
from vinbot.models.title_check import CHECK_COST, is_us_market

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from fpdf import FPDF

    from vinbot.i18n import Words
    from vinbot.models.market_value import MarketValue, PriceRange
    from vinbot.models.recalls import Recall, RecallOutcome
    from vinbot.models.report import CachedValuation, ReportData, TitleCheckSummary
    from vinbot.models.vehicle import DecodeResult
    from vinbot.services.report import ReportRefusal


def report_title(words: Words) -> str:
    """The report's heading (and the PDF's title, with the VIN)."""
    return words.t("Vehicle report")


# How long each answer is kept goes into its sentence as a {count} of the sentence's own plural
# message, never as a ready-made "6 hours": after "for the last" or "within" Russian, Ukrainian
# and Polish need another case than the one a standalone "1 hour" is in.
def _hours(seconds: int) -> int:
    return seconds // 3600


def _days(seconds: int) -> int:
    return seconds // 86400


def sections(words: Words) -> tuple[str, str, str, str]:
    """The section headings, top to bottom: vehicle, theft and title, recalls, market value."""
    return (
        words.t("Vehicle"),
        words.t("Theft and title"),
        words.t("Recalls"),
        words.t("Market value"),
    )


def decode_missing(words: Words) -> str:
    """The vehicle section when no decode is cached."""
    # Translators: {count} days is how long a decode is kept; "Report" is a button.
    return words.nt(
        "No decode from the last {count} day: send this VIN to the bot, then press Report under "
        "the new answer.",
        "No decode from the last {count} days: send this VIN to the bot, then press Report under "
        "the new answer.",
        _days(keys.SPEC_TTL),
    )


def recalls_missing(words: Words) -> str:
    """The recalls section when no recalls are cached."""
    # Translators: {count} hours is how long recalls are kept; "Recalls" and "Report" are
    # buttons.
    return words.nt(
        "No check from the last {count} hour: press Recalls under the decode (or send /recalls "
        "with the VIN), then press Report again.",
        "No check from the last {count} hours: press Recalls under the decode (or send /recalls "
        "with the VIN), then press Report again.",
        _hours(keys.RECALLS_TTL),
    )


def title_check_missing(words: Words) -> str:
    """The theft and title section when no check is cached (the check can be made)."""
    # Translators: {count} hours is how long a theft and title check is kept.
    missing = words.nt(
        "No theft and title check from the last {count} hour.",
        "No theft and title check from the last {count} hours.",
        _hours(keys.TITLE_CHECK_TTL),
    )
    # Translators: {count} is how many paid lookups the check uses; "Theft & title" and
    # "Report" are buttons.
    how = words.nt(
        "Press Theft & title under the decode (or send /check with the VIN; it uses {count} "
        "paid lookup and asks first), then press Report again.",
        "Press Theft & title under the decode (or send /check with the VIN; it uses {count} "
        "paid lookups and asks first), then press Report again.",
        CHECK_COST,
    )
    return f"{missing} {how}"


def title_check_no_key(words: Words) -> str:
    """The theft and title section on a bot without a CarsXE key."""
    return words.t("This bot has no CarsXE key, so it cannot check theft and title records.")


def title_check_not_us(words: Words) -> str:
    """The theft and title section for a VIN not made for the US market."""
    return words.t(
        "Not available: this VIN wasn't made for the US market, and the check reads US records "
        "only."
    )


def value_missing(words: Words) -> str:
    """The market value section when no valuation is cached."""
    # Translators: "Market value" and "Report" are buttons.
    return words.t(
        "Not valued yet: press Market value under the decode (or send /value with the VIN) and "
        "answer its questions, then press Report again."
    )


def title_check_more(words: Words) -> str:
    """The line standing for theft and title lines cut to fit the page."""
    # Translators: "Theft & title" is a button.
    return words.t("More: press Theft & title under the decode.")


def value_no_key(words: Words) -> str:
    """The market value section on a bot without a CarsXE key."""
    return words.t("This bot has no CarsXE key, so it cannot value cars.")


def footer(words: Words) -> str:
    """The small print at the bottom of the page."""
    return words.t(
        "Made by vinbot from answers it already had: building this report looked nothing up "
        "and cost no lookup. Records are as their sources gave them on the dates shown; they are "
        "not a guarantee of the car's condition or history."
    )


def report_refused(words: Words, refusal: ReportRefusal) -> str:
    """The alert on the 📄 Report press when no report can be made now (≤200 characters)."""
    if refusal == "own_report_building":
        return words.t("Your previous report is still being made: it will arrive in a moment.")
    return words.t("Several reports are being made right now. Please press Report again shortly.")


def report_caption(words: Words, vin: str) -> str:
    """The caption under the sent PDF."""
    return words.t(
        "Report for {vin}: what I already know about this car. Parts not looked up yet say how "
        "to get them.",
        vin=words.ltr(vin),
    )


FONT: Final = "noto"
ARABIC_FONT: Final = "noto-arabic"
_FONT_FILES: Final = (
    (FONT, "fontpkg_noto_sans", "NotoSans[wdth,wght].ttf"),
    (ARABIC_FONT, "fontpkg_noto_sans_arabic", "NotoSansArabic[wdth,wght].ttf"),
)
MAX_DECODE_ROWS: Final = 14
MAX_RECALLS: Final = 5
MAX_TITLE_LINES: Final = 10
PHOTO_WIDTH_MM: Final = 62
PHOTO_HEIGHT_MM: Final = 42
_LINE: Final = 5.0
# Headings stand out by size and colour: a bold instance of the variable font would take
# fontTools seconds to make for every report.
_HEADING_COLOUR: Final = (20, 60, 120)
# Danger lines (stolen, lien, write-off…) are red: the font has no ⛔ or ⚠️ to mark them.
_DANGER_COLOUR: Final = (180, 0, 0)
_MARGIN: Final = 15.0
_BOTTOM: Final = 282.0  # A4 is 297 mm tall: the footer sits under this line


def when(words: Words, moment: dt.datetime) -> str:
    """A moment as the report prints it, in UTC: "5 Dec 2026, 01:40 UTC" (the reader's way)."""
    utc = moment.astimezone(dt.UTC)
    shown = format_datetime(utc, "d MMM y, HH:mm", tzinfo=dt.UTC, locale=_locale(words))
    return f"{shown} UTC"


def _locale(words: Words) -> str:
    return "en_US" if words.language == "en" else words.language


def render_report(words: Words, data: ReportData) -> bytes:
    """The report as PDF bytes (one A4 page), in the reader's language."""
    from fpdf import FPDF  # noqa: PLC0415 - lazy: fpdf2, fontTools and Pillow load on first use

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(f"{report_title(words)} {data.vin}")
    pdf.set_author("vinbot")
    pdf.set_creation_date(data.built_at)
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    with contextlib.ExitStack() as stack:
        _add_fonts(pdf, stack)
        pdf.add_page()
        _Page(pdf, words, data).write()
        return bytes(pdf.output())


def _add_fonts(pdf: FPDF, stack: contextlib.ExitStack) -> None:
    """Registers the fonts from their packages (as real files while the stack is open)."""
    for name, package, filename in _FONT_FILES:
        path = stack.enter_context(as_file(files(package) / "files" / filename))
        pdf.add_font(name, "", str(path))
    pdf.set_fallback_fonts([ARABIC_FONT])
    pdf.set_text_shaping(use_shaping_engine=True)


class _Page:
    """Writes the sections top to bottom, stopping cleanly when the page is full.

    A right-to-left language is set flush right; HarfBuzz shapes each run and fpdf2's bidi
    algorithm orders the runs (a VIN or a number inside Arabic keeps its own direction).
    """

    def __init__(self, pdf: FPDF, words: Words, data: ReportData) -> None:
        self._pdf = pdf
        self._words = words
        self._data = data
        self._full = False
        self._align: Literal["L", "R"] = "R" if words.right_to_left else "L"

    def write(self) -> None:
        words, data = self._words, self._data
        vehicle, title_check, recalls, value = sections(words)
        self._header()
        self._section(vehicle, *_vehicle(words, data.decode))
        source, lines, red = _title_check(
            words, data.title_check, paid=data.paid_features, us_market=is_us_market(data.vin)
        )
        self._section(title_check, source, lines, red=red)
        self._section(recalls, *_recalls(words, data.recalls))
        self._section(value, *_valuation(words, data.valuation, paid=data.paid_features))
        self._footer()

    def _header(self) -> None:
        pdf, words, data, align = self._pdf, self._words, self._data, self._align
        text_width = pdf.epw - (PHOTO_WIDTH_MM + 4 if data.photo else 0)
        pdf.set_font(FONT, "", 20)
        # Wrapped, never run under the photo, however long the words of a language are.
        pdf.multi_cell(text_width, 9, report_title(words), new_x="LMARGIN", align=align)
        pdf.set_font(FONT, "", 13)
        vin = words.t("VIN {vin}", vin=words.ltr(data.vin))
        pdf.multi_cell(text_width, 7, vin, new_x="LMARGIN", align=align)
        if data.decode is not None:
            pdf.set_font(FONT, "", 12)
            title = build_view(words, data.decode).title
            pdf.multi_cell(text_width, 6, title, new_x="LMARGIN", align=align)
        pdf.set_font(FONT, "", 9)
        built = words.t("Built {time} by vinbot.", time=when(words, data.built_at))
        pdf.multi_cell(text_width, 4.5, built, new_x="LMARGIN", align=align)
        if data.photo:
            _photo(pdf, data.photo)

    def _section(
        self, title: str, source: str | None, lines: Sequence[str], *, red: int = 0
    ) -> None:
        """A heading, its source, then the lines; the first `red` lines are dangers, in red."""
        pdf, align = self._pdf, self._align
        if not self._room(_LINE * 3):
            return
        pdf.ln(3)
        pdf.set_draw_color(180, 180, 180)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
        pdf.ln(1.5)
        pdf.set_font(FONT, "", 14)
        pdf.set_text_color(*_HEADING_COLOUR)
        pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT", align=align)
        pdf.set_text_color(0, 0, 0)
        if source:
            pdf.set_font(FONT, "", 8.5)
            pdf.set_text_color(90, 90, 90)
            pdf.multi_cell(0, 4.2, source, new_x="LMARGIN", new_y="NEXT", align=align)
            pdf.set_text_color(0, 0, 0)
        for number, line in enumerate(lines):
            # Set again for every line: after a run in the Arabic fallback font, fpdf2 (2.8.9)
            # would measure the next line's glyphs with the wrong font and leave gaps.
            pdf.set_font(ARABIC_FONT, "", 10)
            pdf.set_font(FONT, "", 10)
            if not self._room(_LINE):
                pdf.cell(0, _LINE, "…", new_x="LMARGIN", new_y="NEXT", align=align)
                return
            pdf.set_text_color(*(_DANGER_COLOUR if number < red else (0, 0, 0)))
            pdf.multi_cell(0, _LINE, line, new_x="LMARGIN", new_y="NEXT", align=align)
        pdf.set_text_color(0, 0, 0)

    def _room(self, height: float) -> bool:
        if self._full or self._pdf.get_y() + height > _BOTTOM - 10:
            self._full = True
        return not self._full

    def _footer(self) -> None:
        pdf = self._pdf
        pdf.set_font(FONT, "", 7.5)
        pdf.set_text_color(90, 90, 90)
        pdf.set_xy(pdf.l_margin, _BOTTOM - 6)
        pdf.multi_cell(0, 3.6, footer(self._words), align=self._align)


def _photo(pdf: FPDF, image: bytes) -> None:
    """The picture at the top right; a picture fpdf2 cannot read is left out."""
    x = pdf.l_margin + pdf.epw - PHOTO_WIDTH_MM
    # Any picture fpdf2 cannot read (a broken or odd file): the report goes without it.
    with contextlib.suppress(Exception):
        pdf.image(
            io.BytesIO(image),
            x=x,
            y=_MARGIN,
            w=PHOTO_WIDTH_MM,
            h=PHOTO_HEIGHT_MM,
            keep_aspect_ratio=True,
        )
    pdf.set_y(max(pdf.get_y(), _MARGIN + PHOTO_HEIGHT_MM + 2))


def _vehicle(words: Words, decode: DecodeResult | None) -> tuple[str | None, list[str]]:
    if decode is None:
        return None, [decode_missing(words)]
    view = build_view(words, decode)
    # Translators: {source} names where the decode came from; {count} days is how long one is
    # kept.
    source = words.nt(
        "Source: {source}. Decoded within the {count} day before this report (vinbot keeps a "
        "decode that long).",
        "Source: {source}. Decoded within the {count} days before this report (vinbot keeps a "
        "decode that long).",
        _days(keys.SPEC_TTL),
        source=view.source,
    )
    rows = [*view.rows, *view.details][:MAX_DECODE_ROWS]
    # Labels and values as the decode's own view words them.
    lines = [f"{label}: {value}" for label, value in rows]
    lines += [words.t("Warning: {warning}", warning=warning) for warning in view.warnings]
    lines += list(view.notes)
    return source, lines


def _recalls(words: Words, outcome: RecallOutcome | None) -> tuple[str | None, list[str]]:
    if outcome is None:
        return None, [recalls_missing(words)]
    report = outcome.report
    name = {"carsxe": "CarsXE", "nhtsa": "NHTSA"}.get(report.source, report.source)
    hours = _hours(keys.RECALLS_TTL)
    if report.vin_specific:
        # Translators: {source} is CarsXE or NHTSA; {count} hours is how long recalls are kept.
        source = words.nt(
            "Source: {source}, for this VIN. Looked up within the {count} hour before this "
            "report (vinbot keeps recalls that long).",
            "Source: {source}, for this VIN. Looked up within the {count} hours before this "
            "report (vinbot keeps recalls that long).",
            hours,
            source=name,
        )
    else:
        # Translators: {source} is CarsXE or NHTSA; {count} hours is how long recalls are kept.
        source = words.nt(
            "Source: {source}, for this make, model and year. Looked up within the {count} hour "
            "before this report (vinbot keeps recalls that long).",
            "Source: {source}, for this make, model and year. Looked up within the {count} hours "
            "before this report (vinbot keeps recalls that long).",
            hours,
            source=name,
        )
    count = report.count
    lines = [words.nt("{count} recall campaign listed.", "{count} recall campaigns listed.", count)]
    lines += [_recall_line(words, recall) for recall in report.recalls[:MAX_RECALLS]]
    if count > MAX_RECALLS:
        # Translators: "Recalls" is a button.
        more = words.nt(
            "And {count} more: press Recalls under the decode.",
            "And {count} more: press Recalls under the decode.",
            count - MAX_RECALLS,
        )
        lines.append(more)
    lines += recall_notes(words, outcome)
    return source, lines


def _recall_line(words: Words, recall: Recall) -> str:
    name = recall.component or recall.name or words.t("Recall")
    campaign = words.ltr(recall.campaign_id)
    if recall.date is not None:
        # Translators: {name} is the part recalled, {campaign} the campaign number, {date} its date.
        first = words.t(
            "{name} (campaign {campaign}, {date})",
            name=name,
            campaign=campaign,
            date=words.date(recall.date),
        )
    else:
        first = words.t("{name} (campaign {campaign})", name=name, campaign=campaign)
    parts = [first]
    if recall.do_not_drive:
        parts.append(words.t("DO NOT DRIVE until repaired"))
    if recall.park_outside:
        parts.append(words.t("park outside, away from buildings"))
    if recall.remedy_available is True:
        parts.append(words.t("remedy available"))
    elif recall.remedy_available is False:
        parts.append(words.t("no remedy yet"))
    return "• " + "; ".join(parts)


def _title_check(
    words: Words, summary: TitleCheckSummary | None, *, paid: bool, us_market: bool
) -> tuple[str | None, list[str], int]:
    """The source, the lines (never more than MAX_TITLE_LINES, the coverage note always last)
    and how many of them, from the top, are dangers."""
    if summary is None:
        if not paid:
            return None, [title_check_no_key(words)], 0
        return None, [title_check_missing(words) if us_market else title_check_not_us(words)], 0
    if summary.checked_at:
        # Translators: {source} names the records read; {time} when they were read (UTC).
        source = words.t(
            "Source: {source}. Checked {time}.",
            source=summary.source,
            time=when(words, summary.checked_at),
        )
    else:
        source = words.t("Source: {source}.", source=summary.source)
    # The check's lines come worded by the check's own formatter.
    lines = [*summary.danger, *summary.lines]
    tail = [summary.coverage] if summary.coverage else []
    if len(lines) + len(tail) > MAX_TITLE_LINES:
        lines = [*lines[: MAX_TITLE_LINES - 2], title_check_more(words)]
    red = min(len(summary.danger), len(lines))
    return source, [*lines, *tail], red


def _valuation(
    words: Words, found: CachedValuation | None, *, paid: bool
) -> tuple[str | None, list[str]]:
    if found is None:
        return None, [value_missing(words) if paid else value_no_key(words)]
    value = found.value
    valued = when(words, found.valued_at)
    if value.published is not None:
        # Translators: {time} is when the car was valued; {date} when the prices were published.
        source = words.t(
            "Source: CarsXE estimate, valued {time} (price data of {date}).",
            time=valued,
            date=words.date(value.published),
        )
    else:
        source = words.t("Source: CarsXE estimate, valued {time}.", time=valued)
    # Translators: {inputs} lists the mileage, the US state and the condition valued for.
    lines = [words.t("For {inputs}.", inputs=_inputs(words, value))]
    lines += list(_ranges(words, value))
    if value.msrp:
        lines.append(words.t("Original MSRP: {price}", price=_money(words, value.msrp)))
    lines.append(words.t("Estimates; real offers vary with options, condition and history."))
    return source, lines


def _inputs(words: Words, value: MarketValue) -> str:
    if value.mileage is not None:
        inputs = [words.nt("{count} mile", "{count} miles", value.mileage)]
    else:
        inputs = [words.t("mileage not given")]
    inputs.append(value.state or words.t("national"))
    inputs.append(words.t(CONDITION_NAMES[value.condition]))
    return words.comma.join(inputs)


def _ranges(words: Words, value: MarketValue) -> Iterator[str]:
    labelled: tuple[tuple[str, PriceRange | None], ...] = (
        (words.pt("field", "Retail (dealer asks)"), value.retail),
        (words.pt("field", "Private party"), value.private_party),
        (words.pt("field", "Trade-in (dealer gives)"), value.trade_in),
        (words.pt("field", "Wholesale"), value.wholesale),
    )
    for label, prices in labelled:
        if prices is None:
            continue
        if prices.low == prices.high:
            yield f"{label}: {_money(words, prices.low)}"
        else:
            # Translators: a price range, e.g. "$2,400 to $4,700".
            shown = words.t(
                "{low} to {high}", low=_money(words, prices.low), high=_money(words, prices.high)
            )
            yield f"{label}: {shown}"


def _money(words: Words, value: int | None) -> str:
    return "—" if value is None else words.money(value)
