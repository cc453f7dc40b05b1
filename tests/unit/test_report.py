"""The PDF report: gathered from caches only, rendered in a worker thread, readable, honest."""

from __future__ import annotations

import asyncio
import datetime as dt
import gettext
import io
import logging
import statistics
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader

from tests.fakes.beyond import (
    BMW_VIN,
    FakeImages,
    FakeMarketValues,
    FakeModelRecalls,
    FakeVinRecalls,
    carsxe_report,
    market_value,
    recall,
)
from tests.fakes.providers import DictCache, FakeProvider
from vinbot.clients.offline import OfflineProvider
from vinbot.formatters import report_pdf
from vinbot.formatters.report_pdf import render_report, sections
from vinbot.i18n import Words, words_in
from vinbot.models.recalls import RecallOutcome
from vinbot.models.report import CachedValuation, ReportData, TitleCheckSummary
from vinbot.models.vehicle import VehicleSpec
from vinbot.services.decoding import DecodeService
from vinbot.services.market_value import MarketValueService
from vinbot.services.recalls import RecallsService
from vinbot.services.report import ReportBusy, ReportsBusy, ReportService
from vinbot.services.vehicle_photo import VehiclePhotoService

if TYPE_CHECKING:
    from vinbot.models.vehicle import DecodeResult

EN = words_in("en")
NOW = dt.datetime(2026, 12, 5, 1, 40, tzinfo=dt.UTC)
SPEC = VehicleSpec(BMW_VIN, "carsxe", year=2012, make="BMW", model="5-Series", trim="535i")
# One line in each language the bot will speak besides English (letters that look Latin are
# meant: they are the test).
SAMPLES = {
    "russian": "Отчёт об автомобиле: угон не найден",
    "polish": "Zażółć gęślą jaźń: raport pojazdu",
    "turkish": "Çalıntı kaydı yok, İstanbul şoförü",
    "arabic": "تقرير السيارة لا توجد سرقة",
}


def png(width: int = 40, height: int = 30) -> bytes:
    """A small real PNG picture."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def text_of(pdf: bytes) -> str:
    """The PDF's text as a reader extracts it; fails unless it is a one-page PDF."""
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


class CacheOnlyDecodes:
    """The lookup service's cache-only re-open, over a decoder with no provider."""

    def __init__(self, cache: DictCache) -> None:
        self._decoder = DecodeService((), OfflineProvider(), cache)

    async def reopen_cached(self, vin: str) -> DecodeResult | None:
        if await self._decoder.cached(vin) is None:
            return None
        return await self._decoder.decode(vin, allow_paid=False)


class FakeFetcher:
    """Image downloads: records each address, answers with a set picture."""

    def __init__(self, image: bytes | None) -> None:
        self.image = image
        self.urls: list[str] = []

    async def fetch(self, url: str) -> bytes | None:
        self.urls.append(url)
        return self.image


class World:
    """The real cached services over counting fake providers, and a report service on top."""

    def __init__(self) -> None:
        self.cache = DictCache()
        self.carsxe = FakeProvider("carsxe", paid=True, answers={BMW_VIN: SPEC})
        self.decoder = DecodeService([self.carsxe], OfflineProvider(), self.cache)
        self.vin_recalls = FakeVinRecalls(reports={BMW_VIN: carsxe_report(BMW_VIN, recall("A1"))})
        self.model_recalls = FakeModelRecalls()
        self.recalls = RecallsService(
            self.decoder, self.cache, carsxe=self.vin_recalls, nhtsa=self.model_recalls
        )
        self.values = FakeMarketValues()
        self.market = MarketValueService(self.values, self.cache)
        self.images = FakeImages()
        self.photos = VehiclePhotoService(self.images, self.cache)
        self.fetcher = FakeFetcher(png())
        self.rendered_in: list[threading.Thread] = []
        self.service = ReportService(
            decodes=CacheOnlyDecodes(self.cache),
            recalls=self.recalls,
            render=self.render,
            valuations=self.market,
            photos=self.photos,
            images=self.fetcher,
            clock=lambda: NOW,
        )

    def render(self, words: Words, data: ReportData) -> bytes:
        self.rendered_in.append(threading.current_thread())
        return render_report(words, data)

    async def fetch_everything(self) -> None:
        """What a user's presses would have paid for and cached before asking for a report."""
        await self.decoder.decode(BMW_VIN)
        await self.recalls.recalls(BMW_VIN, allow_paid=True)
        await self.market.value(BMW_VIN, 85_000)
        await self.photos.photo(SPEC)

    def upstream_calls(self) -> int:
        return sum(
            len(calls)
            for calls in (
                self.carsxe.calls,
                self.vin_recalls.calls,
                self.model_recalls.calls,
                self.values.calls,
                self.images.calls,
            )
        )


