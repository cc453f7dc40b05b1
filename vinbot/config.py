"""Settings, loaded once from the environment; secrets are redacted and errors name the variable."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote, urlsplit

from vinbot.models.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping

type LogFormat = Literal["json", "console"]

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Secret:
    """A string that never shows itself in repr, str or logs; `.value` reveals it on purpose."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    @property
    def value(self) -> str:
        """The secret itself, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting vinbot reads; see .env.example for what each does."""

    telegram_bot_token: Secret | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    carsxe_api_key: Secret | None = None
    carsxe_base_url: str = "https://api.carsxe.com"
    nhtsa_base_url: str = "https://vpic.nhtsa.dot.gov/api"
    nhtsa_recalls_base_url: str = "https://api.nhtsa.gov"
    upstash_redis_rest_url: str | None = None
    upstash_redis_rest_token: Secret | None = None
    # Kept out of repr: a PostgreSQL URL holds a password (redacted() shows it without).
    database_url: str = field(default="sqlite+aiosqlite:///data/vinbot.db", repr=False)
    port: int = 8080
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    log_level: str = "INFO"
    log_format: LogFormat = "console"
    # Counted in Upstash when configured, else in PostgreSQL, else (SQLite: one instance) in memory.
    user_decodes_per_minute: int = 10
    daily_lookups_per_user: int = 20
    monthly_paid_calls: int = 0  # 0: no cap
    telegram_max_rate: float = 30.0  # 0: no rate limiter
    history_days: int = 90
    history_max_per_user: int = 1000  # 0: no cap
    garage_limit: int = 10
    recall_check_interval_hours: float = 24.0
    cache_max_entries: int = 10_000
    http_timeout_seconds: float = 10.0
    decode_deadline_seconds: float = 15.0
    concurrent_updates: int = 64
    concurrent_updates_per_user: int = 4
    concurrent_updates_per_chat: int = 8
    poll_timeout_seconds: float = 10.0
    health_stall_seconds: float = 30.0
    conflict_exit_seconds: float = 120.0
    # Polling mode: the poller's lease in the database, renewed every third of it. Another
    # instance stands by and takes over at most this long after the poller died. Also each
    # instance's journal lease: a dead instance's unfinished updates are adopted after it.
    poller_lease_seconds: float = 30.0
    loop_stall_seconds: float = 30.0  # 0: no loop watchdog
    vehicle_photos: bool = True
    webhook_url: str | None = None  # None: long polling
    webhook_secret_token: Secret | None = None

    def secrets(self) -> list[str]:
        """The secret values in force, for the log scrubber."""
        return [
            s.value
            for s in (
                self.telegram_bot_token,
                self.carsxe_api_key,
                self.upstash_redis_rest_token,
                self.webhook_secret_token,
            )
            if s is not None and s.value
        ] + database_password(self.database_url)

    def redacted(self) -> dict[str, object]:
        """The effective configuration with secrets replaced, for the start-up log line."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Secret):
                out[f.name] = "set (redacted)"
            elif isinstance(value, frozenset):
                out[f.name] = sorted(value)
            elif f.name == "database_url":
                out[f.name] = redact_database_url(value)
            else:
                out[f.name] = value
        return out

    @property
    def webhook_enabled(self) -> bool:
        """Whether updates arrive by webhook (WEBHOOK_URL set) rather than by long polling."""
        return self.webhook_url is not None

    @property
    def upstash_enabled(self) -> bool:
        """Whether the Upstash cache is configured."""
        return self.upstash_redis_rest_url is not None and self.upstash_redis_rest_token is not None


_DEFAULTS = Settings()


def default_file_url(base_url: str) -> str:
    """PTB's file URL for a Bot API base URL: `.../bot` becomes `.../file/bot`."""
    trimmed = base_url.rstrip("/")
    if trimmed.endswith("/bot"):
        return trimmed[: -len("/bot")] + "/file/bot"
    return trimmed + "/file/bot"


