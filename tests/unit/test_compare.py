"""Comparing two cars: the service's decodes and the phone-sized, escaped rendering."""

from __future__ import annotations

import pytest

from vinbot.formatters.compare import (
    compare_button,
    compare_pick_first,
    compare_same_car,
    compare_usage,
    comparison_keyboard,
    pick_second,
    render_comparison,
    too_few_alert,
)
from vinbot.formatters.html import MESSAGE_LIMIT
from vinbot.i18n import words_in
from vinbot.models.callback import MAX_CALLBACK_BYTES, CallbackAction, CallbackCodec
from vinbot.models.compare import ComparedCar, Comparison
from vinbot.models.errors import InvalidVin
from vinbot.models.recalls import Recall, RecallOutcome, RecallReport
from vinbot.models.vehicle import Attr, DecodeResult, VehicleSpec
from vinbot.models.vin import analyse
from vinbot.services.compare import CompareService

EN = words_in("en")
HONDA = "1HGCM82633A004352"
BMW = "WBAFR7C57CC811956"


def result(vin: str, **fields: object) -> DecodeResult:
    spec = VehicleSpec(vin=vin, source="carsxe", **fields)  # type: ignore[arg-type]
    return DecodeResult(analysis=analyse(vin), spec=spec)


class Lookups:
    """LookupService's two entry points, recording which one was used for which VIN."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def lookup(self, raw_vin: str, *, user_id: int, is_admin: bool) -> DecodeResult:
        self.calls.append(("lookup", raw_vin))
        return result(raw_vin, make="Honda")

    async def reopen(self, vin: str, *, user_id: int, is_admin: bool) -> DecodeResult:
        self.calls.append(("reopen", vin))
        return result(vin, make="Honda")


class NoRecalls:
    """A recalls cache that is always empty."""

    async def cached(self, vin: str) -> RecallOutcome | None:
        return None


async def test_a_person_s_cars_are_looked_up_and_a_chat_s_reopened() -> None:
    """A person's compare records history (lookup); a chat writing as itself keeps none."""
    lookups = Lookups()
    service = CompareService(lookups, NoRecalls())
    await service.compare(HONDA, BMW, user_id=1, is_admin=False, personal=True)
    await service.compare(HONDA, BMW, user_id=-5, is_admin=False, personal=False)
    assert sorted(lookups.calls[:2]) == [("lookup", HONDA), ("lookup", BMW)]
    assert sorted(lookups.calls[2:]) == [("reopen", HONDA), ("reopen", BMW)]


async def test_an_invalid_vin_stops_both_decodes_before_they_start() -> None:
    """InvalidVin is raised for the bad VIN and the good one is never decoded."""
    lookups = Lookups()
    with pytest.raises(InvalidVin):
        await CompareService(lookups, NoRecalls()).compare(
            HONDA, "WBAFR7C57CC81195O", user_id=1, is_admin=False, personal=True
        )
    assert lookups.calls == []


def test_provider_text_is_escaped_and_the_answer_fits_one_message() -> None:
    """Every value is escaped, and even huge values leave the answer under Telegram's limit."""
    huge = "<b>" + "x" * 5000
    first = ComparedCar(result(HONDA, make="A&B", model=huge, attributes={Attr.ENGINE: huge}))
    second = ComparedCar(result(BMW, make="A&amp;b", model="M", attributes={Attr.ENGINE: "e"}))
    text = render_comparison(EN, Comparison(first, second))
    assert "<b>x" not in text
    assert "A&amp;B" in text
    assert len(text) <= MESSAGE_LIMIT
    assert "≠ <b>Make</b>" in text  # "A&B" and "A&amp;b" differ


def test_nothing_different_says_so() -> None:
    """Two cars that agree on all that is known say so, and that too little is known."""
    same = {"year": 2003, "make": "Honda", "model": "Accord"}
    text = render_comparison(
        EN, Comparison(ComparedCar(result(HONDA, **same)), ComparedCar(result(BMW, **same)))
    )
    assert "No differences in what's known for both cars.\n" in text
    assert "Too little is known about these cars to compare much." in text
    assert "— not known for either</i>" in text
    assert "≠ <b>" not in text