@pytest.fixture
def world() -> World:
    return World()


async def test_a_report_of_cached_answers_asks_no_provider(world: World) -> None:
    """With everything cached, the report holds every part and no provider is asked again."""
    await world.fetch_everything()
    before = world.upstream_calls()

    report = await world.service.report(BMW_VIN, user_id=1, words=EN)

    assert world.upstream_calls() == before == 4  # decode, recalls, value, photo
    assert report.filename == f"vinbot-{BMW_VIN}.pdf"
    text = text_of(report.data)
    assert BMW_VIN in text
    assert all(title in text for title in sections(EN))
    assert "2012 BMW 5-Series 535i" in text
    assert "1 recall campaign listed" in text
    assert "85,000 miles" in text
    assert "Private party" not in text  # the fake valuation has no private-party range
    assert "Trade-in (dealer gives): $2,400 to $4,700" in text
    assert "Built 5 Dec 2026, 01:40 UTC" in text
    assert report_pdf.title_check_missing(EN).split(".")[0] in text  # no check was made


async def test_nothing_cached_asks_no_provider_and_says_how_to_get_each_part(world: World) -> None:
    """A VIN never looked up: no provider is asked, and every part says how to get it."""
    report = await world.service.report(BMW_VIN, user_id=1, words=EN)

    assert world.upstream_calls() == 0
    assert world.fetcher.urls == []
    text = " ".join(text_of(report.data).split())
    for missing in (
        report_pdf.decode_missing(EN),
        report_pdf.recalls_missing(EN),
        report_pdf.title_check_missing(EN),
        report_pdf.value_missing(EN),
    ):
        assert missing in text


async def test_the_pdf_is_rendered_in_a_worker_thread(world: World) -> None:
    """The CPU-heavy rendering runs off the event loop's thread."""
    await world.service.report(BMW_VIN, user_id=1, words=EN)

    (thread,) = world.rendered_in
    assert thread is not threading.current_thread()


async def test_the_cached_photo_is_downloaded_and_embedded(world: World) -> None:
    """A picture whose address is cached is fetched (no paid call) and placed on the page."""
    await world.fetch_everything()
    report = await world.service.report(BMW_VIN, user_id=1, words=EN)

    assert world.fetcher.urls == [f"https://images.example.test/{SPEC.make}-{SPEC.model}.jpg"]
    page = PdfReader(io.BytesIO(report.data)).pages[0]
    assert list(page.images)  # the picture is on the page


async def test_a_picture_that_cannot_be_read_is_left_out(world: World) -> None:
    """Bytes that are no picture leave the photo out; the report is still made."""
    await world.fetch_everything()
    world.fetcher.image = b"not a picture"

    report = await world.service.report(BMW_VIN, user_id=1, words=EN)

    assert BMW_VIN in text_of(report.data)
    assert not list(PdfReader(io.BytesIO(report.data)).pages[0].images)


async def test_recalls_cached_by_model_are_found_through_the_cached_decode(world: World) -> None:
    """NHTSA's model-level recalls, cached under the decoded make and model, are read back."""
    await world.decoder.decode(BMW_VIN)
    await world.recalls.recalls(BMW_VIN, allow_paid=False)
    before = world.upstream_calls()

    outcome = await world.recalls.cached(BMW_VIN)

    assert outcome is not None
    assert outcome.report.source == "nhtsa"
    assert world.upstream_calls() == before


