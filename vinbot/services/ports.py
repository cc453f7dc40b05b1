"""Ports the services depend on; adapters in clients/ satisfy them structurally."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from vinbot.models.vehicle import Source, VehicleSpec


class VehicleDataProvider(Protocol):
    """Something that decodes a valid VIN into a VehicleSpec.

    Raises VinNotFound when it has no data, ProviderUnavailable (or a subclass) when it
    cannot answer now.
    """

    @property
    def name(self) -> Source:
        """The provider's stable name: carsxe, nhtsa or offline."""
        ...

    @property
    def is_paid(self) -> bool:
        """Whether a call costs money (counted against quotas)."""
        ...

    async def decode(self, vin: str) -> VehicleSpec:
        """Decode one normalised, valid VIN."""
        ...
