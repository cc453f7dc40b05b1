"""The getUpdates request object: it tells the health state whether polling really works."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from vinbot.telegram_request import AiohttpRequest

if TYPE_CHECKING:
    from vinbot.health import HealthState


class PollingProbeRequest(AiohttpRequest):
    """The Bot API transport for getUpdates, reporting each outcome to the health state."""

    def __init__(self, health: HealthState, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._health = health

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Send the request; a 200 marks polling alive, anything else marks an error."""
        try:
            status, payload = await super().do_request(*args, **kwargs)
        except Exception as exc:
            self._health.mark_poll_error(exc)
            raise
        if status == HTTPStatus.OK:
            self._health.mark_poll_ok()
        else:
            self._health.mark_poll_error(RuntimeError(f"getUpdates answered {status}"))
        return status, payload
