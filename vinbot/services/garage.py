"""The garage: vehicles a user saved, with nicknames, up to a per-user limit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.models.errors import VinbotError
from vinbot.models.records import utc_now

if TYPE_CHECKING:
    from vinbot.models.records import Clock, GarageEntry
    from vinbot.storage.repositories import GarageRepository

NICKNAME_MAX_LENGTH = 32


class GarageFull(VinbotError):
    """The user's garage already holds as many vehicles as allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the garage holds at most {limit} vehicles")
        self.limit = limit


class AlreadySaved(VinbotError):
    """The VIN is already in the user's garage."""

    def __init__(self, vin: str) -> None:
        super().__init__(f"{vin} is already in the garage")
        self.vin = vin


class NotInGarage(VinbotError):
    """The VIN is not in the user's garage."""

    def __init__(self, vin: str) -> None:
        super().__init__(f"{vin} is not in the garage")
        self.vin = vin


class NicknameTooLong(VinbotError):
    """A nickname is longer than NICKNAME_MAX_LENGTH characters."""

    def __init__(self, max_length: int) -> None:
        super().__init__(f"a nickname has at most {max_length} characters")
        self.max_length = max_length


def clean_nickname(nickname: str | None) -> str | None:
    """The nickname with whitespace collapsed, None when empty; NicknameTooLong past the limit."""
    if nickname is None:
        return None
    cleaned = " ".join(nickname.split())
    if len(cleaned) > NICKNAME_MAX_LENGTH:
        raise NicknameTooLong(NICKNAME_MAX_LENGTH)
    return cleaned or None


class GarageService:
    """Add, list, rename and remove a user's saved vehicles (VINs arrive normalised)."""

    def __init__(self, garage: GarageRepository, *, limit: int = 10, now: Clock = utc_now) -> None:
        if limit < 1:
            raise ValueError("the garage limit must be at least 1")
        self._garage = garage
        self._limit = limit
        self._now = now

    @property
    def limit(self) -> int:
        """How many vehicles one user may save."""
        return self._limit

    async def add(self, user_id: int, vin: str, nickname: str | None = None) -> GarageEntry:
        """Save a VIN; raises AlreadySaved, GarageFull or NicknameTooLong."""
        outcome = await self._garage.add(
            user_id, vin, clean_nickname(nickname), self._now(), self._limit
        )
        if outcome == "duplicate":
            raise AlreadySaved(vin)
        if outcome == "full":
            raise GarageFull(self._limit)
        return outcome

    async def list(self, user_id: int) -> tuple[GarageEntry, ...]:
        """The user's saved vehicles, oldest first."""
        return tuple(await self._garage.entries(user_id))

    async def rename(self, user_id: int, vin: str, nickname: str | None) -> GarageEntry:
        """Set or clear (None or blank) a nickname; raises NotInGarage or NicknameTooLong."""
        entry = await self._garage.rename(user_id, vin, clean_nickname(nickname))
        if entry is None:
            raise NotInGarage(vin)
        return entry

    async def remove(self, user_id: int, vin: str) -> None:
        """Remove a saved VIN; raises NotInGarage when it is not there."""
        if not await self._garage.remove(user_id, vin):
            raise NotInGarage(vin)
