"""`python -m vinbot decode` as a subprocess against fake CarsXE, NHTSA and Upstash servers."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.harness import ROOT, free_port
from tests.fakes.carsxe_server import DEFAULT_API_KEY, FakeCarsXE, not_found
from tests.fakes.nhtsa_server import FakeNhtsa
from tests.fakes.upstash_server import FakeUpstash
from tests.postgres_server import PostgresServer, fresh_postgres_database
from vinbot.storage.migrate import current_revision, head_revision

pytestmark = pytest.mark.slow

HONDA = "1HGCM82633A004352"
BMW = "WBAFR7C57CC811956"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def objects(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


async def run_cli(*args: str, **env: str) -> Run:
    """Run the decode CLI with only the given configuration."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CARSXE_", "NHTSA_", "UPSTASH_", "TELEGRAM_"))
    }
    clean.update(env)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vinbot",
        "decode",
        *args,
        cwd=ROOT,
        env=clean,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return Run(process.returncode, stdout.decode(), stderr.decode())


@dataclass
class Upstreams:
    carsxe: FakeCarsXE
    nhtsa: FakeNhtsa
    upstash: FakeUpstash

    def env(self, *, cache: bool = False) -> dict[str, str]:
        env = {
            "CARSXE_API_KEY": DEFAULT_API_KEY,
            "CARSXE_BASE_URL": self.carsxe.base_url,
            "NHTSA_BASE_URL": self.nhtsa.base_url,
        }
        if cache:
            env["UPSTASH_REDIS_REST_URL"] = self.upstash.url
            env["UPSTASH_REDIS_REST_TOKEN"] = "upstash-token"
        return env


@pytest.fixture
async def upstreams() -> AsyncIterator[Upstreams]:
    async with AsyncExitStack() as stack:
        yield Upstreams(
            await stack.enter_async_context(FakeCarsXE()),
            await stack.enter_async_context(FakeNhtsa()),
            await stack.enter_async_context(FakeUpstash(token="upstash-token")),
        )


async def test_full_answers_through_carsxe_and_nhtsa(upstreams: Upstreams) -> None:
    """CarsXE answers the BMW; the Honda (no CarsXE data) falls back to NHTSA; exit 0."""
    upstreams.carsxe.specs[HONDA] = not_found()
    run = await run_cli(BMW, HONDA, "--json", **upstreams.env())
    assert run.code == 0, run.stderr
    bmw, honda = run.objects()
    assert (bmw["source"], bmw["make"], bmw["model"], bmw["model_year"]) == (
        "carsxe",
        "BMW",
        "5-Series",
        2012,
    )
    assert (honda["source"], honda["make"], honda["model"]) == ("nhtsa", "Honda", "Accord")
    assert honda["attributes"]["engine"].startswith("3.0L")
    assert DEFAULT_API_KEY not in run.stdout + run.stderr


async def test_plain_text_output(upstreams: Upstreams) -> None:
    """Without --json the summary is printed as aligned lines."""
    run = await run_cli(BMW, **upstreams.env())
    assert run.code == 0
    assert "2012 BMW 5-Series 535i" in run.stdout
    assert "source: CarsXE" in run.stdout


async def test_invalid_vin_exits_2_with_the_reason(upstreams: Upstreams) -> None:
    """An invalid VIN prints its reason on stderr, its object with valid=false, and exits 2."""
    run = await run_cli("1HGCM82633AOO4352", BMW, "--json", **upstreams.env())
    assert run.code == 2
    assert "I, O or Q" in run.stderr
    invalid, bmw = run.objects()
    assert invalid["valid"] is False
    assert bmw["valid"] is True
    assert upstreams.carsxe.count("/specs") == 1


async def test_unreachable_providers_give_the_offline_decode_and_exit_1() -> None:
    """With nothing configured and NHTSA unreachable, the offline decode prints and exit is 1."""
    closed = f"http://127.0.0.1:{free_port()}/api"
    run = await run_cli(HONDA, "--json", NHTSA_BASE_URL=closed)
    assert run.code == 1
    (honda,) = run.objects()
    assert honda["source"] == "offline"
    assert honda["manufacturer"] == "American Honda Motor Co., Inc."
    assert honda["model_year"] == 2003


async def test_upstash_cache_is_shared_between_runs(upstreams: Upstreams) -> None:
    """With Upstash configured, a second run answers from the cache without calling CarsXE."""
    first = await run_cli(BMW, "--json", **upstreams.env(cache=True))
    second = await run_cli(BMW, "--json", **upstreams.env(cache=True))
    assert first.objects()[0]["cached"] is False
    assert second.objects()[0]["cached"] is True
    assert upstreams.carsxe.count("/specs") == 1


async def test_bad_setting_is_one_line_and_exit_2() -> None:
    """A wrong variable stops the CLI with one line naming it, no traceback."""
    run = await run_cli(HONDA, CARSXE_BASE_URL="not a url")
    assert run.code == 2
    assert run.stderr.strip().count("\n") == 0
    assert "CARSXE_BASE_URL" in run.stderr
    assert "Traceback" not in run.stderr


async def run_module(*args: str, **env: str) -> Run:
    """Run `python -m vinbot ARGS` with only the given configuration."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    clean.update(env)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vinbot",
        *args,
        cwd=ROOT,
        env=clean,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return Run(process.returncode, stdout.decode(), stderr.decode())


async def test_migrate_creates_the_database(tmp_path: Path) -> None:
    """`python -m vinbot migrate` creates the folder and database and exits 0."""
    target = tmp_path / "nested" / "vinbot.db"
    run = await run_module("migrate", DATABASE_URL=f"sqlite+aiosqlite:///{target}")
    assert run.code == 0, run.stderr
    assert target.exists()


async def test_bot_without_token_or_with_a_broken_database_fails_in_one_line(
    tmp_path: Path,
) -> None:
    """No token, or a database file that is not SQLite, stops start-up with one line, exit 2."""
    no_token = await run_module(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    assert no_token.code == 2
    assert "TELEGRAM_BOT_TOKEN" in no_token.stderr
    assert no_token.stderr.strip().count("\n") == 0
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    broken = await run_module("migrate", DATABASE_URL=f"sqlite+aiosqlite:///{garbage}")
    assert broken.code == 2
    assert "DATABASE_URL" in broken.stderr
    assert "Traceback" not in broken.stderr


async def test_migrate_on_postgresql_reaches_head_and_never_prints_the_password(
    postgres_server: PostgresServer,
) -> None:
    """`python -m vinbot migrate` with a postgresql+asyncpg URL migrates that database to head;
    a wrong password fails in one line; neither run prints the password."""
    async with fresh_postgres_database(postgres_server) as url:
        run = await run_module("migrate", DATABASE_URL=url, LOG_FORMAT="json")
        assert run.code == 0, run.stderr
        assert "database is up to date" in run.stderr
        assert await current_revision(url) == head_revision()
        wrong = await run_module(
            "migrate", DATABASE_URL=url.replace(postgres_server.password, "wrong-pw-123")
        )
    assert wrong.code == 2
    assert wrong.stderr.strip().count("\n") == 0
    assert "DATABASE_URL" in wrong.stderr
    for output in (run.stdout, run.stderr, wrong.stdout, wrong.stderr):
        assert postgres_server.password not in output
        assert "wrong-pw-123" not in output
