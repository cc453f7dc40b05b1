"""The image's install steps, repeated without Docker, and the Dockerfile read against the code.

No Docker engine runs here, so the slow test does what the Dockerfile does: a fresh virtualenv
from the pinned requirements.txt, `vinbot/` copied beside it and nothing else, then the entry
point run from there. The fast tests parse the Dockerfile so its steps cannot drift.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from vinbot import runtime
from vinbot.config import load_settings
from vinbot.health import HealthServer, HealthState
from vinbot.metrics import Metrics
from vinbot.storage.engine import database_path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
SAMPLE_VIN = "1HGCM82633A004352"
# Signs that pip could not reach the package index at all (as opposed to a broken pin).
OFFLINE_SIGNS = (
    "Temporary failure in name resolution",
    "Failed to establish a new connection",
    "Network is unreachable",
    "No route to host",
    "NewConnectionError",
    "ProxyError",
)


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction with its stage index."""

    stage: int
    keyword: str
    arguments: str


def instructions() -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    joined: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    stage = -1
    parsed: list[Instruction] = []
    for line in joined:
        keyword, _, arguments = line.partition(" ")
        if keyword.upper() == "FROM":
            stage += 1
        parsed.append(Instruction(stage, keyword.upper(), arguments.strip()))
    return parsed


def _runtime_stage() -> list[Instruction]:
    parsed = instructions()
    last = max(i.stage for i in parsed)
    return [i for i in parsed if i.stage == last]


def _env(stage: list[Instruction]) -> dict[str, str]:
    values: dict[str, str] = {}
    for instruction in stage:
        if instruction.keyword == "ENV":
            for pair in shlex.split(instruction.arguments):
                name, _, value = pair.partition("=")
                values[name] = value
    return values


def test_both_stages_use_python_slim_of_the_pinned_version() -> None:
    """Every stage starts from python:<.python-version>-slim, the interpreter CI tests with."""
    version = (ROOT / ".python-version").read_text(encoding="utf-8").strip()
    bases = [i.arguments.split()[0] for i in instructions() if i.keyword == "FROM"]
    assert len(bases) == 2
    assert set(bases) == {f"python:{version}-slim"}


def test_build_stage_installs_exactly_the_pinned_requirements() -> None:
    """The first stage installs requirements.txt into a venv, with no cache and nothing else."""
    build = [i for i in instructions() if i.stage == 0]
    installs = [i.arguments for i in build if i.keyword == "RUN" and "pip install" in i.arguments]
    assert len(installs) == 1
    words = installs[0].split()
    assert words[words.index("-r") + 1] == "requirements.txt"
    assert "--no-cache-dir" in words
    copies = [i.arguments.split() for i in build if i.keyword == "COPY"]
    assert copies == [["requirements.txt", "."]]


def test_runtime_stage_copies_only_the_venv_and_the_package() -> None:
    """The runtime image receives the built venv and vinbot/ and no other file."""
    copies = [i.arguments.split() for i in _runtime_stage() if i.keyword == "COPY"]
    assert copies == [["--from=build", "/opt/venv", "/opt/venv"], ["vinbot/", "/app/vinbot/"]]


def test_runtime_runs_unbuffered_as_a_fixed_non_root_uid() -> None:
    """USER is a fixed numeric uid:gid other than root, and Python output is unbuffered."""
    stage = _runtime_stage()
    args = {
        name: value
        for i in stage
        if i.keyword == "ARG"
        for name, _, value in [i.arguments.partition("=")]
    }
    (user,) = [i.arguments for i in stage if i.keyword == "USER"]
    uid, _, gid = (
        user.replace("${APP_UID}", args["APP_UID"])
        .replace("${APP_GID}", args["APP_GID"])
        .partition(":")
    )
    assert uid.isdigit()
    assert gid.isdigit()
    assert int(uid) != 0
    assert _env(stage)["PYTHONUNBUFFERED"] == "1"


def test_image_database_defaults_to_the_data_directory() -> None:
    """The image's DATABASE_URL points at an absolute file in /data, which the image creates."""
    stage = _runtime_stage()
    settings = load_settings(_env(stage))
    path = database_path(settings.database_url)
    assert path is not None
    assert path.parent == Path("/data")
    assert any("mkdir /data" in i.arguments for i in stage if i.keyword == "RUN")