class _Reader:
    """Reads and checks one variable at a time so each error names its variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def raw(self, name: str) -> str | None:
        value = self._environ.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def text(self, name: str, default: str) -> str:
        return self.raw(name) or default

    def url(self, name: str, default: str) -> str:
        value = self.text(name, default).rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ConfigError(name, f"{name} must be an http(s) URL, got {value!r}")
        return value

    def secret(self, name: str) -> Secret | None:
        value = self.raw(name)
        if value is None:
            return None
        if any(c.isspace() for c in value):
            raise ConfigError(name, f"{name} must not contain spaces")
        return Secret(value)

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise ConfigError(name, f"{name} must be an integer {low}-{high}, got {value!r}")
        return number

    def flag(self, name: str, *, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(name, f"{name} must be 1 or 0 (true/false), got {value!r}")

    def number(self, name: str, default: float, low: float, high: float) -> float:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise ConfigError(name, f"{name} must be a number {low:g}-{high:g}, got {value!r}")
        return number


def _admin_ids(reader: _Reader) -> frozenset[int]:
    value = reader.raw("ADMIN_IDS")
    if value is None:
        return frozenset()
    ids: set[int] = set()
    for part in value.replace(";", ",").split(","):
        item = part.strip()
        if not item:
            continue
        if not item.lstrip("-").isdigit():
            raise ConfigError(
                "ADMIN_IDS",
                f"ADMIN_IDS must be comma-separated Telegram user ids, got {item!r}",
            )
        ids.add(int(item))
    return frozenset(ids)


def _bot_token(reader: _Reader) -> Secret | None:
    token = reader.secret("TELEGRAM_BOT_TOKEN")
    if token is not None:
        bot_id, sep, rest = token.value.partition(":")
        if not (sep and bot_id.isdigit() and rest):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN",
                "TELEGRAM_BOT_TOKEN must look like '123456789:ABC...' (from @BotFather)",
            )
    return token


DATABASE_SCHEMES = ("sqlite+aiosqlite://", "postgresql+asyncpg://")


def _database_url(reader: _Reader) -> str:
    value = reader.text("DATABASE_URL", _DEFAULTS.database_url)
    if not value.startswith(DATABASE_SCHEMES):
        # Only the scheme is echoed: the rest of a URL may hold a password.
        scheme, sep, _rest = value.partition("://")
        shown = f"{scheme}{sep}..." if sep else value
        raise ConfigError(
            "DATABASE_URL",
            "DATABASE_URL must start with 'sqlite+aiosqlite://' (a file) or "
            f"'postgresql+asyncpg://' (a PostgreSQL server), got {shown!r}",
        )
    return value


# setWebhook's rules: the ports Telegram delivers to, and the secret token's alphabet.
WEBHOOK_PORTS = frozenset({443, 80, 88, 8443})
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _webhook(reader: _Reader) -> tuple[str | None, Secret | None]:
    url = reader.raw("WEBHOOK_URL")
    secret = reader.raw("WEBHOOK_SECRET_TOKEN")
    if url is None:
        return None, None  # a secret without a URL is harmless: polling ignores it
    parts = urlsplit(url)
    try:
        port = parts.port or 443
    except ValueError:
        port = 0
    if parts.scheme != "https" or not parts.hostname or parts.fragment:
        raise ConfigError("WEBHOOK_URL", f"WEBHOOK_URL must be an https:// URL, got {url!r}")
    if port not in WEBHOOK_PORTS:
        raise ConfigError(
            "WEBHOOK_URL",
            f"WEBHOOK_URL must use port 443, 80, 88 or 8443 (Telegram's rule), got {url!r}",
        )
    if secret is None:
        raise ConfigError(
            "WEBHOOK_SECRET_TOKEN",
            "WEBHOOK_SECRET_TOKEN must be set too: a webhook needs a secret token "
            "(1-256 characters A-Z a-z 0-9 _ -)",
        )
    if not WEBHOOK_SECRET.fullmatch(secret):
        raise ConfigError(
            "WEBHOOK_SECRET_TOKEN",
            f"WEBHOOK_SECRET_TOKEN must be 1-256 characters A-Z a-z 0-9 _ - "
            f"({len(secret)} characters given, value not shown)",
        )
    return url, Secret(secret)


def database_password(url: str) -> list[str]:
    """The password in a database URL, as written and percent-decoded (for the log scrubber)."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return []
    if not password:
        return []
    return sorted({password, unquote(password)})


def redact_database_url(url: str) -> str:
    """The URL with its password replaced, for the start-up log line."""
    for password in database_password(url):
        url = url.replace(f":{password}@", ":***@")
    return url


def _log_format(reader: _Reader, *, interactive: bool) -> LogFormat:
    value = reader.raw("LOG_FORMAT")
    if value is None:
        return "console" if interactive else "json"
    lowered = value.lower()
    if lowered == "json":
        return "json"
    if lowered == "console":
        return "console"
    raise ConfigError("LOG_FORMAT", f"LOG_FORMAT must be 'json' or 'console', got {value!r}")


