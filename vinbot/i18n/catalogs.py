"""The compiled gettext catalogs, one per language, loaded once.

`make` compiles `vinbot/locales/<lang>/LC_MESSAGES/vinbot.po` into `.mo` with Babel; a `.mo` that
is missing or older than its `.po` (a checkout that skipped make, an edited translation) is
compiled in memory instead, so the words shown are always those of the `.po` in the tree.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path
from typing import Final

from vinbot.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES

LOCALES_DIR: Final = Path(__file__).resolve().parent.parent / "locales"
DOMAIN: Final = "vinbot"


def po_path(language: str) -> Path:
    """Where a language's translations are kept in the repository."""
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _compiled_in_memory(po: Path) -> gettext.GNUTranslations:
    # Babel's catalog tools (0.3 MB once imported) are needed only without a fresh .mo.
    from babel.messages.mofile import write_mo  # noqa: PLC0415
    from babel.messages.pofile import read_po  # noqa: PLC0415

    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog for one of LANGUAGES; English (the message ids themselves) for the rest."""
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return gettext.NullTranslations()
    po = po_path(language)
    mo = po.with_suffix(".mo")
    if not po.exists():
        return gettext.NullTranslations()
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    return _compiled_in_memory(po)


def load_all() -> None:
    """Read every catalog now (at start-up, off the event loop), not at a user's first reply."""
    for language in LANGUAGES:
        translations(language)
