"""Recall, plate, photo and recall-alert texts: every word through Words, the source said once."""

from __future__ import annotations

import datetime as dt
import gettext
import re
from typing import TYPE_CHECKING

import pytest

from tests.fakes.telegram.html import parse_html
from vinbot.formatters import photo, plate, recall_alerts, recalls
from vinbot.formatters.html import MESSAGE_LIMIT
from vinbot.i18n import Words, words_in
from vinbot.models.callback import CallbackCodec
from vinbot.models.errors import (
    ImageRejected,
    ImageTooLarge,
    InvalidPlate,
    InvalidRegion,
    PlateNotFound,
    PlateProblem,
    PlateRegionRejected,
    ProviderUnavailable,
    RegionProblem,
)
from vinbot.models.ocr import OcrCandidate
from vinbot.models.plate import PlateResult
from vinbot.models.recalls import Recall, RecallNote, RecallOutcome, RecallReport
from vinbot.models.records import QuotaDecision
from vinbot.services.extras import PaidFeatureRefused
from vinbot.services.recall_alerts import RecallAlert
from vinbot.services.recalls import _outcome

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

VIN = "1HGCM82633A004352"
RESET = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
CODEC = CallbackCodec(b"secret")
LANGUAGES = ("en", "ru", "uk", "es", "pt_BR", "tr", "ar", "pl")


def campaign(number: int, **flags: bool) -> Recall:
    """A campaign with provider text marked PROVIDER, so tests can tell it from ours."""
    return Recall(
        campaign_id=f"2{number}V00{number}000",
        date=dt.date(2024, 3, 5),
        component=f"PROVIDER COMPONENT {number} <&>",
        summary=f"PROVIDER SUMMARY {number} " + "x" * 600,
        remedy=f"PROVIDER REMEDY {number}",
        **flags,
    )


ALL_FLAGS = {
    "do_not_drive": True,
    "park_outside": True,
    "stop_sale": True,
    "remedy_available": False,
    "over_the_air": True,
}
MANY = tuple(campaign(i, **ALL_FLAGS) for i in range(7))


def nhtsa(*found: Recall) -> RecallReport:
    """NHTSA's report for the model."""
    return RecallReport(source="nhtsa", recalls=found, make="HONDA", model="Accord", year=2003)


def carsxe(*found: Recall) -> RecallReport:
    """CarsXE's report for the VIN."""
    return RecallReport(source="carsxe", recalls=found, vin=VIN)


OUTCOMES = {
    "nhtsa, many": _outcome(nhtsa(*MANY)),
    "nhtsa, none": _outcome(nhtsa()),
    "nhtsa after CarsXE failed": _outcome(nhtsa(*MANY[:2]), unavailable=("carsxe",)),
    "nhtsa, CarsXE had no record": _outcome(nhtsa(MANY[0]), carsxe_no_data=True),
    "carsxe, many": _outcome(carsxe(*MANY)),
    "carsxe, none": _outcome(carsxe()),
    "unknown vehicle": _outcome(RecallReport(source="nhtsa", recalls=MANY[:1])),
    "not US only": _outcome(
        RecallReport(source="carsxe", recalls=MANY[:1], vin=VIN, us_market_only=False)
    ),
}


def alert(*, nickname: str | None = "Blue <car>", year: int | None = 2003) -> RecallAlert:
    """An alert for a do-not-drive campaign."""
    return RecallAlert(
        user_id=1,
        vin=VIN,
        nickname=nickname,
        recall=campaign(1, do_not_drive=True, park_outside=True, remedy_available=False),
        year=year,
        make="Honda" if year else None,
        model="Accord" if year else None,
    )


def every_text(words: Words) -> Iterator[str]:
    """Every message of this area, in every shape it takes."""
    for outcome in OUTCOMES.values():
        for page in range(recalls.page_count(outcome)):
            yield recalls.render_recalls(words, outcome, page)
        yield from recalls.recall_notes(words, outcome)
    yield recalls.recalls_usage(words)
    yield recalls.recalls_need_vin(words)
    yield recalls.recalls_unavailable(words)
    for one in (alert(), alert(nickname=None), alert(nickname=None, year=None)):
        yield recall_alerts.render_recall_alert(words, one)
    yield from plate_texts(words)
    yield from photo_texts(words)


def refusals() -> list[PaidFeatureRefused]:
    """Past each quota, with and without a reset time."""
    return [
        PaidFeatureRefused(QuotaDecision(allowed=False, reason=reason, resets_at=at))
        for reason in ("user_daily", "bot_monthly")
        for at in (RESET, None)
    ]


