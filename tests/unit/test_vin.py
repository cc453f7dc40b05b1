"""The pure VIN rules: normalising, validating, check digit, model year and finding VINs in text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from tests.unicode_samples import full_width
from vinbot.formatters.vin_words import vin_problem
from vinbot.i18n import words_in
from vinbot.models.vin import (
    VinProblem,
    analyse,
    check_digit,
    find_vin_attempts,
    find_vins,
    normalise,
)

TODAY = date(2025, 6, 1)

HONDA = "1HGCM82633A004352"
MCI_BUS = "1M8GDM9AXKP042788"
PORSCHE_EUROPE = "WP0ZZZ99ZTS392124"
BMW = "WBAFR7C57CC811956"
FORD_EUROPE = "WF0MXXGBWM8R43240"
TESLA = "5YJ3E1EA2KF317000"
MERCEDES_W1N = "W1N2539531F907299"
FORD_AUSTRALIA = "6FPAAAJGSWBU52222"
VOLVO_EUROPE = "YV1MW385992465966"
AUDI_EUROPE = "WAUZZZ4G8FN041008"


def said(problems: tuple[VinProblem, ...]) -> tuple[str, ...]:
    """The problems as an English reader is told them."""
    return tuple(vin_problem(words_in("en"), problem) for problem in problems)


def with_check_digit(vin: str) -> str:
    """The VIN with position 9 set to the check digit the other characters call for."""
    return vin[:8] + check_digit(vin) + vin[9:]


# normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1hgcm82633a004352", HONDA),
        ("1HG-CM826-33A004352", HONDA),
        (" 1HG CM826 33A004352 ", HONDA),
        ("1HG\u2013CM826\u201433A004352", HONDA),
        ("1HG\u00a0CM826\u200b33A004352", HONDA),
        (full_width(HONDA), HONDA),
        (full_width("1hgcm 826") + "33a004352", HONDA),
        ("1HG\uff0dCM826\u300033A004352", HONDA),
    ],
)
def test_normalise_removes_spaces_and_dashes_and_upper_cases(raw: str, expected: str) -> None:
    """Spaces, dash-like characters and invisible separators go; full-width forms read as ASCII;
    letters are upper-cased."""
    assert normalise(raw) == expected


def test_normalise_never_maps_confusable_letters_to_digits() -> None:
    """O, I and Q stay letters: correcting them is offered, never applied."""
    assert normalise("1hgcm82633aoo4352") == "1HGCM82633AOO4352"
    assert normalise("iq") == "IQ"


# check digit


def test_check_digit_of_the_worked_example_is_x() -> None:
    """The VIN.md worked example sums to 351, remainder 10, written X."""
    assert check_digit(MCI_BUS) == "X"


def test_check_digit_of_a_known_honda() -> None:
    """A real Honda VIN carries the check digit the algorithm computes."""
    assert check_digit(HONDA) == "3"


def test_check_digit_ignores_the_character_in_position_9() -> None:
    """Position 9 has weight 0, so what is there does not change the expected digit."""
    assert check_digit(HONDA[:8] + "7" + HONDA[9:]) == "3"


@pytest.mark.parametrize("bad", ["1HGCM82633A00435", "1HGCM82633AOO4352", "1hgcm82633a004352"])
def test_check_digit_refuses_malformed_input(bad: str) -> None:
    """Only a normalised, well-formed VIN has a check digit."""
    with pytest.raises(ValueError, match="17 characters"):
        check_digit(bad)


# analyse: valid VINs and what the structure says


def test_honda_is_valid_with_year_maker_and_country() -> None:
    """A US Honda passes, its year settles on 2003, and the WMI names Honda in the US."""
    analysis = analyse(HONDA, today=TODAY)
    assert analysis.valid
    assert analysis.errors == ()
    assert analysis.warnings == ()
    assert analysis.check_digit_valid is True
    assert analysis.expected_check_digit == "3"
    assert analysis.model_year == 2003
    assert analysis.model_year_candidates == (2003,)
    assert analysis.wmi == "1HG"
    assert analysis.region == "North America"
    assert analysis.country == "United States"
    assert analysis.manufacturer == "American Honda Motor Co., Inc."


def test_analyse_normalises_its_input() -> None:
    """Lower case and dashes are accepted and reported normalised."""
    analysis = analyse("1hg-cm826-33a004352", today=TODAY)
    assert analysis.vin == HONDA
    assert analysis.valid


def test_motor_coach_industries_is_not_mercury() -> None:
    """1M8 is Motor Coach Industries, check digit X; a bus maker's year stays open."""
    analysis = analyse(MCI_BUS, today=TODAY)
    assert analysis.valid
    assert analysis.check_digit_valid is True
    assert analysis.expected_check_digit == "X"
    assert analysis.manufacturer == "Motor Coach Industries, Inc."
    assert "Mercury" not in (analysis.manufacturer or "")
    assert analysis.model_year_candidates == (1989, 2019)
    assert analysis.model_year is None


