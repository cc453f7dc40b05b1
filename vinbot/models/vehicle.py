"""What a provider says a vehicle is, and what a decode returns to the bot, the CLI and tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from vinbot.models.records import QuotaReason
    from vinbot.models.vin import VinAnalysis

type Source = Literal["carsxe", "nhtsa", "offline"]
SOURCES: tuple[Source, ...] = ("carsxe", "nhtsa", "offline")

# What a reader should know about how a decode came (the formatters word each one):
# - "late": `providers` did not answer in time, `answered` gave this decode instead;
# - "failed": `providers` did not answer just now, `answered` gave this decode instead;
# - "no_data": no decoding service has data for this VIN (the offline decode is all there is);
# - "us_market": NHTSA's data covers vehicles sold in the US;
# - "quota": the user's (`quota` "user_daily") or the bot's ("bot_monthly") budget for paid
#   answers is spent until `resets_at`, so this is the free answer.
type NoteCode = Literal["late", "failed", "no_data", "us_market", "quota"]


@dataclass(frozen=True, slots=True)
class DecodeNote:
    """One note about how a decode came, as a code with its parameters, never a sentence."""

    code: NoteCode
    providers: tuple[Source, ...] = ()
    answered: Source | None = None
    quota: QuotaReason | None = None
    resets_at: datetime | None = None


class Attr:
    """Stable snake_case attribute names every provider maps its wire fields onto.

    Values are display strings; numbers are plain numerals without units (units are named
    by the key: `_mpg`, `_usd`, `_l`, `_in`, `_lb`, `_gal`), so the formatter can convert them.
    Providers may add other snake_case keys; these are the ones the summary shows.
    """

    ENGINE = "engine"  # e.g. "3.0L V6 SOHC 24V"
    ENGINE_DISPLACEMENT_L = "engine_displacement_l"
    ENGINE_CYLINDERS = "engine_cylinders"
    ENGINE_HP = "engine_hp"
    FUEL_TYPE = "fuel_type"
    TRANSMISSION = "transmission"
    DRIVETRAIN = "drivetrain"
    BODY = "body"
    DOORS = "doors"
    VEHICLE_TYPE = "vehicle_type"
    SEATING = "seating"
    PLANT_CITY = "plant_city"
    PLANT_STATE = "plant_state"
    PLANT_COUNTRY = "plant_country"
    CITY_MPG = "city_mpg"
    HIGHWAY_MPG = "highway_mpg"
    MSRP_USD = "msrp_usd"
    CURB_WEIGHT_LB = "curb_weight_lb"
    FUEL_CAPACITY_GAL = "fuel_capacity_gal"
    LENGTH_IN = "length_in"
    WIDTH_IN = "width_in"
    HEIGHT_IN = "height_in"
    WHEELBASE_IN = "wheelbase_in"
    GVWR = "gvwr"
    MANUFACTURER = "manufacturer"  # the provider's manufacturer name, not the WMI table's


@dataclass(frozen=True, slots=True)
class VehicleSpec:
    """A provider's decode of one VIN; fields are None (or absent from attributes) when unknown."""

    vin: str
    source: Source
    year: int | None = None
    make: str | None = None
    model: str | None = None
    trim: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """A finished decode: the offline analysis, the best provider answer, and how it came."""

    analysis: VinAnalysis
    spec: VehicleSpec
    cached: bool = False
    notes: tuple[DecodeNote, ...] = ()  # e.g. CarsXE did not answer, this is NHTSA's decode
    unavailable: tuple[Source, ...] = ()  # providers that failed (not "no data") on the way here
    paid_call_made: bool = False  # True only for the caller whose request made a paid call

    @property
    def offline_only(self) -> bool:
        """Whether no provider has this car at all (not an outage): the VIN's own structure is
        all there is, so full specs or a market value cannot add anything."""
        return self.spec.source == "offline" and not self.unavailable

    @property
    def source(self) -> Source:
        """Which provider answered."""
        return self.spec.source

    @property
    def model_year(self) -> int | None:
        """The provider's year when it gave one, else the year the VIN settles on its own."""
        return self.spec.year if self.spec.year is not None else self.analysis.model_year
