"""The processes a benchmark run needs: the fakes, the bot under test, and their control APIs."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import httpx
import psutil

from bench.upstream import CALLS_PATH
from tests.fakes.carsxe_server import DEFAULT_API_KEY
from tests.fakes.telegram_server import DEFAULT_TOKEN

if TYPE_CHECKING:
    from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0
RSS_SAMPLE_SECONDS = 0.05
CONTROL_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def child_environment(**overrides: str) -> dict[str, str]:
    """This process's environment without any bot setting, plus the overrides."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "CARSXE_", "NHTSA_", "UPSTASH_"))
    }
    env.update(PYTHONUNBUFFERED="1", PTB_TIMEDELTA="true")
    env.update(overrides)
    return env


async def _stop(process: asyncio.subprocess.Process) -> int:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(STOP_TIMEOUT):
            return await process.wait()
    except TimeoutError:
        process.kill()
        return await process.wait()


class FakeServer:
    """A fake server run as `python -m MODULE --port 0 ...`, which prints `PORT=<n>`."""

    def __init__(self, module: str, *args: str, log_path: Path) -> None:
        self._command = (sys.executable, "-m", module, "--port", "0", *args)
        self._log_path = log_path
        self.process: asyncio.subprocess.Process | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>."""
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Self:
        with self._log_path.open("ab") as log_file:
            self.process = await asyncio.create_subprocess_exec(
                *self._command,
                cwd=ROOT,
                env=child_environment(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=log_file,
            )
        if self.process.stdout is None:  # pragma: no cover - PIPE always gives a stream
            raise RuntimeError("no stdout")
        async with asyncio.timeout(START_TIMEOUT):
            line = (await self.process.stdout.readline()).decode().strip()
        if not line.startswith("PORT="):
            await _stop(self.process)
            raise RuntimeError(f"{self._command[2]} did not start: {line!r}")
        self.port = int(line.removeprefix("PORT="))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.process is not None:
            await _stop(self.process)

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process has used so far."""
        return _cpu_seconds(self.process)


def _cpu_seconds(process: asyncio.subprocess.Process | None) -> float:
    if process is None or process.returncode is not None:
        return 0.0
    with contextlib.suppress(psutil.Error):
        times = psutil.Process(process.pid).cpu_times()
        return float(times.user + times.system)
    return 0.0


class FakeTelegramProcess(FakeServer):
    """tests/fakes/telegram_server as a process, driven through /_control/."""

    def __init__(self, log_path: Path, token: str = DEFAULT_TOKEN) -> None:
        super().__init__("tests.fakes.telegram_server", "--token", token, log_path=log_path)
        self.token = token
        self._client: httpx.AsyncClient | None = None

    @property
    def base_url(self) -> str:
        """What a bot takes as TELEGRAM_BASE_URL."""
        return f"{self.url}/bot"

    @property
    def client(self) -> httpx.AsyncClient:
        """The control API client."""
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.url, timeout=CONTROL_TIMEOUT)
        return self._client

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
        await super().__aexit__(exc_type, exc, traceback)

    async def offer(self, specs: list[dict[str, Any]]) -> list[int]:
        """Offer updates to the bot; returns their update ids."""
        response = await self.client.post("/_control/updates", json={"updates": specs})
        response.raise_for_status()
        update_ids: list[int] = response.json()["update_ids"]
        return update_ids

    async def requests(self, method: str | None = None, since: int = 0) -> tuple[list[Any], int]:
        """Recorded Bot API calls from index `since` on, and the index to ask from next."""
        params: dict[str, str | int] = {"since": since}
        if method is not None:
            params["method"] = method
        response = await self.client.get("/_control/requests", params=params)
        response.raise_for_status()
        body = response.json()
        return body["requests"], int(body["next"])

    async def timings(self) -> list[dict[str, Any]]:
        """Per update: offered, delivered and replied times (the fake's perf_counter)."""
        response = await self.client.get("/_control/timings")
        response.raise_for_status()
        timings: list[dict[str, Any]] = response.json()["timings"]
        return timings

    async def reset(self) -> None:
        """Forget recorded requests and timings."""
        (await self.client.post("/_control/reset")).raise_for_status()

    async def is_polling(self) -> bool:
        """Whether a bot holds a getUpdates call open."""
        response = await self.client.get("/_control/health")
        return bool(response.json()["polling"])

    async def wait_polling(self, bot: BotProcess) -> None:
        """Wait until the bot long-polls, failing with its log if it exits first."""
        async with asyncio.timeout(START_TIMEOUT):
            while not await self.is_polling():
                bot.raise_if_exited()
                await asyncio.sleep(0.05)