def test_european_porsche_failing_check_digit_is_valid_with_a_warning() -> None:
    """A European VIN that fails the check digit is still decodable, with a warning."""
    analysis = analyse(PORSCHE_EUROPE, today=TODAY)
    assert analysis.valid
    assert analysis.errors == ()
    assert analysis.check_digit_valid is False
    assert analysis.expected_check_digit == "8"
    assert len(analysis.warnings) == 1
    assert "position 9" in said(analysis.warnings)[0]
    assert "expected 8" in said(analysis.warnings)[0]
    assert analysis.model_year_candidates == (1996, 2026)
    assert analysis.model_year is None
    assert analysis.region == "Europe"
    assert analysis.country == "Germany"
    assert analysis.manufacturer == "Dr. Ing. H.C.F. Porsche AG"


def test_future_year_candidates_more_than_a_year_ahead_are_dropped() -> None:
    """Before 2025 the Porsche's 2026 reading is impossible: 1996 remains, only a candidate."""
    analysis = analyse(PORSCHE_EUROPE, today=date(2024, 6, 1))
    assert analysis.model_year_candidates == (1996,)
    assert analysis.model_year is None
    assert analysis.model_year_basis == "unconfirmed"


def test_bmw_outside_north_america_offers_both_year_candidates() -> None:
    """A German WMI is outside the position-7 rule, so 1982 and 2012 are both offered."""
    analysis = analyse(BMW, today=TODAY)
    assert analysis.valid
    assert analysis.check_digit_valid is True
    assert analysis.manufacturer == "BMW AG"
    assert analysis.model_year_candidates == (1982, 2012)
    assert analysis.model_year is None


def test_european_ford_is_valid_with_a_check_digit_warning() -> None:
    """Ford-Werke's European VIN fails the check digit legitimately and stays valid."""
    analysis = analyse(FORD_EUROPE, today=TODAY)
    assert analysis.valid
    assert analysis.check_digit_valid is False
    assert analysis.manufacturer == "Ford Werke AG"
    assert analysis.country == "Germany"


# analyse: the model year outside North America


def test_rest_of_world_mercedes_states_no_year() -> None:
    """A W1N GLC's position 10 is its steering code, so no year (formerly 2001) is read from it."""
    analysis = analyse(MERCEDES_W1N, today=TODAY)
    assert analysis.valid
    assert analysis.model_year is None
    assert analysis.model_year_candidates == ()
    assert (analysis.model_year_basis, analysis.model_year_scheme) == (
        "not_in_vin",
        "mercedes_rest_of_world",
    )


def test_ford_australia_reads_the_year_at_position_11() -> None:
    """A Ford Falcon's B at position 11 is 2011; the W at position 10 (body code SW) is no year."""
    analysis = analyse(FORD_AUSTRALIA, today=TODAY)
    assert analysis.model_year == 2011
    assert analysis.model_year_candidates == (2011,)
    assert (analysis.model_year_basis, analysis.model_year_scheme) == (
        "maker_scheme",
        "ford_australia",
    )


def test_ford_of_europe_position_10_is_no_year() -> None:
    """Ford of Europe puts a body-type code at position 10, so no year candidates are offered."""
    analysis = analyse(FORD_EUROPE, today=TODAY)
    assert analysis.model_year is None
    assert analysis.model_year_candidates == ()
    assert analysis.model_year_basis == "not_in_vin"


