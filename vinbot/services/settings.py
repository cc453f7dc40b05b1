"""A user's preferences (units, recall alerts) and when we last saw them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cachetools import TTLCache

from vinbot.models.records import UNITS, UserSettings, utc_now

if TYPE_CHECKING:
    from vinbot.models.records import Clock, Units
    from vinbot.storage.repositories import UserRepository


# Every reply reads the user's units; settings change rarely, and only through this service.
SETTINGS_CACHE_SIZE = 10_000
SETTINGS_CACHE_SECONDS = 600


class UserSettingsService:
    """Reads and changes user settings; touch_user records that a user was seen."""

    def __init__(self, users: UserRepository, *, now: Clock = utc_now) -> None:
        self._users = users
        self._now = now
        self._recent: TTLCache[int, UserSettings] = TTLCache(
            maxsize=SETTINGS_CACHE_SIZE, ttl=SETTINGS_CACHE_SECONDS
        )

    async def touch_user(self, user_id: int, language_code: str | None = None) -> None:
        """Create the user or update last seen and language; a user who writes has unblocked us."""
        await self._users.touch(user_id, language_code, self._now())

    async def get(self, user_id: int) -> UserSettings:
        """The user's settings; the defaults for a user never stored."""
        settings = self._recent.get(user_id)
        if settings is None:
            settings = await self._users.settings(user_id) or UserSettings()
            self._recent[user_id] = settings
        return settings

    def forget(self, user_id: int) -> None:
        """Drop what is held in memory about the user (after their data was deleted)."""
        self._recent.pop(user_id, None)

    async def set_units(self, user_id: int, units: Units) -> UserSettings:
        """Choose metric or imperial units; ValueError for anything else."""
        if units not in UNITS:
            raise ValueError(f"units must be one of {', '.join(UNITS)}, got {units!r}")
        self._recent.pop(user_id, None)
        settings = await self._users.update_settings(user_id, self._now(), units=units)
        self._recent[user_id] = settings
        return settings

    async def set_recall_alerts(self, user_id: int, *, enabled: bool) -> UserSettings:
        """Turn recall alerts for the user's garage on or off."""
        self._recent.pop(user_id, None)
        settings = await self._users.update_settings(user_id, self._now(), recall_alerts=enabled)
        self._recent[user_id] = settings
        return settings

    async def mark_blocked(self, user_id: int) -> None:
        """Remember that the user blocked the bot, so alerts skip them until they write again."""
        await self._users.mark_blocked(user_id, self._now())
