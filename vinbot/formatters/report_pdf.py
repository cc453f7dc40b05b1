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

Pure and synchronous: the report service calls `render_report` in a worker thread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from importlib.resources import as_file, files
from typing import TYPE_CHECKING, Final

from vinbot.cache import keys
from vinbot.formatters.recalls import recall_notes
from vinbot.formatters.vehicle_view import build_view
from vinbot.i18n import words_in
from vinbot.models.title_check import CHECK_COST, is_us_market

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from fpdf import FPDF

    from vinbot.models.market_value import MarketValue, PriceRange
    from vinbot.models.recalls import Recall, RecallOutcome
    from vinbot.models.report import CachedValuation, ReportData, TitleCheckSummary
    from vinbot.models.vehicle import DecodeResult

TITLE: Final = "Vehicle report"


def _days(seconds: int) -> str:
    hours = seconds // 3600
    if hours < 48:  # noqa: PLR2004 - hours read better than "1 day"
        return f"{hours} hours"
    return f"{hours // 24} days"


SECTION_VEHICLE: Final = "Vehicle"
SECTION_RECALLS: Final = "Recalls"
SECTION_TITLE_CHECK: Final = "Theft and title"
SECTION_VALUE: Final = "Market value"
SECTIONS: Final = (SECTION_VEHICLE, SECTION_TITLE_CHECK, SECTION_RECALLS, SECTION_VALUE)

DECODE_MISSING: Final = (
    f"No decode from the last {_days(keys.SPEC_TTL)}: send this VIN to the bot, then press "
    "Report under the new answer."
)
RECALLS_MISSING: Final = (
    f"No check from the last {_days(keys.RECALLS_TTL)}: press Recalls under the decode (or "
    "send /recalls with the VIN), then press Report again."
)
TITLE_CHECK_MISSING: Final = (
    f"No check from the last {_days(keys.TITLE_CHECK_TTL)}: press Theft & title under the "
    f"decode (or send /check with the VIN; it uses {CHECK_COST} paid lookups and asks first), "
    "then press "
    "Report again."
)
TITLE_CHECK_NO_KEY: Final = (
    "This bot has no CarsXE key, so it cannot check theft and title records."
)
TITLE_CHECK_NOT_US: Final = (
    "Not available: this VIN wasn't made for the US market, and the check reads US records only."
)
VALUE_MISSING: Final = (
    "Not valued yet: press Market value under the decode (or send /value with the VIN) and "
    "answer its questions, then press Report again."
)
TITLE_CHECK_MORE: Final = "More: press Theft & title under the decode."
VALUE_NO_KEY: Final = "This bot has no CarsXE key, so it cannot value cars."
FOOTER: Final = (
    "Made by vinbot from answers it already had: building this report looked nothing up and "
    "cost no lookup. Records are as their sources gave them on the dates shown; they are not a "
    "guarantee of the car's condition or history."
)

# What the chat shows around the PDF.
REPORT_BUSY: Final = "Your previous report is still being made: it will arrive in a moment."
REPORTS_BUSY: Final = "Several reports are being made right now. Please press Report again shortly."


