"""Rendering: escaped HTML under Telegram's limit, plain text, the CLI JSON and units."""

from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vinbot.clients.offline import OfflineProvider
from vinbot.formatters import units
from vinbot.formatters.html import MESSAGE_LIMIT, render_decode, render_invalid
from vinbot.formatters.json_output import analysis_object, decode_object
from vinbot.formatters.text import render_decode_text
from vinbot.formatters.vehicle_view import build_view
from vinbot.i18n import words_in
from vinbot.models.vehicle import DecodeNote, DecodeResult, VehicleSpec
from vinbot.models.vin import analyse
from vinbot.services.spec_codec import dump_spec, load_spec

HONDA = "1HGCM82633A004352"
EN = words_in("en")

CONTRACT_KEYS = {
    "vin",
    "valid",
    "errors",
    "warnings",
    "check_digit_valid",
    "model_year",
    "model_year_candidates",
    "model_year_basis",
    "region",
    "country",
    "manufacturer",
    "makes",
    "make",
    "model",
    "trim",
    "source",
    "cached",
    "attributes",
}


class _TagBalance(HTMLParser):
    """Counts open tags to prove the HTML is balanced."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack.pop() == tag


def balanced(html: str) -> bool:
    parser = _TagBalance()
    parser.feed(html)
    parser.close()
    return not parser.stack


def result(spec: VehicleSpec, **kwargs: object) -> DecodeResult:
    return DecodeResult(analysis=analyse(spec.vin), spec=spec, **kwargs)  # type: ignore[arg-type]


def test_summary_shows_known_fields_and_never_none() -> None:
    """The summary lists known fields in order and never prints 'None' for unknown ones."""
    spec = VehicleSpec(
        vin=HONDA,
        source="carsxe",
        year=2003,
        make="Honda",
        model="Accord",
        attributes={
            "engine": "3.0L V6",
            "transmission": "5-Speed Automatic",
            "plant_city": "Marysville",
            "plant_country": "United States",
            "msrp_usd": "26990",
        },
    )
    html = render_decode(EN, result(spec))
    assert "<b>2003 Honda Accord</b>" in html
    assert "Marysville, United States" in html
    assert "$26,990" in html
    assert "None" not in html
    assert html.index("Engine") < html.index("Transmission")


def test_api_and_user_text_is_escaped() -> None:
    """Markup inside provider data is escaped, so Telegram never sees a stray tag."""
    spec = VehicleSpec(
        vin=HONDA,
        source="carsxe",
        make="<b>Evil</b> & Co",
        model="</i>Model",
        attributes={"engine": "<script>alert(1)</script>", "weird_<key>": "a & b"},
    )
    html = render_decode(EN, result(spec), expanded=True)
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in html
    assert balanced(html)


def test_expanded_view_with_huge_data_stays_under_the_limit() -> None:
    """Hundreds of long attributes still render under 4096 characters with balanced tags."""
    attributes = {f"field_{i}": "x" * 500 + "<&>" for i in range(400)}
    spec = VehicleSpec(vin=HONDA, source="carsxe", make="Honda", attributes=attributes)
    late = DecodeNote("late", providers=("carsxe", "nhtsa"), answered="offline")
    html = render_decode(EN, result(spec, notes=(late,) * 5), expanded=True)
    assert len(html) <= MESSAGE_LIMIT
    assert "more lines not shown" in html
    assert "Source: CarsXE" in html
    assert balanced(html)


@given(st.dictionaries(st.text(min_size=1, max_size=30), st.text(max_size=400), max_size=60))
def test_any_attributes_render_balanced_and_short(attributes: dict[str, str]) -> None:
    """Whatever strings a provider returns, the HTML is balanced and under the limit."""
    spec = VehicleSpec(vin=HONDA, source="nhtsa", model="X", attributes=attributes)
    html = render_decode(EN, result(spec), expanded=True)
    assert len(html) <= MESSAGE_LIMIT
    assert balanced(html)


def test_invalid_vin_message_names_the_problem_and_escapes_input() -> None:
    """The invalid-VIN text carries the reasons and escapes whatever the user typed."""
    html = render_invalid(EN, analyse("<b>1HGCM82633AOO4352</b>"))
    assert "&lt;B&gt;1HGCM82633AOO4352" in html
    assert balanced(html)
    assert "not a valid VIN" in html


def test_metric_and_imperial_units() -> None:
    """Economy, lengths, weights and volumes convert for metric users."""
    assert units.economy(EN, "20", "30", "imperial") == "20 city / 30 hwy mpg"
    assert units.economy(EN, "20", None, "metric") == "11.8 city L/100 km"
    assert units.economy(EN, None, "abc", "metric") is None
    assert units.length(EN, "100", "metric") == "254 cm"
    assert units.weight(EN, "3000", "metric") == "1,361 kg"
    assert units.volume(EN, "17.1", "imperial") == "17.1 gal"
    assert units.money(EN, "55500") == "$55,500"


def test_plain_text_lists_every_field() -> None:
    """The terminal rendering shows summary and detail rows without markup."""
    spec = VehicleSpec(
        vin=HONDA, source="nhtsa", year=2003, make="Honda", attributes={"series": "EX <V6>"}
    )
    text = render_decode_text(EN, result(spec))
    assert "Series" in text
    assert "EX <V6>" in text
    assert "<b>" not in text


def test_json_object_has_the_contract_keys() -> None:
    """The CLI JSON carries every documented key, with null for unknowns."""
    spec = VehicleSpec(vin=HONDA, source="carsxe", year=2003, make="Honda")
    obj = decode_object(result(spec, cached=True))
    assert set(obj) >= CONTRACT_KEYS
    assert obj["model"] is None
    assert obj["cached"] is True
    assert obj["source"] == "carsxe"
    json.dumps(obj)
    invalid = analysis_object(analyse("123"))
    assert set(invalid) >= CONTRACT_KEYS
    assert invalid["valid"] is False
    assert invalid["check_digit_valid"] is None


def test_spec_round_trips_through_the_cache_format() -> None:
    """A spec survives dump/load, and anything else reads as a miss."""
    spec = VehicleSpec(
        vin=HONDA, source="nhtsa", year=2003, make="Honda", attributes={"a": "1"}, warnings=("w",)
    )
    assert load_spec(dump_spec(spec)) == spec


@pytest.mark.parametrize(
    "text",
    ["", "not json", "[]", '{"v": 99}', '{"v": 1, "vin": 5}', '{"v":1,"vin":"X","source":"evil"}'],
)
def test_garbage_in_the_cache_is_a_miss(text: str) -> None:
    """Corrupt or foreign cache values load as None, never raise."""
    assert load_spec(text) is None


# The model year of an offline decode, told as surely as the VIN allows

TODAY = date(2025, 6, 1)


async def offline_result(vin: str) -> DecodeResult:
    """The offline provider's decode of a VIN, wrapped as the decode service would."""
    spec = await OfflineProvider(today=lambda: TODAY).decode(vin)
    return DecodeResult(analysis=analyse(vin, today=TODAY), spec=spec)


