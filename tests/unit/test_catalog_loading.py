"""Reading the compiled catalogs at start leaves Babel's catalog tools unimported."""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from vinbot.i18n.catalogs import po_path

if TYPE_CHECKING:
    from pathlib import Path

LOADED = (
    "import sys; from pathlib import Path; import vinbot.i18n.catalogs as catalogs; "
    "catalogs.LOCALES_DIR = Path(sys.argv[1]); catalogs.load_all(); "
    "ru = catalogs.translations('ru'); "
    "print(ru.pgettext('button', 'Average'), 'babel.messages' in sys.modules)"
)


def _locales_with_ru(tmp_path: Path, *, compiled: bool) -> Path:
    folder = tmp_path / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = shutil.copy(po_path("ru"), folder / "vinbot.po")
    if compiled:
        with po.open("rb") as source:
            catalog = read_po(source, locale="ru")
        with (folder / "vinbot.mo").open("wb") as target:
            write_mo(target, catalog)
    return tmp_path


def _load_in_a_fresh_process(locales: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", LOADED, str(locales)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.split()


def test_fresh_mo_files_are_read_without_babels_catalog_tools(tmp_path: Path) -> None:
    """With every .mo newer than its .po (what make builds), babel.messages is never imported."""
    words = _load_in_a_fresh_process(_locales_with_ru(tmp_path, compiled=True))
    assert words[-1] == "False"
    assert words[0] == "Среднее"


def test_a_missing_mo_is_still_compiled_in_memory(tmp_path: Path) -> None:
    """Without a .mo the .po is compiled with Babel's tools, imported then."""
    words = _load_in_a_fresh_process(_locales_with_ru(tmp_path, compiled=False))
    assert words[-1] == "True"
    assert words[0] == "Среднее"
