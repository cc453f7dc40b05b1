"""vPIC's WMI rows held compactly: one bytes object and a sorted key index, searched by bisection.

The table has about 12,800 rows. As a dict of parsed objects it took about 7 MB of the bot's
memory for good; held as the rows' UTF-8 bytes with fixed-width keys it takes under 1 MB, and
only a row that is looked up is split into its fields.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from typing import TYPE_CHECKING, Final, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

# A WMI (3 characters) or a WMI plus positions 12-14 (6), padded with spaces: a space sorts
# before every VIN character, so the padded keys sort as the keys themselves do.
KEY_WIDTH: Final = 6
_PADDING: Final = b" "
_SEPARATOR: Final = b"\t"


class VpicRow(NamedTuple):
    """One row's fields as the data file spells them ("" where vPIC has nothing)."""

    manufacturer: str
    makes: str  # "|"-separated
    country: str


class _Packed(NamedTuple):
    keys: bytes  # KEY_WIDTH bytes per row
    rows: bytes  # the rows' UTF-8 one after another
    starts: array[int]  # where each row starts in rows, and where the last one ends
    in_order: bool  # whether the keys are sorted and unique

    def pairs(self) -> Iterator[tuple[str, str]]:
        for index in range(len(self.starts) - 1):
            key = self.keys[index * KEY_WIDTH : (index + 1) * KEY_WIDTH]
            row = self.rows[self.starts[index] : self.starts[index + 1]]
            yield key.decode().rstrip(), row.decode()


def _packed(rows: Iterable[tuple[str, str]]) -> _Packed:
    # Appended one at a time, so reading the (sorted) data file allocates little more than
    # the table itself.
    keys, data, starts = bytearray(), bytearray(), array("I", [0])
    in_order = True
    for key, row in rows:
        padded, encoded = _padded(key), row.encode()
        if encoded.count(_SEPARATOR) != len(VpicRow._fields) - 1:
            raise ValueError(f"the row for {key} does not have {len(VpicRow._fields)} fields")
        in_order = in_order and keys[-KEY_WIDTH:] < padded
        keys += padded
        data += encoded
        starts.append(len(data))
    return _Packed(bytes(keys), bytes(data), starts, in_order)


class VpicRows:
    """Rows by key (WMI, or WMI plus positions 12-14); each row's fields are split on lookup."""

    __slots__ = ("_keys", "_rows", "_starts")

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        """Keep (key, "manufacturer<TAB>makes<TAB>country") pairs; a later duplicate key wins."""
        packed = _packed(rows)
        if not packed.in_order:
            packed = _packed(sorted(dict(packed.pairs()).items()))
        self._keys, self._rows, self._starts, _ = packed

    def __len__(self) -> int:
        """How many rows are held."""
        return len(self._starts) - 1

    def __contains__(self, key: object) -> bool:
        """Whether a row has this key."""
        return isinstance(key, str) and self._index(key) is not None

    def get(self, key: str) -> VpicRow | None:
        """The row with this key, or None."""
        index = self._index(key)
        if index is None:
            return None
        row = self._rows[self._starts[index] : self._starts[index + 1]]
        manufacturer, makes, country = row.decode().split("\t")
        return VpicRow(manufacturer, makes, country)

    def _key_at(self, index: int) -> bytes:
        return self._keys[index * KEY_WIDTH : (index + 1) * KEY_WIDTH]

    def _index(self, key: str) -> int | None:
        if not key.isascii() or len(key) > KEY_WIDTH:
            return None
        wanted = _padded(key)
        index = bisect_left(range(len(self)), wanted, key=self._key_at)
        if index < len(self) and self._key_at(index) == wanted:
            return index
        return None


def _padded(key: str) -> bytes:
    padded = key.encode("ascii").ljust(KEY_WIDTH, _PADDING)
    if len(padded) != KEY_WIDTH:
        raise ValueError(f"the key {key} is longer than {KEY_WIDTH} characters")
    return padded