def test_north_american_vin_keeps_the_single_year_of_position_7() -> None:
    """A US Honda with a digit in position 7 still settles on 2003 under 49 CFR 565."""
    analysis = analyse(HONDA, today=TODAY)
    assert analysis.model_year == 2003
    assert analysis.model_year_basis == "north_american"


def test_european_vin_without_a_documented_scheme_gets_only_candidates() -> None:
    """A Volvo's 9 at position 10 could only be 2009, yet no rule says it is a year: a candidate."""
    analysis = analyse(VOLVO_EUROPE, today=TODAY)
    assert analysis.model_year is None
    assert analysis.model_year_candidates == (2009,)
    assert analysis.model_year_basis == "unconfirmed"
    assert analysis.model_year_scheme is None


def test_volkswagen_group_year_at_position_10_is_documented() -> None:
    """An Audi built for Europe reads F at position 10 as 1985 or 2015 under VW's own scheme."""
    analysis = analyse(AUDI_EUROPE, today=TODAY)
    assert analysis.model_year is None
    assert analysis.model_year_candidates == (1985, 2015)
    assert (analysis.model_year_basis, analysis.model_year_scheme) == (
        "maker_scheme",
        "volkswagen_group",
    )


def test_tesla_letter_in_position_7_settles_the_2010_cycle() -> None:
    """A North-American WMI with a letter in position 7 reads K as 2019, not 1989."""
    analysis = analyse(TESLA, today=TODAY)
    assert analysis.valid
    assert analysis.manufacturer == "Tesla, Inc."
    assert analysis.model_year == 2019
    assert analysis.model_year_candidates == (2019,)


def test_unknown_wmi_gives_region_and_country_but_no_manufacturer() -> None:
    """A WMI missing from the table is never guessed from its first two characters."""
    analysis = analyse(with_check_digit("1MZ" + HONDA[3:]), today=TODAY)
    assert analysis.valid
    assert analysis.manufacturer is None
    assert analysis.country == "United States"


def test_north_american_year_in_the_future_is_a_warning() -> None:
    """A letter in position 7 with year code Y reads 2030, which has not begun: warn, no year."""
    analysis = analyse(with_check_digit("1HGCM8A60YA004352"), today=TODAY)
    assert analysis.model_year is None
    assert analysis.model_year_candidates == ()
    assert any("2030" in warning for warning in said(analysis.warnings))


def test_north_american_position_10_without_a_year_code_is_a_warning() -> None:
    """U, Z and 0 never encode a year; on a North-American VIN that is worth a warning."""
    analysis = analyse(with_check_digit("1HGCM82630Z004352"), today=TODAY)
    assert analysis.valid
    assert analysis.model_year_candidates == ()
    assert any("Position 10" in warning for warning in said(analysis.warnings))


# analyse: invalid VINs and the reasons given


@pytest.mark.parametrize(("raw", "count"), [("1HGCM82633A00435", 16), ("1HGCM82633A0043521", 18)])
def test_wrong_length_says_how_many_characters_were_given(raw: str, count: int) -> None:
    """The error states the required 17 and the count actually given."""
    analysis = analyse(raw, today=TODAY)
    assert not analysis.valid
    assert said(analysis.errors)[0] == f"A VIN has 17 characters; this has {count}."
    assert analysis.check_digit_valid is None
    assert analysis.expected_check_digit is None


def test_short_identifier_explains_pre_1981_serials() -> None:
    """A short identifier comes with a note that old vehicles carry shorter serials."""
    analysis = analyse("1HGCM8263", today=TODAY)
    assert not analysis.valid
    assert any("1981" in warning for warning in said(analysis.warnings))


def test_empty_input_is_invalid() -> None:
    """Nothing at all is not a VIN."""
    analysis = analyse("  - ", today=TODAY)
    assert not analysis.valid
    assert said(analysis.errors) == ("A VIN has 17 characters; this has none.",)


