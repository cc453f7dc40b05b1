"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temp data folder, loopback.

The server runs as an unprivileged user when the tests run as root (PostgreSQL refuses root;
CI runs as root): `nobody`, owning a data folder made for it under the temp folder. It listens
on 127.0.0.1 on a free port with a password, so the URLs the tests use look like production
ones. Nothing here skips: when no server binary is found or the server does not start, the
error says why and the tests that asked for it fail.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

USER = "vinbot"
# Debian installs each major version under /usr/lib/postgresql/<major>/bin (not on PATH).
_DEBIAN_ROOT = Path("/usr/lib/postgresql")
_INSTALL_HINT = (
    "PostgreSQL server binaries not found: install Debian's server "
    "('apt-get install postgresql', as .ci/run does) or set VINBOT_TEST_PG_BIN to the folder "
    "holding initdb and pg_ctl"
)
_START_SECONDS = 60


def find_bindir() -> Path:
    """The folder with initdb and pg_ctl: VINBOT_TEST_PG_BIN, Debian's newest, or PATH."""
    configured = os.environ.get("VINBOT_TEST_PG_BIN")
    candidates: list[Path] = [Path(configured)] if configured else []
    if _DEBIAN_ROOT.is_dir():

        def major(path: Path) -> int:
            return int(path.name) if path.name.isdigit() else -1

        candidates += [p / "bin" for p in sorted(_DEBIAN_ROOT.iterdir(), key=major, reverse=True)]
    on_path = shutil.which("pg_ctl")
    if on_path is not None:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise RuntimeError(_INSTALL_HINT)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True, slots=True)
class _Runner:
    """Who runs the server: the current user, or `nobody` when we are root."""

    uid: int | None
    gid: int | None

    @classmethod
    def pick(cls) -> _Runner:
        if os.geteuid() != 0:
            return cls(None, None)
        nobody = pwd.getpwnam("nobody")
        return cls(nobody.pw_uid, nobody.pw_gid)

    def run(self, *args: str | Path, timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in args],
            user=self.uid,
            group=self.gid,
            extra_groups=[] if self.uid is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd="/",
            env={"PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC"},
        )


class PostgresServer:
    """One PostgreSQL server for the test session; a fresh database per test."""

    def __init__(self) -> None:
        self._bindir = find_bindir()
        self._runner = _Runner.pick()
        self._root = Path(tempfile.mkdtemp(prefix="vinbot-pg-"))
        self._data = self._root / "data"
        self.password = "pw-" + secrets.token_hex(8)
        self.port = 0
        self.started_in = 0.0
        self._databases = 0

    def start(self) -> None:
        """initdb, then start on 127.0.0.1 and a free port; RuntimeError with the log if not."""
        began = time.monotonic()
        if self._runner.uid is not None:
            os.chown(self._root, self._runner.uid, self._runner.gid or 0)
        password_file = self._root / "password"
        password_file.write_text(self.password + "\n", encoding="ascii")
        if self._runner.uid is not None:
            os.chown(password_file, self._runner.uid, self._runner.gid or 0)
        self._check(
            self._runner.run(
                self._bindir / "initdb",
                "-D",
                self._data,
                "-U",
                USER,
                "--pwfile",
                password_file,
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                timeout=_START_SECONDS,
            ),
            "initdb",
        )
        password_file.unlink()
        # Durability is not what these tests check: skip the fsyncs that dominate DDL time.
        options = (
            "-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB"
        )
        for _attempt in range(3):
            self.port = _free_port()
            result = self._runner.run(
                self._bindir / "pg_ctl",
                "-D",
                self._data,
                "-l",
                self._root / "server.log",
                "-o",
                options.format(port=self.port, root=self._root),
                "-w",
                "-t",
                str(_START_SECONDS),
                "start",
                timeout=_START_SECONDS + 10,
            )
            if result.returncode == 0:
                self.started_in = time.monotonic() - began
                return
        self._check(result, "pg_ctl start")

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        try:
            if (self._data / "postmaster.pid").exists():
                self._runner.run(
                    self._bindir / "pg_ctl", "-D", self._data, "-m", "immediate", "stop", timeout=60
                )
        finally:
            shutil.rmtree(self._root, ignore_errors=True)

    def url(self, database: str = "postgres", *, driver: str = "asyncpg") -> str:
        """A SQLAlchemy URL for one database on this server, password included."""
        return f"postgresql+{driver}://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def new_database_name(self) -> str:
        """A database name not used before in this session."""
        self._databases += 1
        return f"t{self._databases}_{secrets.token_hex(3)}"

    def _check(self, result: subprocess.CompletedProcess[str], what: str) -> None:
        if result.returncode == 0:
            return
        log = self._root / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        detail = re.sub(r"\s+", " ", f"{result.stdout} {result.stderr} {tail}").strip()
        self.stop()
        raise RuntimeError(f"PostgreSQL {what} failed (exit {result.returncode}): {detail}")


@asynccontextmanager
async def fresh_postgres_database(server: PostgresServer) -> AsyncIterator[str]:
    """A new, empty database on the server (its URL), dropped on exit."""
    name = server.new_database_name()
    admin = await asyncpg.connect(
        host="127.0.0.1", port=server.port, user=USER, password=server.password, database="postgres"
    )
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.url(name)
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()