async def test_a_second_report_for_the_same_user_is_refused_while_one_is_built() -> None:
    """One report per user at a time, and at most the global limit for everyone."""
    release = threading.Event()
    started = asyncio.Event()
    loop = asyncio.get_running_loop()

    def slow_render(_words: Words, _data: ReportData) -> bytes:
        loop.call_soon_threadsafe(started.set)
        release.wait(timeout=5)
        return b"%PDF"

    service = ReportService(
        decodes=CacheOnlyDecodes(DictCache()),
        recalls=World().recalls,
        render=slow_render,
        max_concurrent=2,
    )
    first = asyncio.create_task(service.report(BMW_VIN, user_id=1, words=EN))
    await started.wait()
    with pytest.raises(ReportBusy):
        await service.report(BMW_VIN, user_id=1, words=EN)
    second = asyncio.create_task(service.report(BMW_VIN, user_id=2, words=EN))
    await asyncio.sleep(0)
    with pytest.raises(ReportsBusy):
        await service.report(BMW_VIN, user_id=3, words=EN)
    release.set()
    await asyncio.gather(first, second)
    assert service.building == 0
    await service.report(BMW_VIN, user_id=1, words=EN)  # free again once the first is sent


async def test_the_event_loop_keeps_running_while_a_report_is_built(world: World) -> None:
    """While the PDF is rendered, the loop keeps ticking (rendering would stall it if inline)."""
    await world.fetch_everything()
    ticks = 0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.001)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    start = ticks
    await world.service.report(BMW_VIN, user_id=1, words=EN)
    done.set()
    await ticker
    assert ticks - start > 5  # an inline render allows about one


