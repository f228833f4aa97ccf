"""How fast `lurewatch ingest` stores a large Zeek conn.log (TSV) as flows, in records per second.

    python bench/network/conn_ingest_bench.py [--rows 2000000] [--keep DIR] [--stored N]

Writes a conn.log of realistic shape (the generator of zeek_read_bench), then times the whole
ingest into a fresh store: sniffing, the bulk load, server naming and the anomalies the
connection states imply. Prints records/s (wall), the CPU time all threads used, and peak
memory.

With `--stored N` the store first holds N flows of the days before the log (the log's own
flows, moved back two days at a time, under other ids and file names), as a store does after
weeks of ingest: the figure then includes looking for the log's connections among them.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zeek_read_bench import write_conn_log  # noqa: E402

from lurewatch.config import Settings  # noqa: E402
from lurewatch.enrich.dns import OfflineResolver  # noqa: E402
from lurewatch.pipeline.ingest import ingest_paths  # noqa: E402
from lurewatch.store import Store  # noqa: E402


def earlier_days(db: Path, log: Path, flows: int) -> None:
    """Fill the store with `flows` flows of the days before the log's (not timed)."""
    with Store(db) as store:
        ingest_paths(store, [log], Settings(), OfflineResolver(), workers=1)
        per_copy = store.count("flow")
        copies = max(1, -(-flows // per_copy))

        def moved(copy: int) -> str:
            days = 2 * (copy + 1)
            return (
                f'* REPLACE ("event.id" || \':{copy}\' AS "event.id", '
                f'"@timestamp" - INTERVAL {days} DAY AS "@timestamp", '
                f'"event.end" - INTERVAL {days} DAY AS "event.end", '
                f"'earlier/{copy}/conn.log' AS \"log.file.path\")"
            )

        store.execute(f"CREATE TEMP TABLE seed AS SELECT * FROM flow LIMIT {flows}")
        store.execute("DELETE FROM flow")
        store.execute("DELETE FROM net_anomaly")
        for copy in range(copies):
            rows = min(per_copy, flows - copy * per_copy)
            store.execute(f"INSERT INTO flow SELECT {moved(copy)} FROM seed LIMIT {rows}")
        store.execute("CHECKPOINT")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--keep", type=Path, help="write the log and store here and keep them")
    ap.add_argument("--stored", type=int, default=0, help="flows stored before the timed ingest")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "conn.log"
        if not log.exists():
            write_conn_log(log, args.rows)
        db = folder / "bench.duckdb"
        db.unlink(missing_ok=True)
        if args.stored:
            earlier_days(db, log, args.stored)
        with Store(db) as store:
            start, cpu = time.perf_counter(), time.process_time()
            summary = ingest_paths(store, [log], Settings(), OfflineResolver(), workers=1)
            took, cpu = time.perf_counter() - start, time.process_time() - cpu
            flows = store.count("flow")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    read = summary.read["flow"]
    print(
        f"zeek conn.log ingest: {read:,} records, {flows:,} flows stored in {took:.2f} s = "
        f"{read / took:,.0f} records/s (CPU {cpu:.2f} s over DuckDB's threads); peak RSS "
        f"{peak_mb:,.0f} MB"
    )


if __name__ == "__main__":
    main()
