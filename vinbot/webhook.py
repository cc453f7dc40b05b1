"""Webhook mode: Telegram POSTs each update to WEBHOOK_URL, served by the health server's route.

The route answers only requests carrying the secret token (compared in constant time); anything
else gets 403 and is never parsed. An accepted update is written to the update journal and put
on the application's update queue, and the answer, 200, waits only for the journal write: it
is never processed inside the request. Telegram re-delivers an update only when the answer is
not 2xx, so from the 200 on only the journal remembers it, exactly as after a getUpdates offset
in polling mode: a crash after the 200 replays it after the restart (recovery.py), or on
another instance once the crashed one's journal lease ran out (journal_owners.py). When the
journal write fails, the update is handled here all the same but the answer is 500: Telegram
delivers it again, and that retry writes it once more (or, once it was handled, is simply
acknowledged), so a crash right after a failed write loses nothing either. With several
instances a retry may reach another one: the updates taken are marked in Upstash, or else in
the shared PostgreSQL database (delivered_updates.py), so that one acknowledges it instead of
handling it a second time.

An update python-telegram-bot cannot parse is acknowledged just the same, as the placeholder
polling uses (unreadable_updates.py), so its sender hears about it and Telegram stops resending.
Until start-up is done and from the start of shutdown the route answers 503, which Telegram
retries later (on this or on another instance).
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections import deque
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import BadRequest

from vinbot.delivered_updates import Delivery
from vinbot.health import WEBHOOK_MAX_BODY_BYTES
from vinbot.logs import get_logger
from vinbot.models.errors import ConfigError
from vinbot.unreadable_updates import readable_batch

if TYPE_CHECKING:
    from collections.abc import Collection

    from telegram import Bot

    from vinbot.delivered_updates import DeliveredUpdates
    from vinbot.health import HealthState
    from vinbot.journal import UpdateJournal
    from vinbot.metrics import Metrics

log = get_logger(__name__)

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
# Update ids remembered to recognise a re-delivery (Telegram resends when our 200 got lost).
REMEMBERED_IDS: Final = 10_000


def webhook_path(url: str) -> str:
    """The route's path: WEBHOOK_URL's own, so a proxy can forward the request unchanged."""
    path = urlsplit(url).path
    return path if path.startswith("/") else "/" + path


class WebhookReceiver:
    """The aiohttp handler of the webhook route; closed (503) until `open` and after `close`."""

    def __init__(
        self,
        secret: str,
        journal: UpdateJournal,
        health: HealthState,
        metrics: Metrics,
        *,
        deliveries: DeliveredUpdates | None = None,
    ) -> None:
        """`deliveries`: where instances sharing the webhook mark the updates they took."""
        self._secret = secret.encode()
        self._journal = journal
        self._deliveries = deliveries
        self._health = health
        self._metrics = metrics
        self._bot: Bot | None = None
        self._queue: asyncio.Queue[object] | None = None
        self._seen: set[int] = set()
        self._seen_order: deque[int] = deque()
        # Queued here, not finished, and their journal write failed: a retry writes them again.
        self._unsaved: set[int] = set()

    def open(self, bot: Bot, queue: asyncio.Queue[object]) -> None:
        """Start accepting: updates go to `queue`."""
        self._bot = bot
        self._queue = queue

    def close(self) -> None:
        """Refuse updates from now on (503, so Telegram delivers them again later)."""
        self._queue = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """POST from Telegram: check the secret, journal the update, queue it, answer 200."""
        status, outcome = await self._answer(request)
        self._metrics.webhook_request(outcome)
        return web.Response(status=status)

    async def _answer(self, request: web.Request) -> tuple[HTTPStatus, str]:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook_forbidden", secret_header=SECRET_HEADER in request.headers)
            return HTTPStatus.FORBIDDEN, "forbidden"
        data = await _read_update(request)
        if isinstance(data, tuple):
            return data
        queue, bot = self._queue, self._bot
        if queue is None or bot is None:
            return HTTPStatus.SERVICE_UNAVAILABLE, "unavailable"
        update_id: int = data["update_id"]
        (item,), _ = readable_batch([data])
        return await self._receive(update_id, item, bot)

    async def _receive(
        self, update_id: int, item: dict[str, Any], bot: Bot
    ) -> tuple[HTTPStatus, str]:
        """Take the update, unless this process or another instance already has it."""
        if update_id in self._seen:
            return await self._answer_again(update_id, item)
        refused = await self._had_elsewhere(update_id)
        if refused is not None:
            return refused
        if update_id in self._seen:  # another request here took it while the cache answered
            return await self._answer_again(update_id, item)
        return await self._take(update_id, item, bot)

    async def _take(self, update_id: int, item: dict[str, Any], bot: Bot) -> tuple[HTTPStatus, str]:
        """Journal the update and queue it; 200 once the journal has it."""
        queue = self._queue
        if queue is None:  # shutdown began meanwhile: Telegram delivers it again later
            await self._abandon(update_id)
            return HTTPStatus.SERVICE_UNAVAILABLE, "unavailable"
        update = Update.de_json(item, bot)
        written = self._journal.record_batch([item])
        queue.put_nowait(update)
        self._remember(update_id)
        self._health.mark_webhook_update()
        # Telegram forgets the update at our 200: it must be on disk by then.
        if not await self._journal.saved(written):
            # Queued here all the same; Telegram's retry is what saves it from a crash.
            self._unsaved.add(update_id)
            return HTTPStatus.INTERNAL_SERVER_ERROR, "unsaved"
        await self._taken(update_id)
        return HTTPStatus.OK, "ok"

    async def _answer_again(self, update_id: int, item: dict[str, Any]) -> tuple[HTTPStatus, str]:
        """A re-delivery of an update this process already has: never handled twice."""
        if update_id in self._unsaved:
            # Still being handled, but not in the journal: try to write it again first.
            if not await self._journal.saved(self._journal.record_batch([item])):
                return HTTPStatus.INTERNAL_SERVER_ERROR, "unsaved"
            self._unsaved.discard(update_id)
            await self._taken(update_id)
        log.info("webhook_update_repeated", update_id=update_id)
        return HTTPStatus.OK, "repeated"

    async def _had_elsewhere(self, update_id: int) -> tuple[HTTPStatus, str] | None:
        """The answer to an update another request (maybe on another instance) took; None to
        take it here."""
        if self._deliveries is None:
            return None
        delivery = await self._deliveries.receive(update_id)
        if delivery is Delivery.TAKEN:
            log.info("webhook_update_taken_elsewhere", update_id=update_id)
            return HTTPStatus.OK, "repeated"
        if delivery is Delivery.RECEIVING:  # Telegram asks again once it is decided
            return HTTPStatus.SERVICE_UNAVAILABLE, "receiving"
        return None

    async def _abandon(self, update_id: int) -> None:
        if self._deliveries is not None:
            await self._deliveries.abandon(update_id)

    async def _taken(self, update_id: int) -> None:
        if self._deliveries is not None:
            await self._deliveries.taken(update_id)

    def acknowledge(self, update_ids: Collection[int]) -> None:
        """Treat these ids as had: the journal's replay handles them (a restart, an adoption).

        Only those ids, never "every id below the newest journaled one": Telegram delivers on up
        to 40 connections at once, so an older update may still be on its way.
        """
        for update_id in update_ids:
            self._remember(update_id)

    # --- the application's update listener: a handled update needs no journal row any more

    def update_started(self, update_id: int) -> None:
        """Nothing to do when an update starts."""
        del update_id

    def update_finished(self, update_id: int) -> None:
        """A handled update is safe whatever its journal write did."""
        self._unsaved.discard(update_id)

    def _remember(self, update_id: int) -> None:
        self._seen.add(update_id)
        self._seen_order.append(update_id)
        if len(self._seen_order) > REMEMBERED_IDS:
            self._seen.discard(self._seen_order.popleft())


async def _read_update(request: web.Request) -> dict[str, Any] | tuple[HTTPStatus, str]:
    """The update in the body, or the refusal: 413 past the size cap, 400 when it is none."""
    if request.content_length is not None and request.content_length > WEBHOOK_MAX_BODY_BYTES:
        return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large"
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:  # a chunked body past the app's client_max_size
        return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large"
    data = _update_object(body)
    if data is None:
        log.warning("webhook_bad_request", size=len(body))
        return HTTPStatus.BAD_REQUEST, "bad_request"
    return data


def _update_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return None
    return data


async def set_webhook(bot: Bot, url: str, secret: str) -> None:
    """Point Telegram at WEBHOOK_URL with the secret; pending updates are kept, never dropped.

    Telegram refusing the URL (it cannot resolve the host, say) is a configuration error.
    """
    try:
        await bot.set_webhook(
            url,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
            secret_token=secret,
        )
    except BadRequest as exc:
        raise ConfigError(
            "WEBHOOK_URL", f"WEBHOOK_URL was refused by Telegram's setWebhook: {exc.message}"
        ) from None
    log.info("webhook_set", path=webhook_path(url))


async def watch_webhook(bot: Bot, url: str, health: HealthState, interval: float) -> None:
    """Every `interval` seconds ask getWebhookInfo: is the webhook still ours, is it delivering?

    A webhook changed or deleted by someone else (a bot started in polling mode with the same
    token deletes it) means no update reaches this process: /health says so. Delivery errors
    Telegram reports (it cannot reach the URL, the proxy answers 502…) are logged once each.
    Runs until cancelled.
    """
    last_error_date: object = None
    while True:
        await asyncio.sleep(interval)
        try:
            info = await bot.get_webhook_info()
        except Exception as exc:  # noqa: BLE001 - a failed check must never end the bot
            log.warning("webhook_info_failed", error_type=type(exc).__name__)
            continue
        if info.url == url:
            health.set_webhook_problem(None)
        else:
            if health.webhook_problem is None:
                log.error(
                    "webhook_lost",
                    detail="the webhook is no longer WEBHOOK_URL: another process changed it",
                    webhook_set=bool(info.url),
                )
            health.set_webhook_problem(
                "webhook changed by someone else" if info.url else "webhook deleted by someone else"
            )
        if info.last_error_date is not None and info.last_error_date != last_error_date:
            log.warning(
                "webhook_delivery_failed",
                error=info.last_error_message,
                pending_update_count=info.pending_update_count,
            )
        last_error_date = info.last_error_date


async def delete_leftover_webhook(bot: Bot) -> None:
    """Polling mode: remove a webhook left set (getUpdates answers 409 while one is)."""
    info = await bot.get_webhook_info()
    if not info.url:
        return
    await bot.delete_webhook(drop_pending_updates=False)
    log.warning(
        "webhook_deleted",
        detail="a webhook was set; polling needs it gone (unset WEBHOOK_URL means polling)",
        pending_update_count=info.pending_update_count,
    )
