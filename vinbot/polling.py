"""The getUpdates request object: reports each poll to health, journals each batch it fetches.

Every getUpdates after the first carries the offset that makes Telegram forget the previous
batch, so it is sent only once that batch is in the update journal.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, override

from telegram.request import BaseRequest

from vinbot.telegram_request import AiohttpRequest
from vinbot.unreadable_updates import readable_batch

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput
    from telegram.request import RequestData

    from vinbot.health import HealthState
    from vinbot.journal import UpdateJournal


class PollingProbeRequest(AiohttpRequest):
    """The Bot API transport for getUpdates, reporting to health and writing the journal."""

    def __init__(
        self, health: HealthState, journal: UpdateJournal | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._health = health
        self._journal = journal
        self._last_offset: object = None
        self._delivered = False  # the last getUpdates handed PTB a non-empty batch

    @override
    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send the request; a 200 marks polling alive, anything else marks an error."""
        offset = request_data.parameters.get("offset") if request_data is not None else None
        # A batch was delivered, yet the offset did not move: PTB could not parse that batch.
        repeated = self._delivered and offset == self._last_offset
        self._last_offset = offset
        journal = self._journal
        if journal is not None:
            # This request's offset acknowledges the previous batch: it must be on disk first.
            await journal.committed()
        try:
            status, payload = await super().do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except Exception as exc:
            self._health.mark_poll_error(exc)
            raise
        if status == HTTPStatus.OK:
            self._health.mark_poll_ok()
            body = _body(payload)
            result = _result(body)
            if repeated and result:
                result, unreadable = readable_batch(result)
                if unreadable:
                    payload = json.dumps({**body, "result": result}).encode()
            self._delivered = bool(result)
            if journal is not None and result:
                journal.record_batch(result)
        else:
            self._health.mark_poll_error(RuntimeError(f"getUpdates answered {status}"))
        return status, payload


def _body(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return None  # PTB reports the broken answer itself


def _result(body: Any) -> list[Any]:
    result = body.get("result") if isinstance(body, dict) and body.get("ok") is True else None
    return result if isinstance(result, list) else []
