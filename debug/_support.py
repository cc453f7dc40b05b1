"""What the debug scripts share: vinbot on the path, settings as the bot reads them, one-line exits.

Importing this module puts the repository root on sys.path (the scripts run as
`python debug/<name>.py`, and vinbot is not installed as a distribution), so it must be imported
before anything from vinbot.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from vinbot.config import environment_with_dotenv, load_settings  # noqa: E402
from vinbot.logs import SecretScrubber, configure_logging  # noqa: E402
from vinbot.models.errors import ConfigError  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from vinbot.config import Settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class Failure(Exception):
    """A check failed; the message is the one line the maintainer reads."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


class Script:
    """One debug script's settings, scrubber and output helpers."""

    def __init__(self, name: str, settings: Settings) -> None:
        self.name = name
        self.settings = settings
        self.scrubber = SecretScrubber(settings.secrets())

    def out(self, text: str = "") -> None:
        """Print a line on stdout with every secret scrubbed."""
        print(self.scrubber.scrub(text))

    def out_json(self, value: object) -> None:
        """Print a value as indented JSON with every secret scrubbed."""
        self.out(json.dumps(self.scrubber.scrub_value(value), indent=2, default=str))

    def note(self, text: str) -> None:
        """Print a line on stderr (progress and hints, not the answer) with secrets scrubbed."""
        print(self.scrubber.scrub(text), file=sys.stderr)


def parser(name: str, description: str) -> argparse.ArgumentParser:
    """An argument parser with --verbose, whose --help says where settings come from."""
    args = argparse.ArgumentParser(
        prog=f"python debug/{name}.py",
        description=description,
        epilog="Settings come from the environment over ./.env, exactly as the bot reads them "
        "(see .env.example); every *_BASE_URL / *_URL is honoured, so the local fakes work too. "
        "Secrets are never printed. Exit 0: fine; 1: the check failed (one line on stderr); "
        "2: bad configuration or usage.",
    )
    args.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also show vinbot's own log events (at LOG_LEVEL, default INFO) on stderr",
    )
    return args


def load(name: str, *, verbose: bool = False) -> Script:
    """Settings as `python -m vinbot` loads them; a ConfigError becomes a one-line exit 2."""
    # PTB 22 deprecates integer retry_after unless opted into timedelta, as vinbot's entry does.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    environ = environment_with_dotenv()
    try:
        settings = load_settings(environ, interactive=True)
    except ConfigError as exc:
        _exit(name, f"configuration error: {exc}", EXIT_USAGE, SecretScrubber())
    # Quiet by default: the script's own line is the answer, the client's log events are noise.
    configure_logging(
        level=settings.log_level if verbose else "CRITICAL",
        log_format="console",
        secrets=settings.secrets(),
    )
    return Script(name, settings)


def run(script: Script, main: Coroutine[Any, Any, int]) -> int:
    """Run the script's coroutine; a Failure or an unexpected error is one scrubbed line."""
    try:
        return asyncio.run(main)
    except Failure as exc:
        _exit(script.name, str(exc), exc.code, script.scrubber)
    except ConfigError as exc:
        _exit(script.name, f"configuration error: {exc}", EXIT_USAGE, script.scrubber)
    except KeyboardInterrupt:
        _exit(script.name, "interrupted", 130, script.scrubber)
    except Exception as exc:  # noqa: BLE001 - a maintainer tool reports any error in one line
        _exit(script.name, f"{type(exc).__name__}: {exc}", EXIT_FAILED, script.scrubber)


def _exit(name: str, message: str, code: int, scrubber: SecretScrubber) -> NoReturn:
    first_line = " ".join(message.split())
    print(f"{name}: {scrubber.scrub(first_line)}", file=sys.stderr)
    raise SystemExit(code)


def require(value: object, variable: str, why: str) -> None:
    """Fail with exit 2 when a setting this script needs is not set."""
    if value is None:
        raise Failure(f"{variable} is not set; {why}", EXIT_USAGE)


def as_data(value: object) -> Any:
    """A frozen dataclass (or anything inside one) as plain JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): as_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        return [as_data(v) for v in value]
    return value
