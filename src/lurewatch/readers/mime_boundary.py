"""Multipart boundaries found without compiling a regular expression for each one.

Before Python 3.13, the standard library's MIME parser (`email.feedparser`) compiles a regular
expression for every multipart boundary it meets. Boundaries are unique, so the `re` cache never
helps: about 140 µs a boundary, a twentieth of the time lurewatch spends on a message. Python
3.13 matches a boundary line with `startswith` and one precompiled pattern for what may follow
the boundary; `use_prefix_boundaries` gives the older parsers that same matcher.

It does so by handing `email.feedparser` a `re` whose `compile` recognizes the boundary pattern,
checks that the boundary in it reads back to the very same pattern, and returns the matcher;
every other pattern (and a boundary pattern of another shape) is compiled by `re` as before.
The parser reads only the `end` and `linesep` groups of a boundary match, which the matcher's
match carries.
"""

from __future__ import annotations

import email.feedparser
import re
import sys
from typing import Any

_BEFORE = "(?P<sep>"
_AFTER = r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
# What may follow the boundary on its line, as Python 3.13 spells it.
_BOUNDARY_END = re.compile(r"(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


class BoundaryLine:
    """Matches a line that starts with the boundary, as the compiled pattern would."""

    __slots__ = ("separator", "size")

    def __init__(self, separator: str) -> None:
        self.separator = separator
        self.size = len(separator)

    def match(self, line: str) -> re.Match[str] | None:
        if not line.startswith(self.separator):
            return None
        return _BOUNDARY_END.match(line, self.size)


def boundary_line(pattern: str) -> BoundaryLine | None:
    """The matcher for a feedparser boundary pattern, or None for any other pattern."""
    if not (pattern.startswith(_BEFORE) and pattern.endswith(_AFTER)):
        return None
    escaped = pattern[len(_BEFORE) : -len(_AFTER)]
    separator = _ESCAPE.sub(r"\1", escaped)
    return BoundaryLine(separator) if re.escape(separator) == escaped else None


class _FeedparserRe:
    """The `re` module as `email.feedparser` sees it: the same, but for boundary patterns."""

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)

    @staticmethod
    def compile(pattern: Any, flags: int = 0) -> Any:
        if flags == 0 and isinstance(pattern, str):
            matcher = boundary_line(pattern)
            if matcher is not None:
                return matcher
        return re.compile(pattern, flags)


def use_prefix_boundaries() -> None:
    """Give `email.feedparser` the boundary matcher, where it compiles boundaries (< 3.13)."""
    module = vars(email.feedparser)  # its `re` is an import, not a declared attribute
    if sys.version_info < (3, 13) and module.get("re") is re:
        module["re"] = _FeedparserRe()
