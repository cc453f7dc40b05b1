"""What the upstream clients share: one HTTP attempt that never leaks its URL, and JSON values."""

from __future__ import annotations

import contextlib
import importlib
import json
import re
from typing import TYPE_CHECKING, Any

import httpx

from vinbot.clients.retry import RetryableFailure
from vinbot.i18n.bidi import without_direction_formatting
from vinbot.models.errors import BadProviderResponse

if TYPE_CHECKING:
    from collections.abc import Mapping

    from vinbot.models.errors import ProviderUnavailable

type JsonObject = dict[str, Any]

# Values upstreams use for "no data"; they must never reach a user as text.
_UNKNOWN_TEXT = frozenset({"", "not applicable", "n/a", "null", "none", "-"})
# Invisible characters that are not whitespace to str.split(): a value of nothing but these
# would show as a blank field. A zero-width space separates words; the others join them.
_INVISIBLE = str.maketrans({"\u200b": " ", "\ufeff": None, "\u2060": None})
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3}\b)")
_FIRST_YEAR, _LAST_YEAR = 1900, 2100
# Words vPIC writes in capitals that stay capitals when a name is title-cased.
_ACRONYMS = frozenset(
    {
        "AC", "AG", "AM", "AMC", "BMW", "BRP", "BYD", "CNG", "DS", "EV", "FCA", "GEM", "GMC",
        "IH", "II", "III", "IV", "JLR", "KTM", "LLC", "LPG", "MG", "MINI", "MPV", "NA", "NV",
        "RUF", "SRT", "SUV", "TVR", "UK", "US", "USA", "VPG", "VW",
    }
)  # fmt: skip
_SPELLINGS: Mapping[str, str] = {"GMBH": "GmbH", "MCLAREN": "McLaren", "DELOREAN": "DeLorean"}
_CAPS_WORD = re.compile(r"\b[A-Z][A-Z']*\b")


def preload() -> None:
    """Import now (at start-up, off the event loop) what httpx's first request would: anyio's
    asyncio backend, which httpcore loads lazily (about 50 ms that would otherwise hold up
    every update in the loop at the first upstream call)."""
    importlib.import_module("anyio._backends._asyncio")


class RejectedRequest(BadProviderResponse):
    """The upstream refused the request with a 4xx we do not expect: our mistake, not an outage."""

    def __init__(self, provider: str, status: int) -> None:
        super().__init__(provider, f"unexpected HTTP {status}")
        self.status = status


class RequestWatch:
    """Whether any request of one logical call went out and got no answer back.

    A paid upstream may bill such a request, so its caller counts it. "Went out" is when the
    request's headers started on the wire (httpcore's trace), or a failure that only happens
    after sending: a read timeout, a dropped or broken reply. A connect timeout, a refused
    connection or no free pooled connection never sent anything.
    """

    def __init__(self) -> None:
        self.unanswered = False


# Failures that come after the request was (at least partly) sent.
_AFTER_SENDING = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


class _Attempt:
    """What httpcore's trace says about one request: sent, and answered."""

    def __init__(self) -> None:
        self.sent = False
        self.answered = False

    async def trace(self, event: str, _info: Mapping[str, Any]) -> None:
        if event.endswith(".send_request_headers.started"):
            self.sent = True
        elif event.endswith(".receive_response_headers.complete"):
            self.answered = True


async def send(
    http: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    provider: str,
    params: Mapping[str, str] | None = None,
    json_body: object = None,
    watch: RequestWatch | None = None,
) -> httpx.Response:
    """One request; transport failures become domain errors that name no URL and chain nothing.

    With a `watch`, a request that went out and got no answer (even one cancelled by a
    deadline) is recorded on it.
    """
    failure: ProviderUnavailable
    attempt = _Attempt()
    extensions = {"trace": attempt.trace} if watch is not None else None
    try:
        return await http.request(
            method, path, params=params, json=json_body, extensions=extensions
        )
    except httpx.TimeoutException as exc:
        failure = RetryableFailure(provider, f"timeout ({type(exc).__name__})")
        _unanswered(watch, attempt, exc)
    except httpx.TransportError as exc:
        failure = RetryableFailure(provider, f"connection failed ({type(exc).__name__})")
        _unanswered(watch, attempt, exc)
    except httpx.HTTPError as exc:
        failure = BadProviderResponse(provider, f"HTTP error ({type(exc).__name__})")
    except BaseException as exc:  # cancelled (a deadline): it may be on the wire already
        _unanswered(watch, attempt, exc)
        raise
    # Raised outside the handlers so neither __cause__ nor __context__ holds the URL and its key.
    raise failure


