"""Settings: defaults, one-line errors naming the variable, secrets never shown."""

from __future__ import annotations

import asyncio
import time

import pytest

from vinbot.config import Secret, default_file_url, load_settings
from vinbot.models.errors import ConfigError
from vinbot.telegram_app import build_rate_limiter

TOKEN = "123456789:AAEhBP0av28HbTQn5vVhH2x3fYlD2m5tCzk"


def test_defaults_match_the_contract() -> None:
    """With nothing set, every variable takes the default the brief names."""
    settings = load_settings({})
    assert settings.telegram_base_url == "https://api.telegram.org/bot"
    assert settings.telegram_base_file_url == "https://api.telegram.org/file/bot"
    assert settings.carsxe_base_url == "https://api.carsxe.com"
    assert settings.nhtsa_base_url == "https://vpic.nhtsa.dot.gov/api"
    assert settings.nhtsa_recalls_base_url == "https://api.nhtsa.gov"
    assert settings.database_url == "sqlite+aiosqlite:///data/vinbot.db"
    assert settings.port == 8080
    assert settings.user_decodes_per_minute == 10
    assert settings.daily_lookups_per_user == 20
    assert settings.monthly_paid_calls == 0
    assert settings.telegram_max_rate == 30
    assert settings.telegram_bot_token is None
    assert not settings.upstash_enabled


def test_file_url_is_derived_from_a_custom_base_url() -> None:
    """A local Bot API server's base URL gives the matching file URL unless one is set."""
    settings = load_settings({"TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot"})
    assert settings.telegram_base_file_url == "http://127.0.0.1:8081/file/bot"
    assert default_file_url("http://host/custom/") == "http://host/custom/file/bot"
    explicit = load_settings(
        {"TELEGRAM_BASE_URL": "http://a/bot", "TELEGRAM_BASE_FILE_URL": "http://b/files"}
    )
    assert explicit.telegram_base_file_url == "http://b/files"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("PORT", "abc", "PORT must be an integer 1-65535, got 'abc'"),
        ("PORT", "70000", "PORT must be an integer 1-65535, got '70000'"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be 'json' or 'console', got 'xml'"),
        ("USER_DECODES_PER_MINUTE", "-1", "USER_DECODES_PER_MINUTE must be an integer"),
        ("TELEGRAM_MAX_RATE", "fast", "TELEGRAM_MAX_RATE must be a number"),
        ("POLLER_LEASE_SECONDS", "1", "POLLER_LEASE_SECONDS must be a number 3-3600"),
        ("CARSXE_BASE_URL", "ftp://x", "CARSXE_BASE_URL must be an http(s) URL"),
        ("ADMIN_IDS", "12,bob", "ADMIN_IDS must be comma-separated Telegram user ids"),
        ("DATABASE_URL", "postgres://x", "DATABASE_URL must start with 'sqlite+aiosqlite://'"),
        ("DATABASE_URL", "mysql://u:pw@h/db", "DATABASE_URL must start with 'sqlite+aiosqlite://'"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token", "TELEGRAM_BOT_TOKEN must look like"),
        ("UPSTASH_REDIS_REST_URL", "https://u.example", "UPSTASH_REDIS_REST_TOKEN must be set"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of"),
        ("HISTORY_MAX_PER_USER", "-1", "HISTORY_MAX_PER_USER must be an integer 0-1000000"),
    ],
)
def test_bad_values_name_the_variable(variable: str, value: str, expected: str) -> None:
    """Each bad value raises ConfigError whose one-line message names the variable."""
    with pytest.raises(ConfigError) as caught:
        load_settings({variable: value})
    message = str(caught.value)
    assert message.startswith(expected)
    assert "\n" not in message
    assert caught.value.variable in message


def test_zero_turns_limits_off() -> None:
    """Zero is accepted for every limit (meaning off)."""
    settings = load_settings(
        {
            "USER_DECODES_PER_MINUTE": "0",
            "DAILY_LOOKUPS_PER_USER": "0",
            "MONTHLY_PAID_CALLS": "0",
            "TELEGRAM_MAX_RATE": "0",
            "HISTORY_MAX_PER_USER": "0",
        }
    )
    assert settings.user_decodes_per_minute == 0
    assert settings.history_max_per_user == 0
    assert load_settings({}).history_max_per_user == 1000
    assert settings.daily_lookups_per_user == 0
    assert settings.telegram_max_rate == 0


def test_secrets_never_show_in_repr_or_redacted_config() -> None:
    """The token, key and Upstash token are absent from repr() and the start-up summary."""
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "CARSXE_API_KEY": "carsxe-secret-key",
            "UPSTASH_REDIS_REST_URL": "https://u.example",
            "UPSTASH_REDIS_REST_TOKEN": "upstash-secret",
            "ADMIN_IDS": "1, 2",
        }
    )
    shown = repr(settings) + str(settings.redacted())
    for secret in (TOKEN, "carsxe-secret-key", "upstash-secret"):
        assert secret not in shown
    assert sorted(settings.secrets()) == sorted([TOKEN, "carsxe-secret-key", "upstash-secret"])
    assert settings.admin_ids == frozenset({1, 2})
    assert settings.upstash_enabled
    assert Secret("a") == Secret("a")
    assert str(Secret("a")) == "**********"


async def test_rate_limiter_never_lets_a_second_exceed_the_rate() -> None:
    """The overall limiter spaces requests evenly, so no 1 s window holds more than the rate."""
    limiter = build_rate_limiter(load_settings({"TELEGRAM_MAX_RATE": "20"}))
    assert limiter is not None
    stamps: list[float] = []

    async def call() -> None:
        stamps.append(time.monotonic())

    await asyncio.gather(
        *(
            limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 1}, None)
            for _ in range(30)
        )
    )
    worst = max(sum(1 for t in stamps if start <= t < start + 1) for start in stamps)
    assert worst <= 21
    assert build_rate_limiter(load_settings({"TELEGRAM_MAX_RATE": "0"})) is None


def test_a_postgresql_url_is_accepted_and_its_password_never_shown() -> None:
    """postgresql+asyncpg:// is a valid DATABASE_URL; its password is a secret for the log
    scrubber (as written and decoded) and absent from repr and the redacted configuration."""
    url = "postgresql+asyncpg://vinbot:s3cret%40pw@db.internal:5432/vinbot"
    settings = load_settings({"DATABASE_URL": url})
    assert settings.database_url == url
    assert {"s3cret%40pw", "s3cret@pw"} <= set(settings.secrets())
    shown = repr(settings) + str(settings.redacted())
    assert "s3cret" not in shown
    assert settings.redacted()["database_url"] == (
        "postgresql+asyncpg://vinbot:***@db.internal:5432/vinbot"
    )


def test_a_rejected_database_url_shows_only_its_scheme() -> None:
    """A URL of another database is refused in one line that does not echo its password."""
    with pytest.raises(ConfigError) as caught:
        load_settings({"DATABASE_URL": "postgresql://vinbot:hunter2@db/vinbot"})
    message = str(caught.value)
    assert "hunter2" not in message
    assert "'postgresql+asyncpg://'" in message
    assert "got 'postgresql://...'" in message
