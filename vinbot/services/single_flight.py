"""One upstream call per key at a time: callers that arrive while it runs share its outcome."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable


class _Abandoned(Exception):
    """The caller making the call was cancelled; a waiting caller makes it instead."""


class SingleFlight[K, V]:
    """Shares one in-flight call per key between concurrent callers.

    A caller that joins gets the same result or exception and `shared=True`, so it knows it made
    no request itself (and must not be charged for one). When the caller making the call is
    cancelled, the callers waiting on it are not: one of them makes the call instead.
    """

    def __init__(self) -> None:
        self._calls: dict[K, asyncio.Future[V]] = {}

    async def run(self, key: K, call: Callable[[], Awaitable[V]]) -> tuple[V, bool]:
        """The call's result for key, and whether it came from another caller's call."""
        while (running := self._calls.get(key)) is not None:
            try:
                return await asyncio.shield(running), True
            except _Abandoned:
                continue
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._calls[key] = future
        try:
            result = await call()
        except Exception as exc:
            future.set_exception(exc)
            raise
        except BaseException:
            future.set_exception(_Abandoned())
            raise
        else:
            future.set_result(result)
            return result, False
        finally:
            del self._calls[key]
            # Nobody may be waiting: mark the outcome seen so asyncio does not log it as lost.
            if future.done() and not future.cancelled():
                future.exception()
