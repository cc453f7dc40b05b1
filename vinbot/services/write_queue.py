"""The two halves every background writer here shares: take a batch, and drain then stop."""

from __future__ import annotations

import asyncio
import contextlib


async def next_batch[T](queue: asyncio.Queue[T], limit: int | None = None) -> list[T]:
    """Wait for one item, then take whatever else is queued already (up to limit)."""
    items = [await queue.get()]
    while (limit is None or len(items) < limit) and not queue.empty():
        items.append(queue.get_nowait())
    return items


async def drain_then_stop[T](
    queue: asyncio.Queue[T], worker: asyncio.Task[None], wait: float
) -> None:
    """Let the worker write what is queued (waiting up to `wait` seconds), then cancel it."""
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await queue.join()
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
