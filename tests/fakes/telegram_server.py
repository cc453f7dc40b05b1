"""Run the fake Telegram Bot API standalone: `python -m tests.fakes.telegram_server --port 0`.

It prints `PORT=<n>` once listening and serves until SIGTERM or SIGINT; drive it through
/_control/ (see tests/fakes/telegram/control.py). In-process tests import FakeTelegram from here.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from tests.fakes.telegram import DEFAULT_TOKEN, FakeTelegram, RecordedRequest, UpdateTiming

__all__ = ["DEFAULT_TOKEN", "FakeTelegram", "RecordedRequest", "UpdateTiming", "main"]


async def serve(host: str, port: int, token: str, bot_username: str) -> None:
    """Serve until the process is asked to stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with FakeTelegram(token, host=host, port=port, bot_username=bot_username) as tg:
        sys.stdout.write(f"PORT={tg.port}\n")
        sys.stdout.flush()
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="vin_test_bot")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port, args.token, args.bot_username))


if __name__ == "__main__":
    main()
