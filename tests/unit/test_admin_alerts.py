"""Admin error alerts: where an error happened, and at most one alert per kind per window."""

from __future__ import annotations

import httpx
import pytest

from vinbot.clients import wire
from vinbot.handlers.admin_alerts import ErrorAlertThrottle, error_place
from vinbot.models.errors import BadProviderResponse


class Clock:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_the_place_is_the_innermost_vinbot_frame() -> None:
    """An error raised inside vinbot names that module, function and line, not the test."""
    response = httpx.Response(200, content=b"<html>secret 1HGCM82633A004352</html>")
    with pytest.raises(BadProviderResponse) as caught:
        wire.json_object(response, "carsxe")

    module, function, line = error_place(caught.value).split(":")
    assert (module, function) == ("vinbot.clients.wire", "json_object")
    assert int(line) > 0


def test_an_error_outside_vinbot_says_so() -> None:
    """An error with no vinbot frame at all is placed "outside vinbot"."""
    with pytest.raises(ZeroDivisionError) as caught:
        _ = 1 / 0
    assert error_place(caught.value) == "outside vinbot"


def test_one_alert_per_kind_and_place_per_window_then_the_count() -> None:
    """Repeats inside the window are held back and counted; the next alert carries the count."""
    clock = Clock()
    throttle = ErrorAlertThrottle(window=600, clock=clock)
    key = ("KeyError", "vinbot.handlers.decode:on_text:12")

    assert throttle.admit(key) == 0
    clock.now += 100
    assert [throttle.admit(key) for _ in range(3)] == [None, None, None]
    assert throttle.admit(("KeyError", "vinbot.handlers.decode:on_text:40")) == 0
    clock.now += 500
    assert throttle.admit(key) == 3
    assert throttle.admit(key) is None