def test_confusable_letters_give_positions_and_a_suggestion() -> None:
    """I, O and Q are named with 1-based positions, and the corrected VIN is offered."""
    analysis = analyse("1HGCM82633AOO4352", today=TODAY)
    assert not analysis.valid
    assert len(analysis.errors) == 1
    assert "O at position 12" in said(analysis.errors)[0]
    assert "O at position 13" in said(analysis.errors)[0]
    assert analysis.suggestion == HONDA
    assert analysis.vin == "1HGCM82633AOO4352"
    assert analysis.check_digit_valid is None


def test_suggestion_maps_i_to_1_and_q_to_0() -> None:
    """I becomes 1 and Q becomes 0 in the suggestion."""
    analysis = analyse("IHGCM82633AQ04352", today=TODAY)
    assert "I at position 1" in said(analysis.errors)[0]
    assert "Q at position 12" in said(analysis.errors)[0]
    assert analysis.suggestion == HONDA


def test_no_suggestion_when_the_correction_would_still_be_malformed() -> None:
    """A wrong-length VIN with an O gets no suggestion, since fixing the O is not enough."""
    analysis = analyse("1HGCM82633AO0435", today=TODAY)
    assert len(analysis.errors) == 2
    assert analysis.suggestion is None


def test_other_invalid_characters_are_named_with_positions() -> None:
    """Characters outside the VIN alphabet are quoted with their positions."""
    analysis = analyse("1HGCM826*3A004352", today=TODAY)
    assert not analysis.valid
    expected = (
        "A VIN uses only digits and the letters A to Z except I, O and Q; "
        "this has '*' at position 9."
    )
    assert said(analysis.errors) == (expected,)


def test_many_invalid_characters_are_summarised() -> None:
    """A long list of bad characters is cut short with a count of the rest."""
    analysis = analyse("1HG!!!!!!!A004352", today=TODAY)
    assert "and 2 more" in said(analysis.errors)[0]


def test_north_american_check_digit_typo_is_invalid() -> None:
    """A North-American VIN whose check digit fails is almost surely mistyped: invalid."""
    analysis = analyse("1HGCM82633A004353", today=TODAY)
    assert not analysis.valid
    assert analysis.check_digit_valid is False
    assert analysis.expected_check_digit == "5"
    expected = (
        "The check digit at position 9 does not match (expected 5, found 3), "
        "so a character is very likely mistyped."
    )
    assert said(analysis.errors) == (expected,)
    assert analysis.manufacturer == "American Honda Motor Co., Inc."


def test_messages_are_plain_text() -> None:
    """Errors and warnings carry no HTML; the formatter escapes and styles them."""
    analyses = [analyse(raw, today=TODAY) for raw in ("<b>", PORSCHE_EUROPE, "1HGCM82633A004353")]
    for message in (m for a in analyses for m in (*said(a.errors), *said(a.warnings))):
        assert "<b>" not in message
        assert "</" not in message


# find_vins


@pytest.mark.parametrize(
    "text",
    [
        "1hgcm82633a004352",
        "1HG-CM826-33A004352",
        "1HGCM826 33A004352",
        "1HG CM8 263 3A0 043 52",
        "My VIN is 1HGCM82633A004352, can you check it?",
        "VIN:1HGCM82633A004352.",
        "(1HGCM82633A004352)",
        "🚗1HGCM82633A004352🚗",
        "vin - 1HG - CM826 - 33A004352 - thanks",
        "https://vpic.nhtsa.dot.gov/decoder/Decoder?VIN=1HGCM82633A004352",
    ],
)
def test_find_vins_finds_one_vin_however_it_is_typed(text: str) -> None:
    """Lower case, inner spaces or dashes, punctuation, emoji and links around are all fine."""
    assert find_vins(text) == [HONDA]


@pytest.mark.parametrize(
    "text",
    [
        full_width(HONDA),
        full_width(HONDA.lower()),
        full_width("My VIN is 1HGCM82633A004352, can you check it?"),
        full_width("1HG-CM826-33A004352"),
        full_width("1HGCM826 33A004352"),
        "\u8eca\u53f0\u756a\u53f7" + full_width(": 1HGCM82633A004352"),
        full_width("1HGCM826") + "33A004352",
        "1HGCM826\u300033a004352",
    ],
)
def test_find_vins_reads_full_width_forms_as_ascii(text: str) -> None:
    """A VIN typed on a Japanese or Chinese input method (full-width, wholly or partly, with
    ideographic spaces) is found, and comes back in plain ASCII."""
    assert find_vins(text) == [HONDA]