def plate_texts(words: Words) -> Iterator[str]:
    """Every /plate message."""
    yield plate.plate_usage(words)
    yield plate.plate_no_key(words)
    yield plate.plate_not_found(words)
    yield plate.plate_found(words, PlateResult("7ABC123", "US", "CA", vin=VIN))
    errors: list[Exception] = [
        *refusals(),
        PlateNotFound("carsxe"),
        PlateRegionRejected("carsxe", country="ZZ", state=None),
        ProviderUnavailable("carsxe", "502"),
        *(InvalidPlate(problem, length=12, limit=10) for problem in PlateProblem),
        *(
            InvalidRegion(problem, country=country, state="X<Y")
            for problem in RegionProblem
            for country in ("US", "CA", "AU", "GB")
        ),
    ]
    for error in errors:
        yield plate.plate_error(words, error)


def photo_texts(words: Words) -> Iterator[str]:
    """Every message about reading a VIN from a photo."""
    yield photo.ocr_nothing(words)
    yield photo.ocr_pick(words)
    yield photo.ocr_no_key(words)
    yield photo.ocr_unavailable(words)
    yield photo.ocr_too_large(words, 5_000_000)
    yield photo.ocr_read(words, VIN)
    yield photo.image_rejected(words, ImageRejected())
    yield photo.image_rejected(words, ImageTooLarge(7_345_678, 5_000_000))
    for refusal in refusals():
        yield photo.ocr_refused(words, refusal.decision)


def labels(words: Words) -> list[str]:
    """Every button label of this area."""
    buttons = [
        *recall_alerts.recall_alert_keyboard(words, CODEC, VIN).inline_keyboard[0],
        *photo.ocr_pick_keyboard(
            words, CODEC, (OcrCandidate(VIN, 0.845), OcrCandidate(VIN, 0.5))
        ).inline_keyboard[0],
    ]
    outcome = OUTCOMES["nhtsa, many"]
    for page in range(recalls.page_count(outcome)):
        markup = recalls.recalls_keyboard(words, CODEC, VIN, outcome, page)
        assert markup is not None
        buttons += markup.inline_keyboard[0]
    return [button.text for button in buttons]


class Pseudo(gettext.NullTranslations):
    """A pseudo-translation: every message id comes back marked ⟦…⟧, placeholders kept."""

    def gettext(self, message: str) -> str:
        """The message, marked."""
        return f"⟦{message}⟧"

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        """The English form, marked."""
        return f"⟦{msgid1 if n == 1 else msgid2}⟧"

    def pgettext(self, context: str, message: str) -> str:
        """The message, marked."""
        return f"⟦{message}⟧"


@pytest.fixture
def pseudo() -> Words:
    """Russian numbers and dates with the pseudo-translation."""
    words = Words("ru")
    words._translations = Pseudo()
    return words


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_renders_in_every_language(language: str) -> None:
    """Each message renders as valid Telegram HTML under the limit, with no placeholder left."""
    words = words_in(language)
    for text in every_text(words):
        assert text.strip()
        assert not re.search(r"\{[a-z_]*\}", text), text
        assert len(text) <= MESSAGE_LIMIT
        parse_html(text)
    for label in labels(words):
        assert label.strip()
        assert "{" not in label


def test_every_sentence_goes_through_words(pseudo: Words) -> None:
    """With a pseudo-translation, every line is translated except the provider's own text."""
    texts = list(every_text(pseudo))
    for text in texts:
        for line in text.split("\n"):
            bare = re.sub(r"<[^>]+>|\d+\.|[\s·…]", "", line)
            if not bare or "PROVIDER" in line or bare in {"⟦", "⟧"}:
                continue
            assert "⟦" in line, line
    assert all(label.startswith("⟦") for label in labels(pseudo))


def test_numbers_and_dates_are_local_in_russian() -> None:
    """Russian dates and decimal commas appear where English has its own."""
    ru, en = words_in("ru"), words_in("en")
    outcome = OUTCOMES["carsxe, many"]
    assert "Mar 5, 2024" in recalls.render_recalls(en, outcome)
    assert ru.date(dt.date(2024, 3, 5)) in recalls.render_recalls(ru, outcome)
    assert "7.3 MB" in photo.image_rejected(en, ImageTooLarge(7_345_678, 5_000_000))
    assert "7,3 МБ" in photo.image_rejected(ru, ImageTooLarge(7_345_678, 5_000_000))


