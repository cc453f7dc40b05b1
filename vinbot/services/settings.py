"""A user's preferences (language, units, recall alerts) and when we last saw them."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vinbot.i18n import LANGUAGES, resolve_language
from vinbot.models.records import UNITS, UserSettings, utc_now

if TYPE_CHECKING:
    from vinbot.models.records import Clock, Units
    from vinbot.storage.repositories import UserRepository


_DEFAULTS = UserSettings()


@dataclass(slots=True)
class _UpdateMemo:
    """The settings one update read, valid while no write since `writes` happened."""

    writes: int
    settings: dict[int, UserSettings] = field(default_factory=dict)


class UserSettingsService:
    """Reads and changes user settings; touch_user records that a user was seen.

    Every reply reads the user's units and language. With one process on the database (SQLite)
    settings change only through this service, so those that differ from the defaults are held
    in memory (loaded once by `load`) and reading them never touches the database; without
    `load` (several instances on PostgreSQL) the database is asked once per update: between
    update_started and update_finished (an UpdateListener) the settings read for a user are
    kept for the rest of that update; a write in this process makes every update read again.
    """

    def __init__(self, users: UserRepository, *, now: Clock = utc_now) -> None:
        self._users = users
        self._now = now
        self._changed: dict[int, UserSettings] | None = None
        self._writes = 0
        # Each update is handled in its own asyncio context: its memo is invisible to others.
        self._memo: ContextVar[_UpdateMemo | None] = ContextVar("user_settings_memo", default=None)

    async def load(self) -> None:
        """Read the users whose settings differ from the defaults (once, at start-up)."""
        self._changed = await self._users.changed_settings()

    def update_started(self, update_id: int) -> None:  # noqa: ARG002 - the listener's signature
        """An update is being handled: its settings reads start a memo of their own."""
        self._memo.set(_UpdateMemo(self._writes))

    def update_finished(self, update_id: int) -> None:  # noqa: ARG002 - the listener's signature
        """The update is done: later reads in this context ask again."""
        self._memo.set(None)

    def _memo_now(self) -> _UpdateMemo | None:
        memo = self._memo.get()
        if memo is not None and memo.writes != self._writes:
            memo.settings.clear()  # another update here changed settings since
            memo.writes = self._writes
        return memo

    def _remember(self, user_id: int, settings: UserSettings) -> UserSettings:
        if self._changed is not None:
            if settings == _DEFAULTS:
                self._changed.pop(user_id, None)
            else:
                self._changed[user_id] = settings
            return settings
        self._writes += 1
        memo = self._memo_now()
        if memo is not None:
            memo.settings[user_id] = settings
        return settings

    async def touch_user(self, user_id: int, language_code: str | None = None) -> None:
        """Create the user or update last seen and language; a user who writes has unblocked us."""
        await self._users.touch(user_id, language_code, self._now())

    async def get(self, user_id: int, *, fresh: bool = False) -> UserSettings:
        """The user's settings; the defaults for a user never stored.

        `fresh`: past this update's memo, as stored now (another instance may have changed
        them while this update ran); the memo then keeps what was read.
        """
        if self._changed is not None:
            return self._changed.get(user_id, _DEFAULTS)
        memo = self._memo_now()
        if memo is not None and user_id in memo.settings and not fresh:
            return memo.settings[user_id]
        settings = await self._users.settings(user_id) or _DEFAULTS
        if memo is not None and memo.writes == self._writes:
            memo.settings[user_id] = settings
        return settings

    async def language_of(self, user_id: int) -> str:
        """The language to write to a user in outside an update (their pick, else the
        language_code Telegram last sent, else English): for admin and recall alerts."""
        picked = (await self.get(user_id)).language
        if picked is not None:
            return resolve_language(picked, None)
        return resolve_language(None, await self._users.language_code(user_id))

    def forget(self, user_id: int) -> None:
        """Drop what is held in memory about the user (after their data was deleted)."""
        if self._changed is not None:
            self._changed.pop(user_id, None)
            return
        self._writes += 1  # every update's memo reads again

    async def set_units(self, user_id: int, units: Units) -> UserSettings:
        """Choose metric or imperial units; ValueError for anything else."""
        if units not in UNITS:
            raise ValueError(f"units must be one of {', '.join(UNITS)}, got {units!r}")
        settings = await self._users.update_settings(user_id, self._now(), units=units)
        return self._remember(user_id, settings)

    async def set_language(self, user_id: int, language: str | None) -> UserSettings:
        """Pick one of vinbot's languages, or None to follow Telegram's; ValueError otherwise."""
        if language is not None and language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
        settings = await self._users.set_language(user_id, self._now(), language)
        return self._remember(user_id, settings)

    async def set_recall_alerts(self, user_id: int, *, enabled: bool) -> UserSettings:
        """Turn recall alerts for the user's garage on or off."""
        settings = await self._users.update_settings(user_id, self._now(), recall_alerts=enabled)
        return self._remember(user_id, settings)

    async def mark_blocked(self, user_id: int) -> None:
        """Remember that the user blocked the bot, so alerts skip them until they write again."""
        await self._users.mark_blocked(user_id, self._now())
