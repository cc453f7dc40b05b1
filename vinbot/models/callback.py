"""Signed, versioned inline-button data that fits Telegram's 64-byte limit.

Format: ``<version>|<action code>|<payload>|<tag>``, e.g. ``1|s|1HGCM82633A004352|Xk3_9aQz``.

- version: ``1``; data of any other version is stale and decodes to None.
- action code: one or two letters (see `ACTION_CODES`); never reuse a retired code.
- payload: up to 40 ASCII characters from ``A-Z a-z 0-9 _ . : -``; a VIN, or a VIN and small
  extras (a page number, a short id) joined with ``:``; may be empty.
- tag: the first 6 bytes of HMAC-SHA256(secret, ``<version>|<code>|<payload>``), base64url,
  8 characters, so a client cannot forge or alter a button.

The longest data is 2 + 2 + 1 + 40 + 1 + 8 = 54 bytes.

Buttons that act on one person's data (`PERSONAL_ACTIONS`: their history, garage, settings,
/forget) carry that person's Telegram user id as the last payload part, e.g.
``1HGCM82633A004352:5550001`` (17 + 1 + at most 16 digits = 34 characters), so a press by
anyone else can be refused. Such buttons sent before owners were recorded have no owner.

Comparing two cars from a list takes two presses, because two VINs and an owner do not fit:
the first car is picked on a personal button (``g:VIN:owner``, at most 36 characters), the
second on a plain one carrying both VINs (``VIN:VIN``, 35 characters).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class CallbackAction(StrEnum):
    """What pressing a button asks for."""

    SPECS = "specs"  # expand the full specs of a decoded VIN
    SUMMARY = "summary"  # collapse back to the summary
    DECODE = "decode"  # decode a VIN (e.g. the /start sample button)
    RECALLS = "recalls"
    RECALLS_PAGE = "recalls_page"
    VALUE = "value"
    SAVE = "save"
    GARAGE_OPEN = "garage_open"
    GARAGE_REMOVE = "garage_remove"
    HISTORY_OPEN = "history_open"
    FORGET_CONFIRM = "forget_confirm"
    OCR_PICK = "ocr_pick"
    SETTINGS = "settings"
    TITLE_CHECK = "title_check"  # 🛡 offer a theft and title check (its cost, then confirm)
    TITLE_CONFIRM = "title_confirm"  # the confirmation that spends the check's paid lookups
    REPORT = "report"  # the one-page PDF of everything cached about a VIN
    COMPARE_START = "compare_start"  # ⚖️ Compare on /history or /garage: pick the first car
    COMPARE_PICK = "compare_pick"  # the first car picked: pick the second
    COMPARE = "compare"  # both picked: the two cars side by side
    VALUE_STATE = "value_state"  # Skip on the /value state question (payload "skip")
    VALUE_CONDITION = "value_condition"  # a condition (or "skip") on the /value condition question


# Buttons live on in old chats: a code, once shipped, keeps its meaning forever.
ACTION_CODES: Final[dict[CallbackAction, str]] = {
    CallbackAction.SPECS: "s",
    CallbackAction.SUMMARY: "m",
    CallbackAction.DECODE: "d",
    CallbackAction.RECALLS: "r",
    CallbackAction.RECALLS_PAGE: "rp",
    CallbackAction.VALUE: "v",
    CallbackAction.SAVE: "sv",
    CallbackAction.GARAGE_OPEN: "go",
    CallbackAction.GARAGE_REMOVE: "gr",
    CallbackAction.HISTORY_OPEN: "ho",
    CallbackAction.FORGET_CONFIRM: "fc",
    CallbackAction.OCR_PICK: "op",
    CallbackAction.SETTINGS: "st",
    CallbackAction.TITLE_CHECK: "tc",
    CallbackAction.TITLE_CONFIRM: "tk",
    CallbackAction.REPORT: "pd",
    CallbackAction.COMPARE_START: "xs",
    CallbackAction.COMPARE_PICK: "xa",
    CallbackAction.COMPARE: "xb",
    CallbackAction.VALUE_STATE: "vs",
    CallbackAction.VALUE_CONDITION: "vc",
}
_ACTIONS_BY_CODE: Final = {code: action for action, code in ACTION_CODES.items()}

# Buttons only the person they were made for may press, with how many payload parts come
# before the owner's id (the VIN; "units:metric"; nothing for the /forget confirmation, whose
# payload has always been the owner's id).
PERSONAL_ACTIONS: Final[dict[CallbackAction, int]] = {
    CallbackAction.HISTORY_OPEN: 1,
    CallbackAction.GARAGE_OPEN: 1,
    CallbackAction.GARAGE_REMOVE: 1,
    CallbackAction.SETTINGS: 2,
    CallbackAction.FORGET_CONFIRM: 0,
    CallbackAction.TITLE_CONFIRM: 1,
    CallbackAction.COMPARE_START: 1,  # "h" (history) or "g" (garage)
    CallbackAction.COMPARE_PICK: 2,  # "h" or "g", then the first car's VIN
}

VERSION: Final = "1"
MAX_CALLBACK_BYTES: Final = 64
MAX_PAYLOAD_LENGTH: Final = 40
PAYLOAD_SEPARATOR: Final = ":"
TAG_LENGTH: Final = 8
_TAG_BYTES: Final = TAG_LENGTH * 3 // 4
_FIELD_SEPARATOR: Final = "|"
_PAYLOAD: Final = re.compile(r"[A-Za-z0-9_.:-]*")
_SECRET_LABEL: Final = b"vinbot/callback-data"


@dataclass(frozen=True, slots=True)
class Callback:
    """A verified button press: the action and its payload."""

    action: CallbackAction
    payload: str = ""

    @property
    def parts(self) -> tuple[str, ...]:
        """The payload split on `PAYLOAD_SEPARATOR` (e.g. VIN and page number)."""
        return tuple(self.payload.split(PAYLOAD_SEPARATOR)) if self.payload else ()

    @property
    def personal(self) -> bool:
        """Whether only the person the button was made for may press it."""
        return self.action in PERSONAL_ACTIONS

    @property
    def owner(self) -> int | None:
        """The user id of the person a personal button was made for; None for any other
        button and for personal buttons made before owners were recorded."""
        before = PERSONAL_ACTIONS.get(self.action)
        parts = self.parts
        if before is None or len(parts) != before + 1 or not parts[-1].isdigit():
            return None
        return int(parts[-1])

    @property
    def args(self) -> tuple[str, ...]:
        """The payload parts without the owner's id."""
        return self.parts[:-1] if self.owner is not None else self.parts