async def test_offline_year_without_a_documented_scheme_is_worded_as_a_condition() -> None:
    """A Volvo's lone candidate is shown "if position 10 is the model year", never in the title."""
    view = build_view(EN, await offline_result("YV1MW385992465966"))
    rows = dict(view.rows)
    assert rows["Model year"].startswith("2009, if position 10 is the model year")
    assert "2009" not in view.title


async def test_offline_year_of_a_rest_of_world_mercedes_is_not_in_the_vin() -> None:
    """A W1N Mercedes shows that its VIN carries no year, and no year in the title."""
    view = build_view(EN, await offline_result("W1N2539531F907299"))
    assert dict(view.rows)["Model year"].startswith("not in the VIN (Mercedes-Benz")
    assert not any(char.isdigit() for char in view.title)


async def test_offline_year_from_a_maker_scheme_names_the_scheme() -> None:
    """A Ford Falcon's 2011 heads the title and its row says it came from position 11."""
    view = build_view(EN, await offline_result("6FPAAAJGSWBU52222"))
    assert view.title.startswith("2011 ")
    assert "position 11" in dict(view.rows)["Model year"]


async def test_json_says_how_the_year_was_read_and_that_a_provider_wins() -> None:
    """The offline decode reports its basis; a provider's year replaces it with "provider"."""
    offline = decode_object(await offline_result("YV1MW385992465966"))
    assert (offline["model_year"], offline["model_year_basis"]) == (None, "unconfirmed")
    analysis = analyse("YV1MW385992465966", today=TODAY)
    spec = VehicleSpec(vin=analysis.vin, source="carsxe", year=2008, make="Volvo")
    online = decode_object(DecodeResult(analysis=analysis, spec=spec))
    assert (online["model_year"], online["model_year_basis"]) == (2008, "provider")


