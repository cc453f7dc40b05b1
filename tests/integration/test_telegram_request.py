"""The aiohttp Bot API transport against a real HTTP server on 127.0.0.1: bodies, files, errors."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import BodyPartReader, web
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from tests.integration.bot_harness import harness_settings
from vinbot.health import HealthState
from vinbot.polling import PollingProbeRequest
from vinbot.telegram_app import POLL_READ_SLACK_SECONDS, build_requests
from vinbot.telegram_request import AiohttpRequest

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

TOKEN = "123456:transport-test-token-not-real"


class Recorder:
    """A tiny HTTP server that records what reaches it and answers as told."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.delay = 0.0
        self.status = 200
        self.body = b'{"ok": true, "result": true}'

    async def handle(self, request: web.Request) -> web.Response:
        entry: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "host": request.host,
            "content_type": request.content_type,
            "user_agent": request.headers.get("User-Agent", ""),
        }
        if request.content_type == "multipart/form-data":
            fields: dict[str, Any] = {}
            reader = await request.multipart()
            async for part in reader:
                assert isinstance(part, BodyPartReader)
                content = bytes(await part.read())
                fields[part.name or ""] = (part.filename, content, part.headers.get("Content-Type"))
            entry["fields"] = fields
        else:
            entry["fields"] = dict(await request.post())
        self.requests.append(entry)
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.Response(status=self.status, body=self.body, content_type="application/json")


@contextlib.asynccontextmanager
async def serving(recorder: Recorder) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", recorder.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, str]]:
    server = Recorder()
    async with serving(server) as url:
        yield server, url


@pytest.fixture
async def transport() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(connection_pool_size=4, read_timeout=2.0)
    await request.initialize()
    yield request
    await request.shutdown()


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


MESSAGE_RESULT = (
    b'{"ok": true, "result": {"message_id": 5, "date": 1700000000,'
    b' "chat": {"id": 42, "type": "private"}, "text": "ok"}}'
)


@contextlib.asynccontextmanager
async def bot_at(url: str) -> AsyncIterator[Bot]:
    async with Bot(
        TOKEN, base_url=f"{url}/bot", request=AiohttpRequest(), get_updates_request=AiohttpRequest()
    ) as bot:
        yield bot


async def test_the_status_and_body_come_back_with_our_user_agent(
    recorder: tuple[Recorder, str], transport: AiohttpRequest
) -> None:
    server, url = recorder
    status, body = await transport.do_request(f"{url}/bot{TOKEN}/getMe", "POST", RequestData())

    assert (status, body) == (200, server.body)
    (seen,) = server.requests
    assert seen["path"] == f"/bot{TOKEN}/getMe"
    assert seen["user_agent"] == AiohttpRequest.USER_AGENT


async def test_a_bot_method_sends_its_parameters_as_a_form(recorder: tuple[Recorder, str]) -> None:
    server, url = recorder
    server.body = (
        b'{"ok": true, "result": {"id": 1, "is_bot": true, "first_name": "v", "username": "v"}}'
    )
    async with bot_at(url) as bot:
        server.body = MESSAGE_RESULT
        message = await bot.send_message(42, "<b>hé 🚗</b> & co", parse_mode="HTML")

    assert message.message_id == 5
    sent = server.requests[-1]
    assert sent["path"] == f"/bot{TOKEN}/sendMessage"
    assert sent["content_type"] == "application/x-www-form-urlencoded"
    assert sent["fields"] == {"chat_id": "42", "text": "<b>hé 🚗</b> & co", "parse_mode": "HTML"}


async def test_a_file_is_sent_as_multipart_with_its_name_and_type(
    recorder: tuple[Recorder, str],
) -> None:
    server, url = recorder
    server.body = (
        b'{"ok": true, "result": {"id": 1, "is_bot": true, "first_name": "v", "username": "v"}}'
    )
    async with bot_at(url) as bot:
        server.body = MESSAGE_RESULT
        await bot.send_document(
            7, InputFile(b'{"lookups": []}', filename="export.json"), caption="yours"
        )

    sent = server.requests[-1]
    assert sent["content_type"] == "multipart/form-data"
    fields = sent["fields"]
    assert fields["chat_id"][:2] == (None, b"7")
    assert fields["caption"][:2] == (None, b"yours")
    filename, content, mimetype = fields["document"]
    assert (filename, content) == ("export.json", b'{"lookups": []}')
    assert mimetype == "application/json"


