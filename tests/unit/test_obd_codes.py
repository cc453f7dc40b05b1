"""OBD-II codes: reading one, finding them in text without stealing VINs, and their wording."""

from __future__ import annotations

import datetime as dt
import html

import pytest

from vinbot.formatters.obd import invalid_code, obd_caveat, obd_usage, render_codes
from vinbot.i18n import words_in
from vinbot.models.errors import InvalidObdCode
from vinbot.models.obd import (
    ObdAnswer,
    ObdDiagnosis,
    find_obd_codes,
    find_obd_codes_in_message,
    is_manufacturer_specific,
    parse_obd_code,
)
from vinbot.models.records import QuotaDecision
from vinbot.models.vin import find_vins

EN = words_in("en")


def full_width(text: str) -> str:
    """Text as a Chinese or Japanese keyboard's full-width characters type it."""
    return text.translate({code: code + 0xFEE0 for code in range(0x21, 0x7F)})


@pytest.mark.parametrize(
    ("raw", "code"),
    [("P0420", "P0420"), ("p0420", "P0420"), (" P 0420 ", "P0420"), ("u0a1f", "U0A1F")],
)
def test_a_code_is_read_in_any_case_and_spacing(raw: str, code: str) -> None:
    """Lower case, spaces and dashes around a code are accepted and normalised."""
    assert parse_obd_code(raw) == code


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("X0420", "starts with 'X', but a code starts with P, B, C or U"),
        ("P042", "has 4 characters, but a code has 5"),
        ("P04201", "has 6 characters"),
        ("P4420", "the second character is '4'; it can only be 0, 1, 2 or 3"),
        ("P0G20", "'G' cannot appear"),
    ],
)
def test_a_malformed_code_is_told_what_is_wrong(raw: str, says: str) -> None:
    """Each way a code can be wrong gets its own sentence, then the format with an example."""
    with pytest.raises(InvalidObdCode) as caught:
        parse_obd_code(raw)
    assert says in html.unescape(invalid_code(EN, caught.value.problem))
    assert "like P0420" in html.unescape(invalid_code(EN, caught.value.problem))


def test_a_code_with_an_invisible_character_or_unicode_dash_is_read() -> None:
    """A zero-width space or an en dash pasted inside a code is removed, as in a VIN."""
    assert parse_obd_code("p\u200b0420") == "P0420"
    assert parse_obd_code("P\u20130420") == "P0420"


def test_a_non_ascii_code_is_named_that_code_in_its_sentence() -> None:
    """A wrong code shown as "that code" reads as a sentence, not "In That the..."."""
    with pytest.raises(InvalidObdCode) as caught:
        parse_obd_code("P\u0660\u0664\u0662\u0660")
    text = html.unescape(invalid_code(EN, caught.value.problem))
    assert text.startswith("In that code the second character is")


def test_a_letter_o_typed_for_a_zero_is_suggested_back() -> None:
    """PO420 (letter O) gets "Did you mean P0420?"."""
    with pytest.raises(InvalidObdCode) as caught:
        parse_obd_code("PO420")
    assert "Did you mean P0420?" in html.unescape(invalid_code(EN, caught.value.problem))


def test_full_width_input_is_read_like_ascii() -> None:
    """Full-width characters (a Japanese or Chinese keyboard) are NFKC-normalised first."""
    with pytest.raises(InvalidObdCode) as caught:
        parse_obd_code(full_width("PO420"))
    assert caught.value.problem.suggestion == "P0420"
    assert parse_obd_code(full_width("p0420")) == "P0420"
    assert find_obd_codes(f"code {full_width('P0301')}") == ["P0301"]


@pytest.mark.parametrize(
    "text",
    [
        "1995 Chevy C1500 1GCEC14K0SZ123456",
        "Mazda B2300 pickup",
        "selling my C1500, runs great",
        "decode B2300 please",
    ],
)
def test_a_model_name_in_a_message_is_not_a_code(text: str) -> None:
    """Without a trigger word nearby a code-shaped model name (C1500, B2300) is no code."""
    assert find_obd_codes_in_message(text, vins=find_vins(text)) == []


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("check engine light P0301", ["P0301"]),
        ("got code P0420", ["P0420"]),
        ("P0420", ["P0420"]),
        ("P0301 P0302", ["P0301", "P0302"]),
        ("p0301, p0302 and P0303?", ["P0301", "P0302", "P0303"]),
        ("CEL is on. OBD2 reader says P0171 and P0174", ["P0171", "P0174"]),
        ("P0171 and P0174 codes on my truck", ["P0171", "P0174"]),
        ("DTC: U0100", ["U0100"]),
        ("the MIL came on with P0300", ["P0300"]),
        ("OBD-II fault p0442 again", ["P0442"]),
        ("Mazda B2300 pickup, code P0420", ["P0420"]),
        ("P0420 code on my Mazda B2300", ["P0420"]),
        ("1995 Chevy C1500 1GCEC14K2SZ123456 check engine light P0301", ["P0301"]),
    ],
)
def test_a_code_with_a_trigger_word_or_alone_is_found(text: str, codes: list[str]) -> None:
    """A trigger word vouches for its nearest code (and a list it is in); bare codes count."""
    assert find_obd_codes_in_message(text, vins=find_vins(text)) == codes


