"""Where mail comes from: single .eml files, mbox files (streamed), and Maildir folders.

Each function yields RawMessage for every message found and Reject for what cannot be read.
Nothing is loaded whole except one message at a time, and a message is capped in size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lurewatch.readers.records import RawMessage, Reject

# A single message larger than this is rejected rather than parsed (attachments of mail
# gateways rarely pass 50 MB; a larger "message" is usually a mis-split mbox).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024

_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")  # RFC 5322 field name then a colon
_MBOX_FROM = re.compile(rb"^From \S*")


def looks_like_message(head: bytes) -> bool:
    """True when the bytes start like an RFC 5322 message (a header field)."""
    first = head.lstrip(b"\r\n").split(b"\n", 1)[0]
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
    """
    try:
        fh = path.open("rb")
    except OSError as exc:
        yield Reject("email", str(path), None, f"cannot open mbox: {exc.strerror or exc}")
        return
    with fh:
        chunks: list[bytes] = []
        size = 0
        start = 0
        offset = 0
        in_message = False
        oversized = False
        prev_blank = True
        for line in fh:
            if prev_blank and _MBOX_FROM.match(line):
                if chunks or oversized:
                    yield _mbox_message(chunks, path, start, in_message, oversized)
                chunks, size, oversized = [], 0, False
                start = offset
                in_message = True
            else:
                size += len(line)
                if size > MAX_MESSAGE_BYTES:
                    oversized = True
                    chunks = []
                elif not oversized:
                    # mboxrd escapes body lines that start with ">From "; undo one level.
                    if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                        line = line[1:]
                    chunks.append(line)
            prev_blank = line in (b"\n", b"\r\n")
            offset += len(line)
        if chunks or oversized:
            yield _mbox_message(chunks, path, start, in_message, oversized)


def _mbox_message(
    chunks: list[bytes], path: Path, start: int, in_message: bool, oversized: bool
) -> RawMessage | Reject:
    if oversized:
        return Reject(
            "email", str(path), start, f"mbox message over the {MAX_MESSAGE_BYTES} byte limit"
        )
    data = b"".join(chunks)
    if not in_message:
        if not data.strip():
            return Reject("email", str(path), start, "blank text before the first mbox separator")
        return Reject(
            "email", str(path), start, "text before the first 'From ' separator line (broken mbox)"
        )
    # The blank line that precedes the next separator belongs to the mbox format, not the message.
    if data.endswith(b"\r\n\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n\n"):
        data = data[:-1]
    if not data.strip():
        return Reject("email", str(path), start, "empty message in mbox")
    return RawMessage(data, str(path), start)


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()
