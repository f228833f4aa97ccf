"""Log files read in worker processes: every row, reject and unused count comes back once, and a
file whose reader fails becomes a reject while the others are read."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from lurewatch.pipeline import log_workers
from lurewatch.pipeline.log_workers import FileDone, read_in_workers
from lurewatch.readers.records import Reject


def reader(path: Path, unused: Counter[str]) -> Iterator[Any]:
    count = int(path.stem.split("-")[1])
    for i in range(count):
        if path.stem.startswith("broken") and i == 3:
            raise ValueError("damaged beyond reading")
        yield "process", {"event.id": f"{path.stem}:{i}", "@timestamp": dt.datetime(2026, 1, 1)}
    yield Reject("sysmon", str(path), count + 1, "invalid JSON")
    unused["sysmon:5"] += 2


def test_every_file_is_read_once_across_workers(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(log_workers, "SEND_ROWS", 7)  # several batches per file
    paths = [tmp_path / f"log-{n}.evtx" for n in (5, 30, 12, 1)] + [tmp_path / "broken-9.evtx"]
    ids: list[str] = []
    rejects: list[Reject] = []
    unused: Counter[str] = Counter()
    done: list[Path] = []
    for item in read_in_workers(paths, reader, workers=2):
        if isinstance(item, Reject):
            rejects.append(item)
        elif isinstance(item, FileDone):
            done.append(item.path)
            unused.update(item.unused)
        else:
            table, batch = item
            assert table == "process" and isinstance(batch, pa.Table)
            ids += batch.column("event.id").to_pylist()
    assert sorted(done) == sorted(paths)
    assert len(ids) == len(set(ids)) == 5 + 30 + 12 + 1 + 3  # the broken file's first rows too
    assert unused == Counter({"sysmon:5": 8})
    reasons = [r.reason for r in rejects]
    assert reasons.count("invalid JSON") == 4
    broken = [r for r in rejects if "broken" in r.path and "damaged beyond reading" in r.reason]
    assert len(broken) == 1
