#!/usr/bin/env python3
"""How fast lurewatch reads Sysmon: EVTX records and JSON lines per second, mapped to rows,
and mapped and stored in DuckDB; both for the record-at-a-time mapper and for the bulk mapping
(DuckDB) that ingest uses, whose column batches are written in whole row groups.

    python bench/sysmon/reader_bench.py                   # 200,000 JSON lines per shape, EVTX x100
    python bench/sysmon/reader_bench.py --records 1000000 --evtx-repeat 300 --batch 10000

JSON lines come from the generator beside this file (Winlogbeat and flattened shapes). EVTX
cannot be generated (the parser needs real files), so the real logs in
$LUREWATCH_DATA/sysmon/evtx (default ../shared/data) are read `--evtx-repeat` times; from the
second pass on their rows are already stored, so the stored figure includes the duplicate check
of re-ingesting. The "distinct" ingest lines read copies whose record numbers differ from pass
to pass (`evtx_renumber.py`), so every pass stores its events as new ones. The bulk EVTX lines
gather records across the files, as ingest does. Records are every record read (used, unused or
rejected); rows are those stored. For each JSON shape, the floors follow: DuckDB parsing the
lines alone, the store writing the mapped rows alone (`bench/store_floor.py`), and the rate
the two allow on this machine's cores. Both wall-clock and process CPU rates are printed, with
the load average, as the machine may be shared. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import evtx
import orjson
import pyarrow as pa
from evtx_renumber import renumbered
from generate import SHAPES, write

from lurewatch.config import Settings
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.ingest import ID_SQL, ingest_paths
from lurewatch.readers.records import Reject
from lurewatch.readers.sysmon import (
    bulk_map,
    read_sysmon_evtx,
    read_sysmon_json,
    sysmon_json_batches,
)
from lurewatch.readers.sysmon.evtx_bulk import EvtxBatches
from lurewatch.store import Store
from lurewatch.store.batcher import ArrowBatcher
from lurewatch.store.db import lit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from store_floor import write_alone  # noqa: E402

Reader = Callable[[Path, Counter[str]], Iterator[tuple[str, Any] | Reject]]
TARGETS = {"evtx": 50_000, "json": 200_000}
RENUMBER_STEP = 1_000_000_000  # record numbers of one pass from the next: past any real log's


def evtx_dir() -> Path | None:
    env = os.environ.get("LUREWATCH_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "data"
    path = root / "sysmon" / "evtx"
    return path if path.is_dir() and any(path.glob("*.evtx")) else None


def run(
    reader: Reader | EvtxBatches, paths: list[Path], store: Store | None, batch: int
) -> dict[str, float]:
    """Read every path; with a store, write the rows as ingest does: column batches through
    the ArrowBatcher (event ids hashed by the database), single rows in per-table batches."""
    unused: Counter[str] = Counter()
    buffers: dict[str, list[dict[str, Any]]] = {}
    rows = rejects = added = 0

    def count(table: str, read: int, stored: int) -> None:
        nonlocal added
        added += stored

    columns = ArrowBatcher(store, count) if store is not None else None
    cpu, wall = time.process_time(), time.perf_counter()
    for item in _items(reader, paths, unused):
        if isinstance(item, Reject):
            rejects += 1
            continue
        table, got = item
        if isinstance(got, pa.Table):
            rows += got.num_rows
            if columns is not None:
                columns.add(table, got, ID_SQL.get(table))
            continue
        rows += 1
        if store is not None:
            buf = buffers.setdefault(table, [])
            buf.append(got)
            if len(buf) >= batch:
                added += store.insert(table, buf)
                buffers[table] = []
    if store is not None and columns is not None:
        columns.flush()
        for table, buf in buffers.items():
            added += store.insert(table, buf)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    records = rows + rejects + sum(unused.values())
    return {
        "records": records,
        "rows": rows,
        "added": added,
        "wall_rate": records / wall,
        "cpu_rate": records / cpu if cpu else 0.0,
        "seconds": wall,
    }


def _items(reader: Reader | EvtxBatches, paths: list[Path], unused: Counter[str]) -> Iterator[Any]:
    """What the reader gives for every path; EvtxBatches gathers records across the files."""
    if isinstance(reader, EvtxBatches):
        try:
            for path in paths:
                yield from reader.read(path, unused)
            yield from reader.finish(unused)
        finally:
            reader.close()
        return
    for path in paths:
        yield from reader(path, unused)


def parse_only(kind: str, paths: list[Path]) -> dict[str, float]:
    """The floor: the same records parsed (evtx + orjson, or orjson) and nothing else done."""
    records = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for path in paths:
        if kind == "evtx":
            for record in evtx.PyEvtxParser(str(path), indent=False).records_json():
                orjson.loads(record["data"])
                records += 1
        else:
            with path.open("rb") as fh:
                for line in fh:
                    orjson.loads(line)
                    records += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "records": records,
        "rows": 0,
        "added": 0,
        "wall_rate": records / wall,
        "cpu_rate": records / cpu if cpu else 0.0,
        "seconds": wall,
    }


def show(label: str, kind: str, figures: dict[str, float], stored: bool) -> None:
    target = TARGETS[kind]
    mark = "meets" if figures["wall_rate"] >= target else "below"
    what = f"{figures['added']:,.0f} rows added" if stored else f"{figures['rows']:,.0f} rows"
    if not figures["rows"] and not stored:
        what = "no mapping: the floor"
    print(
        f"  {label:34s} {figures['records']:>10,.0f} records in {figures['seconds']:6.2f} s: "
        f"{figures['wall_rate']:>9,.0f}/s wall, {figures['cpu_rate']:>9,.0f}/s CPU "
        f"({what}; {mark} the {target:,}/s target)"
    )


def bench_json(tmp: Path, count: int, batch: int) -> None:
    print(f"JSON lines, {count:,} generated events per shape (EID 1/3/22, some EID 5):")
    for shape in SHAPES:
        path = write(tmp / f"{shape}.ndjson", count, shape)
        mb = path.stat().st_size / 1e6
        show(f"{shape} ({mb:,.0f} MB): parse only", "json", parse_only("json", [path]), False)
        show(
            f"{shape} ({mb:,.0f} MB): parse + map",
            "json",
            run(read_sysmon_json, [path], None, batch),
            False,
        )
        with Store(tmp / f"{shape}.duckdb") as store:
            figures = run(read_sysmon_json, [path], store, batch)
        show(f"{shape}: parse + map + store", "json", figures, True)
        show(f"{shape}: bulk map", "json", run(sysmon_json_batches, [path], None, batch), False)
        with Store(tmp / f"{shape}-bulk.duckdb") as store:
            figures = run(sysmon_json_batches, [path], store, batch)
        show(f"{shape}: bulk map + store (ingest)", "json", figures, True)
        floors(path, count, shape)


def floors(path: Path, count: int, shape: str) -> None:
    """What no ingest of this file can beat: DuckDB parsing its lines into the fields the
    mapping reads (on every core, nothing converted), and the store writing the mapped rows
    (ids hashed beforehand) on its own; and the rate two such costs allow on this machine."""
    structure = lit(bulk_map.structure("W" if shape == "winlogbeat" else "F"))
    con = duckdb.connect()
    wall, cpu = time.perf_counter(), time.process_time()
    con.execute(
        f"SELECT count(json_transform(json, {structure})) FROM read_ndjson_objects(?)",
        [str(path)],
    ).fetchall()
    parse_wall, parse_cpu = time.perf_counter() - wall, time.process_time() - cpu
    gathered: dict[str, list[pa.Table]] = {}
    for item in sysmon_json_batches(path, Counter()):
        if not isinstance(item, Reject) and isinstance(item[1], pa.Table):
            gathered.setdefault(item[0], []).append(item[1])
    tables = {}
    for table, batches in gathered.items():
        con.register("_lw_rows", pa.concat_tables(batches))
        tables[table] = bulk_map.arrow(
            con.sql(f'SELECT * REPLACE ({ID_SQL[table]} AS "event.id") FROM _lw_rows')
        )
        con.unregister("_lw_rows")
    con.close()
    rows = sum(t.num_rows for t in tables.values())
    write_wall, write_cpu = write_alone(tables)
    cores = os.cpu_count() or 1
    print(
        f"  {shape}: DuckDB parse alone {count / parse_wall:,.0f}/s wall ({parse_cpu:.2f} s CPU); "
        f"the store alone {rows:,} rows {rows / write_wall:,.0f}/s wall ({write_cpu:.2f} s CPU); "
        f"{cores} cores do both at best at {count * cores / (parse_cpu + write_cpu):,.0f} records/s"
    )


def bench_evtx(tmp: Path, repeat: int, batch: int) -> None:
    root = evtx_dir()
    if root is None:
        print("EVTX: no real files found (set LUREWATCH_DATA); the parser needs real EVTX, skipped")
        return
    files = sorted(root.glob("*.evtx"))
    paths = files * repeat
    print(
        f"EVTX, the {len(files)} real logs of {root} read {repeat} times (evtx {evtx_version()}):"
    )
    show("parse only", "evtx", parse_only("evtx", paths), False)
    show("parse + map", "evtx", run(read_sysmon_evtx, paths, None, batch), False)
    with Store(tmp / "evtx.duckdb") as store:
        show("parse + map + store", "evtx", run(read_sysmon_evtx, paths, store, batch), True)
    show("bulk map", "evtx", run(EvtxBatches(), paths, None, batch), False)
    with Store(tmp / "evtx-bulk.duckdb") as store:
        show("bulk map + store", "evtx", run(EvtxBatches(), paths, store, batch), True)
    # The product path over the same records: each pass is a folder of links to the logs.
    copies = []
    for n in range(repeat):
        folder = tmp / "evtx-copies" / str(n)
        folder.mkdir(parents=True)
        for f in files:
            (folder / f.name).symlink_to(f)
        copies.append(folder)
    for workers in sorted({1, os.cpu_count() or 1}):
        with Store(tmp / f"evtx-ingest-{workers}.duckdb") as store:
            show(f"ingest, {workers} worker(s)", "evtx", ingest(store, copies, workers), True)
    # The same with every pass's records renumbered: each pass stores new events.
    distinct = []
    for n in range(repeat):
        folder = tmp / "evtx-distinct" / str(n)
        folder.mkdir(parents=True)
        for f in files:
            (folder / f.name).write_bytes(renumbered(f.read_bytes(), (n + 1) * RENUMBER_STEP))
        distinct.append(folder)
    for workers in sorted({1, os.cpu_count() or 1}):
        with Store(tmp / f"evtx-distinct-{workers}.duckdb") as store:
            figures = ingest(store, distinct, workers)
            show(f"ingest, {workers} worker(s), distinct", "evtx", figures, True)


def ingest(store: Store, paths: list[Path], workers: int) -> dict[str, float]:
    """`ingest_paths`, lurewatch's product path, timed; CPU includes the worker processes."""
    cpu = time.process_time() + _children_cpu()
    wall = time.perf_counter()
    summary = ingest_paths(store, list(paths), Settings(), OfflineResolver(), workers)
    wall = time.perf_counter() - wall
    cpu = time.process_time() + _children_cpu() - cpu
    rows = sum(summary.read.values())
    records = rows + summary.rejected + sum(summary.unused.values())
    return {
        "records": records,
        "rows": rows,
        "added": sum(summary.added.values()),
        "wall_rate": records / wall,
        "cpu_rate": records / cpu if cpu else 0.0,
        "seconds": wall,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def evtx_version() -> str:
    from importlib.metadata import version

    return version("evtx")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=200_000, help="JSON lines per shape")
    ap.add_argument("--evtx-repeat", type=int, default=100, help="passes over the real EVTX files")
    ap.add_argument("--batch", type=int, default=2000, help="rows per Store.insert (ingest: 2000)")
    ap.add_argument("--skip-json", action="store_true")
    ap.add_argument("--skip-evtx", action="store_true")
    args = ap.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, load {load}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_evtx:
            bench_evtx(Path(tmp), args.evtx_repeat, args.batch)
        if not args.skip_json:
            bench_json(Path(tmp), args.records, args.batch)


if __name__ == "__main__":
    main()
