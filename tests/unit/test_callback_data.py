"""Callback data: signed, versioned, at most 64 bytes, and nothing unsigned or stale decodes."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vinbot.models.callback import (
    ACTION_CODES,
    MAX_CALLBACK_BYTES,
    MAX_PAYLOAD_LENGTH,
    Callback,
    CallbackAction,
    CallbackCodec,
)

VIN = "1HGCM82633A004352"
SECRET = b"test-secret"
CODEC = CallbackCodec(SECRET)
PAYLOAD_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-"
payloads = st.text(alphabet=PAYLOAD_CHARS, max_size=MAX_PAYLOAD_LENGTH)


@pytest.mark.parametrize("action", list(CallbackAction))
def test_every_action_round_trips(action: CallbackAction) -> None:
    """Each action with a VIN payload decodes back to the same action and payload."""
    assert CODEC.decode(CODEC.encode(action, VIN)) == Callback(action, VIN)


@pytest.mark.parametrize("action", list(CallbackAction))
def test_every_action_with_longest_payload_fits_64_bytes(action: CallbackAction) -> None:
    """The longest allowed payload still leaves every action within Telegram's 64-byte limit."""
    data = CODEC.encode(action, "Z" * MAX_PAYLOAD_LENGTH)
    assert len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES
    assert CODEC.decode(data) == Callback(action, "Z" * MAX_PAYLOAD_LENGTH)


def test_format_is_version_code_payload_tag() -> None:
    """The wire format is `1|<code>|<payload>|<8-char tag>`."""
    data = CODEC.encode(CallbackAction.SPECS, VIN)
    version, code, payload, tag = data.split("|")
    assert (version, code, payload) == ("1", "s", VIN)
    assert len(tag) == 8


def test_action_codes_are_unique_and_complete() -> None:
    """Every action has its own code, so no two buttons can be confused."""
    assert set(ACTION_CODES) == set(CallbackAction)
    assert len(set(ACTION_CODES.values())) == len(ACTION_CODES)


def test_payload_with_extras_splits_into_parts() -> None:
    """A VIN with a page number survives the trip and splits on ':'."""
    decoded = CODEC.decode(CODEC.encode(CallbackAction.RECALLS_PAGE, f"{VIN}:3"))
    assert decoded is not None
    assert decoded.parts == (VIN, "3")
    assert Callback(CallbackAction.SETTINGS).parts == ()


def test_forged_tag_is_rejected() -> None:
    """Data with a tag that is not ours decodes to None."""
    data = CODEC.encode(CallbackAction.DECODE, VIN)
    forged = data[:-8] + ("A" * 8 if not data.endswith("A" * 8) else "B" * 8)
    assert CODEC.decode(forged) is None


def test_tampered_payload_is_rejected() -> None:
    """Changing the payload of signed data breaks the signature."""
    data = CODEC.encode(CallbackAction.SPECS, VIN)
    assert CODEC.decode(data.replace(VIN, "1HGCM82633A004353")) is None


def test_tampered_action_is_rejected() -> None:
    """Swapping the action code of signed data breaks the signature."""
    data = CODEC.encode(CallbackAction.SPECS, VIN)
    assert CODEC.decode("1|gr|" + data.removeprefix("1|s|")) is None


def test_other_secret_is_rejected() -> None:
    """Data signed with another secret (another bot token) does not decode."""
    data = CallbackCodec(b"other-secret").encode(CallbackAction.SPECS, VIN)
    assert CODEC.decode(data) is None


def test_token_derived_secret_is_stable() -> None:
    """Codecs built from the same bot token agree, and a different token does not."""
    data = CallbackCodec.for_bot_token("123:abc").encode(CallbackAction.SPECS, VIN)
    assert CallbackCodec.for_bot_token("123:abc").decode(data) is not None
    assert CallbackCodec.for_bot_token("123:abd").decode(data) is None


def test_other_version_is_rejected_as_stale() -> None:
    """Data of another version, even correctly signed for it, decodes to None."""
    signed = f"0|s|{VIN}"
    tag = base64.urlsafe_b64encode(
        hmac.new(SECRET, signed.encode(), hashlib.sha256).digest()[:6]
    ).decode()
    assert CODEC.decode(f"{signed}|{tag}") is None


def test_too_long_data_is_rejected() -> None:
    """Anything over 64 bytes decodes to None, even if otherwise well formed."""
    data = CODEC.encode(CallbackAction.SPECS, VIN)
    assert CODEC.decode(data + "x" * (MAX_CALLBACK_BYTES - len(data) + 1)) is None


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "|",
        "1|s|",
        "1|s|VIN",
        "1|s|VIN|tag|extra",
        "1|zz|VIN|AAAAAAAA",
        "ü|s|VIN|AAAAAAAA",
    ],
)
def test_malformed_data_is_rejected(data: str | None) -> None:
    """Missing fields, extra fields, unknown codes and non-ASCII data decode to None."""
    assert CODEC.decode(data) is None


