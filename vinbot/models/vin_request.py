"""What a message asks for: the VINs to decode, how many were skipped, and near misses."""

from __future__ import annotations

from dataclasses import dataclass

from vinbot.models.vin import find_vin_attempts, find_vins


@dataclass(frozen=True, slots=True)
class VinRequest:
    """The VINs found in one message, capped, plus tokens that look like mistyped VINs."""

    vins: tuple[str, ...] = ()
    skipped: int = 0
    attempts: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing VIN-like at all."""
        return not self.vins and not self.attempts


def parse_vin_request(text: str, *, max_vins: int = 3) -> VinRequest:
    """Split free text into at most max_vins VINs; near misses only when no VIN was found."""
    vins = find_vins(text)
    if vins:
        return VinRequest(vins=tuple(vins[:max_vins]), skipped=max(0, len(vins) - max_vins))
    attempts = find_vin_attempts(text)
    return VinRequest(attempts=tuple(attempts[:max_vins]))
