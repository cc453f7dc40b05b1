"""In-process fakes for the decode service's ports: they record calls and hold state."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from vinbot.models.vehicle import Source, VehicleSpec


@dataclass
class FakeProvider:
    """A provider answering from a dict, or raising a set error; counts every call."""

    provider_name: Source
    paid: bool = False
    answers: dict[str, VehicleSpec] = field(default_factory=dict)
    error: Exception | None = None
    delay: float = 0.0
    calls: list[str] = field(default_factory=list)
    hold: asyncio.Event | None = None  # when set, every decode waits until the event is set

    @property
    def name(self) -> Source:
        return self.provider_name

    @property
    def is_paid(self) -> bool:
        return self.paid

    async def decode(self, vin: str) -> VehicleSpec:
        self.calls.append(vin)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.hold is not None:
            await self.hold.wait()
        if self.error is not None:
            raise self.error
        if vin in self.answers:
            return self.answers[vin]
        return VehicleSpec(
            vin=vin, source=self.provider_name, year=2003, make="Honda", model="Accord"
        )


@dataclass
class DictCache:
    """A cache that keeps everything in a dict and remembers the TTL of each write."""

    data: dict[str, str] = field(default_factory=dict)
    ttls: dict[str, int] = field(default_factory=dict)
    fail: bool = False

    async def get(self, key: str) -> str | None:
        return None if self.fail else self.data.get(key)

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        if not self.fail:
            self.data[key] = value
            self.ttls[key] = ttl_seconds

    async def delete(self, key: str) -> None:
        self.data.pop(key, None)

    async def ping(self) -> bool:
        return not self.fail

    async def aclose(self) -> None:
        return None
