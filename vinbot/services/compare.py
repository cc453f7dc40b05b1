"""Comparing two cars: both decodes (cached, or through the quota like any lookup) and the
recalls already cached for each; a comparison never spends on recalls by itself."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

from vinbot.models.compare import ComparedCar, Comparison
from vinbot.models.errors import InvalidVin
from vinbot.models.vin import analyse

if TYPE_CHECKING:
    from vinbot.models.recalls import RecallOutcome
    from vinbot.models.vehicle import DecodeResult


class Lookups(Protocol):
    """The person's lookups (LookupService): quota, decode, history."""

    async def lookup(self, raw_vin: str, *, user_id: int, is_admin: bool) -> DecodeResult:
        """Decode a VIN for a user and remember it."""
        ...

    async def reopen(self, vin: str, *, user_id: int, is_admin: bool) -> DecodeResult:
        """Decode a VIN through the same quota, keeping no history."""
        ...


class CachedRecalls(Protocol):
    """Recalls as cached, with no provider asked (RecallsService)."""

    async def cached(self, vin: str) -> RecallOutcome | None:
        """The VIN's cached recalls, or None."""
        ...


class CompareService:
    """Two cars side by side for one requester."""

    def __init__(self, lookups: Lookups, recalls: CachedRecalls) -> None:
        self._lookups = lookups
        self._recalls = recalls

    async def compare(
        self, first: str, second: str, *, user_id: int, is_admin: bool, personal: bool
    ) -> Comparison:
        """Both cars, decoded at the same time; raises InvalidVin for either.

        A person's cars go to their history like any decode; a chat writing as itself keeps
        none. Each decode reserves its own paid call, so the quota holds for both.
        """
        for vin in (first, second):  # before either decode starts
            analysis = analyse(vin)
            if not analysis.valid:
                raise InvalidVin(analysis)
        decode = self._lookups.lookup if personal else self._lookups.reopen
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(decode(vin, user_id=user_id, is_admin=is_admin))
                    for vin in (first, second)
                ]
        except ExceptionGroup as failed:  # the other decode was cancelled and awaited
            raise failed.exceptions[0] from None
        cars = [
            ComparedCar(task.result(), await self._recalls.cached(task.result().analysis.vin))
            for task in tasks
        ]
        return Comparison(cars[0], cars[1])
