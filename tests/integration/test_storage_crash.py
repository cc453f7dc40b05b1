"""Crash safety: kill -9 in the middle of a write burst loses no committed lookup."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from .storage_support import opened, sqlite_scalar, sqlite_url

REPO_ROOT = Path(__file__).resolve().parents[2]

# The child prints each id only after its transaction committed.
WRITER = """
import asyncio, sys
from datetime import UTC, datetime
from vinbot.models.records import NewLookup
from vinbot.storage.engine import Database
from vinbot.storage.repositories import SqlLookupRepository

async def writer(repository, worker):
    n = 0
    while True:
        n += 1
        lookup = NewLookup(
            user_id=worker * 100 + n % 7, vin="1HGCM82633A004352", provider="nhtsa",
            looked_up_at=datetime.now(UTC), year=2003, make="HONDA", model="Accord",
        )
        (lookup_id,) = await repository.add_many([lookup])
        sys.stdout.write(f"committed {lookup_id}\\n")
        sys.stdout.flush()

async def main():
    database = Database(sys.argv[1])
    await database.initialize()
    repository = SqlLookupRepository(database.sessions)
    await asyncio.gather(*(writer(repository, worker) for worker in range(8)))

asyncio.run(main())
"""


def _child_environment() -> dict[str, str]:
    environment = dict(os.environ)
    paths = [str(REPO_ROOT), environment.get("PYTHONPATH", "")]
    environment["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return environment


def _ids_printed_before_kill(url: str, wanted: int) -> list[int]:
    """Run the writer, SIGKILL it once `wanted` ids were printed, return every printed id."""
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_environment(),
        cwd=REPO_ROOT,
    ) as child:
        assert child.stdout is not None
        assert child.stderr is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while len(lines) < wanted and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                pytest.fail(f"the writer stopped early: {child.stderr.read()[-2000:]}")
            if line.startswith("committed "):
                lines.append(line)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        lines.extend(child.stdout.read().splitlines(keepends=True))
        child.stderr.read()
    assert child.returncode == -signal.SIGKILL
    return [
        int(line.removeprefix("committed "))
        for line in lines
        if line.startswith("committed ") and line.endswith("\n")
    ]


@pytest.mark.slow
def test_kill_9_mid_burst_keeps_every_committed_lookup_and_a_sound_file(tmp_path: Path) -> None:
    """After SIGKILL the file passes integrity_check and holds every id the writer printed."""
    path = tmp_path / "v.db"
    url = sqlite_url(path)
    printed = _ids_printed_before_kill(url, wanted=400)
    assert len(printed) >= 400
    assert Path(f"{path}-wal").exists()  # killed with a live write-ahead log

    async def restart() -> bool:
        async with opened(url) as database:
            return await database.ping()

    assert asyncio.run(restart())  # the bot starts again on the same file
    assert sqlite_scalar(path, "PRAGMA integrity_check") == "ok"
    with closing(sqlite3.connect(path)) as connection:
        stored = {lookup_id for (lookup_id,) in connection.execute("SELECT id FROM lookups")}
    assert set(printed) <= stored
