"""Logging: secrets are scrubbed from structlog events, stdlib records and tracebacks."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from vinbot.logs import REDACTED, SecretScrubber, configure_logging, get_logger

TOKEN = "123456789:AAEhBP0av28HbTQn5vVhH2x3fYlD2m5tCzk"
KEY = "carsxe-secret-key-42"


@pytest.fixture
def stream() -> io.StringIO:
    out = io.StringIO()
    configure_logging(level="DEBUG", log_format="json", secrets=[TOKEN, KEY], stream=out)
    yield out
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def test_scrubber_replaces_known_secrets_and_secret_shapes() -> None:
    """Known values and anything shaped like a bot token or a key= parameter are replaced."""
    scrubber = SecretScrubber([KEY])
    text = scrubber.scrub(f"GET https://x/specs?vin=1&key={KEY} bot{TOKEN}/getMe 987654:{'a' * 30}")
    assert KEY not in text
    assert TOKEN not in text
    assert "a" * 30 not in text
    assert text.count(REDACTED) >= 3


def test_a_database_url_password_is_scrubbed_whatever_its_value() -> None:
    """The password in a URL's user info is replaced even when nobody declared it a secret."""
    text = SecretScrubber().scrub(
        "connect to postgresql+asyncpg://vinbot:pw-9f3a@10.0.0.5:5432/vinbot failed"
    )
    assert "pw-9f3a" not in text
    assert f"postgresql+asyncpg://vinbot:{REDACTED}@10.0.0.5:5432/vinbot" in text


def test_structlog_events_are_json_lines_without_secrets(stream: io.StringIO) -> None:
    """An event carrying the token in a field is written as JSON with the token scrubbed."""
    get_logger("t").info("request_sent", url=f"https://api.telegram.org/bot{TOKEN}/getMe")
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["event"] == "request_sent"
    assert line["level"] == "info"
    assert "timestamp" in line
    assert TOKEN not in stream.getvalue()


def test_stdlib_records_and_tracebacks_are_scrubbed(stream: io.StringIO) -> None:
    """A foreign library's log line and an exception traceback never show the key."""
    logging.getLogger("telegram.ext").warning("polling %s", f"https://x/bot{TOKEN}/getUpdates")
    try:
        raise RuntimeError(f"failed https://api.carsxe.com/specs?key={KEY}&vin=1")
    except RuntimeError:
        get_logger("t").exception("boom")
    output = stream.getvalue()
    assert TOKEN not in output
    assert KEY not in output
    assert "boom" in output


def test_httpx_info_request_lines_are_silenced(stream: io.StringIO) -> None:
    """httpx's INFO request lines (which carry URLs) are not printed even at DEBUG level."""
    logging.getLogger("httpx").info("HTTP Request: GET https://x/bot%s/getMe", TOKEN)
    assert "HTTP Request" not in stream.getvalue()