def _unanswered(watch: RequestWatch | None, attempt: _Attempt, exc: BaseException) -> None:
    if watch is not None and not attempt.answered:
        watch.unanswered |= attempt.sent or isinstance(exc, _AFTER_SENDING)


def status_failure(status: int, provider: str) -> ProviderUnavailable:
    """The error for a status the client has no specific meaning for."""
    if status >= 500:  # noqa: PLR2004 - the server-error class
        return RetryableFailure(provider, f"HTTP {status}", status=status)
    if status >= 400:  # noqa: PLR2004 - the client-error class
        return RejectedRequest(provider, status)
    return BadProviderResponse(provider, f"unexpected HTTP {status}")


def json_object(response: httpx.Response, provider: str) -> JsonObject:
    """The body as a JSON object; BadProviderResponse for empty, HTML, truncated or other JSON."""
    content = response.content
    if not content.strip():
        raise BadProviderResponse(provider, "empty body")
    parsed: object = _NOT_JSON
    with contextlib.suppress(ValueError, RecursionError):
        parsed = json.loads(content)
    if parsed is _NOT_JSON:
        content_type = response.headers.get("content-type", "no content type")[:60]
        raise BadProviderResponse(provider, f"body is not JSON ({content_type})")
    if not isinstance(parsed, dict):
        raise BadProviderResponse(provider, f"expected a JSON object, got {type(parsed).__name__}")
    return parsed


_NOT_JSON = object()


def text(value: object) -> str | None:
    """A display string, or None for missing, empty and "Not Applicable"-style values; no
    direction control or mark in it (a U+202E would reverse the rest of the reply's line)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        return None
    cleaned = " ".join(without_direction_formatting(value).translate(_INVISIBLE).split())
    return None if cleaned.lower() in _UNKNOWN_TEXT else cleaned


def caps_to_title(value: object) -> str | None:
    """ALL-CAPS vPIC names in title case, keeping acronyms: "HONDA" -> "Honda", "BMW" stays."""
    cleaned = text(value)
    if cleaned is None or any(c.islower() for c in cleaned):
        return cleaned

    def word(match: re.Match[str]) -> str:
        token = match.group()
        if token in _ACRONYMS:
            return token
        return _SPELLINGS.get(token, token.capitalize())

    return _CAPS_WORD.sub(word, cleaned)


def numeral(value: object) -> str | None:
    """The first number in a value, as a plain numeral: "$55,500" -> "55500", "18 mpg" -> "18"."""
    cleaned = text(value)
    if cleaned is None:
        return None
    match = _NUMBER.search(_THOUSANDS_COMMA.sub("", cleaned))
    return match.group() if match else None


def model_year(value: object) -> int | None:
    """A plausible model year from "2012" or 2012, else None."""
    cleaned = text(value)
    if cleaned is None or not cleaned.isdecimal():  # int() refuses "²", which isdigit() takes
        return None
    year = int(cleaned)
    return year if _FIRST_YEAR <= year <= _LAST_YEAR else None


def message_of(body: Mapping[str, Any], limit: int = 200) -> str:
    """The upstream's `message` (shortened), or an empty string."""
    message = text(body.get("message"))
    return message[:limit] if message else ""


def json_http_client(
    base_url: str, timeout: float, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """A pooled client for one JSON upstream; the composition root owns and closes it."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout),
        headers={"Accept": "application/json", "User-Agent": "vinbot"},
        follow_redirects=False,
        transport=transport,
    )


_TRUE_WORDS = frozenset({"true", "yes", "y", "1"})
_FALSE_WORDS = frozenset({"false", "no", "n", "0"})


def yes_no(value: object) -> bool | None:
    """A flag from a JSON boolean or a yes/no word; None when absent, null or unclear."""
    if isinstance(value, bool):
        return value
    cleaned = text(value)
    if cleaned is None:
        return None
    lowered = cleaned.lower()
    if lowered in _TRUE_WORDS:
        return True
    return False if lowered in _FALSE_WORDS else None
