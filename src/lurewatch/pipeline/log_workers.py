"""Log files read in worker processes, one file per worker at a time, for formats whose records
are parsed and mapped in Python (EVTX): a folder of logs from many hosts is read on every core.

Each worker maps its file's records as the inline reader does and sends them back as column
batches of a few tens of thousands of rows (Arrow tables cross the process boundary as
buffers, not as one object per value), with its rejects and, when the file is done, the counts
of events no table uses. The queue between them is bounded, so a fast reader waits for the
store rather than filling memory. A worker that fails reports the file as a reject; the run
goes on.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import queue
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from lurewatch.readers.records import Reject
from lurewatch.store.db import rows_to_arrow

Reader = Callable[[Path, Counter[str]], Iterator[Any]]
SEND_ROWS = 20_000  # rows per table gathered before a batch is sent
QUEUE_DEPTH = 8


_WORKER_DONE = "worker done"


@dataclass
class FileDone:
    path: Path
    unused: Counter[str] = field(default_factory=Counter)


def _work(reader: Reader, tasks: Any, out: Any) -> None:
    # The rows a worker holds are plain dictionaries freed by reference counting; collecting
    # cycles among them (and the parent's inherited heap) cost a third of a worker's time.
    gc.freeze()
    gc.disable()
    # Rows gather across files: the logs of a folder are often small, and a batch per file
    # would cost more to build and send than its rows do.
    rows: dict[str, list[dict[str, Any]]] = {}
    while (path := tasks.get()) is not None:
        unused: Counter[str] = Counter()
        try:
            for item in reader(path, unused):
                if isinstance(item, Reject):
                    out.put(item)
                    continue
                table, row = item
                buf = rows.setdefault(table, [])
                buf.append(row)
                if len(buf) >= SEND_ROWS:
                    out.put((table, rows_to_arrow(table, buf)))
                    rows[table] = []
        except Exception as exc:  # one broken file never stops the run
            reason = f"unexpected error while reading: {type(exc).__name__}: {exc}"
            out.put(Reject("file", str(path), None, reason.splitlines()[0][:300]))
        out.put(FileDone(path, unused))
    for table, buf in rows.items():
        if buf:
            out.put((table, rows_to_arrow(table, buf)))
    out.put(_WORKER_DONE)


def worker_context() -> Any:
    """Fork where the platform has it: workers start at once, with the parent's settings and
    imports, and nothing has to be pickled to reach them."""
    return mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()


def read_in_workers(
    paths: list[Path], reader: Reader, workers: int
) -> Iterator[tuple[str, pa.Table] | Reject | FileDone]:
    """Column batches (event ids already hashed), rejects, and a FileDone per file (whose rows
    may still follow: workers send rows in batches that span files), as the workers produce
    them."""
    ctx = worker_context()
    tasks = ctx.Queue()
    out = ctx.Queue(maxsize=QUEUE_DEPTH)
    count = max(1, min(workers, len(paths)))
    for path in paths:
        tasks.put(path)
    for _ in range(count):
        tasks.put(None)
    procs = [
        ctx.Process(target=_work, args=(reader, tasks, out), daemon=True) for _ in range(count)
    ]
    for p in procs:
        p.start()
    finished: set[Path] = set()
    ended = 0  # workers that sent their last rows
    try:
        while ended < count:
            try:
                item = out.get(timeout=1.0)
            except queue.Empty:
                if any(p.is_alive() for p in procs):
                    continue
                # Every worker is gone (killed, or crashed inside a parser): what they did
                # not finish is reported, never waited for.
                for path in paths:
                    if path not in finished:
                        yield Reject("file", str(path), None, "the process reading it ended early")
                        yield FileDone(path)
                return
            if item == _WORKER_DONE:
                ended += 1
                continue
            if isinstance(item, FileDone):
                finished.add(item.path)
            yield item
    finally:
        for p in procs:
            if p.is_alive() and ended < count:
                p.terminate()
            p.join()