def is_valid_payload(payload: str) -> bool:
    """Whether a payload can travel in callback data."""
    return (
        payload.isascii()
        and len(payload) <= MAX_PAYLOAD_LENGTH
        and _PAYLOAD.fullmatch(payload) is not None
    )


class CallbackCodec:
    """Encodes and verifies callback data with an HMAC keyed by a secret."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the callback secret must not be empty")
        self._secret = secret

    @classmethod
    def for_bot_token(cls, token: str) -> CallbackCodec:
        """A codec keyed by a secret derived from the bot token (stable across restarts)."""
        return cls(hmac.new(token.encode(), _SECRET_LABEL, hashlib.sha256).digest())

    def _tag(self, signed: str) -> str:
        digest = hmac.new(self._secret, signed.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:_TAG_BYTES]).decode("ascii")

    def encode(self, action: CallbackAction, payload: str = "", *, owner: int | None = None) -> str:
        """Callback data for a button; raises ValueError for a payload that cannot travel.

        owner: the user id a personal button (`PERSONAL_ACTIONS`) is made for.
        """
        if owner is not None:
            if action not in PERSONAL_ACTIONS or owner <= 0:
                raise ValueError(f"only personal buttons have an owner (a user id), got {owner}")
            payload = f"{payload}{PAYLOAD_SEPARATOR}{owner}" if payload else str(owner)
        if not is_valid_payload(payload):
            raise ValueError(
                f"callback payload must be at most {MAX_PAYLOAD_LENGTH} characters "
                f"of A-Z a-z 0-9 _ . : -, got {payload!r}"
            )
        signed = _FIELD_SEPARATOR.join((VERSION, ACTION_CODES[action], payload))
        return f"{signed}{_FIELD_SEPARATOR}{self._tag(signed)}"

    def decode(self, data: str | None) -> Callback | None:
        """The verified callback, or None for forged, stale, malformed or oversized data."""
        if not data or not data.isascii() or len(data) > MAX_CALLBACK_BYTES:
            return None
        fields = data.split(_FIELD_SEPARATOR)
        if len(fields) != 4:  # noqa: PLR2004 - version, action, payload, tag
            return None
        version, code, payload, tag = fields
        action = _ACTIONS_BY_CODE.get(code)
        if version != VERSION or action is None or not is_valid_payload(payload):
            return None
        expected = self._tag(_FIELD_SEPARATOR.join((version, code, payload)))
        if not hmac.compare_digest(tag, expected):
            return None
        return Callback(action, payload)
