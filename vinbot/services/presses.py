"""Button presses being handled right now, so a double tap does its work once."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterator


class PressesInFlight:
    """Remembers each press (who, which message, which button) until its handling ends."""

    __slots__ = ("_keys",)

    def __init__(self) -> None:
        self._keys: set[Hashable] = set()

    @contextmanager
    def claim(self, key: Hashable) -> Iterator[bool]:
        """True for the first press of its kind; False while an identical one is still handled."""
        if key in self._keys:
            yield False
            return
        self._keys.add(key)
        try:
            yield True
        finally:
            self._keys.discard(key)