class CarsXEProcess(FakeServer):
    """bench/upstream.py as a process: the fake CarsXE with a readable call counter."""

    def __init__(self, log_path: Path, latency: float) -> None:
        super().__init__("bench.upstream", "--latency", f"{latency}", log_path=log_path)

    async def calls(self) -> tuple[int, dict[str, int]]:
        """Decode calls (/specs) so far, and the calls to every path."""
        async with httpx.AsyncClient(timeout=CONTROL_TIMEOUT) as client:
            response = await client.get(self.url + CALLS_PATH)
        response.raise_for_status()
        body = response.json()
        return int(body["specs"]), {str(k): int(v) for k, v in body["paths"].items()}


@dataclass
class RssSampler:
    """Samples one process's resident set size until stopped; keeps the peak."""

    pid: int
    peak: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin sampling in the background."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop sampling."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def current(self) -> int:
        """RSS right now, in bytes (0 once the process is gone)."""
        try:
            rss = int(psutil.Process(self.pid).memory_info().rss)
        except psutil.Error:
            return 0
        self.peak = max(self.peak, rss)
        return rss

    def high_water_mark(self) -> int:
        """The kernel's peak RSS for the process (VmHWM), or the sampled peak elsewhere."""
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return max(self.peak, int(line.split()[1]) * 1024)
        return self.peak

    async def _run(self) -> None:
        started = time.perf_counter()
        while True:
            rss = self.current()
            if rss:
                self.samples.append((time.perf_counter() - started, rss))
            await asyncio.sleep(RSS_SAMPLE_SECONDS)


@dataclass
class BotProcess:
    """One bot under test: `python -m vinbot` or `python -m bench.baseline_bot`."""

    name: str
    process: asyncio.subprocess.Process
    log_path: Path
    rss: RssSampler

    def raise_if_exited(self) -> None:
        """Fail with the bot's log if it has exited."""
        if self.process.returncode is not None:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.name} exited {self.process.returncode}:\n{tail}")

    def cpu_seconds(self) -> float:
        """User plus system CPU time the bot has used so far."""
        return _cpu_seconds(self.process)

    async def stop(self) -> int:
        """SIGTERM, wait (kill after a grace period); returns the exit code."""
        await self.rss.stop()
        return await _stop(self.process)


async def start_bot(module: str, env: dict[str, str], log_path: Path) -> BotProcess:
    """Start a bot module as a child process with its output in log_path."""
    with log_path.open("ab") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
        )
    sampler = RssSampler(process.pid)
    sampler.start()
    return BotProcess(module, process, log_path, sampler)


async def start_profiler(
    bot: BotProcess, output: Path, log_path: Path
) -> asyncio.subprocess.Process:
    """py-spy sampling the bot until it exits, writing collapsed stacks to `output`."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    with log_path.open("ab") as log_file:
        return await asyncio.create_subprocess_exec(
            py_spy,
            "record",
            "--pid",
            str(bot.process.pid),
            "--format",
            "raw",
            "--rate",
            "250",
            "--output",
            str(output),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
        )


def vinbot_environment(
    telegram: FakeTelegramProcess,
    carsxe: CarsXEProcess,
    database_path: Path,
    **overrides: str,
) -> dict[str, str]:
    """vinbot's settings for a run: every upstream is a fake on 127.0.0.1."""
    dead_end = f"http://127.0.0.1:{free_port()}"  # NHTSA is never needed: CarsXE answers all
    settings = {
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_BASE_URL": telegram.base_url,
        "CARSXE_API_KEY": DEFAULT_API_KEY,
        "CARSXE_BASE_URL": carsxe.url,
        "NHTSA_BASE_URL": dead_end,
        "NHTSA_RECALLS_BASE_URL": dead_end,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database_path}",
        "PORT": str(free_port()),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "POLL_TIMEOUT_SECONDS": "10",
    }
    settings.update(overrides)
    return child_environment(**settings)


def baseline_upstream_environment(carsxe: CarsXEProcess) -> dict[str, str]:
    """The bare bot's settings for one upstream call per message, to the same fake CarsXE."""
    return {"BASELINE_UPSTREAM_URL": f"{carsxe.url}/specs", "CARSXE_API_KEY": DEFAULT_API_KEY}


def baseline_environment(telegram: FakeTelegramProcess, **overrides: str) -> dict[str, str]:
    """The bare bot's settings for a run."""
    settings = {
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_BASE_URL": telegram.base_url,
        "POLL_TIMEOUT_SECONDS": "10",
    }
    settings.update(overrides)
    return child_environment(**settings)
