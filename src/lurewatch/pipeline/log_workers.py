"""Log files read in worker processes, one file per worker at a time, for formats whose records
are parsed and mapped on the reading side (EVTX): a folder of logs from many hosts is read on
every core.

A worker reads its files with one `BatchReader`, which may gather records across files and map
them together (EVTX in bulk). What it yields goes back as column batches: the reader's own,
whose `event.id` holds what the store hashes, and batches of a few tens of thousands of the
rows it mapped one by one, ids hashed (Arrow tables cross the process boundary as buffers, not
as one object per value). Rejects follow as they come and, when a file is done, the counts of
events no table uses. The queue between them is bounded, so a fast reader waits for the store
rather than filling memory. A worker that fails on a file reports it as a reject; the run goes
on.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import queue
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from lurewatch.readers.records import Reject
from lurewatch.store.db import rows_to_arrow

SEND_ROWS = 20_000  # rows per table gathered before a batch is sent
QUEUE_DEPTH = 8


class BatchReader(Protocol):
    """Reads files one after another: (table, row or column batch) and Rejects from `read`,
    and from `finish` whatever it still holds; unused events are counted in `unused`."""

    def read(self, path: Path, unused: Counter[str]) -> Iterator[Any]: ...

    def finish(self, unused: Counter[str]) -> Iterator[Any]: ...

    def close(self) -> None: ...


_WORKER_DONE = "worker done"


@dataclass
class FileDone:
    """A file read, with the unused counts met meanwhile; `path` None for those of records
    a worker mapped after its last file."""

    path: Path | None
    unused: Counter[str] = field(default_factory=Counter)


@dataclass
class Batch:
    """Rows for `table`; `hashed` when their `event.id` is final, else the store hashes it."""

    table: str
    rows: pa.Table
    hashed: bool


def _work(make: Callable[[], BatchReader], tasks: Any, out: Any) -> None:
    # The rows a worker holds are plain dictionaries freed by reference counting; collecting
    # cycles among them (and the parent's inherited heap) cost a third of a worker's time.
    gc.freeze()
    gc.disable()
    # Rows gather across files: the logs of a folder are often small, and a batch per file
    # would cost more to build and send than its rows do.
    rows: dict[str, list[dict[str, Any]]] = {}

    def send(items: Iterator[Any]) -> None:
        for item in items:
            if isinstance(item, Reject):
                out.put(item)
                continue
            table, got = item
            if isinstance(got, pa.Table):
                out.put(Batch(table, got, hashed=False))
                continue
            buf = rows.setdefault(table, [])
            buf.append(got)
            if len(buf) >= SEND_ROWS:
                out.put(Batch(table, rows_to_arrow(table, buf), hashed=True))
                rows[table] = []

    reader = make()
    try:
        while (path := tasks.get()) is not None:
            unused: Counter[str] = Counter()
            try:
                send(reader.read(path, unused))
            except Exception as exc:  # one broken file never stops the run
                out.put(failed(str(path), "reading", exc))
            out.put(FileDone(path, unused))
        unused = Counter()
        try:
            send(reader.finish(unused))
        except Exception as exc:
            out.put(failed("(records gathered from several files)", "mapping", exc))
        out.put(FileDone(None, unused))
    finally:
        reader.close()
    for table, buf in rows.items():
        if buf:
            out.put(Batch(table, rows_to_arrow(table, buf), hashed=True))
    out.put(_WORKER_DONE)


def failed(where: str, doing: str, exc: Exception) -> Reject:
    """The reject of a worker's unexpected error, on one line."""
    reason = f"unexpected error while {doing}: {type(exc).__name__}: {exc}"
    return Reject("file", where, None, reason.splitlines()[0][:300])


def worker_context() -> Any:
    """Fork where the platform has it: workers start at once, with the parent's settings and
    imports, and nothing has to be pickled to reach them."""
    return mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()


def read_in_workers(
    paths: list[Path], make: Callable[[], BatchReader], workers: int
) -> Iterator[Batch | Reject | FileDone]:
    """Column batches, rejects, and a FileDone per file (whose rows may still follow: workers
    send rows in batches that span files) and one per worker at its end, as the workers
    produce them. Each worker reads with a reader of its own, from `make`."""
    ctx = worker_context()
    tasks = ctx.Queue()
    out = ctx.Queue(maxsize=QUEUE_DEPTH)
    count = max(1, min(workers, len(paths)))
    for path in paths:
        tasks.put(path)
    for _ in range(count):
        tasks.put(None)
    procs = [ctx.Process(target=_work, args=(make, tasks, out), daemon=True) for _ in range(count)]
    for p in procs:
        p.start()
    finished: set[Path] = set()
    for item in listen(out, procs, lambda message: message == _WORKER_DONE):
        if isinstance(item, Ended):
            # Every worker is gone (killed, or crashed inside a parser): what they did not
            # finish is reported, never waited for.
            for path in paths:
                if path not in finished:
                    yield Reject("file", str(path), None, "the process reading it ended early")
                    yield FileDone(path)
            # A reader may hold rows of files it had finished (EVTX gathers them).
            yield Reject(
                "file",
                "(worker processes)",
                None,
                f"{item.missing} of {count} worker processes ended early: rows of the files "
                "they had read and not yet sent are missing",
            )
            return
        if item == _WORKER_DONE:
            continue
        if isinstance(item, FileDone) and item.path is not None:
            finished.add(item.path)
        yield item


@dataclass
class Ended:
    """Every process is gone, `missing` of them without their last message."""

    missing: int


def listen(out: Any, procs: list[Any], is_last: Callable[[Any], bool]) -> Iterator[Any]:
    """The messages worker processes put on `out`, their last messages too, until each has
    sent its last (`is_last`); or, once every process is gone and a last look found nothing
    more, `Ended`. Processes still running when this stops early are terminated; all are
    joined."""
    ended = 0
    looked_again = False
    try:
        while ended < len(procs):
            try:
                message = out.get(timeout=1.0)
            except queue.Empty:
                if any(p.is_alive() for p in procs):
                    continue
                if not looked_again:  # what they sent just before ending may still come
                    looked_again = True
                    continue
                yield Ended(len(procs) - ended)
                return
            if is_last(message):
                ended += 1
            yield message
    finally:
        for p in procs:
            if p.is_alive() and ended < len(procs):
                p.terminate()
            p.join()
