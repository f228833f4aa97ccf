"""Text logs as lurewatch's log readers open them: plain or gzip (by magic bytes, not name),
streamed by lines, with the errors a damaged compressed stream raises part-way through.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import IO, cast

GZIP_MAGIC = b"\x1f\x8b"
# Errors a damaged gzip stream raises part-way through; what was read before it stands.
STREAM_ERRORS = (EOFError, OSError, zlib.error)
_ENCODING = "utf-8-sig"


def open_text_log(path: str | Path) -> IO[str]:
    """A text log, plain or gzip (by magic bytes, not name), opened for streaming by lines.

    Invalid UTF-8 is kept as `\\xNN` text, the notation Zeek itself uses for raw bytes; a
    byte-order mark some editors add is dropped. Only "\\n" ends a line, so a stray carriage
    return inside a value cannot split a record.
    """
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == GZIP_MAGIC:
        return gzip.open(path, "rt", encoding=_ENCODING, errors="backslashreplace", newline="\n")
    return open(path, encoding=_ENCODING, errors="backslashreplace", newline="\n")  # noqa: SIM115


def open_binary_log(path: str | Path) -> IO[bytes]:
    """A log's bytes, inflated when the file is gzip (by magic bytes, not name)."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == GZIP_MAGIC:
        return cast(IO[bytes], gzip.open(path, "rb"))
    return open(path, "rb")  # noqa: SIM115 - closed by the caller's with


def stream_error_reason(exc: BaseException, lines_read: int) -> str:
    what = "compressed stream ends early" if isinstance(exc, EOFError) else "read error"
    return f"{what} after line {lines_read}, the rest is unreadable: {exc}"


def text_head(head: bytes) -> bytes:
    """The start of a file's text, inflated when the bytes are the start of a gzip stream."""
    if not head.startswith(GZIP_MAGIC):
        return head
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)
    except zlib.error:
        return b""
