"""A checker for Telegram's HTML parse mode: fails where the Bot API fails, returns entities."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
SIMPLE_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# Telegram's own notion of whitespace inside tags (tdutils is_space); the end of text counts too.
TAG_SPACE = frozenset(" \t\r\n\v")
# What Telegram trims from both ends of a message before checking that it is not empty.
TRIMMED = " \t\r\n\v\f"
MAX_ENTITY_CHARS = 10


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message is the Bot API's wording."""


@dataclass
class _OpenTag:
    name: str
    argument: str
    unix_time: int
    utf16_offset: int
    text_start: int


@dataclass
class _Parser:
    source: str
    strict_ampersand: bool
    out: list[str] = field(default_factory=list)
    utf16_offset: int = 0
    entities: list[dict[str, Any]] = field(default_factory=list)
    stack: list[_OpenTag] = field(default_factory=list)

    def char(self, index: int) -> str:
        return self.source[index] if index < len(self.source) else ""

    def byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode("utf-8", "surrogatepass"))

    def is_space(self, index: int) -> bool:
        char = self.char(index)
        return char == "" or char in TAG_SPACE

    def decode_entity(self, index: int) -> tuple[str, int] | None:
        """Decode `&...;` at index like Telegram does: the character and the next index."""
        end = index + 1
        if self.char(end) == "#":
            end += 1
            code = 0
            if self.char(end) == "x":
                end += 1
                while (digit := self.char(end)) and digit in "0123456789abcdefABCDEF":
                    code = code * 16 + int(digit, 16)
                    end += 1
            else:
                while (digit := self.char(end)) and digit in "0123456789":
                    code = code * 10 + int(digit)
                    end += 1
            if code == 0 or code >= 0x10FFFF or end - index >= MAX_ENTITY_CHARS:
                return None
            if 0xD800 <= code <= 0xDFFF:
                raise HtmlParseError(
                    "Text contains invalid Unicode characters after decoding HTML entities, "
                    "check for unmatched surrogate code units"
                )
            decoded = chr(code)
        else:
            while (letter := self.char(end)) and letter.isascii() and letter.isalpha():
                end += 1
            named = NAMED_ENTITIES.get(self.source[index + 1 : end])
            if named is None:
                return None
            decoded = named
        if self.char(end) == ";":
            end += 1
        return decoded, end

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16_offset += utf16_length(text)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        index = 0
        while index < len(self.source):
            char = self.source[index]
            if char == "&":
                decoded = self.decode_entity(index)
                if decoded is not None:
                    self.emit(decoded[0])
                    index = decoded[1]
                    continue
                if self.strict_ampersand:
                    raise HtmlParseError(
                        f'Character "&" must be escaped as "&amp;" at byte offset '
                        f"{self.byte_offset(index)}"
                    )
            if char != "<":
                self.emit(char)
                index += 1
                continue
            closing = self.char(index + 1) == "/"
            index = self.close_tag(index) if closing else self.open_tag(index)
        if self.stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self.out), self.entities

    def open_tag(self, begin: int) -> int:
        at = self.byte_offset(begin)
        index = begin + 1
        while not self.is_space(index) and self.char(index) != ">":
            index += 1
        if self.char(index) == "":
            raise HtmlParseError(f"Unclosed start tag at byte offset {at}")
        name = self.source[begin + 1 : index].lower()
        if name not in SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {at}')
        argument, unix_time, index = self.attributes(name, index, at)
        if name == "span" and argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        self.stack.append(_OpenTag(name, argument, unix_time, self.utf16_offset, len(self.out)))
        return index + 1

    def skip_spaces(self, index: int) -> int:
        while self.char(index) != "" and self.is_space(index):
            index += 1
        return index

    def attributes(self, name: str, index: int, at: int) -> tuple[str, int, int]:
        """Read a start tag's attributes up to its `>`: the tag's argument, a time, the index."""
        argument = ""
        unix_time = 0
        while self.char(index) != ">":
            index = self.skip_spaces(index)
            if self.char(index) == ">":
                break
            name_begin = index
            while not self.is_space(index) and self.char(index) not in {"=", ">", "/", '"', "'"}:
                index += 1
            attribute = self.source[name_begin:index]
            if not attribute:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {at}'
                )
            index = self.skip_spaces(index)
            if self.char(index) != "=":
                if self.char(index) == "":
                    raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {at}')
                if name == "blockquote" and attribute == "expandable":
                    argument = "1"
                continue
            index += 1
            index = self.skip_spaces(index)
            if self.char(index) == "":
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {at}')
            value, index = self.attribute_value(index)
            if self.char(index) == "":
                raise HtmlParseError(f"Unclosed start tag at byte offset {at}")
            if (name, attribute) == ("tg-time", "unix"):
                unix_time = int(value) if value.isdigit() else 0
            else:
                argument = _tag_argument(name, attribute, value, argument)
        return argument, unix_time, index

    def attribute_value(self, index: int) -> tuple[str, int]:
        quote = self.char(index)
        if quote not in {"'", '"'}:
            begin = index
            while (char := self.char(index)) and (
                (char.isascii() and char.isalnum()) or char in ".-"
            ):
                index += 1
            if not self.is_space(index) and self.char(index) != ">":
                raise HtmlParseError(
                    f"Unexpected end of name token at byte offset {self.byte_offset(begin)}"
                )
            return self.source[begin:index].lower(), index
        index += 1
        value: list[str] = []
        while (char := self.char(index)) and char != quote:
            if char == "&" and (decoded := self.decode_entity(index)) is not None:
                value.append(decoded[0])
                index = decoded[1]
                continue
            value.append(char)
            index += 1
        if self.char(index) == quote:
            index += 1
        return "".join(value), index

    def close_tag(self, begin: int) -> int:
        at = self.byte_offset(begin)
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {at}")
        index = begin + 2
        while not self.is_space(index) and self.char(index) != ">":
            index += 1
        end_name = self.source[begin + 2 : index].lower()
        index = self.skip_spaces(index)
        if self.char(index) != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {at}")
        tag = self.stack[-1]
        if end_name and end_name != tag.name:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {at}, expected "</{tag.name}>", '
                f'found "</{end_name}>"'
            )
        length = self.utf16_offset - tag.utf16_offset
        if length > 0:
            self.add_entity(tag, length)
        self.stack.pop()
        return index + 1

    def add_entity(self, tag: _OpenTag, length: int) -> None:
        entity: dict[str, Any] = {"offset": tag.utf16_offset, "length": length}
        if tag.name in SIMPLE_ENTITY_TYPES:
            entity["type"] = SIMPLE_ENTITY_TYPES[tag.name]
        elif tag.name in {"pre", "code"}:
            if self.merge_pre_code(tag, length):
                return
            entity["type"] = tag.name
            if tag.argument:
                entity["language"] = tag.argument
        elif tag.name == "blockquote":
            entity["type"] = "expandable_blockquote" if tag.argument else "blockquote"
        else:
            extra = self.argument_entity(tag)
            if extra is None:
                return
            entity |= extra
        self.entities.append(entity)

    def merge_pre_code(self, tag: _OpenTag, length: int) -> bool:
        """Fold `<pre><code class="language-x">` into one pre entity with a language."""
        if not self.entities or (not tag.argument and tag.name == "code"):
            return False
        last = self.entities[-1]
        if (last["offset"], last["length"]) != (tag.utf16_offset, length):
            return False
        if tag.name == "pre" and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
            return True
        if tag.name == "code" and last["type"] == "pre":
            last["language"] = tag.argument
            return True
        return False

    def argument_entity(self, tag: _OpenTag) -> dict[str, Any] | None:
        """The fields of a link, custom emoji or date entity; None when Telegram drops it."""
        if tag.name == "tg-emoji":
            if not tag.argument.isdigit() or int(tag.argument) == 0:
                raise HtmlParseError("Invalid custom emoji identifier specified")
            return {"type": "custom_emoji", "custom_emoji_id": tag.argument}
        if tag.name == "tg-time":
            if tag.unix_time <= 0:
                return None
            fields: dict[str, Any] = {"type": "date_time", "unix_time": tag.unix_time}
            if tag.argument:
                fields["date_time_format"] = tag.argument
            return fields
        url = tag.argument or "".join(self.out[tag.text_start :])
        return {"type": "text_link", "url": url} if url else None


