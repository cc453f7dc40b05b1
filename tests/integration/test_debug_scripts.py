"""The maintainer scripts in debug/, run as processes against fakes on 127.0.0.1 and temp files.

Each script is started the way a maintainer starts it (`python debug/<name>.py ...`) from an
empty directory (so no .env is read) with settings only in its environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from tests.fakes.carsxe_server import Canned, FakeCarsXE
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.upstash_server import FakeUpstash
from tests.integration.storage_support import scalar
from tests.postgres_server import PostgresServer, fresh_postgres_database
from vinbot.models.records import NewLookup
from vinbot.services.quota import month_key
from vinbot.storage.engine import Database
from vinbot.storage.repositories import SqlLookupRepository, SqlUsageRepository

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DEBUG = ROOT / "debug"
UPDATES = ROOT / "tests" / "fixtures" / "updates"
SCRIPTS = ("carsxe_raw", "upstash_check", "telegram_check", "db_report", "replay_update")
VIN = "1HGCM82633A004352"
OTHER_VIN = "1FTFW1ET5DFC10312"
CARSXE_KEY = "cx-live-7Hq2mZ9vR4kT1pW8"
UPSTASH_TOKEN = "AXyzUpstashToken-4f9d2c7b1e8a6d3f"
TELEGRAM_TOKEN = "7001234567:AAF-debug-script-token-1234567890ab"
SCRIPT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Ran:
    """A finished script: exit code and both streams."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Both streams together, for checks that nothing secret was printed."""
        return self.stdout + self.stderr

    def failure_line(self, name: str) -> str:
        """The single stderr line a failing script prints, checked to be exactly one."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, self.stderr
        assert lines[0].startswith(f"{name}: ")
        return lines[0]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    """No settings from the developer's shell; every upstream not under test is a closed port."""
    closed = f"http://127.0.0.1:{_closed_port()}"
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PTB_TIMEDELTA": "true",
        "TELEGRAM_BASE_URL": f"{closed}/bot",
        "CARSXE_BASE_URL": closed,
        "NHTSA_BASE_URL": closed,
        "NHTSA_RECALLS_BASE_URL": closed,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'configured.db'}",
    }


