"""Where a message's header section ends: its first empty line.

Lines end in LF or CRLF, so the empty line is an LF followed by LF or CRLF (or a message that
starts with one). One regular-expression scan stops there; a `find` for each spelling would run
through the whole body looking for the spelling the message does not use.
"""

from __future__ import annotations

import re

_EMPTY_LINE = re.compile(rb"\n\r?\n")


def blank_line(raw: bytes) -> int | None:
    """Where the first empty line starts, or None when there is none."""
    if raw.startswith((b"\n", b"\r\n")):
        return 0
    found = _EMPTY_LINE.search(raw)
    return found.start() + 1 if found else None


def header_end(raw: bytes) -> int:
    """The end of the header section (the first byte of its empty line, after the last field's
    line ending), or the end of a message without one."""
    end = blank_line(raw)
    return len(raw) if end is None else end