@pytest.mark.parametrize(
    "payload", ["has space", "pipe|inside", "é", "x" * (MAX_PAYLOAD_LENGTH + 1)]
)
def test_encode_refuses_payloads_that_cannot_travel(payload: str) -> None:
    """Encoding a payload with a separator, non-ASCII or too many characters raises ValueError."""
    with pytest.raises(ValueError, match="payload"):
        CODEC.encode(CallbackAction.SPECS, payload)


def test_empty_secret_is_refused() -> None:
    """A codec without a secret would sign nothing, so it cannot be built."""
    with pytest.raises(ValueError, match="secret"):
        CallbackCodec(b"")


@given(action=st.sampled_from(list(CallbackAction)), payload=payloads)
def test_decode_inverts_encode(action: CallbackAction, payload: str) -> None:
    """For every action and valid payload, decode(encode(x)) == x and the data fits 64 bytes."""
    data = CODEC.encode(action, payload)
    assert len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES
    assert CODEC.decode(data) == Callback(action, payload)


@given(data=st.text(max_size=80))
def test_random_strings_never_decode(data: str) -> None:
    """Arbitrary text, including non-ASCII and lone surrogates, decodes to None without raising."""
    assert CODEC.decode(data) is None


@given(
    action=st.sampled_from(list(CallbackAction)),
    payload=payloads,
    tag=st.text(alphabet=PAYLOAD_CHARS, min_size=8, max_size=8),
)
def test_well_shaped_data_with_a_guessed_tag_never_decodes(
    action: CallbackAction, payload: str, tag: str
) -> None:
    """Correctly shaped data with a random tag is rejected."""
    data = f"1|{ACTION_CODES[action]}|{payload}|{tag}"
    if data == CODEC.encode(action, payload):
        return
    assert CODEC.decode(data) is None


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        (CallbackAction.HISTORY_OPEN, VIN),
        (CallbackAction.GARAGE_OPEN, VIN),
        (CallbackAction.GARAGE_REMOVE, VIN),
        (CallbackAction.SETTINGS, "alerts:off"),
        (CallbackAction.FORGET_CONFIRM, ""),
    ],
)
def test_personal_buttons_carry_their_owner_within_the_budget(
    action: CallbackAction, payload: str
) -> None:
    """A personal button names its owner (even a 16-digit id fits) and keeps its own parts."""
    owner = 2**53 - 1  # larger than any Telegram user id (they fit in 52 bits)
    decoded = CODEC.decode(CODEC.encode(action, payload, owner=owner))
    assert decoded is not None
    assert decoded.personal
    assert decoded.owner == owner
    assert decoded.args == (tuple(payload.split(":")) if payload else ())


def test_personal_buttons_made_before_owners_have_none() -> None:
    """Old garage and settings buttons decode without an owner; a VIN of digits is no owner."""
    for action, payload in [
        (CallbackAction.GARAGE_REMOVE, VIN),
        (CallbackAction.SETTINGS, "units:metric"),
        (CallbackAction.HISTORY_OPEN, "12345678901234567"),
    ]:
        decoded = CODEC.decode(CODEC.encode(action, payload))
        assert decoded is not None
        assert (decoded.personal, decoded.owner) == (True, None)
        assert decoded.args == tuple(payload.split(":"))


def test_forget_confirmation_keeps_its_old_data() -> None:
    """The /forget button always held the owner's id: old buttons read the same as new ones."""
    assert CODEC.encode(CallbackAction.FORGET_CONFIRM, "5550001") == CODEC.encode(
        CallbackAction.FORGET_CONFIRM, owner=5550001
    )


def test_only_personal_buttons_take_an_owner() -> None:
    """Buttons anyone may press have no owner; an owner is a positive user id."""
    with pytest.raises(ValueError, match="owner"):
        CODEC.encode(CallbackAction.SPECS, VIN, owner=5550001)
    with pytest.raises(ValueError, match="owner"):
        CODEC.encode(CallbackAction.GARAGE_REMOVE, VIN, owner=-1001449165484)
    decoded = CODEC.decode(CODEC.encode(CallbackAction.RECALLS_PAGE, f"{VIN}:3"))
    assert decoded is not None
    assert (decoded.personal, decoded.owner, decoded.args) == (False, None, (VIN, "3"))
