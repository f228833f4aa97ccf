"""dkimpy's relaxed canonicalization steps, with the same results for less work.

dkimpy canonicalizes each signed header field and the body with `re.sub` calls on pattern
strings: `[\\t ]+` becomes one space (a replacement for every single space of the body, which
changes nothing), `\\r?\\n` is removed from a field, and `[\\t ]+\\r\\n` loses its spaces. The
twins here give the same bytes: only runs that change are replaced, line breaks go by two
literal replaces, and a body with no space or tab before a line break is returned as it is.
Tests compare each with dkimpy's on random bytes. `use_lean_canonicalization` installs them
where dkimpy's own functions are in place.
"""

from __future__ import annotations

import re

import dkim.canonicalization as canon

_CHANGING_RUNS = re.compile(rb"[\t ]{2,}|\t")  # a single space stays a single space
_TRAILING = re.compile(rb"[\t ]+\r\n")


def compress_whitespace(content: bytes) -> bytes:
    """`re.sub(b"[\\t ]+", b" ", content)`."""
    return _CHANGING_RUNS.sub(b" ", content)


def unfold_header_value(content: bytes) -> bytes:
    """`re.sub(b"\\r?\\n", b"", content)`: each LF goes, with the CR just before it."""
    return content.replace(b"\r\n", b"\n").replace(b"\n", b"")


def strip_trailing_whitespace(content: bytes) -> bytes:
    """`re.sub(b"[\\t ]+\\r\\n", b"\\r\\n", content)`."""
    if b" \r\n" not in content and b"\t\r\n" not in content:
        return content
    return _TRAILING.sub(b"\r\n", content)


def use_lean_canonicalization() -> None:
    """Give dkimpy (DKIM and ARC) the twins, where its own functions are still in place."""
    for name, twin in (
        ("compress_whitespace", compress_whitespace),
        ("unfold_header_value", unfold_header_value),
        ("strip_trailing_whitespace", strip_trailing_whitespace),
    ):
        if getattr(getattr(canon, name, None), "__module__", None) == canon.__name__:
            setattr(canon, name, twin)
