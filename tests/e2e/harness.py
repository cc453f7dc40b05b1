"""Runs the real bot (`python -m vinbot`) against fake Telegram, CarsXE and NHTSA on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from tests.fakes.carsxe_server import DEFAULT_API_KEY, FakeCarsXE
from tests.fakes.nhtsa_server import FakeNhtsa
from tests.fakes.telegram_server import FakeTelegram

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from tests.fakes.telegram.state import RecordedRequest

ROOT = Path(__file__).resolve().parents[2]
# Failure bounds, not expectations: a bot is ready in a few seconds on an idle machine, but
# importing it alone took 19 s at load average 16 on two cores (1.5 s of CPU), and two
# instances starting at once on such a machine needed up to 48 s before /ready.
START_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0


def in_chat(chat_id: int) -> Callable[[RecordedRequest], bool]:
    """A `wait_for` filter: only requests to one chat."""
    return lambda record: record.chat_id == chat_id


def buttons(record: RecordedRequest) -> list[dict[str, str]]:
    """The inline buttons of a sent message, row after row."""
    markup = record.response["result"]["reply_markup"]
    return [button for row in markup["inline_keyboard"] for button in row]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class BotProcess:
    """One `python -m vinbot` child process and its health port."""

    process: asyncio.subprocess.Process
    port: int
    log_path: Path
    stopped_code: int | None = None

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        """Everything the bot wrote to stderr so far."""
        return self.log_path.read_text(errors="replace")

    async def get(self, path: str) -> httpx.Response:
        """GET one of the health server's paths."""
        async with httpx.AsyncClient(timeout=2.0) as client:
            return await client.get(self.health_url + path)

    async def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until /ready answers 200, failing with the bot's log if it never does."""
        # One client for every poll: a new one costs ~25 ms of CPU (its TLS context), which
        # at ten polls a second took CPU from the very bots starting on a loaded machine.
        async with asyncio.timeout(timeout), httpx.AsyncClient(timeout=2.0) as client:
            while True:
                if self.process.returncode is not None:
                    raise AssertionError(f"bot exited {self.process.returncode}:\n{self.logs()}")
                try:
                    if (await client.get(f"{self.health_url}/ready")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)

    async def terminate(self, sig: int = signal.SIGTERM) -> int:
        """Send a signal and wait for the exit code (kill after a grace period)."""
        if self.process.returncode is None:
            self.process.send_signal(sig)
        try:
            async with asyncio.timeout(STOP_TIMEOUT):
                code = await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(f"bot did not stop in time:\n{self.logs()}") from None
        self.stopped_code = code
        return code


@dataclass
class World:
    """The fake servers and a way to start bots against them."""

    telegram: FakeTelegram
    carsxe: FakeCarsXE
    nhtsa: FakeNhtsa
    tmp_path: Path
    bots: list[BotProcess] = field(default_factory=list)

    def env(self, **overrides: str) -> dict[str, str]:
        """The bot's environment: every base URL points at a fake."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "CARSXE_", "NHTSA_", "UPSTASH_"))
        }
        env.update(
            TELEGRAM_BOT_TOKEN=self.telegram.token,
            TELEGRAM_BASE_URL=self.telegram.base_url,
            CARSXE_API_KEY=DEFAULT_API_KEY,
            CARSXE_BASE_URL=self.carsxe.base_url,
            NHTSA_BASE_URL=self.nhtsa.base_url,
            NHTSA_RECALLS_BASE_URL=self.nhtsa.recalls_base_url,
            DATABASE_URL=f"sqlite+aiosqlite:///{self.tmp_path / 'vinbot.db'}",
            PORT=str(free_port()),
            LOG_FORMAT="json",
            LOG_LEVEL="INFO",
            POLL_TIMEOUT_SECONDS="1",
            TELEGRAM_MAX_RATE="30",
            VEHICLE_PHOTOS="0",
            PYTHONUNBUFFERED="1",
        )
        env.update(overrides)
        return env

    async def start_bot(
        self, *, wait: bool = True, module: str = "vinbot", **overrides: str
    ) -> BotProcess:
        """Start `python -m vinbot` (or a test wrapper module) and by default wait until ready.

        A bot started after another one exited gets that one's port, as a restart on the same
        machine does: it is the same instance, which takes its poller lease back at once.
        """
        running = {bot.port for bot in self.bots if bot.process.returncode is None}
        stopped = [bot.port for bot in self.bots if bot.process.returncode is not None]
        free = [port for port in stopped if port not in running]
        if free and "PORT" not in overrides:
            overrides = {**overrides, "PORT": str(free[-1])}
        env = self.env(**overrides)
        log_path = self.tmp_path / f"bot-{len(self.bots)}.log"
        with log_path.open("wb") as log_file:
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
        bot = BotProcess(process, int(env["PORT"]), log_path)
        self.bots.append(bot)
        if wait:
            await bot.wait_ready()
        return bot

    async def stop_all(self) -> None:
        """Stop every bot still running."""
        for bot in self.bots:
            if bot.process.returncode is None:
                await bot.terminate()


async def open_world(stack: AsyncExitStack, tmp_path: Path, **telegram: Any) -> World:
    """Start the three fakes on the stack."""
    fake_telegram = await stack.enter_async_context(FakeTelegram(**telegram))
    carsxe = await stack.enter_async_context(FakeCarsXE())
    nhtsa = await stack.enter_async_context(FakeNhtsa())
    return World(fake_telegram, carsxe, nhtsa, tmp_path)


@asynccontextmanager
async def running_world(tmp_path: Path, **telegram: Any) -> AsyncIterator[World]:
    """The fakes for one test; every bot still running is stopped at the end."""
    async with AsyncExitStack() as stack:
        world = await open_world(stack, tmp_path, **telegram)
        try:
            yield world
        finally:
            await world.stop_all()
