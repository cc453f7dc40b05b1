"""FloodGuard: a per-user sliding window with one notice per refusal streak and bounded memory."""

from __future__ import annotations

import pytest

from vinbot.models.errors import RateLimited
from vinbot.services.flood_guard import FloodDecision, FloodGuard


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_allows_up_to_the_limit_then_refuses() -> None:
    """The first `limit` attempts in a minute pass and the next one is refused."""
    clock = FakeClock()
    guard = FloodGuard(3, clock=clock)
    assert [guard.check(1).allowed for _ in range(3)] == [True, True, True]
    decision = guard.check(1)
    assert not decision.allowed
    assert decision.retry_after == pytest.approx(60.0)


def test_users_are_limited_independently() -> None:
    """One user's flood does not limit another user."""
    guard = FloodGuard(1, clock=FakeClock())
    assert guard.check(1).allowed
    assert not guard.check(1).allowed
    assert guard.check(2).allowed


def test_window_slides_rather_than_resetting() -> None:
    """An attempt becomes possible again exactly 60 s after the oldest accepted one."""
    clock = FakeClock()
    guard = FloodGuard(2, clock=clock)
    guard.check(1)
    clock.advance(30)
    guard.check(1)
    clock.advance(20)
    refused = guard.check(1)
    assert not refused.allowed
    assert refused.retry_after == pytest.approx(10.0)
    clock.advance(10)
    assert guard.check(1).allowed
    refused_again = guard.check(1)
    assert not refused_again.allowed
    assert refused_again.retry_after == pytest.approx(30.0)


def test_refused_attempts_do_not_extend_the_wait() -> None:
    """Hammering while refused does not push back the moment the user may continue."""
    clock = FakeClock()
    guard = FloodGuard(1, clock=clock)
    guard.check(1)
    for _ in range(10):
        clock.advance(5)
        guard.check(1)
    clock.advance(10)
    assert guard.check(1).allowed


def test_first_refusal_is_flagged_exactly_once_per_streak() -> None:
    """Only the first refused attempt says first_refusal, until the user is allowed again."""
    clock = FakeClock()
    guard = FloodGuard(1, clock=clock)
    guard.check(1)
    flags = [guard.check(1).first_refusal for _ in range(4)]
    assert flags == [True, False, False, False]
    clock.advance(60)
    assert guard.check(1).allowed
    assert guard.check(1).first_refusal


def test_a_notice_on_a_button_does_not_silence_the_chat() -> None:
    """Each place a refusal can be seen (chat, button, inline) gets its own one-time notice."""
    guard = FloodGuard(1, clock=FakeClock())
    guard.check(1)
    assert guard.check(1, "button").first_refusal
    assert not guard.check(1, "button").first_refusal
    assert guard.check(1, "inline").first_refusal
    assert guard.check(1).first_refusal
    assert not guard.check(1).first_refusal


def test_limit_zero_turns_the_guard_off() -> None:
    """With limit 0 every attempt is allowed and nothing is remembered."""
    guard = FloodGuard(0, clock=FakeClock())
    assert all(guard.check(1).allowed for _ in range(1000))
    assert not guard.enabled
    assert guard.tracked_users == 0


def test_negative_limit_is_rejected() -> None:
    """A negative limit is a configuration mistake, not a silent 'off'."""
    with pytest.raises(ValueError, match="limit_per_minute"):
        FloodGuard(-1)


def test_memory_stays_bounded_with_many_users() -> None:
    """Users whose window has emptied are forgotten, so many one-off users do not pile up."""
    clock = FakeClock()
    guard = FloodGuard(5, clock=clock)
    for user_id in range(100_000):
        guard.check(user_id)
        clock.advance(0.01)  # 100 users a second: about 6,000 inside any 60 s
    assert guard.tracked_users <= 6_001
    clock.advance(60)
    guard.check(-1)
    assert guard.tracked_users == 1


def test_refused_user_is_remembered_until_the_window_clears() -> None:
    """A refused user stays tracked while limited and is forgotten once the window empties."""
    clock = FakeClock()
    guard = FloodGuard(1, clock=clock)
    guard.check(1)
    guard.check(1)
    clock.advance(59)
    guard.check(2)
    assert guard.tracked_users == 2
    clock.advance(1)
    guard.check(2)
    assert guard.tracked_users == 1


def test_refusal_converts_to_the_domain_error() -> None:
    """A refused decision turns into RateLimited carrying the wait in seconds."""
    error = FloodDecision(allowed=False, retry_after=42.0, first_refusal=True).to_error()
    assert isinstance(error, RateLimited)
    assert error.retry_after == 42.0
