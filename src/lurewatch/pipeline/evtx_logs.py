"""EVTX files into the store: read in bulk (`EvtxBatches`), by worker processes when there are
several files and cores, else in this process."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lurewatch.pipeline.log_workers import Batch, FileDone, read_in_workers
from lurewatch.pipeline.writer import IngestSummary, Writer
from lurewatch.readers.records import Reject
from lurewatch.readers.sysmon.evtx_bulk import EvtxBatches
from lurewatch.util.files import file_size

ProgressFn = Callable[[int], None]
RejectFn = Callable[[Reject], None]


def ingest_evtx(
    paths: list[Path],
    writer: Writer,
    summary: IngestSummary,
    on_reject: RejectFn,
    on_progress: ProgressFn | None,
    workers: int,
) -> None:
    """Every record of `paths` into the writer; `on_progress` gets each file's size once read."""
    sizes = {p: file_size(p) for p in paths}
    if workers > 1 and len(paths) > 1:
        # The workers open databases of their own: they are forked while no write of this
        # process's database is under way, so no lock of its is held in their copy.
        writer.columns.wait()
        # Each worker's database takes one core: the workers and the store share the rest.
        make = functools.partial(EvtxBatches, threads=1)
        for item in read_in_workers(paths, make, workers):
            if isinstance(item, Batch):
                writer.add_columns(item.table, item.rows, ids_hashed=item.hashed)
            elif isinstance(item, FileDone):
                summary.unused.update(item.unused)
                if on_progress and item.path is not None:
                    on_progress(sizes.get(item.path, 0))
            else:
                on_reject(item)
        return
    reader = EvtxBatches()
    try:
        for path in paths:
            _take(reader.read(path, summary.unused), writer, on_reject)
            if on_progress:
                on_progress(sizes[path])
        _take(reader.finish(summary.unused), writer, on_reject)
    finally:
        reader.close()


def _take(items: Iterator[Any], writer: Writer, on_reject: RejectFn) -> None:
    for item in items:
        if isinstance(item, Reject):
            on_reject(item)
        else:
            writer.add_read(*item)
