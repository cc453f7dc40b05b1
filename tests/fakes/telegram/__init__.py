"""A fake Telegram Bot API server for end-to-end tests and the benchmark."""

from tests.fakes.telegram.html import HtmlParseError, parse_html, utf16_length
from tests.fakes.telegram.server import DEFAULT_TOKEN, FakeTelegram
from tests.fakes.telegram.state import RecordedRequest, UpdateTiming, UploadedFile, WebhookDelivery

__all__ = [
    "DEFAULT_TOKEN",
    "FakeTelegram",
    "HtmlParseError",
    "RecordedRequest",
    "UpdateTiming",
    "UploadedFile",
    "WebhookDelivery",
    "parse_html",
    "utf16_length",
]