@pytest.mark.parametrize("name", list(OUTCOMES))
def test_the_recall_answer_states_its_source_and_coverage_once(name: str) -> None:
    """Every page says where the data comes from, and what market it covers, exactly once."""
    words = words_in("en")
    outcome = OUTCOMES[name]
    for page in range(recalls.page_count(outcome)):
        text = recalls.render_recalls(words, outcome, page)
        assert text.count("Source:") == 1
        assert text.count("NHTSA") + text.count("CarsXE") <= 2  # the source, and why not by VIN
        expected = 1 if outcome.report.us_market_only else 0
        assert text.count("sold in the US") == expected
        assert text.count("other markets") == expected
        assert "Recall data comes from" not in text


def test_the_source_line_names_the_scope() -> None:
    """By VIN for CarsXE, for every car of the model for NHTSA, with the dealer's advice."""
    words = words_in("en")
    by_vin = recalls.render_recalls(words, OUTCOMES["carsxe, many"])
    assert "<i>Source: CarsXE, for this VIN; covers vehicles sold in the US" in by_vin
    by_model = recalls.render_recalls(words, OUTCOMES["nhtsa after CarsXE failed"])
    assert "CarsXE, which checks recalls by VIN, did not answer just now." in by_model
    assert "Source: NHTSA, for every 2003 HONDA Accord, not for this exact car;" in by_model
    assert "A dealer can confirm whether a campaign applies to this car" in by_model
    assert by_model.index("did not answer") < by_model.index("Source:")


def test_the_english_recall_answer_reads_as_before() -> None:
    """The count, urgent count, flags, campaign line and page footer keep their English."""
    text = recalls.render_recalls(words_in("en"), OUTCOMES["nhtsa, many"], 1)
    assert text.startswith("🔔 <b>7 recall campaigns</b> for 2003 HONDA Accord — <b>7 urgent</b>")
    assert "<b>4. PROVIDER COMPONENT 3 &lt;&amp;&gt;</b>" in text
    assert "<i>campaign 23V003000 · Mar 5, 2024</i>" in text
    assert "⛔ <b>DO NOT DRIVE</b> until repaired · 🔥 <b>Park outside</b>" in text
    assert "🛑 Stop sale · ⏳ No remedy yet · 📡 Over-the-air fix" in text
    assert "<b>Remedy:</b> PROVIDER REMEDY 3" in text
    assert text.endswith("Page 2 of 3")
    one = recalls.render_recalls(words_in("en"), OUTCOMES["nhtsa, CarsXE had no record"])
    assert one.startswith("🔔 <b>1 recall campaign</b> for 2003 HONDA Accord — <b>1 urgent</b>")
    empty = recalls.render_recalls(words_in("en"), OUTCOMES["carsxe, none"])
    assert empty.startswith("✅ No recall campaigns found for <code>1HGCM82633A004352</code>.")


def test_pdf_notes_keep_their_english() -> None:
    """The PDF's notes are plain sentences, one per note code, as before."""
    outcome = RecallOutcome(
        report=nhtsa(),
        notes=(
            RecallNote.CARSXE_FAILED,
            RecallNote.MODEL_WIDE,
            RecallNote.NONE_LISTED,
            RecallNote.US_COVERAGE,
        ),
    )
    notes = recalls.recall_notes(words_in("en"), outcome)
    assert notes == [
        (
            "CarsXE did not answer just now, so these are NHTSA's recalls for the model "
            "rather than for this exact VIN."
        ),
        (
            "NHTSA lists recalls for every 2003 HONDA Accord, not for this exact car: a dealer can "
            "confirm whether a campaign applies to it and whether it was repaired."
        ),
        (
            "NHTSA lists no recall campaign for this model. That is not a safety check: it "
            "does not mean the car is safe, only that no campaign is on record."
        ),
        (
            "Recall data comes from NHTSA and covers vehicles sold in the US; campaigns issued in "
            "other markets are not listed."
        ),
    ]


def test_the_alert_names_the_car_or_says_your_car() -> None:
    """The nickname (escaped), else the model, else "your car"; the date is the local one."""
    en = words_in("en")
    assert "New recall for your Blue &lt;car&gt;</b>" in recall_alerts.render_recall_alert(
        en, alert()
    )
    named = recall_alerts.render_recall_alert(en, alert(nickname=None))
    assert "New recall for your 2003 Honda Accord</b>" in named
    assert "Mar 5, 2024" in named
    bare = recall_alerts.render_recall_alert(en, alert(nickname=None, year=None))
    assert "🔔 <b>New recall for your car</b> (<code>1HGCM82633A004352</code>)" in bare
    assert "Turn these alerts off in /settings." in bare


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (PlateNotFound("carsxe"), plate.plate_not_found),
        (PlateRegionRejected("carsxe", country="ZZ", state=None), plate.plate_region_rejected),
        (ProviderUnavailable("carsxe", "502"), plate.plate_unavailable),
    ],
)
def test_plate_errors_map_to_their_words(
    error: Exception, expected: Callable[[Words], str]
) -> None:
    """Each lookup error becomes its own message."""
    words = words_in("en")
    assert plate.plate_error(words, error) == expected(words)


