"""Attachment names in message content that no file system can hold.

A MIME part names its file in `Content-Disposition: attachment; filename=...` or, in older
mailers, `Content-Type: ...; name=...` (RFC 2183, RFC 2045), possibly split into RFC 2231
segments (`filename*0=`, `filename*1=`) or written as an encoded word. File systems hold
names of at most 255 bytes, and mail gateways cut longer ones where they please: an overlong
name is how `invoice.pdf` followed by 250 spaces and `.exe` reaches the reader looking like a
PDF while a filter sees something else. Suricata reports the same as `MIME_LONG_FILENAME`.

`NameScanner` is fed message content as it streams past (SMTP DATA or BDAT octets) and keeps
the unfinished last line for the next segment, so a parameter split across packets is read
whole.
"""

from __future__ import annotations

import email.header
import re
import urllib.parse

NAME_MAX = 255  # bytes: NAME_MAX of Linux, and the usual limit elsewhere
_LINE_CARRY = 4096  # an unfinished line longer than this is read as it is
_PARAM = re.compile(
    rb"(?<![\w-])(?:file)?name(?:\*([0-9]{1,3}))?(\*)?[ \t]*=[ \t]*"
    rb'(?:"((?:[^"\\\r\n]|\\.){0,8192})"|([^\s;"]{1,8192}))',
    re.IGNORECASE,
)
_NAME = re.compile(rb"name", re.IGNORECASE)
_QUOTED_PAIR = re.compile(rb"\\(.)")


def _octets(value: bytes, extended: bool) -> bytes:
    """The name a value stands for, as bytes."""
    if extended:  # RFC 2231: charset'language'percent-encoded (the first segment has the prefix)
        if value.count(b"'") >= 2:
            value = value.split(b"'", 2)[2]
        return urllib.parse.unquote_to_bytes(value)
    if b"=?" in value:
        try:
            text = value.decode("ascii")
            return b"".join(
                part if isinstance(part, bytes) else part.encode()
                for part, _charset in email.header.decode_header(text)
            )
        except (UnicodeError, ValueError, LookupError):
            return value
    return value


class NameScanner:
    """Finds attachment names longer than `NAME_MAX` bytes in streamed message content."""

    __slots__ = ("carry", "segments")

    def __init__(self) -> None:
        self.carry = b""
        self.segments = b""  # the RFC 2231 segments of the name being put together

    def feed(self, content: bytes) -> bytes | None:
        """The first overlong name in the complete lines so far, or None."""
        data = self.carry + content if self.carry else content
        cut = data.rfind(b"\n") + 1
        if len(data) - cut > _LINE_CARRY:
            cut = len(data)
        self.carry = data[cut:]
        if _NAME.search(data, 0, cut) is None:  # nearly every segment: no copy, one pass
            return None
        return self._scan(data, cut)

    def _scan(self, data: bytes, end: int) -> bytes | None:
        for m in _PARAM.finditer(data, 0, end):
            index, star, quoted, token = m.groups()
            if quoted is not None:
                value = _octets(_QUOTED_PAIR.sub(rb"\1", quoted), star is not None)
            else:
                value = _octets(token, star is not None)
            if index is not None:
                self.segments = value if int(index) == 0 else self.segments + value
                value = self.segments
            if len(value) > NAME_MAX:
                return value
        return None
