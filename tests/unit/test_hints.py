"""The hint throttle: one hint per chat per quiet period."""

from __future__ import annotations

from vinbot.services.hints import HintThrottle


def test_hint_once_per_quiet_period_per_chat() -> None:
    """A chat gets a hint, then none until the quiet period passes; other chats are separate."""
    now = [0.0]
    throttle = HintThrottle(quiet_seconds=60, clock=lambda: now[0])
    assert throttle.should_hint(1)
    assert not throttle.should_hint(1)
    assert throttle.should_hint(2)
    assert throttle.should_hint(1, "sticker")
    now[0] = 61
    assert throttle.should_hint(1)


def test_memory_is_bounded() -> None:
    """Many chats never grow the throttle beyond its size."""
    throttle = HintThrottle(max_chats=10)
    for chat in range(100):
        throttle.should_hint(chat)
    assert len(throttle._recent) <= 10
