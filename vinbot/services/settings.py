"""A user's preferences (units, recall alerts) and when we last saw them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.models.records import UNITS, UserSettings, utc_now

if TYPE_CHECKING:
    from vinbot.models.records import Clock, Units
    from vinbot.storage.repositories import UserRepository


class UserSettingsService:
    """Reads and changes user settings; touch_user records that a user was seen."""

    def __init__(self, users: UserRepository, *, now: Clock = utc_now) -> None:
        self._users = users
        self._now = now

    async def touch_user(self, user_id: int, language_code: str | None = None) -> None:
        """Create the user or update last seen and language; a user who writes has unblocked us."""
        await self._users.touch(user_id, language_code, self._now())

    async def get(self, user_id: int) -> UserSettings:
        """The user's settings; the defaults for a user never stored."""
        return await self._users.settings(user_id) or UserSettings()

    async def set_units(self, user_id: int, units: Units) -> UserSettings:
        """Choose metric or imperial units; ValueError for anything else."""
        if units not in UNITS:
            raise ValueError(f"units must be one of {', '.join(UNITS)}, got {units!r}")
        return await self._users.update_settings(user_id, self._now(), units=units)

    async def set_recall_alerts(self, user_id: int, *, enabled: bool) -> UserSettings:
        """Turn recall alerts for the user's garage on or off."""
        return await self._users.update_settings(user_id, self._now(), recall_alerts=enabled)

    async def mark_blocked(self, user_id: int) -> None:
        """Remember that the user blocked the bot, so alerts skip them until they write again."""
        await self._users.mark_blocked(user_id, self._now())