def test_find_vins_treats_full_width_case_as_ascii_case() -> None:
    """Full-width lower-case pieces join only as ASCII lower-case ones do."""
    assert find_vins(full_width("WP0 ZZZ 99Z TS392124")) == [PORSCHE_EUROPE]
    assert find_vins(full_width("wp0 zzz 99z ts392124")) == []
    assert find_vins(full_width("wp0zzz99zts392124")) == [PORSCHE_EUROPE]


def test_find_vin_attempts_reads_full_width_forms_as_ascii() -> None:
    """A mistyped full-width VIN is reported in ASCII, as its ASCII twin would be."""
    assert find_vin_attempts(full_width("my vin is 1HGCM82633AOO4352")) == ["1HGCM82633AOO4352"]


def test_analyse_reads_a_full_width_vin_as_the_ascii_one() -> None:
    """A full-width VIN is valid and analysed as the same VIN in ASCII."""
    assert analyse(full_width(HONDA), today=TODAY) == analyse(HONDA, today=TODAY)


def test_find_vins_returns_several_in_order_without_repeats() -> None:
    """Several VINs come back in order of appearance, each once."""
    text = f"first {PORSCHE_EUROPE}; then {HONDA.lower()}, again {HONDA} and {MCI_BUS}!"
    assert find_vins(text) == [PORSCHE_EUROPE, HONDA, MCI_BUS]


def test_find_vins_keeps_vins_that_fail_the_check_digit() -> None:
    """Extraction does not judge validity: analyse does."""
    assert find_vins("1HGCM82633A004353") == ["1HGCM82633A004353"]


@pytest.mark.parametrize(
    "text",
    [
        "12345678901234567",
        "card 4111 1111 1111 1111 0",
        "the quick brown fox jumps over the lazy dog, extraordinarily",
        "Incomprehensibilities and uncharacteristically long words",
        "CALL ME AT 555 123 4567 OR 555 765 4321",
        "call me at 555-123-4567 about the car",
        "550e8400-e29b-41d4-a716-446655440000",
        "1HGCM82633AOO4352",
        "1HGCM82633A00435",
        "1HGCM82633A004352X",
        "X1HGCM82633A004352",
        "1HGCM82633A0043é2",
        "ABCDEFGHJKLMNPRST",
    ],
)
def test_find_vins_rejects_what_cannot_be_a_vin(text: str) -> None:
    """Numbers, words, ids, wrong lengths and tokens glued to other letters are not VINs."""
    assert find_vins(text) == []


@pytest.mark.parametrize(
    "around",
    [
        "VINは{}です",
        "車台番号は{}です",
        "我的车架号是{}，谢谢",
        "차대번호는{}입니다",
        "เลขตัวถัง{}ครับ",
        "ｶﾀｶﾅ{}ｶﾀｶﾅ",
    ],
)
@pytest.mark.parametrize("typed", [str, full_width], ids=["ascii", "full_width"])
def test_find_vins_reads_a_vin_glued_to_text_written_without_spaces(
    around: str, typed: Callable[[str], str]
) -> None:
    """Chinese, Japanese, Korean and Thai put no space between words: a VIN written against
    their letters is found (and a VIN a character short is an attempt), as one against Latin
    letters ("X1HGCM…") still is not."""
    assert find_vins(around.format(typed(HONDA))) == [HONDA]
    assert find_vin_attempts(around.format(typed(HONDA[:-1]))) == [HONDA[:-1]]


def test_find_vins_needs_capitals_or_a_check_digit_to_join_letter_pieces() -> None:
    """A split VIN with an all-letter piece joins when typed in capitals."""
    assert find_vins("WP0 ZZZ 99Z TS392124") == [PORSCHE_EUROPE]
    assert find_vins("wp0 zzz 99z ts392124") == []
    assert find_vins("wp0zzz99zts392124") == [PORSCHE_EUROPE]


