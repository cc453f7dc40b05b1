"""The offline provider: decodes only what a VIN's own characters say, free and always available."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Final

from vinbot.i18n import N_
from vinbot.models.errors import InvalidVin
from vinbot.models.vehicle import Attr, Source, VehicleSpec
from vinbot.models.vin import analyse
from vinbot.models.wmi import assignment_for

if TYPE_CHECKING:
    from collections.abc import Callable

# Marked for translation: the decode formatters show it in the reader's words.
BASIC_DECODE_WARNING: Final = N_(
    "This is a basic decode from the VIN's structure only (maker and model year); "
    "no vehicle database was consulted."
)


class OfflineProvider:
    """A VehicleDataProvider that reads only the WMI table and the model-year rules."""

    def __init__(self, *, today: Callable[[], date] = date.today) -> None:
        self._today = today

    @property
    def name(self) -> Source:
        """The provider's stable name."""
        return "offline"

    @property
    def is_paid(self) -> bool:
        """Offline decodes cost nothing."""
        return False

    async def decode(self, vin: str) -> VehicleSpec:
        """Decode one VIN from its structure alone; raises InvalidVin when analyse rejects it."""
        analysis = analyse(vin, today=self._today())
        if not analysis.valid:
            raise InvalidVin(analysis)
        assignment = assignment_for(analysis.vin)
        attributes = {Attr.MANUFACTURER: assignment.manufacturer} if assignment else {}
        return VehicleSpec(
            vin=analysis.vin,
            source="offline",
            year=analysis.model_year,
            make=assignment.brand if assignment else None,
            attributes=attributes,
            warnings=(BASIC_DECODE_WARNING,),
        )
