"""The Bot API transport: PTB's BaseRequest on an aiohttp session instead of httpx.

The bench showed PTB's HTTPXRequest spending most of a cached reply's CPU inside httpx, httpcore
and anyio (connection-reuse checks, per-request timeout scopes); aiohttp parses HTTP in C and is
already in the process for the health server. PTB's error contract is kept: timeouts become
TimedOut and every other transport failure NetworkError, with messages that never carry the URL
(it contains the bot token).
"""

from __future__ import annotations

import asyncio
import ssl
from typing import TYPE_CHECKING, Final, override

import aiohttp
import certifi
import yarl
from aiohttp.helpers import get_env_proxy_for_url
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput
    from telegram.request import RequestData

# PTB's HTTPXRequest defaults, so PTB's per-call timeouts mean here what they mean there.
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_READ_TIMEOUT: Final = 5.0
DEFAULT_WRITE_TIMEOUT: Final = 5.0
DEFAULT_POOL_TIMEOUT: Final = 1.0
MEDIA_WRITE_TIMEOUT: Final = 20.0

type Timeout = float | None


class AiohttpRequest(BaseRequest):
    """Bot API calls over one pooled aiohttp session: initialize() opens it, shutdown() closes."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 8,
        connect_timeout: Timeout = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: Timeout = DEFAULT_READ_TIMEOUT,
        write_timeout: Timeout = DEFAULT_WRITE_TIMEOUT,
        pool_timeout: Timeout = DEFAULT_POOL_TIMEOUT,
        media_write_timeout: Timeout = MEDIA_WRITE_TIMEOUT,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies = _EnvironmentProxies()

    @property
    @override
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds it to getUpdates' long-poll timeout)."""
        return self._read_timeout

    @override
    async def initialize(self) -> None:
        """Open the session (PTB calls this before the first request)."""
        if self._open():
            return
        # certifi's bundle, as httpx uses: the same trust whatever the host's CA store holds.
        # Loading it reads a file, so it happens off the event loop.
        tls = await asyncio.to_thread(ssl.create_default_context, cafile=certifi.where())
        if self._open():  # a concurrent initialize() won
            return
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._pool_size, ssl=tls),
            headers={"User-Agent": self.USER_AGENT},
            # Bot API answers are read whole; PTB raises on its status codes itself.
            raise_for_status=False,
            # True would read proxy variables and ~/.netrc from disk on every request;
            # _EnvironmentProxies reads them once per host instead.
            trust_env=False,
        )

    def _open(self) -> bool:
        return self._session is not None and not self._session.closed

    @override
    async def shutdown(self) -> None:
        """Close the session and its connections."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

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
        """Send one request and return the status and body; see BaseRequest.do_request."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        has_files = bool(request_data and request_data.contains_files)
        timeout = _client_timeout(
            connect=_given(connect_timeout, self._connect_timeout),
            read=_given(read_timeout, self._read_timeout),
            write=_given(
                write_timeout, self._media_write_timeout if has_files else self._write_timeout
            ),
            pool=_given(pool_timeout, self._pool_timeout),
        )
        body = _body(request_data) if request_data is not None else None
        try:
            proxy, proxy_auth = await self._proxies.for_url(url)
            async with session.request(
                method,
                url,
                data=body,
                timeout=timeout,
                proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(_describe(exc)) from exc


type Proxy = tuple[yarl.URL | None, aiohttp.BasicAuth | None]


class _EnvironmentProxies:
    """HTTP(S)_PROXY / NO_PROXY (and ~/.netrc for the proxy's login), as httpx honoured them
    for PTB: looked up once per scheme and host, off the event loop."""

    def __init__(self) -> None:
        self._known: dict[str, Proxy] = {}

    async def for_url(self, url: str) -> Proxy:
        origin = url.split("/", 3)[:3]  # scheme, "", host[:port]
        key = "/".join(origin)
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = await asyncio.to_thread(_proxy_from_environment, key)
        return known


def _proxy_from_environment(origin: str) -> Proxy:
    try:
        return get_env_proxy_for_url(yarl.URL(origin))
    except LookupError:
        return None, None


def _client_timeout(
    *, connect: Timeout, read: Timeout, write: Timeout, pool: Timeout
) -> aiohttp.ClientTimeout:
    """PTB's four timeouts in aiohttp's terms."""
    # aiohttp's `connect` covers waiting for a pooled connection and opening one; it has no
    # write timeout, so the whole request is bounded by the sum of all four instead.
    parts = (connect, read, write, pool)
    total = None if any(part is None for part in parts) else sum(p or 0.0 for p in parts)
    waiting = None if connect is None or pool is None else connect + pool
    return aiohttp.ClientTimeout(total=total, connect=waiting, sock_connect=connect, sock_read=read)


def _describe(exc: aiohttp.ClientError) -> str:
    """What went wrong, without the exception's own text: that may quote the URL (the token)."""
    name = f"aiohttp.{type(exc).__name__}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason = exc.os_error.strerror or type(exc.os_error).__name__
        return f"{name}: cannot connect to {exc.host}:{exc.port} ({reason})"
    return name


def _given(value: object, default: Timeout) -> Timeout:
    if isinstance(value, (int, float)) or value is None:
        return None if value is None else float(value)
    return default


def _body(request_data: RequestData) -> aiohttp.FormData | dict[str, str]:
    fields = request_data.json_parameters
    if not request_data.contains_files:
        return fields
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
