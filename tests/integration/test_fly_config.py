"""fly.toml agrees with the code: health route and port, volume and database, signals, secrets."""

from __future__ import annotations

import dataclasses
import re
import signal
import tomllib
import typing
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from vinbot import health, runtime
from vinbot.config import Secret, Settings, load_settings
from vinbot.health import HealthServer, HealthState
from vinbot.metrics import Metrics
from vinbot.storage.engine import database_path

ROOT = Path(__file__).resolve().parents[2]
FLY_TOML = ROOT / "fly.toml"
# Resident memory of the bot, idle and under a burst of 200 updates against the fake Telegram.
MEASURED_RSS_MB = 100
# Fly's upper bound for kill_timeout, in seconds.
FLY_MAX_KILL_TIMEOUT = 300
# Upstream providers an update may wait on in turn before the offline fallback (CarsXE, NHTSA).
ONLINE_PROVIDERS = 2


@pytest.fixture(scope="module")
def fly() -> dict[str, Any]:
    with FLY_TOML.open("rb") as file:
        return tomllib.load(file)


@pytest.fixture(scope="module")
def fly_settings(fly: dict[str, Any]) -> Settings:
    return load_settings(fly["env"])


def _health_check(fly: dict[str, Any]) -> dict[str, Any]:
    checks = fly["checks"]
    assert len(checks) == 1, "one top-level check is expected"
    (check,) = checks.values()
    return typing.cast("dict[str, Any]", check)


def _megabytes(size: str) -> int:
    match = re.fullmatch(r"(\d+)\s*(mb|gb)", size.strip().lower())
    assert match is not None, f"unreadable memory size {size!r}"
    number, unit = int(match.group(1)), match.group(2)
    return number * 1024 if unit == "gb" else number


def test_no_service_exposes_the_bot_to_the_proxy(fly: dict[str, Any]) -> None:
    """fly.toml defines no [http_service] or [[services]], so Fly never auto-stops the poller."""
    assert "http_service" not in fly
    assert "services" not in fly


def test_env_names_only_real_settings(fly: dict[str, Any]) -> None:
    """Every [env] variable is one vinbot reads, and [env] loads as valid settings."""
    known = {f.name.upper() for f in dataclasses.fields(Settings)}
    assert set(fly["env"]) <= known
    load_settings(fly["env"])


def test_no_secret_is_set_in_env(fly: dict[str, Any]) -> None:
    """No Secret-typed setting appears in [env]: tokens and keys go through `fly secrets set`."""
    hints = typing.get_type_hints(Settings)
    secret_names = {name.upper() for name, hint in hints.items() if Secret in typing.get_args(hint)}
    assert {"TELEGRAM_BOT_TOKEN", "CARSXE_API_KEY"} <= secret_names
    assert not secret_names & set(fly["env"])


def test_check_port_is_the_port_the_health_server_binds(
    fly: dict[str, Any], fly_settings: Settings
) -> None:
    """The check targets the port settings give the health server, reachable from outside."""
    check = _health_check(fly)
    assert check["type"] == "http"
    assert check["port"] == fly_settings.port
    assert health.DEFAULT_HOST == "0.0.0.0"  # Fly runs checks from outside the machine


async def test_check_path_is_the_liveness_answer(fly: dict[str, Any]) -> None:
    """The check's path is served by vinbot's health server with the liveness body."""
    check = _health_check(fly)
    assert check.get("method", "get").lower() == "get"
    async with (
        HealthServer(HealthState(), Metrics(), host="127.0.0.1", port=0) as server,
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{server.port}{check['path']}") as response,
    ):
        body = await response.json()
    assert response.status == 200
    assert body["status"] == "ok"
    assert "seconds_since_last_poll" in body


async def test_metrics_scrape_targets_the_metrics_page(
    fly: dict[str, Any], fly_settings: Settings
) -> None:
    """[metrics] points at the health server's port and a path that serves Prometheus text."""
    metrics = fly["metrics"]
    assert metrics["port"] == fly_settings.port
    async with (
        HealthServer(HealthState(), Metrics(), host="127.0.0.1", port=0) as server,
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{server.port}{metrics['path']}") as response,
    ):
        text = await response.text()
    assert response.status == 200
    assert "# TYPE vinbot_" in text


def test_check_timing_leaves_room_for_start_up(fly: dict[str, Any], fly_settings: Settings) -> None:
    """The check times out before its next run and waits at least one long poll after boot."""
    check = _health_check(fly)
    interval = int(check["interval"].removesuffix("s"))
    timeout = int(check["timeout"].removesuffix("s"))
    grace = int(check["grace_period"].removesuffix("s"))
    assert timeout < interval
    assert grace >= fly_settings.poll_timeout_seconds


def test_database_lives_on_the_mounted_volume(fly: dict[str, Any], fly_settings: Settings) -> None:
    """DATABASE_URL is an absolute path (four slashes) inside the volume's mount point."""
    mount = fly["mounts"]
    destination = Path(mount["destination"])
    assert mount["source"]
    path = database_path(fly_settings.database_url)
    assert path is not None
    assert path.is_absolute()
    assert path.parent == destination
    assert fly["env"]["DATABASE_URL"].startswith("sqlite+aiosqlite:////")


def test_kill_signal_is_one_the_runtime_handles(fly: dict[str, Any]) -> None:
    """Fly sends SIGTERM, which vinbot.runtime turns into an ordered shutdown."""
    assert fly["kill_signal"] == "SIGTERM"
    assert signal.Signals[fly["kill_signal"]] in runtime.STOP_SIGNALS


def test_kill_timeout_outlasts_the_slowest_shutdown(
    fly: dict[str, Any], fly_settings: Settings
) -> None:
    """kill_timeout covers an update waiting on every provider's deadline plus its reply."""
    per_provider = fly_settings.decode_deadline_seconds + 1.0  # bootstrap's provider deadline
    slowest = ONLINE_PROVIDERS * per_provider + fly_settings.http_timeout_seconds
    assert slowest < fly["kill_timeout"] <= FLY_MAX_KILL_TIMEOUT


def test_machine_restarts_always(fly: dict[str, Any]) -> None:
    """The restart policy is always: a worker that exits is never woken by the proxy."""
    policies = [entry["policy"] for entry in fly["restart"]]
    assert policies == ["always"]


def test_logs_are_json(fly_settings: Settings) -> None:
    """Settings loaded from [env] log JSON lines, one object per event."""
    assert fly_settings.log_format == "json"


def test_vm_memory_fits_the_measured_footprint(fly: dict[str, Any]) -> None:
    """The VM has at least twice the measured resident memory."""
    (vm,) = fly["vm"]
    assert _megabytes(vm["memory"]) >= 2 * MEASURED_RSS_MB
