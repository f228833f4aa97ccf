"""Lines of a text protocol (HTTP head, SMTP, FTP, the SSH banner) and how each one ended.

The text protocols require CR LF; how a line actually ended is evidence in itself (bare LF is
tolerated by many servers, and the mismatch between who tolerates it and who does not is what
request and SMTP smuggling exploit). A line the buffer stops in the middle of is kept apart:
the rest of it may simply be in the next segment, so it is never judged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

CRLF = "crlf"
LF = "lf"
CUT = "cut"  # the buffer ends before the line does


class Line(NamedTuple):
    text: bytes  # without its terminator
    end: str  # CRLF, LF or CUT
    offset: int  # where the line starts in the buffer

    @property
    def size(self) -> int:
        """Octets on the wire, terminator included."""
        return len(self.text) + (2 if self.end == CRLF else 1 if self.end == LF else 0)


def split_lines(data: bytes, max_lines: int = 512) -> list[Line]:
    """The first `max_lines` lines of `data`; the last one is CUT when no LF ends it."""
    out: list[Line] = []
    pos, n = 0, len(data)
    while pos < n and len(out) < max_lines:
        nl = data.find(b"\n", pos)
        if nl < 0:
            out.append(Line(data[pos:], CUT, pos))
            break
        if nl > pos and data[nl - 1] == 0x0D:
            out.append(Line(data[pos : nl - 1], CRLF, pos))
        else:
            out.append(Line(data[pos:nl], LF, pos))
        pos = nl + 1
    return out


_ESCAPES = {i: f"\\x{i:02x}" for i in range(256) if not 0x20 <= i < 0x7F}


def shown(text: bytes, limit: int = 60) -> str:
    """A line as an analyst can read it: printable ASCII kept, everything else escaped."""
    body = text[:limit].decode("latin-1").translate(_ESCAPES)
    return body + ("..." if len(text) > limit else "")


def outside(allowed: bytes) -> Callable[[bytes], re.Match[bytes] | None]:
    """A test for a byte outside `allowed` (a single character class: linear, no backtracking)."""
    return re.compile(b"[^" + b"".join(b"\\x%02x" % c for c in allowed) + b"]").search


# A control byte other than TAB, LF, VT, FF and CR: text protocols never send one, and binary
# ones (TLS records, DCE/RPC, compressed data) nearly always do within their first bytes.
control_byte = outside(bytes(range(0x09, 0x0E)) + bytes(range(0x20, 0x100)))


def has_bare_cr(text: bytes) -> bool:
    """A CR inside a line (the terminator's CR is already stripped)."""
    return b"\r" in text