# (tag, attribute) -> the prefix Telegram strips from the value to get the tag's argument.
ARGUMENT_ATTRIBUTES = {
    ("a", "href"): "",
    ("code", "class"): "language-",
    ("span", "class"): "tg-",
    ("tg-emoji", "emoji-id"): "",
    ("tg-time", "format"): "",
}


def _tag_argument(tag: str, attribute: str, value: str, argument: str) -> str:
    """Return the tag's argument after one attribute, keeping only what Telegram reads."""
    if (tag, attribute) == ("blockquote", "expandable"):
        return "1"
    prefix = ARGUMENT_ATTRIBUTES.get((tag, attribute))
    if prefix is None or not value.startswith(prefix):
        return argument
    return value.removeprefix(prefix)


def utf16_length(text: str) -> int:
    """Count UTF-16 code units, the unit of every length and offset in the Bot API."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse_html(source: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into plain text and Bot API entity dicts, or raise HtmlParseError."""
    text, entities = _Parser(source, strict_ampersand).run()
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return text, entities


def trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip surrounding whitespace as Telegram does, shifting and clipping the entities."""
    stripped = text.strip(TRIMMED)
    if stripped == text:
        return text, entities
    shift = utf16_length(text[: len(text) - len(text.lstrip(TRIMMED))])
    size = utf16_length(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] - shift + entity["length"], size)
        if end > start:
            kept.append(entity | {"offset": start, "length": end - start})
    return stripped, kept