async def run_script(name: str, *args: str, env: dict[str, str], cwd: Path) -> Ran:
    """Start `python debug/<name>.py args...` and wait for it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(DEBUG / f"{name}.py"),
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), SCRIPT_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


# --- every script ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCRIPTS)
async def test_every_script_explains_itself_with_help(
    name: str, base_env: dict[str, str], tmp_path: Path
) -> None:
    """Each debug script answers --help with its usage and exit 0, needing no settings."""
    ran = await run_script(name, "--help", env=base_env, cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    assert f"usage: python debug/{name}.py" in ran.stdout
    assert "Settings come from the environment" in ran.stdout


# --- carsxe_raw --------------------------------------------------------------------------------


@pytest.fixture
async def carsxe() -> AsyncIterator[FakeCarsXE]:
    async with FakeCarsXE(CARSXE_KEY) as server:
        yield server


def _carsxe_env(base_env: dict[str, str], carsxe: FakeCarsXE) -> dict[str, str]:
    return {**base_env, "CARSXE_BASE_URL": carsxe.base_url, "CARSXE_API_KEY": CARSXE_KEY}


async def test_carsxe_raw_prints_raw_json_and_parsed_spec_without_the_key(
    carsxe: FakeCarsXE, base_env: dict[str, str], tmp_path: Path
) -> None:
    """One /specs call; the raw body (key scrubbed) is printed beside vinbot's parsed spec."""
    ran = await run_script("carsxe_raw", VIN, env=_carsxe_env(base_env, carsxe), cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    raw_part, parsed_part = ran.stdout.split("== parsed by vinbot.clients.carsxe ==")
    assert "== raw answer: HTTP 200 from /specs ==" in raw_part
    raw = json.loads(raw_part.split("==\n", 2)[-1])
    assert raw["input"] == {"key": "[REDACTED]", "vin": VIN}
    parsed = json.loads(parsed_part)
    assert parsed["vin"] == VIN
    assert parsed["source"] == "carsxe"
    assert parsed["make"] == "BMW"
    assert carsxe.count("/specs") == 1
    assert CARSXE_KEY not in ran.output


async def test_carsxe_raw_rejected_key_fails_in_one_line(
    base_env: dict[str, str], tmp_path: Path
) -> None:
    """A key CarsXE refuses shows the raw 401 body and one line naming the domain error."""
    async with FakeCarsXE("a-different-key") as refusing:
        ran = await run_script("carsxe_raw", VIN, env=_carsxe_env(base_env, refusing), cwd=tmp_path)
        calls = refusing.count("/specs")
    assert ran.code == 1
    assert "HTTP 401" in ran.stdout
    assert "ProviderAuthError" in ran.failure_line("carsxe_raw")
    assert calls == 1
    assert CARSXE_KEY not in ran.output


async def test_carsxe_raw_server_error_is_sent_once(
    carsxe: FakeCarsXE, base_env: dict[str, str], tmp_path: Path
) -> None:
    """A 500 is reported after exactly one billed request: the script never retries."""
    carsxe.specs[VIN] = Canned(500, {"success": False, "message": "Internal server error"})
    ran = await run_script("carsxe_raw", VIN, env=_carsxe_env(base_env, carsxe), cwd=tmp_path)
    assert ran.code == 1
    assert "HTTP 500" in ran.failure_line("carsxe_raw")
    assert carsxe.count("/specs") == 1


async def test_carsxe_raw_without_a_key_or_with_a_bad_vin_calls_nothing(
    carsxe: FakeCarsXE, base_env: dict[str, str], tmp_path: Path
) -> None:
    """No CARSXE_API_KEY, or a VIN vinbot would refuse, exits 2 before any paid call."""
    no_key = {**base_env, "CARSXE_BASE_URL": carsxe.base_url}
    ran = await run_script("carsxe_raw", VIN, env=no_key, cwd=tmp_path)
    assert ran.code == 2
    assert "CARSXE_API_KEY" in ran.failure_line("carsxe_raw")
    bad_vin = await run_script(
        "carsxe_raw", VIN[:-1], env=_carsxe_env(base_env, carsxe), cwd=tmp_path
    )
    assert bad_vin.code == 2
    assert "not a valid VIN" in bad_vin.failure_line("carsxe_raw")
    assert carsxe.count("/specs") == 0


# --- upstash_check -----------------------------------------------------------------------------


def _upstash_env(base_env: dict[str, str], upstash: FakeUpstash, token: str) -> dict[str, str]:
    return {**base_env, "UPSTASH_REDIS_REST_URL": upstash.url, "UPSTASH_REDIS_REST_TOKEN": token}


async def test_upstash_check_round_trips_and_cleans_up(
    base_env: dict[str, str], tmp_path: Path
) -> None:
    """PING, SET, GET and DEL succeed against the fake, and the probe key is gone afterwards."""
    async with FakeUpstash(token=UPSTASH_TOKEN) as upstash:
        env = _upstash_env(base_env, upstash, UPSTASH_TOKEN)
        ran = await run_script("upstash_check", env=env, cwd=tmp_path)
        names = [command[0].upper() for command in upstash.commands()]
        (set_command,) = upstash.commands("SET")
        probe_key = set_command[1]
        left_behind = upstash.value(probe_key)
    assert ran.code == 0, ran.stderr
    assert "round trip ok" in ran.stdout
    assert names == ["PING", "SET", "GET", "DEL"]
    assert probe_key.startswith("vinbot:")
    assert left_behind is None
    assert UPSTASH_TOKEN not in ran.output


async def test_upstash_check_wrong_token_fails_in_one_line(
    base_env: dict[str, str], tmp_path: Path
) -> None:
    """A token Upstash refuses ends the check at PING with Upstash's own reason."""
    wrong = "AXwrongToken-0000000000000000"
    async with FakeUpstash(token=UPSTASH_TOKEN) as upstash:
        ran = await run_script(
            "upstash_check", env=_upstash_env(base_env, upstash, wrong), cwd=tmp_path
        )
    assert ran.code == 1
    line = ran.failure_line("upstash_check")
    assert "PING failed" in line
    assert "Unauthorized" in line
    assert wrong not in ran.output


# --- telegram_check ----------------------------------------------------------------------------


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TELEGRAM_TOKEN, bot_username="vin_debug_bot") as server:
        yield server


