"""Texts for /obd and OBD-II trouble codes found in a message.

A code's meaning is the provider's (CarsXE's) text and is shown as it comes; everything around
it is ours and is worded in the reader's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from vinbot.formatters.html import VALUE_LIMIT, clip, esc, fit
from vinbot.i18n import N_
from vinbot.models.obd import CODE_LENGTH, EXAMPLE, is_manufacturer_specific

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vinbot.i18n import Words
    from vinbot.models.obd import ObdAnswer, ObdCodeProblem
    from vinbot.models.records import QuotaDecision

MAX_CODES_PER_MESSAGE: Final = 3

# What kind of code it is, by its system letter: (generic, the maker's with a meaning shown
# above, the maker's with no meaning shown). Whole sentences: a system's name is not glued in.
_KINDS: Final[dict[str, tuple[str, str, str]]] = {
    "P": (
        N_("A generic powertrain (engine and transmission) code: it means the same on every make."),
        N_(
            "A powertrain (engine and transmission) code whose meaning each maker sets: the "
            "meaning above may be another make's, so check it for this car's make."
        ),
        N_("A powertrain (engine and transmission) code whose meaning each maker sets."),
    ),
    "B": (
        N_("A generic body code: it means the same on every make."),
        N_(
            "A body code whose meaning each maker sets: the meaning above may be another "
            "make's, so check it for this car's make."
        ),
        N_("A body code whose meaning each maker sets."),
    ),
    "C": (
        N_("A generic chassis code: it means the same on every make."),
        N_(
            "A chassis code whose meaning each maker sets: the meaning above may be another "
            "make's, so check it for this car's make."
        ),
        N_("A chassis code whose meaning each maker sets."),
    ),
    "U": (
        N_(
            "A generic network (communication between the car's computers) code: it means the "
            "same on every make."
        ),
        N_(
            "A network (communication between the car's computers) code whose meaning each "
            "maker sets: the meaning above may be another make's, so check it for this car's "
            "make."
        ),
        N_(
            "A network (communication between the car's computers) code whose meaning each "
            "maker sets."
        ),
    ),
}


def obd_usage(words: Words) -> str:
    """The reply to a bare /obd: how to send a code and where to get one."""
    # Translators: {example} is a code such as P0420; {count} is how many codes fit at once.
    return words.nt(
        "Send the trouble code after the command, like <code>/obd {example}</code> (up to "
        "{count} code at once). You get the code from an OBD-II reader plugged in under the "
        "dashboard (many parts stores read it for free): a letter and four characters.",
        "Send the trouble code after the command, like <code>/obd {example}</code> (up to "
        "{count} codes at once). You get the code from an OBD-II reader plugged in under the "
        "dashboard (many parts stores read it for free): a letter and four characters.",
        MAX_CODES_PER_MESSAGE,
        example=words.ltr(EXAMPLE),
    )


def obd_no_key(words: Words) -> str:
    """Codes asked for on a bot without a CarsXE key."""
    return words.t(
        "Explaining OBD trouble codes needs CarsXE, and this bot has no CarsXE key configured. "
        "VINs are still decoded."
    )


def obd_caveat(words: Words) -> str:
    """Why a code's meaning is not a diagnosis."""
    return words.t(
        "A code says what the car's computer noticed, not which part has failed: the same code "
        "can have cheap or costly causes, so have a mechanic find the cause before you buy."
    )


def invalid_code(words: Words, problem: ObdCodeProblem) -> str:
    """What is wrong with a text that is not a code, the code meant if any, and the format (HTML
    escaped: the text quoted is the user's)."""
    sentences = [_problem(words, problem)]
    if problem.suggestion is not None:
        sentences.append(words.t("Did you mean {code}?", code=esc(problem.suggestion)))
    sentences.append(
        words.t(
            "An OBD-II code is a letter (P, B, C or U) and four characters: a digit from 0 to "
            "3, then three digits or letters A to F, like {example}.",
            example=words.ltr(EXAMPLE),
        )
    )
    return " ".join(sentences)


