"""Entry point: `python -m vinbot` runs the bot; `decode VIN...` and `migrate` run once and exit."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import TYPE_CHECKING

from vinbot.config import (
    database_password,
    environment_with_dotenv,
    load_settings,
    stderr_is_terminal,
)
from vinbot.logs import configure_logging, get_logger
from vinbot.malloc_arenas import limit_malloc_arenas
from vinbot.models.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from vinbot.config import Settings

EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 130
# Their values are scrubbed from a crash's log line even before the settings are loaded.
SECRET_VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "CARSXE_API_KEY",
    "UPSTASH_REDIS_REST_TOKEN",
    "WEBHOOK_SECRET_TOKEN",
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vinbot",
        description="vinbot: a Telegram bot that decodes Vehicle Identification Numbers. "
        "With no command it runs the bot (configuration from the environment or .env).",
    )
    commands = parser.add_subparsers(dest="command")
    decode = commands.add_parser(
        "decode",
        help="decode VINs in the terminal through the bot's own service stack",
        description="Decode VINs. Exit 0 when all decoded, 2 when any VIN is invalid, "
        "1 when no online provider could answer (the offline decode is still printed).",
    )
    decode.add_argument("vins", nargs="+", metavar="VIN")
    decode.add_argument("--json", action="store_true", help="one JSON object per VIN per line")
    commands.add_parser("migrate", help="apply database migrations and exit")
    return parser


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "decode":
        from vinbot.cli import run_decode  # noqa: PLC0415 - keeps the CLI path light

        return await run_decode(settings, args.vins, as_json=args.json)
    if args.command == "migrate":
        from vinbot.storage.migrate import migrate  # noqa: PLC0415

        await migrate(settings.database_url)
        print("database is up to date", file=sys.stderr)
        return 0
    from vinbot.runtime import run_bot  # noqa: PLC0415 - Telegram is not needed for the CLI

    return await run_bot(settings)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, load settings, configure logging and run one command.

    Any other exception is logged through the scrubbing log handler (its message or traceback
    may hold a token or key), never printed raw, and the exit code is 1.
    """
    args = _parser().parse_args(argv)
    # PTB 22 deprecates integer retry_after; opting into timedelta keeps 429 handling quiet.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    environ: Mapping[str, str] = os.environ
    logging_ready = False
    try:
        environ = environment_with_dotenv()
        try:
            settings = load_settings(environ, interactive=stderr_is_terminal())
        except ConfigError as exc:
            print(f"vinbot: configuration error: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        level = settings.log_level
        if args.command == "decode" and "LOG_LEVEL" not in environ:
            level = "ERROR"  # the terminal answer is the output; provider retries are noise here
        configure_logging(level=level, log_format=settings.log_format, secrets=settings.secrets())
        logging_ready = True
        limit_malloc_arenas(os.environ)
        return asyncio.run(_dispatch(args, settings))
    except ConfigError as exc:
        print(f"vinbot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the last stop: logged, scrubbed, never printed raw
        if not logging_ready:  # no settings yet: scrub the secret variables and secret shapes
            secrets = [environ.get(v, "") for v in SECRET_VARIABLES]
            secrets += database_password(environ.get("DATABASE_URL", ""))
            configure_logging(level="ERROR", secrets=secrets)
        get_logger(__name__).critical("fatal_error", error_type=type(exc).__name__, exc_info=exc)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