def offline_wmi_result(vin: str) -> DecodeResult:
    """The offline decode of a VIN, as the offline provider builds it."""
    analysis = analyse(vin)
    spec = VehicleSpec(
        vin=vin,
        source="offline",
        year=analysis.model_year,
        make=analysis.makes[0] if len(analysis.makes) == 1 else None,
        attributes={"manufacturer": analysis.manufacturer or ""},
    )
    return DecodeResult(analysis=analysis, spec=spec)


def test_offline_shared_wmi_names_the_possible_makes_and_the_manufacturer() -> None:
    """Offline, 5N1 reads "Nissan or Infiniti (Nissan North America, Inc.)", never "Nissan"."""
    view = build_view(EN, offline_wmi_result("5N1AZ2MG3FN123456"))
    assert view.title == "2015 Nissan or Infiniti (Nissan North America, Inc.)"
    assert ("Possible makes", "Nissan or Infiniti") in view.rows
    html = render_decode(EN, offline_wmi_result("5N1AZ2MG3FN123456"))
    assert "<b>2015 Nissan or Infiniti (Nissan North America, Inc.)</b>" in html


def test_provider_make_wins_over_the_wmis_possible_makes() -> None:
    """When a provider answered with a make, the title is its make and no alternatives show."""
    spec = VehicleSpec(vin="5N1AZ2MG3FN123456", source="nhtsa", year=2015, make="Infiniti")
    view = build_view(EN, result(spec))
    assert view.title == "2015 Infiniti"
    assert all(label != "Possible makes" for label, _ in (*view.rows, *view.details))
    assert ("WMI", "registered to Nissan North America, Inc. in United States, North America") in (
        view.details
    )


def test_offline_wmi_row_says_registered_in_its_own_country() -> None:
    """Tesla's XP7 is registered in Germany, not in the Netherlands its range would suggest."""
    view = build_view(EN, offline_wmi_result("XP7YGCEK3PB123456"))
    assert ("WMI", "registered in Germany") in view.rows
    assert "Netherlands" not in str(view.rows)
    assert all(label != "Registered in" for label, _ in view.rows)


def test_online_view_tells_the_wmi_registration_from_the_plant() -> None:
    """The plant is "Built in", the WMI's registrant and country a separate, labelled row."""
    spec = VehicleSpec(
        vin="XP7YGCEK3PB123456",
        source="carsxe",
        make="Tesla",
        model="Model Y",
        attributes={"plant_city": "Grünheide", "plant_country": "Germany"},
    )
    view = build_view(EN, result(spec))
    assert ("Built in", "Grünheide, Germany") in view.rows
    assert ("WMI", "registered to Tesla (Berlin-Brandenburg) in Germany") in view.details


def test_wmi_row_adds_the_region_only_when_the_range_names_the_country() -> None:
    """A range country comes with its region; a country from elsewhere stands alone."""
    honda = build_view(EN, offline_wmi_result(HONDA))
    assert ("WMI", "registered in United States, North America") in honda.rows


def test_json_lists_the_possible_makes() -> None:
    """The CLI's JSON carries the WMI's makes as a list."""
    obj = analysis_object(analyse("5N1AZ2MG3FN123456"))
    assert obj["makes"] == ["Nissan", "Infiniti"]
