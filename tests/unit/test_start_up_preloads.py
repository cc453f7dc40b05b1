"""What start-up loads so the first updates do not: CLDR's English data, anyio's backend."""

from __future__ import annotations

import socket
import subprocess
import sys

FIRST_REPLY = """
import asyncio, sys, httpx
from vinbot.clients.wire import preload
from vinbot.i18n.words import preload_locale_data, words_in

preload()
preload_locale_data()
imported_before = set(sys.modules)
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" else None)
words_in("en").number(1234.5, digits=1)

async def first_request():
    async with httpx.AsyncClient() as client:
        try:
            await client.get(f"http://127.0.0.1:{sys.argv[1]}/", timeout=5)
        except httpx.HTTPError:
            pass

asyncio.run(first_request())
imported = set(sys.modules) - imported_before
print(any("locale-data" in name for name in opened), "anyio._backends._asyncio" in imported)
"""


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_after_the_preloads_a_first_reply_and_request_read_and_import_nothing_more() -> None:
    """After start-up's preloads, the first English number reads no CLDR file and the first
    httpx request imports no anyio backend (each would hold up the event loop otherwise)."""
    done = subprocess.run(
        [sys.executable, "-c", FIRST_REPLY, str(_closed_port())],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.split() == ["False", "False"]
