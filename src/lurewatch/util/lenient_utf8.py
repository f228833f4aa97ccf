"""UTF-8 that does not stop at a damaged byte, for libraries that only decode strictly.

Arrow's CSV reader fails a whole file at the first byte that is not UTF-8, in a record it would
keep as in one it would skip (it cannot even hand a skipped record's text over). Registered
here, the codec `LENIENT_UTF8` decodes UTF-8 and turns each such byte into U+FFFD, so a reader
can pass it to Arrow as the file's encoding: the record with the damaged byte is read (or
rejected) like any other, and the rest of the file is read on. `is_utf8` tells whether a file
needs it, since transcoding costs more than the check.
"""

from __future__ import annotations

import codecs
from typing import Any, BinaryIO

__all__ = ["LENIENT_UTF8", "is_utf8"]

LENIENT_UTF8 = "lurewatch_lenient_utf8"
_READ = 1 << 22


class _Decoder(codecs.BufferedIncrementalDecoder):
    """The UTF-8 decoder, with "replace" whatever errors the caller asks for."""

    def __init__(self, errors: str = "replace") -> None:
        super().__init__("replace")

    def _buffer_decode(self, data: Any, errors: str, final: bool) -> tuple[str, int]:
        return codecs.utf_8_decode(data, "replace", final)


def _lenient_decode(data: Any, errors: str = "replace", /) -> tuple[str, int]:
    return codecs.utf_8_decode(data, "replace", True)


def _search(name: str) -> codecs.CodecInfo | None:
    if name != LENIENT_UTF8:
        return None
    return codecs.CodecInfo(
        name=LENIENT_UTF8,
        encode=codecs.utf_8_encode,
        decode=_lenient_decode,
        incrementalencoder=codecs.getincrementalencoder("utf-8"),
        incrementaldecoder=_Decoder,
    )


codecs.register(_search)


def is_utf8(stream: BinaryIO) -> bool:
    """Whether everything `stream` holds, from where it stands, is UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(_READ):
            # ASCII, with no character left open before it, is UTF-8: no need to decode it
            if not (chunk.isascii() and not decoder.getstate()[0]):
                decoder.decode(chunk)
        decoder.decode(b"", True)
    except UnicodeDecodeError:
        return False
    return True
