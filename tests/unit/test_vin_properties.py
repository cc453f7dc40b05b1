"""Properties of the VIN rules that must hold for any input, checked with Hypothesis."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from tests.unicode_samples import full_width
from vinbot.formatters.vin_words import vin_problem
from vinbot.i18n import words_in
from vinbot.models.vin import analyse, check_digit, find_vin_attempts, find_vins, normalise

VIN_CHARACTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
VIN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
DIGITS = "0123456789"
TODAY = date(2025, 6, 1)


def straightforward_check_digit(vin: str) -> str:
    """The check digit computed plainly from the published table, independent of vinbot."""
    values = {
        "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8,
        "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
        "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
    }  # fmt: skip
    weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    total = 0
    for position in range(17):
        character = vin[position]
        value = int(character) if character.isdigit() else values[character]
        total += value * weights[position]
    remainder = total % 11
    if remainder == 10:
        return "X"
    return str(remainder)


any_vin = st.text(alphabet=VIN_CHARACTERS, min_size=17, max_size=17)


@st.composite
def vin_shaped(draw: st.DrawFn) -> str:
    """A random VIN following the extraction rules: a letter somewhere, four digits at the end."""
    head = draw(st.text(alphabet=VIN_CHARACTERS, min_size=12, max_size=12))
    letter = draw(st.sampled_from(VIN_LETTERS))
    letter_at = draw(st.integers(min_value=0, max_value=12))
    tail = draw(st.text(alphabet=DIGITS, min_size=4, max_size=4))
    vin = head[:letter_at] + letter + head[letter_at:] + tail
    lower = draw(st.booleans())
    return vin.lower() if lower else vin


words = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=12
)
separators = st.sampled_from(
    [
        " ",
        "  ",
        "\n",
        "\t",
        ", ",
        ". ",
        "! ",
        "? ",
        "; ",
        ": ",
        " - ",
        " — ",
        "(",
        ")",
        "🚗",
        " 🚙 ",
    ]
)


@given(st.text())
def test_normalise_is_idempotent(raw: str) -> None:
    """Normalising twice gives the same result as normalising once."""
    once = normalise(raw)
    assert normalise(once) == once


@given(st.text())
def test_normalise_leaves_no_spaces_or_dashes(raw: str) -> None:
    """No whitespace or hyphen-minus survives normalisation."""
    normalised = normalise(raw)
    assert not any(character.isspace() for character in normalised)
    assert "-" not in normalised


@given(any_vin)
def test_check_digit_agrees_with_a_straightforward_computation(vin: str) -> None:
    """vinbot's check digit equals the one computed plainly from the published rule."""
    assert check_digit(vin) == straightforward_check_digit(vin)


@given(st.text())
def test_analyse_never_raises_on_arbitrary_text(raw: str) -> None:
    """Any text gets an analysis; invalid text is explained, never an exception."""
    analysis = analyse(raw, today=TODAY)
    assert analysis.valid == (not analysis.errors)
    if not analysis.valid and analysis.check_digit_valid is None:
        assert analysis.errors


@given(any_vin)
def test_analyse_of_well_formed_vins_always_checks_the_digit(vin: str) -> None:
    """Every well-formed VIN gets a check-digit verdict and the expected digit."""
    analysis = analyse(vin, today=TODAY)
    assert analysis.check_digit_valid == (vin[8] == straightforward_check_digit(vin))
    assert analysis.expected_check_digit == straightforward_check_digit(vin)
    assert all(year <= TODAY.year + 1 for year in analysis.model_year_candidates)


@given(any_vin, st.data())
def test_confusable_letters_are_suggested_back(vin: str, data: st.DataObject) -> None:
    """Typing O for 0 or I for 1 yields the original VIN as the suggestion."""
    positions = [index for index, character in enumerate(vin) if character in "01"]
    if not positions:
        return
    index = data.draw(st.sampled_from(positions))
    typo = vin[:index] + ("O" if vin[index] == "0" else "I") + vin[index + 1 :]
    analysis = analyse(typo, today=TODAY)
    assert not analysis.valid
    assert analysis.suggestion == vin
    assert f"at position {index + 1}" in vin_problem(words_in("en"), analysis.errors[0])


@st.composite
def planted_messages(draw: st.DrawFn) -> tuple[list[str], str]:
    """Random words and VIN-shaped tokens, and a message holding them between separators."""
    tokens = draw(st.lists(st.one_of(words, vin_shaped()), max_size=12))
    pieces = [draw(separators)]
    for token in tokens:
        pieces += [token, draw(separators)]
    return tokens, "".join(pieces)


@given(planted_messages())
def test_find_vins_finds_every_planted_vin(planted_message: tuple[list[str], str]) -> None:
    """VINs planted among random words, spaces and punctuation are all found, in order."""
    tokens, text = planted_message
    planted = [token.upper() for token in tokens if len(token) == 17 and token[-4:].isdigit()]
    planted = [vin for vin in planted if all(character in VIN_CHARACTERS for character in vin)]
    planted = [vin for vin in planted if any(character.isalpha() for character in vin)]
    found = find_vins(text)
    assert set(planted) <= set(found)
    first_seen = list(dict.fromkeys(planted))
    assert [vin for vin in found if vin in first_seen] == first_seen


@given(st.one_of(st.text(max_size=300), planted_messages().map(lambda planted: planted[1])))
def test_full_width_text_finds_what_its_ascii_twin_finds(text: str) -> None:
    """Any text typed in full-width forms gives the same VINs and attempts as typed in ASCII."""
    assert find_vins(full_width(text)) == find_vins(text)
    assert find_vin_attempts(full_width(text)) == find_vin_attempts(text)


@given(st.text(max_size=300))
def test_find_vins_returns_only_well_formed_vins(text: str) -> None:
    """Whatever the text, every VIN found is 17 characters of the VIN alphabet, once each."""
    found = find_vins(text)
    assert len(found) == len(set(found))
    for vin in found:
        assert len(vin) == 17
        assert all(character in VIN_CHARACTERS for character in vin)


@given(st.text(max_size=300))
def test_find_vin_attempts_never_overlaps_find_vins(text: str) -> None:
    """A token is either a VIN or an attempt, never both, and attempts are normalised."""
    attempts = find_vin_attempts(text)
    assert set(attempts).isdisjoint(find_vins(text))
    assert all(attempt == normalise(attempt) for attempt in attempts)
