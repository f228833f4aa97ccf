"""How long the N3 flow baselines and detections take over a month of flows.

    python bench/network/n3_bench.py [--rows 10000000] [--hosts 2000] [--db path.duckdb]
                                     [--memory-mb 1536]

Generates `--rows` flows straight into a DuckDB store with SQL over `range()` (no Python row
loop): `--hosts` workstations over 30 days browsing a long tail of web destinations (a few
popular, most rare), DNS and file shares inside, NTP, some high ports. Planted on top: beacons
(5-minute jittered, 20 hosts, the last week), exfiltration days, multi-hour sessions and HTTP
on port 1177. Event and flow ids have the shape and length of Zeek's. Then a fresh process
times the flow baselines and each N3 detection under DuckDB's memory bound for analytics (as
`lurewatch detect` runs them), and prints what fired and the peak memory (DuckDB included).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

from lurewatch.baselines.flows import build_flow_baselines
from lurewatch.config import Settings
from lurewatch.detections.base import QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.registry import all_detections
from lurewatch.schema import column_names
from lurewatch.store import Store
from lurewatch.store.analytics_memory import analytics_memory
from lurewatch.store.db import q

START = "TIMESTAMP '2026-02-01 00:00:00'"
DAYS = 30
DESTINATIONS = 60_000

# Column expressions over the generator's fields: i (row), h (host), u/v/w (pseudo-random in
# [0, 1)), mix (0..99), d (destination index). Like people, each host spends most of its traffic
# on its own habitual few hundred sites out of the popular HABITS, and the rest on a long tail
# of DESTINATIONS that few hosts share.
HABITS = 4000
_MIX = "CASE WHEN mix < 60 THEN 'web' WHEN mix < 72 THEN 'http' WHEN mix < 86 THEN 'dns' "
_MIX += "WHEN mix < 94 THEN 'smb' WHEN mix < 97 THEN 'ntp' ELSE 'high' END"


def _address(d: str) -> str:
    """A public address for destination index `d` (first octet 20..119: no private ranges)."""
    return (
        f"(20 + {d} % 100)::VARCHAR || '.' || ({d} // 100 % 256)::VARCHAR || '.' || "
        f"({d} // 25600 % 256)::VARCHAR || '.' || (1 + {d} % 7)::VARCHAR"
    )


_HIGH_PORTS = "[5228, 3478, 8801, 5222, 1935, 8883, 9000, 7680]"

_NORMAL = f"""
WITH g AS (
    SELECT i, i % {{hosts}} AS h, 'C' || left(md5(i::VARCHAR), 17) AS uid,
           ((i * 2654435761) % 1000003) / 1000003.0 AS u,
           ((i * 40503 + 17) % 65521) / 65521.0 AS v,
           ((i * 22695477 + 1) % 1048573) / 1048573.0 AS w
    FROM range({{rows}}) t(i)
), k AS (
    SELECT *, CAST(floor(v * 100) AS INTEGER) AS mix,
           CASE WHEN u < 0.85
                THEN (h * 7919 + CAST(floor(w * w * 300) AS BIGINT) * 104729) % {HABITS}
                ELSE {HABITS} + CAST(floor(pow(w, 2) * {DESTINATIONS - HABITS}) AS BIGINT)
           END AS d
    FROM g
), c AS (
    SELECT *, {_MIX} AS kind, 1000 + (h + CAST(floor(w * 3) AS BIGINT)) % 8 AS dh,
           {START} + to_microseconds(CAST(i * ({DAYS} * 86400000000.0 / {{rows}}) AS BIGINT))
               + to_seconds(CAST(v * 600 AS BIGINT)) AS ts,
           round(0.2 + v * v * 120, 3) AS duration
    FROM k
)
SELECT
    -- Ids as Zeek's conn.log gives them (uid, start and duration in microseconds): reading
    -- them is much of what the analytics' memory holds.
    concat('zeek:', uid, ':', epoch_us(ts), ':', CAST(duration * 1e6 AS BIGINT)) AS "event.id",
    ts AS "@timestamp",
    NULL::TIMESTAMP AS "event.end",
    'bench-conn.log' AS "log.file.path", i AS "log.offset", 'zeek' AS "observer.type",
    uid AS "flow.id",
    CASE WHEN kind IN ('dns', 'ntp') THEN 'udp' ELSE 'tcp' END AS "network.transport",
    CASE kind WHEN 'web' THEN 'ssl' WHEN 'http' THEN 'http' WHEN 'dns' THEN 'dns'
              WHEN 'smb' THEN 'smb' WHEN 'ntp' THEN 'ntp' ELSE NULL END AS "network.protocol",
    '10.' || (h // 65536 % 256)::VARCHAR || '.' || (h // 256 % 256)::VARCHAR || '.'
        || (h % 256)::VARCHAR AS "source.ip",
    CAST(49152 + i % 16000 AS INTEGER) AS "source.port",
    CASE kind WHEN 'dns' THEN '10.0.0.53' WHEN 'smb' THEN '10.0.0.20'
              WHEN 'ntp' THEN '162.159.200.' || (1 + d % 4)::VARCHAR
              WHEN 'high' THEN {_address("dh")}
              ELSE {_address("d")} END AS "destination.ip",
    CAST(CASE kind WHEN 'web' THEN 443 WHEN 'http' THEN 80 WHEN 'dns' THEN 53 WHEN 'smb' THEN 445
              WHEN 'ntp' THEN 123
              ELSE {_HIGH_PORTS}[1 + (h + CAST(floor(w * 3) AS BIGINT)) % 8] END
         AS INTEGER) AS "destination.port",
    CASE WHEN kind = 'web' AND (u < 0.8 OR d >= {HABITS}) THEN 'www.site' || d::VARCHAR || '.example'
         WHEN kind = 'http' AND (u < 0.6 OR d >= {HABITS}) THEN 'cdn' || (d % 2000)::VARCHAR || '.example'
         WHEN kind = 'ntp' THEN 'time.cloudflare.com' ELSE NULL END AS "destination.domain",
    duration AS "flow.duration",
    CAST(200 + floor(u * v * 20000) AS BIGINT) AS "source.bytes",
    CAST(800 + floor(v * 300000) AS BIGINT) AS "destination.bytes",
    CAST(4 + floor(v * 40) AS BIGINT) AS "source.packets",
    CAST(4 + floor(u * 200) AS BIGINT) AS "destination.packets",
    'SF' AS "flow.state", 'ShADadFf' AS "flow.history", 0 AS "flow.missed_bytes",
    NULL AS "source.ip_bytes", NULL AS "destination.ip_bytes", NULL AS "source.local",
    NULL AS "destination.local", NULL AS "event.extra"
FROM c
"""

# Planted attacks, each a SELECT over its own range(): (label, rows, SQL). They give every
# column but the counters only Zeek writes (left null).
_ZEEK_COUNTERS = (
    "flow.missed_bytes", "source.ip_bytes", "destination.ip_bytes", "source.local",
    "destination.local",
)  # fmt: skip
_PLANTED = [
    (
        "beacons: 20 hosts every 5 min (±10%) for the last 7 days",
        20 * 2016,
        f"""SELECT 'b' || i::VARCHAR, {START} + INTERVAL 23 DAY
               + to_microseconds(CAST((i // 20) * 300000000 + ((i * 7919) % 60 - 30) * 1000000
                 AS BIGINT)),
            NULL, 'bench-conn.log', i, 'zeek', 'B' || i::VARCHAR, 'tcp', 'ssl',
            '10.0.0.' || (100 + i % 20)::VARCHAR, 50000, '185.220.101.' || (i % 20)::VARCHAR,
            443, 'cdn' || (i % 20)::VARCHAR || '.c2-example.net', 0.4,
            CAST(320 + (i * 13) % 9 AS BIGINT), 180, 4, 4, 'SF', 'ShADadFf', NULL
        FROM range(40320) t(i)""",
    ),
    (
        "exfiltration: 5 hosts send 2 GB each on the last day",
        20,
        f"""SELECT 'x' || i::VARCHAR, {START} + INTERVAL 29 DAY + to_hours(10 + i % 4),
            NULL, 'bench-conn.log', i, 'zeek', 'X' || i::VARCHAR, 'tcp', 'ssl',
            '10.0.0.' || (10 + i // 4)::VARCHAR, 50001, '203.0.113.' || (i // 4)::VARCHAR, 443,
            'drop' || (i // 4)::VARCHAR || '.exfil-example.net', 900.0,
            CAST(536870912 AS BIGINT), 40000, 400000, 20000, 'SF', 'ShADadFf', NULL
        FROM range(20) t(i)""",
    ),
    (
        "long sessions: 10 hosts, 5 hours to a VPS on 22",
        10,
        f"""SELECT 'l' || i::VARCHAR, {START} + INTERVAL 28 DAY + to_hours(i),
            NULL, 'bench-conn.log', i, 'zeek', 'L' || i::VARCHAR, 'tcp', 'ssh',
            '10.0.0.' || (30 + i)::VARCHAR, 50002, '45.76.12.' || i::VARCHAR, 22, NULL, 18000.0,
            CAST(30000000 AS BIGINT), 2000000, 40000, 30000, 'SF', 'ShADadFf', NULL
        FROM range(10) t(i)""",
    ),
    (
        "RAT: 5 hosts speak HTTP on port 1177",
        5,
        f"""SELECT 'r' || i::VARCHAR, {START} + INTERVAL 27 DAY + to_hours(i),
            NULL, 'bench-conn.log', i, 'zeek', 'R' || i::VARCHAR, 'tcp', 'http',
            '10.0.0.' || (50 + i)::VARCHAR, 50003, '41.108.179.' || i::VARCHAR, 1177, NULL, 2.0,
            CAST(300 AS BIGINT), 1200, 6, 6, 'SF', 'ShADadFf', NULL
        FROM range(5) t(i)""",
    ),
]


def generate(path: str, rows: int, hosts: int) -> None:
    """Write the flows into a fresh store at `path` (run in a child process)."""
    t0 = time.perf_counter()
    planted = sum(n for _, n, _ in _PLANTED)
    with Store(path) as store:
        store.execute("SET enable_progress_bar = false")
        cols = ", ".join(q(c) for c in column_names("flow"))
        sql = _NORMAL.format(rows=rows - planted, hosts=hosts)
        store.execute(f"INSERT INTO flow ({cols}) {sql}")
        given = ", ".join(q(c) for c in column_names("flow") if c not in _ZEEK_COUNTERS)
        for label, _, select in _PLANTED:
            store.execute(f"INSERT INTO flow ({given}) {select}")
            print(f"  planted {label}")
        total = store.count("flow")
    print(f"generated {total:,} flows in {time.perf_counter() - t0:.1f} s")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(path: str, memory_mb: int | None) -> None:
    settings = Settings()
    bound = memory_mb or settings.store.analytics_memory_mb
    dets = [d for d in all_detections() if d.clause == "N3" and isinstance(d, QueryDetection)]
    with Store(path) as store, analytics_memory(store, bound):
        store.execute("SET enable_progress_bar = false")
        print(f"DuckDB bounded to {bound} MB, as `lurewatch detect` runs")
        t0 = time.perf_counter()
        rows = build_flow_baselines(store, settings)
        t_base = time.perf_counter() - t0
        print(f"baselines: {rows:,} rows in {t_base:.1f} s (peak RSS so far {_peak_mb():.0f} MB)")
        ctx = DetectionContext(settings=settings, store=store)
        fired: dict[str, int] = {}
        for det in dets:
            t1 = time.perf_counter()
            found = det.run(ctx)
            fired[det.id] = len(found)
            took = time.perf_counter() - t1
            print(f"{det.id:<24} {len(found):>6} alert(s) in {took:6.1f} s ({_peak_mb():.0f} MB)")
        total = time.perf_counter() - t0
    print(
        f"total (baselines + {len(dets)} detections): {total:.1f} s, peak RSS {_peak_mb():.0f} MB"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--hosts", type=int, default=2000)
    ap.add_argument("--db", help="store to (re)use; default: a temporary file")
    ap.add_argument(
        "--memory-mb", type=int, help="DuckDB's bound (default: [store] analytics_memory_mb)"
    )
    args = ap.parse_args(argv)
    tmp = None
    path = args.db
    if path is None:
        tmp = tempfile.TemporaryDirectory(prefix="lurewatch-n3-bench-")
        path = str(Path(tmp.name) / "bench.duckdb")
    if not Path(path).exists():
        # Generation runs in its own process, so the peak memory below is the workload's.
        child = mp.get_context("spawn").Process(target=generate, args=(path, args.rows, args.hosts))
        child.start()
        child.join()
        if child.exitcode:
            return child.exitcode
    measure(path, args.memory_mb)
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
