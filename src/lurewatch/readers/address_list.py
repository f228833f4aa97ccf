"""Plain address lists read without the standard library's character-by-character parser.

`email.utils.getaddresses` walks a header one character at a time in Python: about 15 µs for
`Name <user@example.com>`, and a message has several address fields. Most fields are plain —
each entry a bare `user@domain`, or one in angle brackets after plain words or one quoted
string — and for those `read_addresses` cuts the entries with one pattern and gives exactly what
`getaddresses` gives. Anything else (comments, groups, escapes, RFC 2047 words, a second `@`,
whitespace other than spaces and tabs, an empty entry) goes to `getaddresses` itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import getaddresses

# Characters the stdlib parser reads as part of an atom (or a dot between atoms): anything but
# whitespace and its specials. Whitespace other than space and tab is left to the stdlib,
# which reads it as part of an atom where a pattern's \s would not.
_ATOM = r'[^\s<>@",;:()\[\]\\]+'
_ADDR = rf"{_ATOM}@{_ATOM}"
_WORD = r'[^\s"<>@,;:()\[\]\\=]+'
_QUOTED = r'(?:[ \t]|[^\s"<>@,;:()\[\]\\=])*'
_ENTRY = re.compile(
    rf"[ \t]*(?:(?P<bare>{_ADDR})"
    rf'|(?:(?P<words>{_WORD}(?:[ \t]+{_WORD})*)|"(?P<quoted>{_QUOTED})")?[ \t]*<(?P<angle>{_ADDR})>'
    r")[ \t]*"
)


def plain_addresses(value: str) -> list[tuple[str, str]] | None:
    """`getaddresses([value])` for a plain address list, or None when `value` is not one."""
    out: list[tuple[str, str]] = []
    for entry in value.split(","):
        m = _ENTRY.fullmatch(entry)
        if m is None:
            return None
        bare, words, quoted, angle = m.group("bare", "words", "quoted", "angle")
        if bare is not None:
            out.append(("", bare))
        elif words is not None:
            out.append((" ".join(words.split()), angle))  # the stdlib joins words with a space
        else:
            out.append((quoted or "", angle))
    return out


def read_addresses(values: Iterable[str]) -> list[tuple[str, str]]:
    """`email.utils.getaddresses(values)`, without its parser where the text is plain."""
    joined = ", ".join(values)
    plain = plain_addresses(joined)
    return plain if plain is not None else getaddresses([joined])
