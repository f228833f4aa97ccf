"""Cutting a stream of Windows event XML into one text per `<Event>` element.

Exports come in several layouts: `wevtutil qe /f:xml` writes events back to back, Event
Viewer wraps them in `<Events>`, PowerShell writes one per line (in UTF-16 when redirected),
and Sysmon for Linux writes one per syslog line after the syslog prefix. Cutting the stream
at `<Event ...>` / `</Event>` before parsing handles all of them, keeps memory flat, and lets one
malformed event fail alone: a whole-document XML parser would lose everything after it.
A literal "<Event" cannot occur inside an event's text, where XML escapes "<".
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import IO

READ_SIZE = 1 << 20
MAX_EVENT = 4 << 20  # an EVTX record is at most 64 KiB; far beyond that is no event
_START = "<Event"
_END = "</Event>"
_AFTER_START = (" ", ">", "\n", "\r", "\t")  # not <Events>, <EventData>, <EventID>, ...


def detect_encoding(head: bytes) -> tuple[str, int]:
    """(codec, BOM length) from the first bytes: UTF-8 unless a BOM or NUL bytes say UTF-16."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    if head[:2] == b"<\x00":
        return "utf-16-le", 0
    if head[:2] == b"\x00<":
        return "utf-16-be", 0
    return "utf-8", 0


def _find_start(buf: str, pos: int, stop: int) -> int:
    while True:
        i = buf.find(_START, pos, stop)
        if i < 0:
            return -1
        if buf[i + 6 : i + 7] in _AFTER_START:  # "" at the end of the buffer is no match
            return i
        pos = i + 6


class _Lines:
    """Line numbers of positions in a buffer that only moves forward."""

    def __init__(self) -> None:
        self.line = 1
        self.pos = 0

    def at(self, buf: str, pos: int) -> int:
        self.line += buf.count("\n", self.pos, pos)
        self.pos = pos
        return self.line

    def drop(self, buf: str, keep: int) -> str:
        """The buffer without its first `keep` characters, still counting their newlines."""
        self.at(buf, keep)
        self.pos = 0
        return buf[keep:]


def event_texts(fh: IO[bytes]) -> Iterator[tuple[int, str, str | None]]:
    """(line, text, problem) per `<Event>` in order; problem is None for a whole element."""
    head = fh.read(4)
    encoding, bom = detect_encoding(head)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    buf = decoder.decode(head[bom:])
    lines = _Lines()
    pos = 0
    eof = False
    while True:
        start = _find_start(buf, pos, len(buf))
        if start >= 0:
            end = buf.find(_END, start)
            nxt = _find_start(buf, start + 6, end if end >= 0 else len(buf))
            if nxt >= 0:
                yield lines.at(buf, start), buf[start:nxt], "unterminated <Event>: another begins"
                pos = nxt
                continue
            if end >= 0:
                yield lines.at(buf, start), buf[start : end + len(_END)], None
                pos = end + len(_END)
                continue
            if eof:
                yield lines.at(buf, start), buf[start:], "unterminated <Event> at the end of input"
                return
            if len(buf) - start > MAX_EVENT:
                why = f"<Event> without </Event> in its first {MAX_EVENT // 1024} KiB"
                yield lines.at(buf, start), buf[start : start + 200], why
                pos = start + 6
                continue
            keep = start  # an event begun but not ended: read on, keeping it
        elif eof:
            return
        else:
            keep = max(pos, len(buf) - len(_START))  # "<Even" may continue in the next read
        buf = lines.drop(buf, keep)
        pos = 0
        chunk = fh.read(READ_SIZE)
        if chunk:
            buf += decoder.decode(chunk)
        else:
            eof = True
            buf += decoder.decode(b"", final=True)
