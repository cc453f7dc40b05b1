"""The offline provider: a free decode from the VIN's own structure, behind the provider port."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from vinbot.clients.offline import BASIC_DECODE_WARNING, OfflineProvider
from vinbot.models.errors import InvalidVin
from vinbot.models.vehicle import Attr

if TYPE_CHECKING:
    from vinbot.services.ports import VehicleDataProvider


AUDI_EUROPE = "WAUZZZ4G8FN041008"


def provider_on(day: date) -> OfflineProvider:
    """An offline provider whose calendar is fixed on the given day."""
    return OfflineProvider(today=lambda: day)


def test_offline_provider_is_a_free_vehicle_data_provider() -> None:
    """It satisfies the port structurally, is called offline, and costs nothing."""
    provider: VehicleDataProvider = OfflineProvider()
    assert provider.name == "offline"
    assert provider.is_paid is False


async def test_decode_gives_brand_year_and_manufacturer_from_the_vin() -> None:
    """A Honda decodes to make Honda, year 2003 and the WMI table's manufacturer."""
    spec = await provider_on(date(2025, 6, 1)).decode("1hgcm82633a004352")
    assert spec.vin == "1HGCM82633A004352"
    assert spec.source == "offline"
    assert spec.year == 2003
    assert spec.make == "Honda"
    assert spec.model is None
    assert spec.trim is None
    assert dict(spec.attributes) == {Attr.MANUFACTURER: "American Honda Motor Co., Inc."}
    assert spec.warnings == (BASIC_DECODE_WARNING,)


async def test_decode_never_claims_a_plant_country() -> None:
    """The WMI says where the maker is registered, not where the vehicle was built."""
    spec = await OfflineProvider().decode("WBAFR7C57CC811956")
    assert Attr.PLANT_COUNTRY not in spec.attributes


async def test_decode_leaves_the_year_out_when_two_are_possible() -> None:
    """A European VIN with two possible years gets no year; analyse keeps both candidates."""
    spec = await provider_on(date(2025, 6, 1)).decode("WP0ZZZ99ZTS392124")
    assert spec.year is None
    assert spec.make == "Porsche"


async def test_decode_uses_the_injected_calendar() -> None:
    """In 2013 an Audi's F could not yet mean 2015, so VW's documented scheme settles 1985."""
    assert (await provider_on(date(2013, 6, 1)).decode(AUDI_EUROPE)).year == 1985
    assert (await provider_on(date(2025, 6, 1)).decode(AUDI_EUROPE)).year is None


async def test_an_undocumented_european_year_is_never_stated() -> None:
    """Before 2025 only the Porsche's 1996 reading remains, yet no scheme says it is a year."""
    spec = await provider_on(date(2024, 6, 1)).decode("WP0ZZZ99ZTS392124")
    assert spec.year is None


async def test_ford_australia_year_comes_from_position_11() -> None:
    """A Ford Falcon decodes to 2011 from position 11, not 1998 from its body code at 10."""
    spec = await provider_on(date(2025, 6, 1)).decode("6FPAAAJGSWBU52222")
    assert spec.year == 2011


async def test_rest_of_world_mercedes_gets_no_year() -> None:
    """A W1N Mercedes carries its steering code at position 10, so no year (formerly 2001)."""
    spec = await provider_on(date(2025, 6, 1)).decode("W1N2539531F907299")
    assert spec.year is None


async def test_motor_coach_industries_is_named_correctly() -> None:
    """1M8 decodes to Motor Coach Industries, never Mercury."""
    spec = await provider_on(date(2025, 6, 1)).decode("1M8GDM9AXKP042788")
    assert spec.make == "Motor Coach Industries"
    assert spec.attributes[Attr.MANUFACTURER] == "Motor Coach Industries, Inc."


async def test_shared_wmi_names_the_manufacturer_but_no_make() -> None:
    """A WMI shared by several brands gives the manufacturer only."""
    spec = await OfflineProvider().decode("1C4RJFBG2FC625797")
    assert spec.make is None
    assert spec.attributes[Attr.MANUFACTURER] == "FCA US LLC"


async def test_unknown_wmi_gives_no_make_and_no_manufacturer() -> None:
    """A WMI missing from the table yields an honest, nearly empty decode."""
    spec = await OfflineProvider().decode("1MZAA0006AA000000")
    assert spec.make is None
    assert dict(spec.attributes) == {}
    assert spec.warnings == (BASIC_DECODE_WARNING,)


@pytest.mark.parametrize("vin", ["1HGCM82633A004353", "1HGCM82633A00435", "1HGCM82633AOO4352"])
async def test_invalid_vin_raises_with_the_analysis(vin: str) -> None:
    """A VIN analyse rejects raises InvalidVin carrying the reasons."""
    with pytest.raises(InvalidVin) as raised:
        await OfflineProvider().decode(vin)
    assert not raised.value.analysis.valid
    assert raised.value.analysis.errors


async def test_wmi_shared_by_nissan_and_infiniti_claims_neither_make() -> None:
    """5N1 is registered for Nissan and Infiniti, so the offline decode names no single make."""
    spec = await provider_on(date(2025, 6, 1)).decode("5N1AZ2MG3FN123456")
    assert spec.make is None
    assert spec.attributes[Attr.MANUFACTURER] == "Nissan North America, Inc."