def embedded_fonts(pdf: bytes) -> dict[str, TTFont]:
    """The fonts embedded in the page, by their PDF base font name."""
    fonts = {}
    for font in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values():
        entry = font.get_object()
        descriptor = entry["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        data = descriptor["/FontFile2"].get_object().get_data()
        fonts[str(entry["/BaseFont"])] = TTFont(io.BytesIO(data))
    return fonts


def languages_report() -> bytes:
    """A report whose theft and title lines are in every language the bot will speak."""
    summary = TitleCheckSummary(
        source="CarsXE", checked_at=NOW, danger=(SAMPLES["russian"],), lines=tuple(SAMPLES.values())
    )
    return render_report(
        EN, ReportData(vin=BMW_VIN, built_at=NOW, paid_features=True, title_check=summary)
    )


def test_every_language_is_set_in_a_font_that_has_it(caplog: pytest.LogCaptureFixture) -> None:
    """Cyrillic, Polish, Turkish and Arabic text all find glyphs, and read back as written."""
    with caplog.at_level(logging.WARNING):
        pdf = languages_report()

    assert not [r for r in caplog.records if "missing the following glyphs" in r.getMessage()]
    text = text_of(pdf)
    for language in ("russian", "polish", "turkish"):
        assert SAMPLES[language] in text
    assert any(name.endswith("NotoSansArabic") for name in embedded_fonts(pdf))


def test_arabic_is_shaped_into_joined_letter_forms() -> None:
    """Arabic letters are set in their joined (initial, medial, final) forms by HarfBuzz."""
    fonts = embedded_fonts(languages_report())

    (arabic,) = [font for name, font in fonts.items() if name.endswith("NotoSansArabic")]
    # The joined forms have code points in Arabic Presentation Forms-B (U+FE70 to U+FEFF);
    # text set letter by letter, unshaped, uses only the plain letters (U+0600 to U+06FF).
    assert any(name.startswith("uniFE") for name in arabic.getGlyphOrder())


def red_text(pdf: bytes) -> str:
    """The text the page draws in red (fill colour with much red and no green)."""
    colour: list[tuple[float, ...]] = [(0.0,)]  # a stack: fpdf2 sets colours inside q … Q
    red: list[str] = []

    def before(operator: bytes, args: list[object], *_: object) -> None:
        if operator in {b"rg", b"g"}:
            colour[-1] = tuple(float(str(a)) for a in args)
        elif operator == b"q":
            colour.append(colour[-1])
        elif operator == b"Q" and len(colour) > 1:
            colour.pop()

    def text(drawn: str, *_: object) -> None:
        rgb = colour[-1]
        if len(rgb) == 3 and rgb[0] > 0.5 and rgb[1] == 0:  # red, no green
            red.append(drawn)

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(
        visitor_operand_before=before, visitor_text=text
    )
    return "".join(red)


def test_danger_lines_are_red_and_the_coverage_note_is_never_cut() -> None:
    """A check's danger lines print in red; a long check keeps its coverage note last."""
    summary = TitleCheckSummary(
        source="CarsXE",
        checked_at=NOW,
        danger=("STOLEN – Active Theft (OH): this car is reported stolen.",),
        lines=tuple(f"Title record {n}" for n in range(40)),
        coverage="What this covers: US lien and theft reports.",
    )
    pdf = render_report(
        EN, ReportData(vin=BMW_VIN, built_at=NOW, paid_features=True, title_check=summary)
    )

    text = text_of(pdf)
    red = red_text(pdf)
    assert "STOLEN" in red
    assert "Title record" not in red
    more = text.index(report_pdf.title_check_more(EN))
    assert text.index("Title record 6") < more < text.index("What this covers")
    assert "Title record 7" not in text  # 10 lines: 8, "More", the coverage note


def test_theft_and_title_comes_before_recalls() -> None:
    """The section a buyer must not miss comes straight after the vehicle."""
    text = text_of(render_report(EN, ReportData(vin=BMW_VIN, built_at=NOW, paid_features=True)))
    assert text.index(sections(EN)[1]) < text.index(sections(EN)[2])


@pytest.mark.parametrize(
    ("vin", "paid", "expected"),
    [
        ("1HGCM82633A004352", True, report_pdf.title_check_missing(EN)),
        ("1HGCM82633A004352", False, report_pdf.title_check_no_key(EN)),
        ("WVWZZZ1KZAW123456", True, report_pdf.title_check_not_us(EN)),
    ],
)
def test_a_missing_check_says_the_way_to_get_one_or_why_not(
    vin: str, *, paid: bool, expected: str
) -> None:
    """No cached check: how to get one, or that this bot or this VIN cannot have one."""
    text = " ".join(
        text_of(render_report(EN, ReportData(vin=vin, built_at=NOW, paid_features=paid))).split()
    )
    assert expected in text


def test_a_long_report_stays_on_one_page() -> None:
    """Many recalls and title lines are cut to fit one page, with a pointer to the rest."""
    outcome = RecallOutcome(
        report=carsxe_report(BMW_VIN, *(recall(f"{n:02d}V000000") for n in range(30)))
    )
    summary = TitleCheckSummary(
        source="CarsXE", checked_at=NOW, lines=tuple(f"Title record {n}" for n in range(40))
    )
    data = ReportData(
        vin=BMW_VIN,
        built_at=NOW,
        paid_features=True,
        recalls=outcome,
        title_check=summary,
        valuation=CachedValuation(market_value(), NOW),
        photo=png(),
    )

    text = text_of(render_report(EN, data))

    assert "And 25 more: press Recalls under the decode." in text
    assert "More: press Theft & title under the decode." in text
    assert all(title in text for title in sections(EN))


def test_the_bot_loads_the_pdf_library_only_when_a_report_is_made() -> None:
    """Starting the bot imports neither fpdf2 nor what it brings (fontTools, Pillow, HarfBuzz)."""
    code = (
        "import sys, vinbot.__main__, vinbot.bootstrap, vinbot.handlers.registry; "
        "print(sorted(m for m in ('fpdf', 'fontTools', 'PIL', 'uharfbuzz') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert done.stdout.strip() == "[]"


def full_report_data(vin: str = BMW_VIN) -> ReportData:
    """A report with every part cached, many recalls and a long theft and title check."""
    outcome = RecallOutcome(
        report=carsxe_report(vin, *(recall(f"{n:02d}V000000") for n in range(7)))
    )
    summary = TitleCheckSummary(
        source="CarsXE",
        checked_at=NOW,
        danger=("STOLEN",),
        lines=tuple(f"Title record {n}" for n in range(12)),
        coverage="US records",
    )
    return ReportData(
        vin=vin,
        built_at=NOW,
        paid_features=True,
        recalls=outcome,
        title_check=summary,
        valuation=CachedValuation(market_value(), NOW),
        photo=png(),
    )


@pytest.mark.parametrize("language", ["ru", "pl", "ar", "uk", "tr", "es", "pt_BR"])
def test_the_pdf_is_built_and_read_back_in_other_languages(
    language: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A full and an empty report build in another language, each a readable one-page PDF."""
    words = words_in(language)
    with caplog.at_level(logging.WARNING):
        full = text_of(render_report(words, full_report_data()))
        empty = text_of(
            render_report(words, ReportData(vin=BMW_VIN, built_at=NOW, paid_features=True))
        )
    assert not [r for r in caplog.records if "missing the following glyphs" in r.getMessage()]
    for text in (full, empty):
        assert BMW_VIN in text
        assert "{" not in text
        assert "}" not in text
    assert "STOLEN" in red_text(render_report(words, full_report_data()))


@pytest.mark.parametrize("language", ["ru", "pl", "ar"])
def test_the_chat_texts_around_the_pdf_render_in_other_languages(language: str) -> None:
    """The caption and both refusal alerts render, placeholders filled, alerts under 200."""
    words = words_in(language)
    caption = report_pdf.report_caption(words, BMW_VIN)
    assert BMW_VIN in caption
    assert len(caption) <= 1024  # a caption's limit
    for refusal in ("own_report_building", "reports_building"):
        alert = report_pdf.report_refused(words, refusal)  # type: ignore[arg-type]
        assert alert
        assert "{" not in alert
        assert len(alert) <= 200


def test_an_arabic_report_is_set_right_to_left() -> None:
    """In an Arabic report the lines are set flush right, and Arabic text is shaped."""
    summary = TitleCheckSummary(source="CarsXE", checked_at=NOW, lines=(SAMPLES["arabic"],))
    data = ReportData(vin=BMW_VIN, built_at=NOW, paid_features=True, title_check=summary)
    arabic = render_report(words_in("ar"), data)
    english = render_report(EN, data)
    fonts = embedded_fonts(arabic)
    (font,) = [font for name, font in fonts.items() if name.endswith("NotoSansArabic")]
    assert any(name.startswith("uniFE") for name in font.getGlyphOrder())
    # Short lines end at the right margin, so most start well right of the English ones.
    assert statistics.median(text_x(arabic)) > statistics.median(text_x(english)) + 100


def text_x(pdf: bytes) -> list[float]:
    """Where each piece of text starts across the page, in points."""
    xs: list[float] = []

    def text(drawn: str, _cm: object, tm: list[float], *_: object) -> None:
        if drawn.strip():
            xs.append(float(tm[4]))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=text)
    return xs


class Pseudo(gettext.NullTranslations):
    """A stand-in catalog: every message with a phrase of the language put in front of it."""

    def __init__(self, phrase: str) -> None:
        super().__init__()
        self.phrase = phrase

    def gettext(self, message: str) -> str:
        return self.phrase + message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.phrase + (singular if n == 1 else plural)

    def pgettext(self, context: str, message: str) -> str:
        return self.phrase + message


def pseudo_words(language: str, phrase: str) -> Words:
    """Words of a language whose every message holds some of its script (catalogs may lag)."""
    words = Words(language)
    words._translations = Pseudo(phrase)  # a stand-in catalog for the test
    return words


@pytest.mark.parametrize(
    ("language", "phrase"),
    [("ar", SAMPLES["arabic"]), ("ru", SAMPLES["russian"]), ("pl", SAMPLES["polish"])],
)
def test_translated_words_are_set_in_the_pdf_and_read_back(
    language: str, phrase: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Every worded line in another script finds its glyphs and the page reads back."""
    words = pseudo_words(language, phrase)
    with caplog.at_level(logging.WARNING):
        pdf = render_report(words, full_report_data())
    assert not [r for r in caplog.records if "missing the following glyphs" in r.getMessage()]
    text = text_of(pdf)
    assert BMW_VIN in text
    assert "{" not in text
    if language != "ar":  # shaped Arabic reads back as glyph forms, not the letters typed
        assert text.count(phrase) > 20
    else:
        assert (
            statistics.median(text_x(pdf))
            > statistics.median(text_x(render_report(EN, full_report_data()))) + 100
        )