def _log_level(reader: _Reader) -> str:
    value = reader.text("LOG_LEVEL", "INFO").upper()
    if value not in LOG_LEVELS:
        raise ConfigError("LOG_LEVEL", f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    return value


def load_settings(environ: Mapping[str, str], *, interactive: bool = False) -> Settings:
    """Build Settings from variables; raises ConfigError naming the first bad variable."""
    read = _Reader(environ)
    telegram_base_url = read.url("TELEGRAM_BASE_URL", _DEFAULTS.telegram_base_url)
    upstash_url = read.raw("UPSTASH_REDIS_REST_URL")
    upstash_token = read.secret("UPSTASH_REDIS_REST_TOKEN")
    if (upstash_url is None) != (upstash_token is None):
        missing = "UPSTASH_REDIS_REST_TOKEN" if upstash_token is None else "UPSTASH_REDIS_REST_URL"
        raise ConfigError(
            missing,
            f"{missing} must be set too: Upstash needs both the REST URL and the token",
        )
    webhook_url, webhook_secret_token = _webhook(read)
    return Settings(
        telegram_bot_token=_bot_token(read),
        telegram_base_url=telegram_base_url,
        telegram_base_file_url=read.url(
            "TELEGRAM_BASE_FILE_URL", default_file_url(telegram_base_url)
        ),
        carsxe_api_key=read.secret("CARSXE_API_KEY"),
        carsxe_base_url=read.url("CARSXE_BASE_URL", _DEFAULTS.carsxe_base_url),
        nhtsa_base_url=read.url("NHTSA_BASE_URL", _DEFAULTS.nhtsa_base_url),
        nhtsa_recalls_base_url=read.url("NHTSA_RECALLS_BASE_URL", _DEFAULTS.nhtsa_recalls_base_url),
        upstash_redis_rest_url=(
            read.url("UPSTASH_REDIS_REST_URL", "") if upstash_url is not None else None
        ),
        upstash_redis_rest_token=upstash_token,
        database_url=_database_url(read),
        port=read.integer("PORT", _DEFAULTS.port, 1, 65535),
        admin_ids=_admin_ids(read),
        log_level=_log_level(read),
        log_format=_log_format(read, interactive=interactive),
        user_decodes_per_minute=read.integer("USER_DECODES_PER_MINUTE", 10, 0, 10_000),
        daily_lookups_per_user=read.integer("DAILY_LOOKUPS_PER_USER", 20, 0, 1_000_000),
        monthly_paid_calls=read.integer("MONTHLY_PAID_CALLS", 0, 0, 100_000_000),
        telegram_max_rate=read.number("TELEGRAM_MAX_RATE", 30.0, 0, 1000),
        history_days=read.integer("HISTORY_DAYS", 90, 0, 36_500),
        history_max_per_user=read.integer("HISTORY_MAX_PER_USER", 1000, 0, 1_000_000),
        garage_limit=read.integer("GARAGE_LIMIT", 10, 1, 1000),
        recall_check_interval_hours=read.number("RECALL_CHECK_INTERVAL_HOURS", 24.0, 0, 8760),
        cache_max_entries=read.integer("CACHE_MAX_ENTRIES", 10_000, 100, 10_000_000),
        http_timeout_seconds=read.number("HTTP_TIMEOUT_SECONDS", 10.0, 0.1, 120),
        decode_deadline_seconds=read.number("DECODE_DEADLINE_SECONDS", 15.0, 0.5, 300),
        concurrent_updates=read.integer("CONCURRENT_UPDATES", 64, 1, 4096),
        concurrent_updates_per_user=read.integer("CONCURRENT_UPDATES_PER_USER", 4, 1, 4096),
        concurrent_updates_per_chat=read.integer("CONCURRENT_UPDATES_PER_CHAT", 8, 1, 4096),
        poll_timeout_seconds=read.number("POLL_TIMEOUT_SECONDS", 10.0, 0, 50),
        health_stall_seconds=read.number("HEALTH_STALL_SECONDS", 30.0, 1, 86_400),
        conflict_exit_seconds=read.number("CONFLICT_EXIT_SECONDS", 120.0, 1, 86_400),
        poller_lease_seconds=read.number("POLLER_LEASE_SECONDS", 30.0, 3, 3600),
        loop_stall_seconds=read.number("LOOP_STALL_SECONDS", 30.0, 0, 86_400),
        vehicle_photos=read.flag("VEHICLE_PHOTOS", default=True),
        webhook_url=webhook_url,
        webhook_secret_token=webhook_secret_token,
    )


def environment_with_dotenv(path: Path = Path(".env")) -> dict[str, str]:
    """The process environment over the values of a .env file, if there is one."""
    from dotenv import dotenv_values  # noqa: PLC0415 - only the entry point needs it

    merged: dict[str, str] = {}
    if path.is_file():
        merged.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    merged.update(os.environ)
    return merged


def stderr_is_terminal() -> bool:
    """Whether a person is likely watching stderr (picks the console log format by default)."""
    return sys.stderr.isatty()