def test_plate_input_errors_explain_then_show_the_usage() -> None:
    """A bad plate or region says what is wrong, then how /plate is used; codes are escaped."""
    en = words_in("en")
    text = plate.plate_error(
        en, InvalidRegion(RegionProblem.STATE_UNKNOWN, country="US", state="<X>")
    )
    assert text.startswith("&lt;X&gt; is not a US state code. Use <code>/plate PLATE STATE")
    missing = plate.plate_error(
        en, InvalidRegion(RegionProblem.STATE_MISSING, country="AU", state=None)
    )
    assert "needs the state or territory code, like /plate ABC1234 NSW AU." in missing


def test_paid_refusals_say_which_quota_and_when() -> None:
    """A refused plate or photo names the quota spent and when it is back, the local way."""
    en = words_in("en")
    daily, daily_soon, monthly, _ = refusals()
    assert plate.plate_error(en, daily).startswith(
        "Plate lookups are paid lookups. You've used today's detailed lookups. Your quota resets "
    )
    assert plate.plate_error(en, daily).endswith(f"{en.date_time(RESET)} UTC.")
    assert plate.plate_error(en, daily_soon).endswith("Your quota resets soon.")
    assert "monthly budget" in photo.ocr_refused(en, monthly.decision)
    assert photo.ocr_refused(en, monthly.decision).startswith(
        "Reading VINs from photos is a paid lookup."
    )


def test_the_ocr_buttons_show_the_vin_and_confidence() -> None:
    """Each reading is a button "VIN (85%)", the VIN isolated left to right in Arabic."""
    readings = (OcrCandidate(VIN, 0.85),)
    (button,) = photo.ocr_pick_keyboard(words_in("en"), CODEC, readings).inline_keyboard[0]
    assert button.text == f"{VIN} (85%)"
    (arabic,) = photo.ocr_pick_keyboard(words_in("ar"), CODEC, readings).inline_keyboard[0]
    assert f"\u2066{VIN}\u2069" in arabic.text


def test_english_photo_and_plate_texts_read_as_before() -> None:
    """The English of the photo and plate replies is unchanged."""
    en = words_in("en")
    assert photo.ocr_read(en, VIN) == f"📷 I read <code>{VIN}</code> from your photo."
    assert photo.ocr_too_large(en, 5_000_000) == (
        "That image is over 5 MB. Send it as a photo (not a file), please."
    )
    assert photo.image_rejected(en, ImageRejected()).startswith(
        "That image is empty; please send a photo of the VIN. Take the photo straight on"
    )
    assert photo.ocr_nothing(en).startswith("I couldn't read a VIN in that photo. Take the photo")
    found = plate.plate_found(en, PlateResult("7ABC123", "US", "CA", vin=VIN))
    assert found == (f"🔎 Plate <code>7ABC123</code> (CA, US) belongs to VIN <code>{VIN}</code>.")
    assert plate.plate_usage(en) == (
        "Use <code>/plate PLATE STATE [COUNTRY]</code>, e.g. <code>/plate 7ABC123 CA</code> "
        "(country defaults to US; Canada and Australia need a province or state too)."
    )


def test_arabic_page_buttons_mirror_with_the_same_callback_data() -> None:
    """In Arabic the earlier page is on the right with its arrow pointing right (▶️), the later
    one on the left pointing left (◀️); each press still opens the same page as in English.

    A label that holds Arabic is laid out right to left and emoji are not mirrored: "التالي ◀️"
    shows its arrow on the outer, left edge of the left button."""
    outcome = OUTCOMES["nhtsa, many"]
    assert recalls.page_count(outcome) >= 3  # a middle page has both buttons
    english = recalls.recalls_keyboard(words_in("en"), CODEC, VIN, outcome, 1)
    arabic = recalls.recalls_keyboard(words_in("ar"), CODEC, VIN, outcome, 1)
    assert english is not None
    assert arabic is not None
    previous, following = english.inline_keyboard[0]
    assert [b.text for b in arabic.inline_keyboard[0]] == ["التالي ◀️", "▶️ السابق"]
    assert [b.callback_data for b in arabic.inline_keyboard[0]] == [
        following.callback_data,
        previous.callback_data,
    ]
