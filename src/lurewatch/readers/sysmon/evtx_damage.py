"""What was lost in a damaged EVTX file, as Rejects that say where and how many records.

The `evtx` parser raises one error for a damaged chunk or record and goes on, but what the
error cost is only known afterwards: a bad chunk loses all its records, a bad record header
loses the rest of its chunk, and a file cut short loses its last chunk without any error.
Record numbers in a file are consecutive, so the gap before the next good record counts the
loss; each error is held until then and reported with it. A gap with no error before it is
reported too, so nothing disappears silently.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from lurewatch.readers.records import Reject

EVTX_MAGIC = b"ElfFile\x00"
CHUNK_SIZE = 65536
HEADER_BLOCK = 4096

# Only on the error path: where the parser says the damage is.
_CHUNK_RE = re.compile(r"chunk number (\d+)")
_RECORD_RE = re.compile(r"record number (\d+)")


def one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:250]


def _lost(first: int, last: int) -> str:
    n = last - first + 1
    return f"record {first} is missing" if n == 1 else f"records {first}-{last} ({n}) are missing"


class DamageReport:
    """Collects the damage of one file while its records are read."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.last: int | None = None  # number of the last good record
        self.pending: Reject | None = None  # an error waiting to learn what it cost

    def error(self, exc: BaseException) -> Reject | None:
        """Note one parser error; returns an earlier one that is now complete."""
        earlier, self.pending = self.pending, self._describe(exc)
        return earlier

    def seen(self, number: int) -> Reject | None:
        """Note a good record; returns a Reject when records before it are missing."""
        last, self.last = self.last, number
        pending, self.pending = self.pending, None
        if last is None or number <= last + 1:  # the start, consecutive, or a wrapped log
            return pending
        lost = _lost(last + 1, number - 1)
        if pending is not None:  # located at its first lost record when the error did not say
            offset = pending.offset if pending.offset is not None else last + 1
            return Reject(pending.kind, self.path, offset, f"{pending.reason}; {lost}")
        return Reject("sysmon", self.path, last + 1, f"EVTX {lost}: skipped by the parser")

    def finish(self) -> Iterator[Reject]:
        """The held error, and the loss of a file cut short."""
        if self.pending is not None:
            yield self.pending
            self.pending = None
        cut = truncation(Path(self.path), self.last)
        if cut is not None:
            yield cut

    def _describe(self, exc: BaseException) -> Reject:
        message = one_line(exc)
        chunk = _CHUNK_RE.search(message)
        if chunk:
            start = HEADER_BLOCK + int(chunk.group(1)) * CHUNK_SIZE
            why = f"damaged EVTX chunk {chunk.group(1)} at byte {start}: {message}"
            return Reject("sysmon", self.path, None, why[:400])
        record = _RECORD_RE.search(message)
        number = int(record.group(1)) if record else None
        if number is not None and number >= 2**63:  # the record header itself is garbage
            number = None
        return Reject("sysmon", self.path, number, f"damaged EVTX record: {message}"[:400])


def truncation(path: Path, last: int | None = None) -> Reject | None:
    """A Reject when the file is shorter than its header says (copied while open, cut short)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(128)
            size = os.fstat(fh.fileno()).st_size
    except OSError:
        return None
    if len(head) < 128 or not head.startswith(EVTX_MAGIC):
        return None  # the parser has already said the file is unreadable
    header_block = int.from_bytes(head[40:42], "little") or HEADER_BLOCK
    chunks = int.from_bytes(head[42:44], "little")
    expected = header_block + chunks * CHUNK_SIZE
    if size >= expected and (size - header_block) % CHUNK_SIZE == 0:
        return None
    whole = max(0, (size - header_block) // CHUNK_SIZE)
    why = (
        f"truncated EVTX file: {size} bytes hold {whole} whole chunks, its header declares "
        f"{chunks} ({expected} bytes); the records after the last whole chunk are lost"
    )
    next_record = int.from_bytes(head[24:32], "little")
    if last is not None and last + 1 < next_record:
        why += f": {_lost(last + 1, next_record - 1)}"
    return Reject("file", str(path), None, why)
