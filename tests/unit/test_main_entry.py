"""The entry point: an exception escaping the command is logged scrubbed, and the exit is 1."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
import structlog

from vinbot import __main__ as entry

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator
    from pathlib import Path

    from vinbot.config import Settings

TOKEN = "123456789:AAEhBP0av28HbTQn5vVhH2x3fYlD2m5tCzk"
KEY = "carsxe-secret-key-42"


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("CARSXE_API_KEY", KEY)
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    yield
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


async def crash(_args: argparse.Namespace, _settings: Settings) -> int:
    """A command that fails with the secrets in its message."""
    message = f"upstream said key={KEY} for https://api.telegram.org/bot{TOKEN}/getMe"
    raise RuntimeError(message)


def settings_crash(_environ: object, **_kwargs: object) -> Settings:
    """Settings loading that fails with the secrets in its message (before logging is set up)."""
    message = f"cannot read key={KEY} or {TOKEN}"
    raise ValueError(message)


@pytest.mark.parametrize(
    ("name", "replacement", "error_type"),
    [("_dispatch", crash, "RuntimeError"), ("load_settings", settings_crash, "ValueError")],
)
def test_an_escaping_exception_is_logged_scrubbed_and_exits_1(
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    name: str,
    replacement: object,
    error_type: str,
) -> None:
    """A crash in the command, or before logging is set up, is one scrubbed log event with
    its type, and the exit code is 1."""
    monkeypatch.setattr(entry, name, replacement)

    code = entry.main([])

    out, err = capfd.readouterr()
    assert code == entry.EXIT_FAILED == 1
    assert "fatal_error" in err
    assert error_type in err
    assert TOKEN not in out + err
    assert KEY not in out + err
