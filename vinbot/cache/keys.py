"""Cache keys and their lifetimes: one namespaced, versioned key per kind of cached answer.

A key is `vinbot:v<N>:<kind>:<part>:<part>...`. Every part is normalised and escaped so that
user-provided text (a make with spaces or colons, an emoji, a very long model name) can never
collide with another key or break the layout. Bump `SCHEMA_VERSION` when a cached value's JSON
shape changes: old entries are then simply never read again and expire on their own.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

NAMESPACE = "vinbot"
SCHEMA_VERSION = 1

_DAY = int(timedelta(days=1).total_seconds())
_HOUR = int(timedelta(hours=1).total_seconds())

SPEC_TTL = 30 * _DAY
NOT_FOUND_TTL = 1 * _DAY
RECALLS_TTL = 6 * _HOUR
MARKET_VALUE_TTL = 6 * _HOUR
IMAGE_TTL = 30 * _DAY
PLATE_TTL = 7 * _DAY  # plates get reassigned; a week keeps a stale answer from living long
TITLE_CHECK_TTL = 6 * _HOUR  # a theft or a lien can be reported any day: hours, not days

# Kinds an instance never serves from its own memory (cache/tiered.py): a lock or a count is
# only right in the shared store; a VIN's latest valuation is overwritten by any instance; a
# model's recalls come free from NHTSA and feed the recall-alert job, which must see a new
# campaign as soon as the shared answer expires.
_DECODE_LOCK = "decode-lock"
_PRESS = "press"
_DELIVERED_UPDATE = "update"
_FLOOD_COUNT = "flood"
_FLOOD_NOTICE = "flood-told"
_LATEST_VALUE = "value-latest"
_MODEL_RECALLS = "recalls-model"
_SHARED_ONLY = frozenset(
    {
        _DECODE_LOCK,
        _PRESS,
        _DELIVERED_UPDATE,
        _FLOOD_COUNT,
        _FLOOD_NOTICE,
        _LATEST_VALUE,
        _MODEL_RECALLS,
    }
)

# Markers start with "~", which user text can never produce because `_escape` encodes it.
_NONE_MARKER = "~"
_HASH_MARKER = "~h"
_MAX_PART_LENGTH = 64

_UNSAFE = re.compile(rb"[^A-Za-z0-9._-]")
_WHITESPACE = re.compile(r"\s+")
_PLATE_SEPARATORS = re.compile(r"[\s.\-]+")


def _escape(text: str) -> str:
    """Percent-encode every byte outside [A-Za-z0-9._-] (so ':' and '~' never appear raw)."""
    encoded = _UNSAFE.sub(lambda m: b"%%%02X" % m.group()[0], text.encode("utf-8"))
    escaped = encoded.decode("ascii")
    if len(escaped) > _MAX_PART_LENGTH:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
        return f"{_HASH_MARKER}{digest}"
    return escaped


def _code(value: str) -> str:
    """An identifier such as a VIN or a state code: trimmed and upper-cased."""
    return _escape(value.strip().upper())


def _words(value: str | None) -> str:
    """Free text such as a make or model: trimmed, single-spaced, case-folded; None is marked."""
    if value is None:
        return _NONE_MARKER
    return _escape(_WHITESPACE.sub(" ", value).strip().casefold())


def _optional_code(value: str | None) -> str:
    return _NONE_MARKER if value is None else _code(value)


def _key(kind: str, *parts: str) -> str:
    return ":".join((NAMESPACE, f"v{SCHEMA_VERSION}", kind, *parts))


def spec_key(vin: str) -> str:
    """Where a VIN's decoded specification is cached."""
    return _key("spec", _code(vin))


def not_found_key(provider: str, vin: str) -> str:
    """Where "this provider has no data for this VIN" is remembered, so it is not asked again."""
    return _key("notfound", _words(provider), _code(vin))


def recalls_by_vin_key(vin: str) -> str:
    """Where the recalls for one VIN are cached."""
    return _key("recalls-vin", _code(vin))


def recalls_by_model_key(make: str, model: str, year: int) -> str:
    """Where the recalls for a make, model and model year are cached."""
    return _key(_MODEL_RECALLS, _words(make), _words(model), str(year))


def market_value_key(
    vin: str,
    *,
    mileage: int | None = None,
    state: str | None = None,
    condition: str | None = None,
) -> str:
    """Where a market valuation is cached; every input that changes the price is in the key."""
    return _key(
        "value",
        _code(vin),
        _NONE_MARKER if mileage is None else str(mileage),
        _optional_code(state),
        _words(condition),
    )


def image_key(make: str, model: str, year: int | None = None, trim: str | None = None) -> str:
    """Where the picture found for a make, model, year and trim is cached."""
    return _key(
        "image",
        _words(make),
        _words(model),
        _NONE_MARKER if year is None else str(year),
        _words(trim),
    )


def plate_key(plate: str, *, country: str = "US", state: str | None = None) -> str:
    """Where a licence plate's lookup is cached; spaces, dots and dashes in it are ignored."""
    compact = _PLATE_SEPARATORS.sub("", plate)
    return _key("plate", _code(country), _optional_code(state), _code(compact))


def title_check_key(vin: str) -> str:
    """Where a VIN's theft, lien and title check (both CarsXE answers) is cached."""
    return _key("title-check", _code(vin))


def latest_market_value_key(vin: str) -> str:
    """Where a VIN's most recent valuation (whatever its inputs) is kept for the PDF report."""
    return _key(_LATEST_VALUE, _code(vin))


OBD_TTL = 30 * _DAY  # a code's meaning is set by a standard or its maker: it does not change


def obd_code_key(code: str) -> str:
    """Where what an OBD-II trouble code means is cached."""
    return _key("obd", _code(code))


def flood_count_key(user_id: int, window: int) -> str:
    """Where one user's attempts in one flood-guard window are counted (shared by instances)."""
    return _key(_FLOOD_COUNT, str(user_id), str(window))


def flood_notice_key(user_id: int, window: int, where: str) -> str:
    """Marks that a user was told of a refusal in one place during one window."""
    return _key(_FLOOD_NOTICE, str(user_id), str(window), _words(where))


def decode_lock_key(vin: str) -> str:
    """The short lock an instance holds while it asks the providers about a VIN."""
    return _key(_DECODE_LOCK, _code(vin))


def press_key(presser: int, chat: int | None, message: int | None, data: str | None) -> str:
    """Marks a button press being handled by some instance (hashed: the signed data stays out)."""
    press = json.dumps([presser, chat, message, data], ensure_ascii=True)
    return _key(_PRESS, hashlib.sha256(press.encode("ascii")).hexdigest()[:32])


def delivered_update_key(bot_id: str, update_id: int) -> str:
    """Marks a webhook update some instance of this bot took, so a re-delivery elsewhere is not
    handled (update ids are the bot's own: another bot on the same Upstash has the same ones)."""
    return _key(_DELIVERED_UPDATE, _code(bot_id), str(update_id))


def shared_only(key: str) -> bool:
    """Whether only the shared store may answer for this key (no instance keeps a copy)."""
    prefix = _key("")
    return key.startswith(prefix) and key.removeprefix(prefix).split(":", 1)[0] in _SHARED_ONLY
