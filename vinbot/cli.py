"""`python -m vinbot decode`: decode VINs in the terminal through the bot's own service stack."""

from __future__ import annotations

import asyncio
import json
import sys
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from vinbot.bootstrap import build_decoder
from vinbot.formatters.json_output import analysis_object, decode_object
from vinbot.formatters.text import render_decode_text, render_invalid_text
from vinbot.i18n import words_in
from vinbot.models.errors import InvalidVin

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vinbot.config import Settings
    from vinbot.models.vehicle import DecodeResult
    from vinbot.services.decoding import DecodeService

EXIT_OK = 0
EXIT_UNAVAILABLE = 1
EXIT_INVALID = 2
# The terminal speaks English.
_ENGLISH = words_in("en")


async def _decode_one(service: DecodeService, vin: str) -> DecodeResult | InvalidVin:
    try:
        return await service.decode(vin)
    except InvalidVin as exc:
        return exc


async def run_decode(settings: Settings, vins: Sequence[str], *, as_json: bool) -> int:
    """Decode each VIN, print the answers in order, and return the exit code."""
    async with AsyncExitStack() as stack:
        service = await build_decoder(settings, stack, interactive=True)
        outcomes = await asyncio.gather(*(_decode_one(service, vin) for vin in vins))
    code = EXIT_OK
    for outcome in outcomes:
        if isinstance(outcome, InvalidVin):
            code = EXIT_INVALID
            print(render_invalid_text(_ENGLISH, outcome.analysis), file=sys.stderr)
            if as_json:
                print(json.dumps(analysis_object(outcome.analysis), ensure_ascii=False))
            continue
        if outcome.source == "offline" and outcome.unavailable and code == EXIT_OK:
            code = EXIT_UNAVAILABLE
        if as_json:
            print(json.dumps(decode_object(outcome), ensure_ascii=False))
        else:
            print(render_decode_text(_ENGLISH, outcome))
            print()
    return code
