"""Who hears when an update starts and finishes: the journal, the in-flight set, health."""

from __future__ import annotations

from typing import Any, Protocol

from telegram import Update
from telegram.ext import Application, ExtBot

from vinbot.handlers.context import BotContext, BotData, UserData


class UpdateListener(Protocol):
    """Told about every update the application handles; must be quick and never raise."""

    def update_started(self, update_id: int) -> None:
        """The application began handling the update."""
        ...

    def update_finished(self, update_id: int) -> None:
        """The application is done with the update, whatever the outcome."""
        ...


class InFlightUpdates:
    """The ids of updates being handled now; the watchdog's thread reads a copy."""

    def __init__(self) -> None:
        self._ids: dict[int, int] = {}  # id -> how many handlings of it are running

    def update_started(self, update_id: int) -> None:
        """Count one more handling of the update."""
        self._ids[update_id] = self._ids.get(update_id, 0) + 1

    def update_finished(self, update_id: int) -> None:
        """Count one handling less."""
        left = self._ids.pop(update_id, 0) - 1
        if left > 0:
            self._ids[update_id] = left

    def snapshot(self) -> list[int]:
        """The ids, sorted; safe from another thread."""
        while True:
            try:
                return sorted(self._ids)
            except RuntimeError:  # changed size while copied: the loop is alive, copy again
                continue


class TrackedApplication(
    Application[ExtBot[Any], BotContext, UserData, dict[Any, Any], BotData, Any]
):
    """PTB's Application, telling its update listeners when each update starts and finishes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.update_listeners: list[UpdateListener] = []

    async def process_update(self, update: object) -> None:
        """Handle the update as PTB does, between update_started and update_finished."""
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        update_id = update.update_id
        for listener in self.update_listeners:
            listener.update_started(update_id)
        try:
            await super().process_update(update)
        finally:
            for listener in self.update_listeners:
                listener.update_finished(update_id)
