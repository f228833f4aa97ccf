"""Captures as they are stored: plain, or compressed with gzip.

Rotated captures are often kept gzip-compressed (`tcpdump -G ... -z gzip`, archives of
`.pcap.gz`), and Wireshark reads them as they are; so does lurewatch, by the magic bytes
rather than the name. A compressed capture is read forward only: seeking back would inflate it
again from its start, so the reader joins the bytes it holds to the next read instead, as it
does for a pipe. A stream that is damaged or cut short ends there; what was read before
stands, and the damage is reported.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, cast

from lurewatch.readers.log_stream import GZIP_MAGIC, STREAM_ERRORS


class Inflating:
    """A gzip stream read as the bytes inside it; `error` says why it ended early, if it did."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._gz = gzip.GzipFile(fileobj=raw, mode="rb")
        self.inflated = 0  # bytes handed out
        self.error: str | None = None

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (all that is left when negative), fewer only at the end. Read a
        piece at a time: when the stream breaks, the pieces before the break are kept."""
        if self.error is not None:
            return b""
        pieces: list[bytes] = []
        got = 0
        while size < 0 or got < size:
            try:
                piece = self._gz.read1(size - got if size >= 0 else -1)
            except STREAM_ERRORS as exc:
                self.error = (
                    f"the gzip stream is damaged or cut short after {self.inflated + got} "
                    f"bytes of capture: {exc}"
                )
                break
            if not piece:
                break
            pieces.append(piece)
            got += len(piece)
        self.inflated += got
        return b"".join(pieces)

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        try:
            self._gz.close()
        finally:
            self._raw.close()

    def __enter__(self) -> Inflating:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_capture(path: Path) -> BinaryIO:
    """The capture's bytes, inflated when the file is gzip-compressed (a pipe too: the magic
    bytes are peeked at, not read)."""
    fh = path.open("rb")
    if fh.peek(2)[:2] == GZIP_MAGIC:
        return cast(BinaryIO, Inflating(fh))
    return fh


def stream_damage(fh: BinaryIO) -> str | None:
    """Why a compressed capture's stream ended early, or None."""
    return fh.error if isinstance(fh, Inflating) else None
