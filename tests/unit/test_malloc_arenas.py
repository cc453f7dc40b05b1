"""glibc's malloc arenas are capped at start, unless the operator set their own."""

from __future__ import annotations

import logging
import os
import platform
from typing import TYPE_CHECKING

import pytest
import structlog

from vinbot import __main__ as entry
from vinbot.malloc_arenas import limit_malloc_arenas

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping
    from pathlib import Path

    from vinbot.config import Settings


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_the_cap() -> None:
    """On glibc the cap is set through mallopt."""
    assert limit_malloc_arenas({}) is True


@pytest.mark.parametrize("name", ["MALLOC_ARENA_MAX", "GLIBC_TUNABLES"])
def test_the_operators_own_malloc_setting_wins(name: str) -> None:
    """With MALLOC_ARENA_MAX or GLIBC_TUNABLES in the environment nothing is changed."""
    assert limit_malloc_arenas({name: "4"}) is False


def test_the_entry_point_caps_the_arenas_before_the_command_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m vinbot` caps the arenas from the process environment, then runs."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    events: list[str] = []

    def limit(environ: Mapping[str, str]) -> bool:
        events.append("capped" if environ is os.environ else "capped from a copy")
        return True

    async def command(_args: argparse.Namespace, _settings: Settings) -> int:
        events.append("ran")
        return 0

    monkeypatch.setattr(entry, "limit_malloc_arenas", limit)
    monkeypatch.setattr(entry, "_dispatch", command)
    try:
        assert entry.main(["migrate"]) == 0
    finally:  # main configured logging for the process
        structlog.reset_defaults()
        logging.getLogger().handlers.clear()
    assert events == ["capped", "ran"]
