"""Remembers which chats were just given a hint, so nobody gets the same hint twice in a row."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from cachetools import TTLCache

if TYPE_CHECKING:
    from collections.abc import Callable

HINT_QUIET_SECONDS = 600.0


class HintThrottle:
    """Allows one hint per chat and kind per quiet period; memory stays bounded."""

    def __init__(
        self,
        quiet_seconds: float = HINT_QUIET_SECONDS,
        max_chats: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._recent: TTLCache[tuple[int, str], bool] = TTLCache(
            maxsize=max_chats, ttl=quiet_seconds, timer=clock
        )

    def should_hint(self, chat_id: int, kind: str = "no_vin") -> bool:
        """True the first time in a quiet period; False for repeats."""
        key = (chat_id, kind)
        if key in self._recent:
            return False
        self._recent[key] = True
        return True
