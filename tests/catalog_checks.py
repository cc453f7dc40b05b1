"""What a translation must keep from its English message: placeholders, HTML tags, plural forms.

Used by the catalog tests; each check returns the problems it found, so a test can show them all.
"""

from __future__ import annotations

import gettext
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Final

from babel.messages.extract import extract_from_dir

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog, Message

REPO: Final = Path(__file__).resolve().parent.parent
KEYWORDS: Final = {"t": None, "nt": (1, 2), "pt": ((1, "c"), 2), "N_": None}
# {name} placeholders; {{ and }} are literal braces.
_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z-]*(?:\s[^<>]*)?>")

type Key = tuple[str | None, str]  # (context, msgid)


def source_messages() -> dict[Key, tuple[str, ...]]:
    """Every message id in vinbot/ (with its plural when it has one), as Babel extracts them."""
    found: dict[Key, tuple[str, ...]] = {}
    for _file, _line, message, _comments, context in extract_from_dir(
        REPO / "vinbot", method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        forms = (message,) if isinstance(message, str) else tuple(message)
        found[(context, forms[0])] = forms
    return found


def placeholders(text: str) -> Counter[str]:
    """The {name} placeholders in a message."""
    return Counter(_PLACEHOLDER.findall(text))


def tags(text: str) -> Counter[str]:
    """The HTML tags in a message, as written (attributes included)."""
    return Counter(_TAG.findall(text))


def _forms(message: Message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def _translations(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, str):
        return (message.string,)
    return tuple(message.string)


def single_number_forms(plural_expr: str) -> frozenset[int]:
    """The plural forms used for one number only (Arabic's "two", English "one"): only these may
    leave {count} out. Russian's "one" form also serves 21, 31 … so it must show the number."""
    choose = gettext.c2py(plural_expr)
    numbers: defaultdict[int, set[int]] = defaultdict(set)
    for n in range(1000):
        numbers[choose(n)].add(n)
    return frozenset(form for form, used in numbers.items() if len(used) == 1)


def message_problems(message: Message, num_plurals: int, plural_expr: str = "n != 1") -> list[str]:
    """What is wrong with one translated message (empty when nothing is)."""
    forms = _forms(message)
    label = repr(forms[0][:60])
    translated = _translations(message)
    if message.fuzzy:
        return [f"{label}: marked fuzzy"]
    if any(not text.strip() for text in translated):
        return [f"{label}: not translated"]
    problems: list[str] = []
    if len(forms) > 1 and len(translated) != num_plurals:
        problems.append(f"{label}: {len(translated)} plural forms, the language has {num_plurals}")
    may_omit_count = single_number_forms(plural_expr) if len(forms) > 1 else frozenset()
    for index, text in enumerate(translated):
        wanted = placeholders(forms[-1]) | placeholders(forms[0])
        extra = set(placeholders(text)) - set(wanted)
        missing = set(wanted) - set(placeholders(text))
        if index in may_omit_count:
            missing.discard("count")
        if extra or missing:
            problems.append(
                f"{label}: placeholders {sorted(missing)} missing, {sorted(extra)} unknown"
            )
        if tags(text) != tags(forms[0]):
            problems.append(
                f"{label}: HTML tags {dict(tags(text))} instead of {dict(tags(forms[0]))}"
            )
    return problems


def catalog_problems(catalog: Catalog, wanted: dict[Key, tuple[str, ...]]) -> list[str]:
    """Every message of the source missing, stale or broken in one language's catalog."""
    problems: list[str] = []
    for (context, msgid), forms in sorted(wanted.items(), key=lambda item: repr(item[0])):
        message = catalog.get(msgid, context)
        if message is None:
            problems.append(f"{msgid[:60]!r}: missing")
            continue
        if _forms(message) != forms:
            problems.append(f"{msgid[:60]!r}: plural forms differ from the source")
            continue
        problems += message_problems(message, catalog.num_plurals, catalog.plural_expr)
    return problems
