"""The fake Bot API's webhook: setWebhook's rules, delivery with the secret header, retries."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from tests.fakes.telegram_server import FakeTelegram

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

TOKEN = "123456:TEST-token-for-the-fake-telegram"
PUBLIC = "https://bot.example.test"
SECRET = "the-secret_1"
USER = 700


class Receiver:
    """A tiny webhook endpoint on 127.0.0.1 answering with a status the test picks."""

    def __init__(self) -> None:
        self.status = 200
        self.received: list[tuple[str, str | None, dict[str, Any]]] = []
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        self.received.append(
            (request.path, request.headers.get("X-Telegram-Bot-Api-Secret-Token"), body)
        )
        return web.Response(status=self.status)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=tg.base_url) as client:
        yield client


async def receiver_on(app_path: str) -> Receiver:
    """Start a Receiver serving POST on one path."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post(app_path, receiver.handle)
    receiver.runner = web.AppRunner(app, access_log=None)
    await receiver.runner.setup()
    site = web.TCPSite(receiver.runner, "127.0.0.1", 0)
    await site.start()
    receiver.port = int(receiver.runner.addresses[0][1])
    return receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    running = await receiver_on("/hook")
    try:
        yield running
    finally:
        assert running.runner is not None
        await running.runner.cleanup()


@pytest.mark.parametrize(
    ("url", "secret", "error"),
    [
        ("http://bot.example.test/hook", None, "An HTTPS URL must be provided"),
        ("https://bot.example.test:8080/hook", None, "only on ports 80, 88, 443 or 8443"),
        ("https://bot.example.test/hook", "bad secret!", "secret token contains unallowed"),
        ("https://bot.example.test/hook", "x" * 257, "secret token contains unallowed"),
    ],
)
async def test_set_webhook_validates_like_telegram(
    bot: Bot, tg: FakeTelegram, url: str, secret: str | None, error: str
) -> None:
    """An http URL, another port or a bad secret token is a 400, and nothing is set."""
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await bot.set_webhook(url, secret_token=secret)
    assert tg.api.webhook_url == ""


async def test_updates_are_delivered_with_the_secret_and_forgotten_on_200(
    bot: Bot, tg: FakeTelegram, receiver: Receiver
) -> None:
    """Each pending update is POSTed with the secret header; a 2xx makes the fake forget it."""
    await bot.set_webhook(f"{PUBLIC}/hook", secret_token=SECRET, allowed_updates=["message"])
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates(timeout=0)
    tg.route_webhook(PUBLIC, receiver.origin)
    first = tg.send_text(USER, "one")
    second = tg.send_text(USER, "two")
    delivered = await tg.deliver_webhook()
    assert [(d.update_id, d.status) for d in delivered] == [(first, 200), (second, 200)]
    assert [(path, secret, body["update_id"]) for path, secret, body in receiver.received] == [
        ("/hook", SECRET, first),
        ("/hook", SECRET, second),
    ]
    assert receiver.received[0][2]["message"]["text"] == "one"
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count, info.allowed_updates) == (
        f"{PUBLIC}/hook",
        0,
        ("message",),
    )


async def test_a_refused_delivery_stays_pending_and_shows_in_webhook_info(
    bot: Bot, tg: FakeTelegram, receiver: Receiver
) -> None:
    """A non-2xx answer or an unreachable bot keeps the update, as Telegram would retry it."""
    await bot.set_webhook(f"{PUBLIC}/hook", secret_token=SECRET)
    tg.route_webhook(PUBLIC, receiver.origin)
    update_id = tg.send_text(USER, "hello")
    receiver.status = 403
    assert [d.status for d in await tg.deliver_webhook()] == [403]
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert info.last_error_message == "Wrong response from the webhook: 403 Forbidden"

    tg.route_webhook(PUBLIC, "http://127.0.0.1:9")  # nobody listens there
    (unreachable,) = await tg.deliver_webhook()
    assert (unreachable.status, unreachable.ok) == (None, False)

    receiver.status = 200
    tg.route_webhook(PUBLIC, receiver.origin)
    assert [(d.update_id, d.ok) for d in await tg.deliver_webhook()] == [(update_id, True)]
    assert tg.pending_updates == []
    await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates(timeout=0) == ()


async def test_several_instances_behind_one_url_take_turns(
    bot: Bot, tg: FakeTelegram, receiver: Receiver
) -> None:
    """Routed to two origins, deliveries alternate between them, like a proxy balancing."""
    other = await receiver_on("/hook")
    try:
        await bot.set_webhook(f"{PUBLIC}/hook", secret_token=SECRET)
        tg.route_webhook(PUBLIC, receiver.origin, other.origin)
        for text in ("a", "b", "c", "d"):
            tg.send_text(USER, text)
        assert all(d.ok for d in await tg.deliver_webhook())
        assert [body["message"]["text"] for _, _, body in receiver.received] == ["a", "c"]
        assert [body["message"]["text"] for _, _, body in other.received] == ["b", "d"]
    finally:
        assert other.runner is not None
        await other.runner.cleanup()


async def test_the_control_api_routes_and_delivers(tg: FakeTelegram, receiver: Receiver) -> None:
    """Another process (the benchmark) can route the webhook and trigger deliveries over HTTP."""
    async with httpx.AsyncClient(base_url=tg.url, timeout=5) as control:
        await control.post(f"/bot{TOKEN}/setWebhook", json={"url": f"{PUBLIC}/hook"})
        routed = await control.post(
            "/_control/webhook/route", json={"public": PUBLIC, "local": [receiver.origin]}
        )
        assert routed.status_code == 200
        tg.send_text(USER, "over http")
        answer = (await control.post("/_control/webhook/deliver")).json()
    assert [d["status"] for d in answer["deliveries"]] == [200]
    assert receiver.received[0][1] is None  # no secret was set, so no header
