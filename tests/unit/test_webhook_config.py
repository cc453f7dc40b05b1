"""WEBHOOK_URL and WEBHOOK_SECRET_TOKEN: checked as the Bot API would; errors name the variable."""

from __future__ import annotations

import pytest
from aiohttp import web

from vinbot.config import load_settings
from vinbot.health import HealthServer, HealthState
from vinbot.metrics import Metrics
from vinbot.models.errors import ConfigError
from vinbot.webhook import webhook_path

SECRET = "s3cret_-TOKEN"
URL = "https://vinbot.example.com/telegram"


def test_polling_stays_the_default() -> None:
    """Without WEBHOOK_URL the bot long-polls, even when a secret token is set."""
    assert not load_settings({}).webhook_enabled
    assert not load_settings({"WEBHOOK_SECRET_TOKEN": SECRET}).webhook_enabled


def test_a_webhook_url_with_its_secret_switches_to_webhook_mode() -> None:
    """Both set: webhook mode, and the secret is scrubbed from logs like every other secret."""
    settings = load_settings({"WEBHOOK_URL": URL, "WEBHOOK_SECRET_TOKEN": SECRET})
    assert settings.webhook_enabled
    assert settings.webhook_url == URL
    assert settings.webhook_secret_token is not None
    assert settings.webhook_secret_token.value == SECRET
    assert SECRET in settings.secrets()
    assert SECRET not in repr(settings) + str(settings.redacted())


def test_the_longest_secret_and_the_allowed_ports_are_accepted() -> None:
    """256 characters of the allowed alphabet and port 8443 are what Telegram accepts."""
    secret = ("aZ09_-" * 43)[:256]
    settings = load_settings(
        {"WEBHOOK_URL": "https://bot.example:8443/hook", "WEBHOOK_SECRET_TOKEN": secret}
    )
    assert settings.webhook_secret_token is not None
    assert settings.webhook_secret_token.value == secret


@pytest.mark.parametrize(
    ("url", "secret", "variable", "expected"),
    [
        ("http://bot.example/telegram", SECRET, "WEBHOOK_URL", "WEBHOOK_URL must be an https://"),
        ("bot.example/telegram", SECRET, "WEBHOOK_URL", "WEBHOOK_URL must be an https://"),
        ("https:///telegram", SECRET, "WEBHOOK_URL", "WEBHOOK_URL must be an https://"),
        ("https://bot.example:8080/t", SECRET, "WEBHOOK_URL", "WEBHOOK_URL must use port 443"),
        (URL, None, "WEBHOOK_SECRET_TOKEN", "WEBHOOK_SECRET_TOKEN must be set too"),
        (URL, "has space", "WEBHOOK_SECRET_TOKEN", "WEBHOOK_SECRET_TOKEN must be 1-256"),
        (URL, "ünïcode", "WEBHOOK_SECRET_TOKEN", "WEBHOOK_SECRET_TOKEN must be 1-256"),
        (URL, "a" * 257, "WEBHOOK_SECRET_TOKEN", "WEBHOOK_SECRET_TOKEN must be 1-256"),
        (URL, "semi;colon", "WEBHOOK_SECRET_TOKEN", "WEBHOOK_SECRET_TOKEN must be 1-256"),
    ],
)
def test_bad_webhook_settings_name_the_variable(
    url: str, secret: str | None, variable: str, expected: str
) -> None:
    """Each bad value stops start-up with one line naming the variable, never the secret."""
    environ = {"WEBHOOK_URL": url} | ({} if secret is None else {"WEBHOOK_SECRET_TOKEN": secret})
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    message = str(caught.value)
    assert caught.value.variable == variable
    assert message.startswith(expected)
    assert "\n" not in message
    if secret is not None and variable == "WEBHOOK_SECRET_TOKEN":
        assert secret not in message


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://bot.example/telegram", "/telegram"),
        ("https://bot.example/a/b/hook?x=1", "/a/b/hook"),
        ("https://bot.example", "/"),
    ],
)
def test_the_route_is_the_path_of_the_webhook_url(url: str, path: str) -> None:
    """The route is served at WEBHOOK_URL's path, so a proxy forwards requests unchanged."""
    assert webhook_path(url) == path


def test_the_route_may_not_take_a_health_path() -> None:
    """WEBHOOK_URL ending in /health (or /ready, /metrics) is a configuration error."""
    server = HealthServer(HealthState(), Metrics(), port=0)
    with pytest.raises(ConfigError, match="WEBHOOK_URL's path must not be /health") as caught:
        server.add_post_route(webhook_path("https://bot.example/health"), _never)
    assert caught.value.variable == "WEBHOOK_URL"


async def _never(_request: web.Request) -> web.StreamResponse:
    raise AssertionError