def test_codes_are_found_in_a_sentence_in_order_without_repeats() -> None:
    """Codes standing on their own are found; glued to other letters or digits they are not."""
    text = "check engine light p0301 and P0420, again P0301; not XP0171 or P01711 or P0171x"
    assert find_obd_codes(text) == ["P0301", "P0420"]


def test_a_code_shaped_piece_of_a_spaced_vin_is_not_a_code() -> None:
    """A VIN written in groups may hold a code-shaped group: it stays part of the VIN."""
    vin = "1FTP0420A0B123456"
    spaced = "1FT P0420 A0B 123456"
    assert find_vins(spaced) == [vin]
    assert find_obd_codes(spaced, vins=find_vins(spaced)) == []
    assert find_obd_codes(f"{vin} throws P0301", vins=[vin]) == ["P0301"]
    assert find_obd_codes(spaced) == ["P0420"]  # only the VINs passed in protect it


@pytest.mark.parametrize(
    ("code", "maker"),
    [
        ("P0420", False),
        ("P1234", True),
        ("P2100", False),
        ("P3100", True),
        ("P3400", False),
        ("B1000", True),
        ("B0001", False),
        ("C2000", True),
        ("U0100", False),
        ("U1000", True),
    ],
)
def test_manufacturer_specific_codes_follow_j2012(code: str, maker: bool) -> None:
    """P1, P30-P33, B1/B2, C1/C2 and U1/U2 codes are the maker's; the rest are generic."""
    assert is_manufacturer_specific(code) is maker


def test_a_meaning_is_escaped_and_followed_by_the_caveat() -> None:
    """Provider text is escaped, the system is named, and the caveat and source close it."""
    text = render_codes(EN, [ObdAnswer("P0420", ObdDiagnosis("P0420", "Catalyst <Bank 1>"))])
    assert "<b>P0420</b>: Catalyst &lt;Bank 1&gt;" in text
    assert "generic powertrain" in text
    assert obd_caveat(EN) in text
    assert "have a mechanic find the cause before you buy" in text


def test_a_maker_code_warns_its_meaning_may_be_another_makes() -> None:
    """A maker-specific meaning is flagged as possibly another make's, to check for this car."""
    text = render_codes(EN, [ObdAnswer("P1456", ObdDiagnosis("P1456", "EVAP leak"))])
    assert (
        "A powertrain (engine and transmission) code whose meaning each maker sets: the "
        "meaning above may be another make&#x27;s, so check it for this car&#x27;s make."
    ) in text
    assert "Source: CarsXE" in text


def test_an_unknown_code_says_so_without_the_caveat() -> None:
    """An unknown maker code points at a dealer; with no meaning shown there is no caveat."""
    text = render_codes(EN, [ObdAnswer("P1234", problem="unknown")])
    assert "CarsXE doesn't know this code; a dealer for this make may know it." in text
    assert "A powertrain (engine and transmission) code whose meaning each maker sets.<" in text
    assert obd_caveat(EN) not in text


def test_refused_and_skipped_codes_are_explained() -> None:
    """A quota refusal names the paid lookup and when it is back; codes over the cap count."""
    midnight = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    answers = [
        ObdAnswer(
            "P0420",
            problem="refused",
            refusal=QuotaDecision(allowed=False, reason="user_daily", resets_at=midnight),
        ),
        ObdAnswer(
            "P0171", problem="refused", refusal=QuotaDecision(allowed=False, reason="bot_monthly")
        ),
        ObdAnswer("P0301", problem="unavailable"),
    ]
    text = render_codes(EN, answers, skipped=2)
    assert "a paid lookup. You've used today's paid lookups; your quota resets Dec 6, 2026" in text
    assert "This bot's paid lookups for the month are used up; they're back soon." in text
    assert "couldn't look this code up right now" in text
    assert "2 more codes skipped. Send them in another message." in text
    one = render_codes(EN, answers[:1], skipped=1)
    assert "1 more code skipped. Send it in another message." in one


@pytest.mark.parametrize("language", ["ru", "pl", "ar", "uk", "es", "pt_BR", "tr"])
def test_every_obd_text_renders_in_other_languages(language: str) -> None:
    """Every /obd text renders in another language with each placeholder filled."""
    words = words_in(language)
    midnight = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    answers = [
        ObdAnswer("P0420", ObdDiagnosis("P0420", "Catalyst <Bank 1>")),
        ObdAnswer("U1000", ObdDiagnosis("U1000", "Class 2 network")),
        ObdAnswer("P1234", problem="unknown"),
        ObdAnswer("C0035", problem="unknown"),
        ObdAnswer("B0001", problem="unavailable"),
        ObdAnswer(
            "P0171",
            problem="refused",
            refusal=QuotaDecision(allowed=False, reason="bot_monthly", resets_at=midnight),
        ),
        ObdAnswer("P0172", problem="refused", refusal=QuotaDecision(allowed=False)),
    ]
    texts = [render_codes(words, answers, skipped=count) for count in (0, 1, 2, 5, 22)]
    texts += [obd_usage(words), obd_caveat(words)]
    for raw in ("", "X0420", "P042", "P4420", "P0G20", "PO420", "P\u0660\u0664\u0662\u0660", "Z"):
        with pytest.raises(InvalidObdCode) as caught:
            parse_obd_code(raw)
        texts.append(invalid_code(words, caught.value.problem))
    for text in texts:
        assert text
        assert "{" not in text
        assert "}" not in text
    assert "Catalyst &lt;Bank 1&gt;" in texts[0]  # the provider's words, as they come