def _telegram_env(base_env: dict[str, str], telegram: FakeTelegram) -> dict[str, str]:
    return {
        **base_env,
        "TELEGRAM_BASE_URL": telegram.base_url,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
    }


async def test_telegram_check_reports_bot_and_webhook_state(
    telegram: FakeTelegram, base_env: dict[str, str], tmp_path: Path
) -> None:
    """getMe and getWebhookInfo are asked; the username is shown and the token never is."""
    ran = await run_script("telegram_check", env=_telegram_env(base_env, telegram), cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    assert "token ok: @vin_debug_bot" in ran.stdout
    assert "webhook: not set" in ran.stdout
    methods = {request.method for request in telegram.requests}
    assert {"getMe", "getWebhookInfo"} <= methods
    assert TELEGRAM_TOKEN not in ran.output


async def test_telegram_check_fails_on_a_webhook_until_asked_to_delete_it(
    telegram: FakeTelegram, base_env: dict[str, str], tmp_path: Path
) -> None:
    """A set webhook fails the check; --delete-webhook removes it and the check passes."""
    telegram.api.webhook_url = "https://example.invalid/hook"
    env = _telegram_env(base_env, telegram)
    ran = await run_script("telegram_check", env=env, cwd=tmp_path)
    assert ran.code == 1
    assert "a webhook is set" in ran.failure_line("telegram_check")
    fixed = await run_script("telegram_check", "--delete-webhook", env=env, cwd=tmp_path)
    assert fixed.code == 0, fixed.stderr
    assert "deleted the webhook" in fixed.stdout
    assert telegram.api.webhook_url == ""


async def test_telegram_check_expects_the_webhook_in_webhook_mode(
    telegram: FakeTelegram, base_env: dict[str, str], tmp_path: Path
) -> None:
    """With WEBHOOK_URL set, the bot's own webhook passes the check and the secret never shows."""
    url = "https://vinbot.example.test/telegram"
    telegram.api.webhook_url = url
    env = {
        **_telegram_env(base_env, telegram),
        "WEBHOOK_URL": url,
        "WEBHOOK_SECRET_TOKEN": "debug-secret-1",
    }
    ran = await run_script("telegram_check", env=env, cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    assert "set to WEBHOOK_URL" in ran.stdout
    assert "debug-secret-1" not in ran.output
    assert telegram.api.webhook_url == url


async def test_telegram_check_rejected_token_fails_in_one_line(
    base_env: dict[str, str], tmp_path: Path
) -> None:
    """A token the Bot API rejects exits 1 with one line that does not contain the token."""
    async with FakeTelegram("7001234567:AAF-some-other-token-000000000000") as other:
        ran = await run_script("telegram_check", env=_telegram_env(base_env, other), cwd=tmp_path)
    assert ran.code == 1
    assert "rejected TELEGRAM_BOT_TOKEN" in ran.failure_line("telegram_check")
    assert TELEGRAM_TOKEN not in ran.output


async def test_telegram_check_detects_another_poller(
    telegram: FakeTelegram, base_env: dict[str, str], tmp_path: Path
) -> None:
    """--check-conflict fails while another process long-polls and passes when none does."""
    env = _telegram_env(base_env, telegram)
    quiet = await run_script("telegram_check", "--check-conflict", "1", env=env, cwd=tmp_path)
    assert quiet.code == 0, quiet.stderr
    assert "no other process polled" in quiet.stdout

    async def poll_forever() -> None:
        url = f"{telegram.base_url}{TELEGRAM_TOKEN}/getUpdates"
        async with aiohttp.ClientSession() as http:
            while True:
                async with http.post(url, data={"timeout": "1"}) as response:
                    await response.read()
                await asyncio.sleep(0.2)

    poller = asyncio.create_task(poll_forever())
    try:
        busy = await run_script("telegram_check", "--check-conflict", "5", env=env, cwd=tmp_path)
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
    assert busy.code == 1
    assert "another process is polling" in busy.failure_line("telegram_check")


# --- db_report ---------------------------------------------------------------------------------


async def _seed_database(path: Path) -> None:
    """Two users' lookups and paid calls today; the third paid call reaches a cap of 3."""
    await _seed_database_at(f"sqlite+aiosqlite:///{path}")


async def _seed_database_at(url: str) -> None:
    """_seed_database on any DATABASE_URL."""
    database = Database(url)
    await database.initialize()
    try:
        now = datetime.now(UTC)
        await SqlLookupRepository(database.sessions).add_many(
            [
                NewLookup(111, VIN, "carsxe", now - timedelta(minutes=3), 2003, "Honda", "Accord"),
                NewLookup(111, OTHER_VIN, "carsxe", now - timedelta(minutes=2), 2013, "Ford"),
                NewLookup(222, VIN, "nhtsa", now - timedelta(minutes=1), 2003, "Honda", "Accord"),
            ]
        )
        usage = SqlUsageRepository(database.sessions)
        for user_id in (111, 111, 222):
            await usage.reserve(
                user_id,
                day=now.date(),
                month=month_key(now),
                daily_limit=0,
                monthly_limit=3,
                at=now,
            )
        await usage.claim_cap_reached(month_key(now), cap=3, at=now)
    finally:
        await database.aclose()


@pytest.fixture
async def seeded_db(tmp_path: Path) -> Path:
    path = tmp_path / "state" / "vinbot.db"
    await _seed_database(path)
    return path


def _db_env(base_env: dict[str, str], path: Path) -> dict[str, str]:
    return {
        **base_env,
        "DATABASE_URL": f"sqlite+aiosqlite:///{path}",
        "DAILY_LOOKUPS_PER_USER": "2",
        "MONTHLY_PAID_CALLS": "3",
    }


async def test_db_report_shows_lookups_usage_and_quota_state(
    seeded_db: Path, base_env: dict[str, str], tmp_path: Path
) -> None:
    """The text report lists row counts, today's paid calls per user, the cap and the lookups."""
    ran = await run_script("db_report", env=_db_env(base_env, seeded_db), cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    assert "3 lookups" in ran.stdout
    assert "user 111: 2 today (at the limit)" in ran.stdout
    assert "monthly cap reached" in ran.stdout
    assert ran.stdout.count(VIN) == 2
    assert OTHER_VIN in ran.stdout


async def test_db_report_json_and_one_user(
    seeded_db: Path, base_env: dict[str, str], tmp_path: Path
) -> None:
    """--json gives the same facts as data, and --user judges that user's quota now."""
    env = _db_env(base_env, seeded_db)
    everything = await run_script("db_report", "--json", env=env, cwd=tmp_path)
    assert everything.code == 0, everything.stderr
    report = json.loads(everything.stdout)
    assert report["counts"]["lookups"] == 3
    assert report["usage"]["today"] == 3
    assert report["usage"]["month"] == 3
    assert report["usage"]["cap_reached_at"] is not None
    assert [row["vin"] for row in report["recent_lookups"]] == [VIN, OTHER_VIN, VIN]

    one = await run_script("db_report", "--json", "--user", "111", env=env, cwd=tmp_path)
    assert one.code == 0, one.stderr
    user = json.loads(one.stdout)["user"]
    assert user["paid_calls_today"] == 2
    assert user["quota_now"]["allowed"] is False
    assert user["quota_now"]["reason"] == "bot_monthly"


async def test_db_report_never_writes_the_database(
    seeded_db: Path, base_env: dict[str, str], tmp_path: Path
) -> None:
    """The report leaves the file byte-for-byte unchanged and never creates a missing one."""
    before = await asyncio.to_thread(seeded_db.read_bytes)
    ran = await run_script("db_report", env=_db_env(base_env, seeded_db), cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    assert await asyncio.to_thread(seeded_db.read_bytes) == before
    missing = tmp_path / "nowhere" / "vinbot.db"
    gone = await run_script("db_report", env=_db_env(base_env, missing), cwd=tmp_path)
    assert gone.code == 1
    assert "no database at" in gone.failure_line("db_report")
    assert not missing.parent.exists()


async def test_db_report_reads_postgresql_and_hides_the_password(
    postgres_server: PostgresServer, base_env: dict[str, str], tmp_path: Path
) -> None:
    """On a postgresql+asyncpg DATABASE_URL the report shows the same facts and names the
    database without its password."""
    async with fresh_postgres_database(postgres_server) as url:
        await _seed_database_at(url)
        env = {**_db_env(base_env, tmp_path / "unused.db"), "DATABASE_URL": url}
        ran = await run_script("db_report", "--json", env=env, cwd=tmp_path)
        text = await run_script("db_report", env=env, cwd=tmp_path)
        lookups = await scalar(url, "SELECT count(*) FROM lookups")
    assert ran.code == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert report["counts"]["lookups"] == lookups == 3
    assert report["usage"]["cap_reached_at"] is not None
    assert report["database"]["path"].startswith("postgresql+asyncpg://vinbot:***@127.0.0.1:")
    assert text.code == 0, text.stderr
    assert "3 lookups" in text.stdout
    for output in (ran.stdout, ran.stderr, text.stdout, text.stderr):
        assert postgres_server.password not in output


# --- replay_update -----------------------------------------------------------------------------


async def test_replay_prints_what_the_bot_would_send(
    carsxe: FakeCarsXE, base_env: dict[str, str], tmp_path: Path
) -> None:
    """A saved private VIN message runs through the handlers; the reply is printed, no Telegram."""
    env = {
        **_carsxe_env(base_env, carsxe),
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "VEHICLE_PHOTOS": "0",
    }
    ran = await run_script(
        "replay_update", str(UPDATES / "private_text_vin.json"), env=env, cwd=tmp_path
    )
    assert ran.code == 0, ran.stderr
    assert "update 731000001: message from user 5550001" in ran.stdout
    assert "-> sendMessage" in ran.stdout
    assert "BMW" in ran.stdout
    assert carsxe.count("/specs") == 1
    assert TELEGRAM_TOKEN not in ran.output
    assert CARSXE_KEY not in ran.output
    assert not (tmp_path / "configured.db").exists()


async def test_replay_reads_a_get_updates_answer_as_json(
    carsxe: FakeCarsXE, base_env: dict[str, str], tmp_path: Path
) -> None:
    """Every update of a getUpdates answer is replayed in order; --no-carsxe makes no paid call."""
    env = _carsxe_env(base_env, carsxe)
    ran = await run_script(
        "replay_update",
        str(UPDATES / "get_updates_start_and_typo.json"),
        "--json",
        "--no-carsxe",
        env=env,
        cwd=tmp_path,
    )
    assert ran.code == 0, ran.stderr
    results: list[dict[str, Any]] = json.loads(ran.stdout)
    assert [r["update_id"] for r in results] == [731000002, 731000003]
    texts = [
        call["params"]["text"]
        for result in results
        for call in result["calls"]
        if call["method"] == "sendMessage"
    ]
    assert len(texts) == 2
    assert "not a valid VIN" in texts[1]
    assert carsxe.count("/specs") == 0


async def test_replay_of_a_file_that_is_not_json_fails_in_one_line(
    base_env: dict[str, str], tmp_path: Path
) -> None:
    """A broken update file exits 2 with one line naming the file."""
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    ran = await run_script("replay_update", str(broken), env=base_env, cwd=tmp_path)
    assert ran.code == 2
    assert "is not JSON" in ran.failure_line("replay_update")