def test_cmd_is_exec_form_so_sigterm_reaches_python() -> None:
    """CMD is the JSON exec form of `python -m vinbot` and the stop signal is one it handles."""
    stage = _runtime_stage()
    (cmd,) = [i.arguments for i in stage if i.keyword == "CMD"]
    assert json.loads(cmd) == ["python", "-m", "vinbot"]
    (stop,) = [i.arguments for i in stage if i.keyword == "STOPSIGNAL"]
    assert signal.Signals[stop] in runtime.STOP_SIGNALS


def _healthcheck_command() -> list[str]:
    (check,) = [i.arguments for i in _runtime_stage() if i.keyword == "HEALTHCHECK"]
    assert "curl" not in check
    command: list[str] = json.loads(check[check.index("CMD") + len("CMD") :].strip())
    return command


async def _run_healthcheck(port: int) -> tuple[int, str]:
    command = _healthcheck_command()
    assert command[0] == "python"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *command[1:],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORT": str(port)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_healthcheck_follows_the_health_route_on_port() -> None:
    """The HEALTHCHECK's Python exits 0 while /health is 200 and 1 once it turns 503."""
    state = HealthState()
    async with HealthServer(state, Metrics(), host="127.0.0.1", port=0) as server:
        healthy = await _run_healthcheck(server.port)
        state.mark_stopped("shutting down")
        stopped = await _run_healthcheck(server.port)
    assert healthy == (0, "")
    code, message = stopped
    assert code == 1
    assert message.strip().startswith("unhealthy:")
    assert "503" in message


def test_dockerignore_keeps_secrets_venv_tests_and_data_out() -> None:
    """The build context allows requirements.txt and vinbot/ only, so .env and .venv stay out."""
    lines = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines[0] == "*"
    allowed = {line[1:] for line in lines if line.startswith("!")}
    assert allowed == {"requirements.txt", "vinbot/"}
    assert {".env", ".venv", "tests", "data", "*.db"} <= set(lines)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _clean_env(home: Path) -> dict[str, str]:
    """PATH and a home only: nothing from the developer's settings or PYTHONPATH."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_CACHE_DIR": "1",
    }


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_fresh_venv_from_requirements_runs_the_cli(tmp_path: Path) -> None:
    """A venv built like the image's runs --help, the offline decode and the bot's entry point."""
    env = _clean_env(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "-r",
            str(ROOT / "requirements.txt"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if install.returncode != 0:
        output = install.stdout + install.stderr
        if any(sign in output for sign in OFFLINE_SIGNS):
            pytest.skip("pip cannot reach the package index (no network); nothing was installed")
        pytest.fail(f"pip install -r requirements.txt failed:\n{output[-4000:]}")

    app = tmp_path / "app"
    shutil.copytree(
        ROOT / "vinbot", app / "vinbot", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )

    shown = subprocess.run(
        [str(python), "-m", "vinbot", "--help"],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "decode" in shown.stdout

    decode_env = {**env, "NHTSA_BASE_URL": f"http://127.0.0.1:{_closed_port()}"}
    started = time.monotonic()
    decoded = subprocess.run(
        [str(python), "-m", "vinbot", "decode", SAMPLE_VIN, "--json"],
        cwd=app,
        env=decode_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert decoded.returncode == 1, decoded.stderr  # 1: no online provider, offline decode shown
    answer = json.loads(decoded.stdout.strip().splitlines()[-1])
    assert answer["vin"] == SAMPLE_VIN
    assert answer["source"] == "offline"
    assert elapsed < 20, f"the offline decode took {elapsed:.1f} s"

    # The image's CMD: with no token it must get as far as the one-line configuration error.
    bot = subprocess.run(
        [str(python), "-m", "vinbot"],
        cwd=app,
        env={**env, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'vinbot.db'}"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bot.returncode == 2, bot.stderr
    assert "TELEGRAM_BOT_TOKEN" in bot.stderr