def _problem(words: Words, problem: ObdCodeProblem) -> str:  # noqa: PLR0911 - one per reason
    shown = esc(problem.shown) if problem.shown is not None else None
    char = esc(repr(problem.char))
    match problem.reason, shown:
        case "empty", _:
            return words.t("There is no code.")
        case "first_letter", None:
            return words.t(
                "That code starts with {char}, but a code starts with P, B, C or U.", char=char
            )
        case "first_letter", _:
            # Translators: {code} is what the user typed, {char} its first character.
            return words.t(
                "{code} starts with {char}, but a code starts with P, B, C or U.",
                code=shown,
                char=char,
            )
        case "length", None:
            return words.nt(
                "That code has {count} character, but a code has {length}.",
                "That code has {count} characters, but a code has {length}.",
                problem.length,
                length=CODE_LENGTH,
            )
        case "length", _:
            return words.nt(
                "{code} has {count} character, but a code has {length}.",
                "{code} has {count} characters, but a code has {length}.",
                problem.length,
                code=shown,
                length=CODE_LENGTH,
            )
        case "second_char", None:
            return words.t(
                "In that code the second character is {char}; it can only be 0, 1, 2 or 3.",
                char=char,
            )
        case "second_char", _:
            return words.t(
                "In {code} the second character is {char}; it can only be 0, 1, 2 or 3.",
                code=shown,
                char=char,
            )
        case _, None:
            return words.t(
                "In that code {char} cannot appear; the last three are 0 to 9 or A to F.",
                char=char,
            )
        case _:
            return words.t(
                "In {code} {char} cannot appear; the last three are 0 to 9 or A to F.",
                code=shown,
                char=char,
            )


def _refusal(words: Words, decision: QuotaDecision | None) -> str:
    when = decision.resets_at if decision is not None else None
    monthly = decision is not None and decision.reason == "bot_monthly"
    if when is None:
        if monthly:
            return words.t("This bot's paid lookups for the month are used up; they're back soon.")
        return words.t("You've used today's paid lookups; your quota resets soon.")
    moment = words.date_time(when)
    if monthly:
        # Translators: {time} is a date and time such as 2026-12-06 00:00, in UTC.
        return words.t(
            "This bot's paid lookups for the month are used up; they're back {time} UTC.",
            time=moment,
        )
    # Translators: {time} is a date and time such as 2026-12-06 00:00, in UTC.
    return words.t("You've used today's paid lookups; your quota resets {time} UTC.", time=moment)


def _kind(words: Words, code: str, *, explained: bool = True) -> str:
    generic, maker, maker_alone = _KINDS[code[0]]
    if is_manufacturer_specific(code):
        # With no meaning shown above there is none to warn about.
        return words.t(maker) if explained else words.t(maker_alone)
    return words.t(generic)


def _answer_lines(words: Words, answer: ObdAnswer) -> list[str]:
    code = f"<b>{esc(words.ltr(answer.code))}</b>"
    if answer.diagnosis is not None:
        # The provider's words, shown as they come.
        meaning = esc(clip(answer.diagnosis.diagnosis, VALUE_LIMIT))
        return [f"🔧 {code}: {meaning}", f"<i>{esc(_kind(words, answer.code))}</i>"]
    if answer.problem == "unknown":
        if is_manufacturer_specific(answer.code):
            unknown = words.t(
                "{code}: CarsXE doesn't know this code; a dealer for this make may know it.",
                code=code,
            )
        else:
            unknown = words.t("{code}: CarsXE doesn't know this code.", code=code)
        return [f"❓ {unknown}", f"<i>{esc(_kind(words, answer.code, explained=False))}</i>"]
    if answer.problem == "refused":
        paid = words.t("{code}: explaining a code is a paid lookup.", code=code)
        return [f"⏳ {paid} {_refusal(words, answer.refusal)}"]
    unavailable = words.t(
        "{code}: I couldn't look this code up right now. Please try again in a few minutes.",
        code=code,
    )
    return [f"⚠️ {unavailable}"]


def render_codes(words: Words, answers: Sequence[ObdAnswer], *, skipped: int = 0) -> str:
    """What each code means (or why that is not known), one block per code."""
    lines: list[str] = []
    for answer in answers:
        if lines:
            lines.append("")
        lines += _answer_lines(words, answer)
    if skipped:
        # Translators: {limit} is how many codes one message may ask about (3).
        skipped_note = words.nt(
            "I explain up to {limit} codes per message; {count} more code skipped. Send it in "
            "another message.",
            "I explain up to {limit} codes per message; {count} more codes skipped. Send them "
            "in another message.",
            skipped,
            limit=MAX_CODES_PER_MESSAGE,
        )
        lines += ["", skipped_note]
    explained = any(answer.diagnosis is not None for answer in answers)
    tail = []
    if explained:
        source = words.t("Source: {source}", source="CarsXE")
        tail = ["", f"<i>{obd_caveat(words)}</i>", f"<i>{source}</i>"]
    return fit(words, lines, tail=tail)