async def test_error_statuses_are_returned_for_ptb_to_map(
    recorder: tuple[Recorder, str], transport: AiohttpRequest
) -> None:
    server, url = recorder
    server.status, server.body = 429, b'{"ok": false, "error_code": 429, "description": "x"}'

    status, body = await transport.do_request(f"{url}/bot{TOKEN}/sendMessage", "POST")

    assert (status, body) == (429, server.body)


async def test_a_slow_answer_is_timed_out_by_the_read_timeout_of_the_call(
    recorder: tuple[Recorder, str], transport: AiohttpRequest
) -> None:
    server, url = recorder
    server.delay = 1.0

    with pytest.raises(TimedOut):
        await transport.do_request(f"{url}/bot{TOKEN}/getMe", "POST", read_timeout=0.05)


async def test_a_per_call_read_timeout_replaces_the_default(
    recorder: tuple[Recorder, str],
) -> None:
    server, url = recorder
    server.delay = 0.3
    request = AiohttpRequest(read_timeout=0.1)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"{url}/bot{TOKEN}/getUpdates", "POST")
        status, _ = await request.do_request(f"{url}/bot{TOKEN}/getUpdates", "POST", read_timeout=5)
    finally:
        await request.shutdown()

    assert status == 200


async def test_a_refused_connection_is_a_network_error_that_does_not_quote_the_url(
    transport: AiohttpRequest,
) -> None:
    url = f"http://127.0.0.1:{_unused_port()}/bot{TOKEN}/getMe"

    with pytest.raises(NetworkError) as caught:
        await transport.do_request(url, "POST")

    assert not isinstance(caught.value, TimedOut)
    assert "cannot connect to 127.0.0.1" in caught.value.message
    assert TOKEN not in str(caught.value)
    assert "transport-test-token" not in repr(caught.value)


async def test_it_refuses_to_send_before_initialize_and_after_shutdown(
    recorder: tuple[Recorder, str],
) -> None:
    _, url = recorder
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{url}/bot{TOKEN}/getMe", "POST")
    await request.initialize()
    await request.initialize()  # twice is harmless
    await request.shutdown()
    await request.shutdown()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{url}/bot{TOKEN}/getMe", "POST")


async def test_the_pool_bounds_concurrent_connections(recorder: tuple[Recorder, str]) -> None:
    server, url = recorder
    server.delay = 1.0
    request = AiohttpRequest(connection_pool_size=1, pool_timeout=0.05)
    await request.initialize()
    try:
        first = asyncio.ensure_future(request.do_request(f"{url}/bot{TOKEN}/a", "POST"))
        async with asyncio.timeout(5):
            while not server.requests:  # the first request holds the only connection
                await asyncio.sleep(0.01)
        with pytest.raises(TimedOut):
            await request.do_request(f"{url}/bot{TOKEN}/b", "POST", connect_timeout=0.01)
        assert (await first)[0] == 200
    finally:
        await request.shutdown()


def test_the_pool_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="connection_pool_size"):
        AiohttpRequest(connection_pool_size=0)


async def test_a_proxy_from_the_environment_carries_the_requests(
    recorder: tuple[Recorder, str], transport: AiohttpRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As PTB's httpx transport did, HTTP(S)_PROXY is honoured (here the recorder is the proxy)."""
    server, url = recorder
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", url)

    status, _ = await transport.do_request(f"http://bot-api.invalid/bot{TOKEN}/getMe", "POST")

    assert status == 200
    assert server.requests[0]["host"] == "bot-api.invalid"
    assert server.requests[0]["path"] == f"/bot{TOKEN}/getMe"


async def test_no_proxy_hosts_are_reached_directly(
    recorder: tuple[Recorder, str], transport: AiohttpRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, url = recorder
    for name in ("no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_unused_port()}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    status, _ = await transport.do_request(f"{url}/bot{TOKEN}/getMe", "POST")

    assert status == 200
    assert len(server.requests) == 1


async def test_a_get_updates_read_waits_for_the_poll_plus_the_slack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PTB adds the long-poll timeout to the request's read timeout: the total is poll + slack."""
    seen: dict[str, object] = {}

    async def capture(
        self: PollingProbeRequest, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        del self, url, method, args
        seen["read_timeout"] = kwargs.get("read_timeout")
        return 200, b'{"ok": true, "result": []}'

    monkeypatch.setattr(PollingProbeRequest, "do_request", capture)
    settings = harness_settings(tmp_path, POLL_TIMEOUT_SECONDS="25")
    requests = build_requests(settings, HealthState())
    bot = Bot(TOKEN, request=requests.methods, get_updates_request=requests.polling)

    await bot.get_updates(timeout=int(settings.poll_timeout_seconds))

    assert seen["read_timeout"] == 25 + POLL_READ_SLACK_SECONDS
