"""Sysmon EVTX records mapped in bulk by DuckDB (bulk_map.py), gathered across files.

What ingest reads from EVTX: the same rows, rejects and unused counts as `read_sysmon_evtx`,
at a fraction of the cost per record. The parser renders each record as JSON in the
`{"Event": {"System", "EventData"}}` shape; rather than parse it again and map it in Python,
the records are gathered — across files, since a folder of logs often holds many small ones —
and mapped by one statement per `GATHER` records. Damaged chunks and gaps are reported as on
the record path (`evtx_reader.records`), records of Sysmon IDs no table uses are counted
without a parse, and the records the database leaves (those that become rejects) are mapped
one by one by `evtx_reader.map_record`, so every reason reads the same. Fewer records than
`bulk_map.BULK_MIN` are mapped one by one too: planning the statement would cost more; so are
all the records of a statement the database fails on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from lurewatch.readers.records import Reject
from lurewatch.readers.sysmon import bulk_map
from lurewatch.readers.sysmon.bulk_json import Item, count_unused
from lurewatch.readers.sysmon.evtx_reader import map_record, records
from lurewatch.readers.sysmon.rows import SysmonMapper
from lurewatch.util.text_column import text_column

GATHER = 20_000  # records per statement: tens of megabytes of JSON


class EvtxBatches:
    """Reads EVTX files one after another; their records are mapped once `GATHER` have
    gathered, and by `finish`. Rows of a file may therefore come while a later file is read.

    Column batches hold in `event.id` what the store hashes; rows mapped one by one are hashed
    already. `threads` bounds the database's cores (a worker process shares them)."""

    def __init__(self, threads: int | None = None) -> None:
        self._mapper = bulk_map.Mapper(threads)
        self._files: list[SysmonMapper] = []  # the files whose records are gathered
        self._lines: list[int] = []  # record numbers
        self._docs: list[str] = []
        self._owner: list[int] = []  # index in _files of each record's file

    def read(self, path: Path | str, unused: Counter[str]) -> Iterator[Item]:
        """Rejects of the file's damage as they are met, and the rows of every record
        gathered so far each time `GATHER` are; unused events are counted in `unused`."""
        file = SysmonMapper(str(path), unused)
        self._files.append(file)
        for item in records(file.path, file):
            if isinstance(item, Reject):
                yield item
                continue
            self._lines.append(item[0])
            self._docs.append(item[1])
            self._owner.append(len(self._files) - 1)
            if len(self._docs) >= GATHER:
                yield from self.finish(unused)
                self._files.append(file)  # its next records still come

    def finish(self, unused: Counter[str]) -> Iterator[Item]:
        """The rows of the records gathered; what they leave unused is counted in `unused`."""
        files, lines, docs, owner = self._files, self._lines, self._docs, self._owner
        self._files, self._lines, self._docs, self._owner = [], [], [], []
        for f in files:  # the counts of records mapped now go to the file being read
            f.unused = unused
        left: list[int] = list(range(len(docs)))
        if len(docs) >= bulk_map.BULK_MIN:
            names = pa.array([f.path for f in files], pa.string())
            table = bulk_map.documents(
                pa.array(lines, pa.int64()),
                text_column(docs),
                pc.take(names, pa.array(owner, pa.int32())),
            )
            try:
                tables, counts, rest = self._mapper.map(table, "E", numbered=True)
            except duckdb.Error:  # the record path maps them all instead: nothing is lost
                tables = {}
            else:
                count_unused(counts, unused)
                left = rest.column("seq").to_pylist()
            for name, batch in tables.items():
                if batch.num_rows:
                    yield name, batch
        for i in left:
            item = map_record(lines[i], docs[i], files[owner[i]])
            if item is not None:
                yield item

    def close(self) -> None:
        self._mapper.close()


def sysmon_evtx_batches(path: Path | str, unused: Counter[str] | None = None) -> Iterator[Item]:
    """(table, column batch) of the used Sysmon events of one EVTX file, (table, row) for
    those mapped one by one, and Rejects."""
    counts = unused if unused is not None else Counter()
    reader = EvtxBatches()
    try:
        yield from reader.read(path, counts)
        yield from reader.finish(counts)
    finally:
        reader.close()
