"""Sysmon JSON lines read in bulk: blocks of lines mapped by DuckDB (bulk_map.py) into column
batches for the store.

What ingest reads: the same rows, rejects and unused counts as `read_sysmon_json`, many times
faster. Lines are cut from 32 MB blocks and handed to the database as one column with their line
numbers; the lines it leaves — documents in shapes only rows.py knows, and every line that
becomes a reject, so the reasons read exactly as on the record path — are mapped one by one by
json_reader.map_line. Plain or gzip.
"""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import numpy as np
import orjson
import pyarrow as pa

from lurewatch.readers.log_stream import STREAM_ERRORS
from lurewatch.readers.records import Reject
from lurewatch.readers.sysmon import bulk_map
from lurewatch.readers.sysmon.bulk_map import Mapper
from lurewatch.readers.sysmon.json_reader import map_line
from lurewatch.readers.sysmon.rows import Row, SysmonMapper, source_label
from lurewatch.readers.sysmon.streams import read_error, read_file
from lurewatch.util.prefetch import prefetch

BLOCK_BYTES = 1 << 25  # the statement costs milliseconds to plan: blocks of ~20,000 lines

Item = tuple[str, pa.Table | Row] | Reject


def sysmon_json_batches(path: Path | str, unused: Counter[str] | None = None) -> Iterator[Item]:
    """(table, column batch) of the used Sysmon events of a JSON-lines file, (table, row) for
    the few mapped one by one, and a Reject per bad line."""
    return read_file(path, unused, _lines)


def _lines(fh: IO[bytes], name: str, mapper: SysmonMapper) -> Iterator[Item]:
    con = Mapper()
    done = 0  # lines handed on so far
    try:
        # The next block is read and cut into lines while the database maps this one.
        for block in prefetch((_Block(data) for data in _blocks(fh)), 1, "sysmon-json-blocks"):
            yield from _map_block(con, block, done + 1, mapper)
            done += block.count
    except STREAM_ERRORS as exc:  # what was read before stands
        yield Reject("file", name, done + 1, read_error(exc, f"line {done}"))
    finally:
        con.close()


def _blocks(fh: IO[bytes]) -> Iterator[bytes]:
    """Whole lines, about BLOCK_BYTES at a time: a chunk and the rest of its last line (the
    last block of a file may lack its final newline)."""
    first = True
    while chunk := fh.read(BLOCK_BYTES):
        if first:
            chunk = chunk.removeprefix(codecs.BOM_UTF8)
            first = False
        if not chunk.endswith(b"\n"):
            chunk += fh.readline()
        yield chunk


class _Block:
    """A block's lines as an Arrow string column over the block's own bytes: no copy or
    decode per line. Each line keeps its newline, which JSON reads as white space."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1
        if not len(ends) or ends[-1] != len(data):  # a last line without its newline
            ends = np.append(ends, len(data))
        self.offsets = np.concatenate(([0], ends)).astype(np.int64)
        self.count = len(self.offsets) - 1

    def line(self, i: int) -> bytes:
        return self.data[self.offsets[i] : self.offsets[i + 1]]

    def column(self) -> tuple[pa.Array, list[int]]:
        """The lines, and the indexes of those that are not UTF-8 (null in the column)."""
        array = pa.LargeStringArray.from_buffers(
            self.count, pa.py_buffer(self.offsets.tobytes()), pa.py_buffer(self.data)
        )
        try:
            array.validate(full=True)
            return array, []
        except pa.ArrowInvalid:
            pass
        texts: list[str | None] = []
        bad: list[int] = []
        for i in range(self.count):
            try:
                texts.append(self.line(i).decode())
            except UnicodeDecodeError:
                texts.append(None)
                bad.append(i)
        return pa.array(texts, pa.large_string()), bad


def _map_block(con: Mapper, block: _Block, first: int, mapper: SysmonMapper) -> Iterator[Item]:
    if block.count < bulk_map.BULK_MIN:
        yield from _map_lines(block, range(block.count), first, mapper)
        return
    lines, undecodable = block.column()
    line = pa.array(np.arange(first, first + block.count, dtype=np.int64))
    docs = bulk_map.documents(line, lines, mapper.path)
    shape = shape_of(block.line(i) for i in range(min(block.count, 100)))
    tables, unused, left = con.map(docs, shape)
    for table, batch in tables.items():
        if batch.num_rows:
            yield table, batch
    count_unused(unused, mapper.unused)
    redo = sorted({*left.column("seq").to_pylist(), *undecodable})
    yield from _map_lines(block, redo, first, mapper)


def _map_lines(
    block: _Block, indices: Iterable[int], first: int, mapper: SysmonMapper
) -> Iterator[Item]:
    """The block's lines at `indices`, mapped one at a time by rows.py."""
    for i in indices:
        item = map_line(block.line(i), first + i, mapper)
        if item is not None:
            yield item


def shape_of(lines: Iterable[bytes]) -> str:
    """The shape ("F", "W" or "E", see bulk_map) of the first document among `lines`."""
    for line in lines:
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if type(doc) is dict:
            if isinstance(doc.get("winlog"), dict):
                return "W"
            if "EventID" not in doc and isinstance(doc.get("Event"), dict):
                return "E"
            return "F"
    return "F"


def count_unused(unused: pa.Table, counts: Counter[str]) -> None:
    """Add the database's unused counts under rows.py's keys ("sysmon:5", "security:4688")."""
    for sysmon, provider, shown, n in zip(
        *(unused.column(c).to_pylist() for c in ("sysmon", "provider", "shown", "n")), strict=True
    ):
        counts[f"{'sysmon' if sysmon else source_label(provider)}:{shown}"] += n
