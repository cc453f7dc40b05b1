"""VIN problems, decode notes and provider names in the reader's words (plain text, unescaped).

Models return codes with parameters (`VinProblem`, `DecodeNote`); this is the one place that
turns them into sentences. The HTML renderers escape what these return.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from babel.lists import format_list

from vinbot.i18n import N_

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vinbot.i18n import Words
    from vinbot.models.vehicle import DecodeNote, Source
    from vinbot.models.vin import Found, VinProblem

# Who answered a decode, as shown in "Source: …" (the names are the providers' own).
SOURCE_LABELS: Final[dict[Source, str]] = {
    "carsxe": "CarsXE",
    "nhtsa": N_("NHTSA vPIC (US-market data)"),
    "offline": N_("basic offline decode (from the VIN's structure only)"),
}
# The short names used inside sentences ("CarsXE did not answer in time").
_PROVIDER_NAMES: Final[dict[Source, str]] = {
    "carsxe": "CarsXE",
    "nhtsa": "NHTSA",
    "offline": N_("the offline decoder"),
}


def source_label(words: Words, source: Source) -> str:
    """The provider behind a decode, for the "Source:" line."""
    return words.t(SOURCE_LABELS[source])


def all_of(words: Words, items: Sequence[str]) -> str:
    """ "A, B and C" in the reader's language (English keeps its list without a serial comma)."""
    if len(items) <= 1:
        return "".join(items)
    if words.language == "en":
        return f"{', '.join(items[:-1])} and {items[-1]}"
    return words.list_of(list(items))


def either(words: Words, items: Sequence[str]) -> str:
    """ "A, B or C" in the reader's language: alternatives, never a single pick."""
    if len(items) <= 1:
        return "".join(items)
    if words.language == "en":
        return f"{', '.join(items[:-1])} or {items[-1]}"
    return format_list(list(items), style="or", locale=words.language)


def _character(words: Words, found: Found, *, quoted: bool) -> str:
    char = found.char
    if not char.isprintable() or char.isspace():
        # Translators: an invisible character in a VIN, named by its Unicode code point.
        return words.t(
            "{code} at position {position}",
            code=words.ltr(f"U+{ord(char):04X}"),
            position=found.position,
        )
    if quoted:
        # Translators: a character that has no place in a VIN (quoted) and where it is.
        return words.t("'{char}' at position {position}", char=char, position=found.position)
    # Translators: one of the letters I, O or Q in a VIN and where it is.
    return words.t("{char} at position {position}", char=char, position=found.position)


def _characters(words: Words, problem: VinProblem, *, quoted: bool) -> str:
    described = [_character(words, found, quoted=quoted) for found in problem.found]
    if problem.more:
        # Translators: the end of a list of wrong characters in a VIN, e.g. "… and 2 more".
        described.append(words.nt("{count} more", "{count} more", problem.more))
    return all_of(words, described)


def vin_problem(words: Words, problem: VinProblem) -> str:  # noqa: PLR0911 - one per code
    """One reason a VIN is invalid or doubtful, as a sentence."""
    match problem.code:
        case "length" if not problem.length:
            return words.t("A VIN has 17 characters; this has none.")
        case "length":
            return words.nt(
                "A VIN has 17 characters; this has {count}.",
                "A VIN has 17 characters; this has {count}.",
                problem.length or 0,
            )
        case "confusable_letters":
            return words.t(
                "A VIN never contains the letters I, O or Q, which are too easily read as 1 "
                "and 0; this has {found}.",
                found=_characters(words, problem, quoted=False),
            )
        case "foreign_characters":
            return words.t(
                "A VIN uses only digits and the letters A to Z except I, O and Q; "
                "this has {found}.",
                found=_characters(words, problem, quoted=True),
            )
        case "check_digit":
            # Translators: {expected} and {found} are single VIN characters (0-9 or X).
            return words.t(
                "The check digit at position 9 does not match (expected {expected}, "
                "found {found}), so a character is very likely mistyped.",
                expected=problem.expected,
                found=problem.actual,
            )
        case "check_digit_outside_na":
            return words.t(
                "The check digit at position 9 does not match (expected {expected}, "
                "found {found}). Many VINs of vehicles built for markets outside North America "
                "fail this check legitimately, so the VIN may still be right.",
                expected=problem.expected,
                found=problem.actual,
            )
        case "short_identifier":
            return words.t(
                "Vehicles built before 1981 and some motorcycles carry shorter serial numbers, "
                "which are not modern VINs and cannot be decoded here."
            )
        case "year_code":
            # Translators: {code} is the single character at VIN position 10.
            return words.t(
                "Position 10 should give the model year, but {code} is not a year code.",
                code=problem.actual,
            )
        case "future_year":
            return words.t(
                "Positions 7 and 10 give model year {year}, which has not begun yet, "
                "so a character is probably mistyped.",
                year=str(problem.year),
            )


def _providers(words: Words, note: DecodeNote) -> str:
    return all_of(words, [words.t(_PROVIDER_NAMES[p]) for p in note.providers])


def decode_note(words: Words, note: DecodeNote) -> str:  # noqa: PLR0911 - one per code
    """One note on how a decode came (a provider was late, the quota is spent, …)."""
    answered = words.t(_PROVIDER_NAMES[note.answered]) if note.answered else ""
    match note.code:
        case "late" if note.answered == "offline":
            # Translators: {providers} is one or more of "CarsXE", "NHTSA".
            return words.t(
                "{providers} did not answer in time, so this is only what the VIN itself says. "
                "Ask again in a few minutes for the full decode.",
                providers=_providers(words, note),
            )
        case "late":
            # Translators: {providers} did not answer; {source} ("NHTSA") gave this answer.
            return words.t(
                "{providers} did not answer in time; this is {source}'s decode.",
                providers=_providers(words, note),
                source=answered,
            )
        case "failed" if note.answered == "offline":
            return words.t(
                "{providers} did not answer just now, so this is only what the VIN itself says.",
                providers=_providers(words, note),
            )
        case "failed":
            return words.t(
                "{providers} did not answer just now; this is {source}'s decode.",
                providers=_providers(words, note),
                source=answered,
            )
        case "no_data":
            return words.t(
                "No decoding service has data for this VIN; this is what the VIN itself says."
            )
        case "us_market":
            return words.t("NHTSA data covers vehicles sold in the US.")
        case "quota":
            return _quota_note(words, note)


def _quota_note(words: Words, note: DecodeNote) -> str:
    if note.quota == "bot_monthly":
        if note.resets_at is None:
            return words.t(
                "This bot's monthly budget for detailed answers is spent, so this is the free "
                "answer. Detailed answers are back soon."
            )
        # Translators: {when} is a date and time, in UTC.
        return words.t(
            "This bot's monthly budget for detailed answers is spent, so this is the free "
            "answer. Detailed answers are back {when} UTC.",
            when=words.date_time(note.resets_at),
        )
    if note.resets_at is None:
        return words.t(
            "You've used today's detailed lookups, so this is the free answer. "
            "Your quota resets soon."
        )
    # Translators: {when} is a date and time, in UTC.
    return words.t(
        "You've used today's detailed lookups, so this is the free answer. "
        "Your quota resets {when} UTC.",
        when=words.date_time(note.resets_at),
    )


def spec_warning(words: Words, warning: str) -> str:
    """A provider's warning: ours (marked for translation) in the reader's words, the
    provider's own text as it came."""
    return words.t(warning)
