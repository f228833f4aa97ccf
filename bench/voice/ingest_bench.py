#!/usr/bin/env python3
"""How fast CDR files are read, normalized and stored, in call records per second.

    python bench/voice/ingest_bench.py [--calls 1000000] [--formats cucm,teams,webex,generic]
                                        [--employees 5000] [--pool 20000]

For each format the generator writes a CSV export of a `--employees` organization whose calls
reach `--pool` distinct outside numbers (each parsed once by libphonenumber: the parse cache is
cleared before each run, so first-time parsing is inside the figure). Printed per format:
- read + normalize: `read_cdr` to Arrow `call` tables (CSV parsing, timestamps, numbers, sides,
  event ids); then again with libphonenumber's results cached (a process that has seen the
  numbers before, as in continuous ingestion);
- floors: the CPU of the parts no ingest can skip, each alone (Arrow parsing the mapped
  columns, libphonenumber once per distinct number, DuckDB writing the normalized calls), and
  the rate they allow at best if every core were busy with nothing else;
- ingest (stored): lurewatch's product path, `ingest_paths` into a new store (numbers parsed
  from cold again): reading, normalizing, hashing the event ids and writing with duplicate
  suppression; then the same file again into that store, where every call is a duplicate.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lurewatch.config import Settings  # noqa: E402
from lurewatch.demo.cdr_gen import FORMATS, World, build_world, generate, write_cdr  # noqa: E402
from lurewatch.enrich.dns import OfflineResolver  # noqa: E402
from lurewatch.enrich.phone import parse_public  # noqa: E402
from lurewatch.pipeline.ingest import ingest_paths  # noqa: E402
from lurewatch.readers.cdr import read_cdr  # noqa: E402
from lurewatch.readers.cdr.mapping import read_header, resolve  # noqa: E402
from lurewatch.store import Store  # noqa: E402
from store_floor import write_alone  # noqa: E402


def settings_for(world: World) -> Settings:
    s = Settings()
    s.calls = world.settings()
    s.scope.calls.monitored = True
    s.scope.calls.owner, s.scope.calls.legal_basis = "bench", "bench"
    return s


def read_only(path: Path, s: Settings, cold: bool = True) -> tuple[int, int, float, float]:
    if cold:
        parse_public.cache_clear()
    t, c = time.perf_counter(), time.process_time()
    rows = rejects = 0
    for item in read_cdr(path, s, hash_ids=False):
        if isinstance(item, pa.Table):
            rows += item.num_rows
        else:
            rejects += 1
    return rows, rejects, time.perf_counter() - t, time.process_time() - c


def floors(path: Path, s: Settings) -> tuple[float, float]:
    """CPU seconds of two parts no CDR ingest can skip, each timed alone: Arrow parsing the
    file's mapped columns as text, and DuckDB writing the normalized calls (ids hashed) into a
    new store (`store_floor`). The third, libphonenumber parsing each distinct number once, is
    what the cold reading costs more than the warm one."""
    with path.open("rb") as fh:
        header = read_header(fh.read(65536))
    if header is None:
        raise SystemExit(f"{path}: no CSV header")
    columns = resolve(header, s.calls).columns
    cpu = time.process_time()
    pcsv.read_csv(
        path,
        read_options=pcsv.ReadOptions(
            skip_rows=header.preamble, skip_rows_after_names=1 if header.type_row else 0
        ),
        parse_options=pcsv.ParseOptions(delimiter=header.delimiter),
        convert_options=pcsv.ConvertOptions(
            include_columns=columns, column_types=dict.fromkeys(columns, pa.string())
        ),
    )
    csv = time.process_time() - cpu
    calls = pa.concat_tables(t for t in read_cdr(path, s, hash_ids=True) if isinstance(t, pa.Table))
    return csv, write_alone({"call": calls})[1]


def ingest(path: Path, s: Settings, db: Path) -> tuple[int, int, float, float]:
    """lurewatch's product path: `ingest_paths`, numbers parsed from cold."""
    parse_public.cache_clear()
    with Store(db) as store:
        t, c = time.perf_counter(), time.process_time()
        summary = ingest_paths(store, [path], s, OfflineResolver(), workers=1)
        elapsed, cpu = time.perf_counter() - t, time.process_time() - c
        return summary.read["call"], store.count("call"), elapsed, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--employees", type=int, default=5000)
    ap.add_argument("--pool", type=int, default=20_000)
    args = ap.parse_args()
    t = time.perf_counter()
    world = build_world(employees=args.employees, pool=args.pool)
    calls = generate(world, args.calls, dt.date(2026, 3, 2), days=30)
    print(f"generated {calls.num_rows:,} calls, {world.pool:,} outside numbers, "
          f"{args.employees:,} employees in {time.perf_counter() - t:.1f} s")  # fmt: skip
    s = settings_for(world)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (CPU seconds are this "
          "process's, all threads)")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="lw-voice-") as tmp:
        for fmt in args.formats.split(","):
            path = write_cdr(Path(tmp) / f"{fmt}.csv", world, calls, fmt)
            size = path.stat().st_size / 1e6
            rows, rejects, secs, cold_cpu = read_only(path, s)
            parsed = parse_public.cache_info().misses
            print(f"{fmt:8} {size:5.0f} MB  read + normalize: {rows:,} calls in {secs:.2f} s = "
                  f"{rows / secs:,.0f} calls/s (CPU {cold_cpu:.2f} s = {rows / cold_cpu:,.0f}/s), "
                  f"{parsed:,} distinct numbers parsed, {rejects} rejects")  # fmt: skip
            rows, _, secs, warm_cpu = read_only(path, s, cold=False)
            print(f"{'':17}again, numbers known: {rows / secs:,.0f} calls/s "
                  f"(CPU {rows / warm_cpu:,.0f}/s)")  # fmt: skip
            csv, write = floors(path, s)
            phones = max(0.0, cold_cpu - warm_cpu)
            cores = os.cpu_count() or 1
            print(f"{'':17}floors (CPU s):    CSV parse {csv:.2f}, distinct numbers {phones:.2f}, "
                  f"the store writing alone {write:.2f}: {cores} cores store at best "
                  f"{rows * cores / (csv + phones + write):,.0f} calls/s")  # fmt: skip
            read, stored, secs, cpu = ingest(path, s, Path(tmp) / f"{fmt}.duckdb")
            print(f"{'':17}ingest (stored):   {stored:,} of {read:,} calls in {secs:.2f} s = "
                  f"{read / secs:,.0f} calls/s (CPU {cpu:.2f} s)")  # fmt: skip
            read, stored, secs, cpu = ingest(path, s, Path(tmp) / f"{fmt}.duckdb")
            print(f"{'':17}again (all dups):  {stored:,} stored, {read:,} calls in {secs:.2f} s = "
                  f"{read / secs:,.0f} calls/s (CPU {cpu:.2f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
