"""Where mail comes from: single .eml files, mbox files (streamed), and Maildir folders.

Each function yields RawMessage for every message found and Reject for what cannot be read.
Nothing is loaded whole except one message at a time, and a message is capped in size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from lurewatch.readers.records import RawMessage, Reject

# A single message larger than this is rejected rather than parsed (attachments of mail
# gateways rarely pass 50 MB; a larger "message" is usually a mis-split mbox).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024

_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")  # RFC 5322 field name then a colon
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
BLOCK_BYTES = 4 << 20


def looks_like_message(head: bytes) -> bool:
    """True when the bytes start like an RFC 5322 message (a header field)."""
    first = head.lstrip(b"\r\n").split(b"\n", 1)[0]
    if first.startswith((b"{", b"[")):
        return False  # JSON: '{"ts":' would read as a field named '{"ts"'
    return bool(_HEADER_LINE.match(first))


def looks_like_mbox(head: bytes) -> bool:
    return head.startswith(b"From ")


def read_eml(path: Path) -> Iterator[RawMessage | Reject]:
    try:
        size = path.stat().st_size
        if size > MAX_MESSAGE_BYTES:
            yield Reject(
                "email",
                str(path),
                None,
                f"message is {size} bytes, over the {MAX_MESSAGE_BYTES} byte limit",
            )
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Reject("email", str(path), None, f"cannot read file: {exc.strerror or exc}")
        return
    if not data.strip():
        yield Reject("email", str(path), None, "empty file")
        return
    yield RawMessage(data, str(path))


def read_mbox(path: Path) -> Iterator[RawMessage | Reject]:
    """Split an mbox on its "From " separator lines, one message at a time.

    A separator only counts at the start of the file or after an empty line (mboxo/mboxrd),
    so a body line that happens to begin with "From " does not split a message. Text before the
    first separator is rejected, not dropped.

    The file is read in blocks and separators are found with `bytes.find`, not line by line:
    an mbox is mostly message text, and a Python loop over its lines was a twentieth of mail
    ingest.
    """
    try:
        fh = path.open("rb")
    except OSError as exc:
        yield Reject("email", str(path), None, f"cannot open mbox: {exc.strerror or exc}")
        return
    with fh:
        yield from _split_mbox(fh, str(path))


def _split_mbox(fh: BinaryIO, name: str) -> Iterator[RawMessage | Reject]:
    # Newlines stand before the file, as if it followed an empty line: a separator on its
    # first line, or after leading empty lines, is then found like any other. `base` is the
    # file offset of buf[0]; the current message's text starts at buf[begin], and the three
    # bytes before it are kept for the separator's look back. `scanned`: where the search for
    # the next separator resumes when a block arrives (a long message is searched once).
    buf = bytearray(b"\n\n\n")
    base, begin, scanned = -3, 3, 3
    start, in_message, dropped, eof = 0, False, False, False
    while True:
        found = _separator(buf, scanned)
        if found is None and not eof:
            if len(buf) - begin > MAX_MESSAGE_BYTES + 7:
                # Over the limit: let its text go but for the last bytes, which may begin the
                # next separator (and the bytes its look back needs), and look for its end.
                dropped, begin = True, len(buf) - 7
            if begin > 3:
                del buf[: begin - 3]
                base, begin = base + begin - 3, 3
            scanned = max(begin, len(buf) - 4)  # "\nFrom" may have begun in the last 5 bytes
            block = fh.read(BLOCK_BYTES)
            eof = not block
            buf += block
            continue
        at = len(buf) if found is None else found
        item = _mbox_message(bytes(memoryview(buf)[begin:at]), name, start, in_message, dropped)
        if item is not None:
            yield item
        if found is None:
            return
        line_end = buf.find(b"\n", at)
        while line_end < 0 and not eof:
            block = fh.read(BLOCK_BYTES)
            eof = not block
            buf += block
            line_end = buf.find(b"\n", at)
        start, in_message, dropped = base + at, True, False
        begin = scanned = len(buf) if line_end < 0 else line_end + 1


def _separator(buf: bytearray, pos: int) -> int | None:
    """Where the first separator at or after `pos` starts: "From " at the start of a line that
    follows an empty line (LF or CRLF). Needs the three bytes before `pos`."""
    i = buf.find(b"\nFrom ", pos - 1)
    while i >= 0:
        if buf[i - 1] == 0x0A or buf[i - 2 : i] == b"\n\r":
            return i + 1
        i = buf.find(b"\nFrom ", i + 1)
    return None


def _mbox_message(
    data: bytes, name: str, start: int, in_message: bool, dropped: bool
) -> RawMessage | Reject | None:
    if dropped or len(data) > MAX_MESSAGE_BYTES:
        return Reject("email", name, start, f"mbox message over the {MAX_MESSAGE_BYTES} byte limit")
    if not data:
        return None  # a separator at the end of the file, or a file that starts with one
    if not in_message:
        if not data.strip():
            return Reject("email", name, start, "blank text before the first mbox separator")
        return Reject(
            "email", name, start, "text before the first 'From ' separator line (broken mbox)"
        )
    if b">From " in data:
        # mboxrd escapes body lines that start with ">From "; undo one level.
        data = _ESCAPED_FROM.sub(rb"\1", data)
    # The blank line that precedes the next separator belongs to the mbox format, not the message.
    if data.endswith(b"\r\n\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n\n"):
        data = data[:-1]
    if not data.strip():
        return Reject("email", name, start, "empty message in mbox")
    return RawMessage(data, name, start)


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()