@pytest.mark.timeout(30)
def test_find_vins_scans_a_full_telegram_message() -> None:
    """A 4096-character message with a VIN at each end is scanned to the end, both VINs found."""
    filler = " ".join(["word", "12345", "A1B2", "---", "lorem-ipsum", "🚗"] * 400)
    text = f"{HONDA} {filler}"[: 4096 - 18] + f" {TESLA}"
    assert len(text) == 4096
    found = find_vins(text)
    find_vin_attempts(text)
    assert found == [HONDA, TESLA]


@pytest.mark.parametrize("text", ["a" * 4096, "1 " * 2048, "1-" * 2048, "🚗" * 4096, "ab1" * 1365])
@pytest.mark.timeout(30)
def test_find_vins_ends_on_adversarial_messages(text: str) -> None:
    """Long runs of one character or tiny pieces find nothing and cannot hang the scan (the
    speed itself is measured by make bench, not asserted here)."""
    assert find_vins(text) == []
    find_vin_attempts(text)


# find_vin_attempts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my vin is 1HGCM82633AOO4352", ["1HGCM82633AOO4352"]),
        ("1hgcm82633a00435 please", ["1HGCM82633A00435"]),
        ("1HG-CM826-33A00435", ["1HGCM82633A00435"]),
        ("1HGCM82633A0043521", ["1HGCM82633A0043521"]),
        ("1HGCM82633A00435B", ["1HGCM82633A00435B"]),
    ],
)
def test_find_vin_attempts_finds_mistyped_vins(text: str, expected: list[str]) -> None:
    """Too short, too long, I/O/Q or non-numeric tails are reported, normalised."""
    assert find_vin_attempts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hello, how are you today? Internationalisation is hard",
        "12345678901234567",
        "johnsmith1985 and password123456",
        "call me at 555 123 4567 x12",
        "2024-01-15T10:30:00Z",
        "Galaxy SM-G991B/DS",
        "see https://example.com/abc123def456ghi78",
        "write to a1b2c3d4e5f6g7@example.com",
        "1HGCM82633A004352",
        "1HGCM82633A004352 and 2HG 3HG",
    ],
)
def test_find_vin_attempts_ignores_words_numbers_links_and_real_vins(text: str) -> None:
    """Ordinary words, numbers, dates, codes, links and VIN-shaped tokens are not attempts."""
    assert find_vin_attempts(text) == []


def test_find_vin_attempts_reports_each_once_in_order() -> None:
    """Repeated attempts are reported once, in order of appearance."""
    text = "1HGCM82633AOO4352 then WP0ZZZ99ZTS39212 then 1hgcm82633aoo4352"
    assert find_vin_attempts(text) == ["1HGCM82633AOO4352", "WP0ZZZ99ZTS39212"]


def test_analysis_carries_the_wmi_holder_and_every_possible_make() -> None:
    """A shared WMI gives the manufacturer and all its makes, never one make as if certain."""
    analysis = analyse("5N1AZ2MG3FN123456")
    assert analysis.manufacturer == "Nissan North America, Inc."
    assert analysis.makes == ("Nissan", "Infiniti")


def test_brazilian_92_vin_is_brazilian() -> None:
    """A Bajaj do Brasil VIN starting 92 is Brazilian, not Trinidad and Tobago's."""
    analysis = analyse("92TA12345PM123456")
    assert analysis.country == "Brazil"
    assert analysis.region == "South America"


def test_reasons_are_codes_with_their_parameters() -> None:
    """The model gives a reason code with the position, the character and the expected digit."""
    typo = analyse("1HGCM82633A004353", today=TODAY)
    assert typo.errors == (VinProblem("check_digit", expected="5", actual="3"),)
    star = analyse("1HGCM826*3A004352", today=TODAY)
    assert star.errors[0].code == "foreign_characters"
    assert [(f.char, f.position) for f in star.errors[0].found] == [("*", 9)]
    many = analyse("1HG!!!!!!!A004352", today=TODAY)
    assert many.errors[0].more == 2
