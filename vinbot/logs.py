"""structlog setup: console or JSON lines, stdlib logs routed through it, secrets scrubbed."""

from __future__ import annotations

import logging
import re
import sys
from typing import TYPE_CHECKING, Any, TextIO

import structlog

if TYPE_CHECKING:
    from collections.abc import Iterable, MutableMapping

    from vinbot.config import LogFormat

REDACTED = "[REDACTED]"

# Secret shapes whatever the value: a bot token, a `key=` or `token=` query parameter.
_SECRET_SHAPES = (
    re.compile(r"(?<![0-9])[0-9]{5,}:[A-Za-z0-9_-]{20,}"),
    re.compile(r"(?<=[?&]key=)[^&\s'\"]+"),
    re.compile(r"(?<=[?&]token=)[^&\s'\"]+"),
)

# The password in a URL's user info (`postgresql+asyncpg://user:password@host/db`).
# `***` is a password already hidden (SQLAlchemy's and the config's redacted URLs).
_URL_PASSWORD = re.compile(r"(://[^:/@\s'\"]*:)(?!\*\*\*@)[^@\s'\"/]+(@)")

# Libraries whose INFO lines print request URLs (the bot token and the CarsXE key live in URLs).
_CHATTY_LOGGERS = (
    "httpx",
    "httpcore",
    "telegram.ext.Updater",
    "apscheduler",
    "aiohttp.access",
    "alembic",
)


class SecretScrubber:
    """Replaces every known secret, and anything shaped like one, in strings."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """The text with secrets replaced by a marker."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for shape in _SECRET_SHAPES:
            text = shape.sub(REDACTED, text)
        return _URL_PASSWORD.sub(rf"\g<1>{REDACTED}\g<2>", text)

    def scrub_value(self, value: object) -> object:
        """Scrub strings inside a value, recursing into containers."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {k: self.scrub_value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.scrub_value(v) for v in value)
        if isinstance(value, BaseException):
            return self.scrub(repr(value))
        return value

    def __call__(
        self, _logger: object, _method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        """structlog processor form."""
        for key, value in list(event_dict.items()):
            event_dict[key] = self.scrub_value(value)
        return event_dict


class _ScrubbingFormatter(structlog.stdlib.ProcessorFormatter):
    """Scrubs the final rendered line, so tracebacks and foreign log records are covered too."""

    def __init__(self, scrubber: SecretScrubber, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._scrubber = scrubber

    def format(self, record: logging.LogRecord) -> str:
        return self._scrubber.scrub(super().format(record))


def configure_logging(
    *,
    level: str = "INFO",
    log_format: LogFormat = "console",
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> SecretScrubber:
    """Configure structlog and the stdlib root logger once, at start-up."""
    scrubber = SecretScrubber(secrets)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any
    if log_format == "json":
        renderer = structlog.processors.JSONRenderer()
        final: list[Any] = [structlog.processors.dict_tracebacks, scrubber]
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
        final = [scrubber]

    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = _ScrubbingFormatter(
        scrubber,
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *final,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    return scrubber


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """A structlog logger; events are `log.info("event_name", field=value)`."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