def report_caption(vin: str) -> str:
    """The caption under the sent PDF."""
    return (
        f"Report for {vin}: what I already know about this car. Parts not looked up yet say "
        "how to get them."
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


def when(moment: dt.datetime) -> str:
    """A moment as the report prints it, in UTC: "5 Dec 2026, 01:40 UTC"."""
    utc = moment.astimezone(dt.UTC)
    return f"{utc.day} {utc:%b %Y, %H:%M} UTC"


def render_report(data: ReportData) -> bytes:
    """The report as PDF bytes (one A4 page)."""
    from fpdf import FPDF  # noqa: PLC0415 - lazy: fpdf2, fontTools and Pillow load on first use

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(f"{TITLE} {data.vin}")
    pdf.set_author("vinbot")
    pdf.set_creation_date(data.built_at)
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    with contextlib.ExitStack() as stack:
        _add_fonts(pdf, stack)
        pdf.add_page()
        _Page(pdf, data).write()
        return bytes(pdf.output())


def _add_fonts(pdf: FPDF, stack: contextlib.ExitStack) -> None:
    """Registers the fonts from their packages (as real files while the stack is open)."""
    for name, package, filename in _FONT_FILES:
        path = stack.enter_context(as_file(files(package) / "files" / filename))
        pdf.add_font(name, "", str(path))
    pdf.set_fallback_fonts([ARABIC_FONT])
    pdf.set_text_shaping(use_shaping_engine=True)


class _Page:
    """Writes the sections top to bottom, stopping cleanly when the page is full."""

    def __init__(self, pdf: FPDF, data: ReportData) -> None:
        self._pdf = pdf
        self._data = data
        self._full = False

    def write(self) -> None:
        data = self._data
        self._header()
        self._section(SECTION_VEHICLE, *_vehicle(data.decode))
        source, lines, red = _title_check(
            data.title_check, paid=data.paid_features, us_market=is_us_market(data.vin)
        )
        self._section(SECTION_TITLE_CHECK, source, lines, red=red)
        self._section(SECTION_RECALLS, *_recalls(data.recalls))
        self._section(SECTION_VALUE, *_valuation(data.valuation, paid=data.paid_features))
        self._footer()

    def _header(self) -> None:
        pdf, data = self._pdf, self._data
        text_width = pdf.epw - (PHOTO_WIDTH_MM + 4 if data.photo else 0)
        pdf.set_font(FONT, "", 20)
        pdf.cell(text_width, 9, TITLE, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 13)
        pdf.cell(text_width, 7, f"VIN {data.vin}", new_x="LMARGIN", new_y="NEXT")
        if data.decode is not None:
            pdf.set_font(FONT, "", 12)
            pdf.multi_cell(
                text_width, 6, build_view(words_in("en"), data.decode).title, new_x="LMARGIN"
            )
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(text_width, 4.5, f"Built {when(data.built_at)} by vinbot.", new_x="LMARGIN")
        if data.photo:
            _photo(pdf, data.photo)

    def _section(
        self, title: str, source: str | None, lines: Sequence[str], *, red: int = 0
    ) -> None:
        """A heading, its source, then the lines; the first `red` lines are dangers, in red."""
        pdf = self._pdf
        if not self._room(_LINE * 3):
            return
        pdf.ln(3)
        pdf.set_draw_color(180, 180, 180)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
        pdf.ln(1.5)
        pdf.set_font(FONT, "", 14)
        pdf.set_text_color(*_HEADING_COLOUR)
        pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        if source:
            pdf.set_font(FONT, "", 8.5)
            pdf.set_text_color(90, 90, 90)
            pdf.multi_cell(0, 4.2, source, new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
        for number, line in enumerate(lines):
            # Set again for every line: after a run in the Arabic fallback font, fpdf2 (2.8.9)
            # would measure the next line's glyphs with the wrong font and leave gaps.
            pdf.set_font(ARABIC_FONT, "", 10)
            pdf.set_font(FONT, "", 10)
            if not self._room(_LINE):
                pdf.cell(0, _LINE, "…", new_x="LMARGIN", new_y="NEXT")
                return
            pdf.set_text_color(*(_DANGER_COLOUR if number < red else (0, 0, 0)))
            pdf.multi_cell(0, _LINE, line, new_x="LMARGIN", new_y="NEXT", align="L")
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
        pdf.multi_cell(0, 3.6, FOOTER)


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


def _vehicle(decode: DecodeResult | None) -> tuple[str | None, list[str]]:
    if decode is None:
        return None, [DECODE_MISSING]
    view = build_view(words_in("en"), decode)
    source = (
        f"Source: {view.source}. Decoded within the {_days(keys.SPEC_TTL)} before this report "
        "(vinbot keeps a decode that long)."
    )
    rows = [*view.rows, *view.details][:MAX_DECODE_ROWS]
    lines = [f"{label}: {value}" for label, value in rows]
    lines += [f"Warning: {warning}" for warning in view.warnings]
    lines += list(view.notes)
    return source, lines


def _recalls(outcome: RecallOutcome | None) -> tuple[str | None, list[str]]:
    if outcome is None:
        return None, [RECALLS_MISSING]
    report = outcome.report
    scope = "for this VIN" if report.vin_specific else "for this make, model and year"
    name = {"carsxe": "CarsXE", "nhtsa": "NHTSA"}.get(report.source, report.source)
    source = (
        f"Source: {name}, {scope}. Looked up within the {_days(keys.RECALLS_TTL)} before this "
        "report (vinbot keeps recalls that long)."
    )
    count = report.count
    lines = [f"{count} recall campaign{'s' if count != 1 else ''} listed."]
    lines += [_recall_line(recall) for recall in report.recalls[:MAX_RECALLS]]
    if count > MAX_RECALLS:
        lines.append(f"And {count - MAX_RECALLS} more: press Recalls under the decode.")
    lines += recall_notes(words_in("en"), outcome)  # the report's helper passes its own words
    return source, lines


def _recall_line(recall: Recall) -> str:
    parts = [f"{recall.component or recall.name or 'Recall'} (campaign {recall.campaign_id}"]
    if recall.date is not None:
        parts[0] += f", {recall.date.isoformat()}"
    parts[0] += ")"
    if recall.do_not_drive:
        parts.append("DO NOT DRIVE until repaired")
    if recall.park_outside:
        parts.append("park outside, away from buildings")
    if recall.remedy_available is True:
        parts.append("remedy available")
    elif recall.remedy_available is False:
        parts.append("no remedy yet")
    return "• " + "; ".join(parts)


def _title_check(
    summary: TitleCheckSummary | None, *, paid: bool, us_market: bool
) -> tuple[str | None, list[str], int]:
    """The source, the lines (never more than MAX_TITLE_LINES, the coverage note always last)
    and how many of them, from the top, are dangers."""
    if summary is None:
        if not paid:
            return None, [TITLE_CHECK_NO_KEY], 0
        return None, [TITLE_CHECK_MISSING if us_market else TITLE_CHECK_NOT_US], 0
    checked = f" Checked {when(summary.checked_at)}." if summary.checked_at else ""
    lines = [*summary.danger, *summary.lines]
    tail = [summary.coverage] if summary.coverage else []
    if len(lines) + len(tail) > MAX_TITLE_LINES:
        lines = [*lines[: MAX_TITLE_LINES - 2], TITLE_CHECK_MORE]
    red = min(len(summary.danger), len(lines))
    return f"Source: {summary.source}.{checked}", [*lines, *tail], red


def _valuation(found: CachedValuation | None, *, paid: bool) -> tuple[str | None, list[str]]:
    if found is None:
        return None, [VALUE_MISSING if paid else VALUE_NO_KEY]
    value = found.value
    source = f"Source: CarsXE estimate, valued {when(found.valued_at)}"
    if value.published is not None:
        source += f" (price data of {value.published.isoformat()})"
    lines = [f"For {_inputs(value)}."]
    lines += list(_ranges(value))
    if value.msrp:
        lines.append(f"Original MSRP: {_money(value.msrp)}")
    lines.append("Estimates; real offers vary with options, condition and history.")
    return source + ".", lines


def _inputs(value: MarketValue) -> str:
    inputs = [f"{value.mileage:,} miles" if value.mileage is not None else "mileage not given"]
    inputs.append(value.state or "national")
    inputs.append(f"{value.condition} condition" if value.condition else "any condition")
    return ", ".join(inputs)


def _ranges(value: MarketValue) -> Iterator[str]:
    labelled: tuple[tuple[str, PriceRange | None], ...] = (
        ("Retail (dealer asks)", value.retail),
        ("Private party", value.private_party),
        ("Trade-in (dealer gives)", value.trade_in),
        ("Wholesale", value.wholesale),
    )
    for label, prices in labelled:
        if prices is None:
            continue
        if prices.low == prices.high:
            yield f"{label}: {_money(prices.low)}"
        else:
            yield f"{label}: {_money(prices.low)} to {_money(prices.high)}"


def _money(value: int | None) -> str:
    return "—" if value is None else f"${value:,}"
