"""Characters that break code which assumes one case mapping, one code unit or one direction."""

# Characters whose case mapping changes length or maps outside ASCII, marks that combine or
# reorder, and characters outside the Basic Multilingual Plane (surrogate pairs in UTF-16).
TRICKY = (
    "\u0130",  # İ: lower() is two code points
    "\u0131",  # dotless i
    "ß",
    "\u1e9e",  # ẞ
    "\ufb01",  # ﬁ: upper() is "FI"
    "\ufb00",  # ﬀ
    "\u212a",  # Kelvin sign: lower() is ASCII "k"
    "\u212b",  # Ångström sign
    "\u017f",  # long s: upper() is ASCII "S"
    "\u0307",  # combining dot above
    "\u0301",  # combining acute
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u2067",  # right-to-left isolate
    "\u200d",  # zero-width joiner
    "🚗",
    "\U0001d400",  # mathematical bold A
    "@",
    "_",
    " ",
)

# What an East Asian input method types: each printable ASCII character as its full-width form.
_TO_FULL_WIDTH = str.maketrans(
    "".join(map(chr, range(0x21, 0x7F))) + " ", "".join(map(chr, range(0xFF01, 0xFF5F))) + "\u3000"
)


def full_width(text: str) -> str:
    """The text as a Japanese or Chinese input method writes it: full-width letters, digits,
    punctuation and spaces."""
    return text.translate(_TO_FULL_WIDTH)