def test_enough_known_and_the_same_says_no_differences_only() -> None:
    """With most attributes known on both sides, no "too little is known" warning is added."""
    fields = {
        "year": 2003,
        "make": "Honda",
        "model": "Accord",
        "trim": "EX",
        "attributes": {Attr.ENGINE: "2.4L I4", Attr.TRANSMISSION: "Auto", Attr.DRIVETRAIN: "FWD"},
    }
    text = render_comparison(
        EN, Comparison(ComparedCar(result(HONDA, **fields)), ComparedCar(result(BMW, **fields)))
    )
    assert "No differences in what's known for both cars." in text
    assert "Too little is known" not in text


def test_picking_car_b_reads_as_whole_lines_and_the_alert_fits() -> None:
    """Car B's prompt keeps each sentence on one line; the too-few alert fits a pop-up."""
    codec = CallbackCodec(b"secret")
    text, _ = pick_second(EN, codec, [(HONDA, "2003 Honda Accord"), (BMW, "2012 BMW 535i")], HONDA)
    assert text == (
        "⚖️ <b>Compare two cars</b>\n"
        f"A: 2003 Honda Accord (<code>{HONDA}</code>)\n"
        "Now pick the second car (B):"
    )
    assert len(too_few_alert(EN)) <= 200  # Telegram's limit for a callback answer


def test_the_compare_buttons_fit_in_64_bytes() -> None:
    """The longest picker and pair buttons (a 16-digit owner, two VINs) fit callback data."""
    codec = CallbackCodec(b"secret")
    owner = 10**15 + 7
    pick = codec.encode(CallbackAction.COMPARE_PICK, f"g:{HONDA}", owner=owner)
    pair = codec.encode(CallbackAction.COMPARE, f"{HONDA}:{BMW}")
    start = codec.encode(CallbackAction.COMPARE_START, "h", owner=owner)
    assert max(len(data.encode()) for data in (pick, pair, start)) <= MAX_CALLBACK_BYTES
    decoded = codec.decode(pick)
    assert decoded is not None
    assert decoded.owner == owner
    assert decoded.args == ("g", HONDA)


def _full_car(vin: str, year: int, recalls: int) -> ComparedCar:
    attributes = {
        Attr.ENGINE_DISPLACEMENT_L: "2.4",
        Attr.ENGINE_CYLINDERS: "4",
        Attr.TRANSMISSION: "Auto",
        Attr.CITY_MPG: "21",
        Attr.HIGHWAY_MPG: "30",
        Attr.MSRP_USD: "26400",
    }
    report = RecallReport(
        source="nhtsa", recalls=tuple(Recall(f"21V{n:06}") for n in range(recalls)), vin=vin
    )
    decoded = result(vin, year=year, make="Honda", model="Accord", attributes=attributes)
    return ComparedCar(decoded, RecallOutcome(report))


@pytest.mark.parametrize("language", ["ru", "pl", "ar", "uk", "es", "pt_BR", "tr"])
def test_every_compare_text_renders_in_other_languages(language: str) -> None:
    """Every /compare text and button renders in another language, placeholders filled."""
    words = words_in(language)
    codec = CallbackCodec(b"secret")
    cars = [(HONDA, "2003 Honda Accord"), (BMW, "2012 BMW 535i")]
    full = Comparison(_full_car(HONDA, 2003, 1), _full_car(BMW, 2012, 5))
    bare = Comparison(ComparedCar(result(HONDA)), ComparedCar(result(BMW, make="BMW")))
    texts = [
        render_comparison(words, full, units="metric"),
        render_comparison(words, bare),
        pick_second(words, codec, cars, HONDA)[0],
        compare_usage(words),
        compare_same_car(words),
        compare_pick_first(words),
        too_few_alert(words),
        compare_button(words, codec, "h", 7).text,
        *(
            button.text
            for row in comparison_keyboard(words, codec, bare).inline_keyboard
            for button in row
        ),
    ]
    for text in texts:
        assert text
        assert "{" not in text
        assert "}" not in text
    assert len(too_few_alert(words)) <= 200  # a callback answer's limit
    assert len(texts[0]) <= MESSAGE_LIMIT
