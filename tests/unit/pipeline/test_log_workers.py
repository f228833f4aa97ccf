"""Log files read in worker processes: every row, reject and unused count comes back once, rows
a reader holds back until its last file come too, and a file whose reader fails becomes a
reject while the others are read."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from lurewatch.pipeline import log_workers
from lurewatch.pipeline.log_workers import Batch, FileDone, read_in_workers
from lurewatch.readers.records import Reject


class Reader:
    """Rows one by one, except each file's last, held back and sent in columns by `finish`."""

    def __init__(self) -> None:
        self.held: list[str] = []

    def read(self, path: Path, unused: Counter[str]) -> Iterator[Any]:
        count = int(path.stem.split("-")[1])
        for i in range(count - 1):
            if path.stem.startswith("broken") and i == 3:
                raise ValueError("damaged beyond reading")
            yield "process", {"event.id": f"{path.stem}:{i}", "@timestamp": START}
        self.held.append(f"{path.stem}:{count - 1}")
        yield Reject("sysmon", str(path), count + 1, "invalid JSON")
        unused["sysmon:5"] += 2

    def finish(self, unused: Counter[str]) -> Iterator[Any]:
        n = len(self.held)
        columns = {"event.id": self.held, "@timestamp": [START] * n}
        yield "process", pa.table(columns)
        unused["sysmon:7"] += n

    def close(self) -> None:
        pass


START = dt.datetime(2026, 1, 1)


def test_every_file_is_read_once_across_workers(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(log_workers, "SEND_ROWS", 7)  # several batches per file
    paths = [tmp_path / f"log-{n}.evtx" for n in (5, 30, 12, 1)] + [tmp_path / "broken-9.evtx"]
    ids: list[str] = []
    rejects: list[Reject] = []
    unused: Counter[str] = Counter()
    done: list[Path | None] = []
    held = 0
    for item in read_in_workers(paths, Reader, workers=2):
        if isinstance(item, Reject):
            rejects.append(item)
        elif isinstance(item, FileDone):
            done.append(item.path)
            unused.update(item.unused)
        else:
            assert isinstance(item, Batch) and item.table == "process"
            ids += item.rows.column("event.id").to_pylist()
            held += 0 if item.hashed else item.rows.num_rows
    files = [d for d in done if d is not None]
    assert sorted(files) == sorted(paths) and done.count(None) == 2  # one per worker
    assert len(ids) == len(set(ids)) == 5 + 30 + 12 + 1 + 3  # the broken file's first rows too
    assert held == 4  # the last row of each file read to its end
    assert unused == Counter({"sysmon:5": 8, "sysmon:7": 4})
    reasons = [r.reason for r in rejects]
    assert reasons.count("invalid JSON") == 4
    broken = [r for r in rejects if "broken" in r.path and "damaged beyond reading" in r.reason]
    assert len(broken) == 1


class Dying(Reader):
    """Reads its files, then its process dies before it sends what it holds back."""

    def finish(self, unused: Counter[str]) -> Iterator[Any]:
        os._exit(1)
        yield from ()


def test_workers_that_die_holding_rows_say_so(tmp_path: Path) -> None:
    paths = [tmp_path / f"log-{n}.evtx" for n in (3, 4)]
    items = list(read_in_workers(paths, Dying, workers=2))
    rejects = [i for i in items if isinstance(i, Reject)]
    assert any("2 of 2 worker processes ended early" in r.reason for r in rejects)
