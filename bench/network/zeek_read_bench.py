"""How fast lurewatch reads a large generated Zeek conn.log (TSV), in records per second.

    python bench/network/zeek_read_bench.py [--rows 1000000]

Prints the rate with every column typed and with only the columns the analytics need.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from lurewatch.readers.zeek import ZeekRecord, read_zeek

FIELDS = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "local_orig",
    "missed_bytes",
    "history",
    "tunnel_parents",
]
TYPES = [
    "time",
    "string",
    "addr",
    "port",
    "addr",
    "port",
    "enum",
    "string",
    "interval",
    "count",
    "count",
    "string",
    "bool",
    "count",
    "string",
    "set[string]",
]
COLUMNS = {"ts", "id.orig_h", "id.resp_h", "id.resp_p", "proto", "orig_bytes", "resp_bytes"}


# (share, proto, port, service, conn_state, history): a mix of the kinds a campus sensor logs.
_MIX = (
    (70, "tcp", 443, "ssl", "SF", "ShADadFf"),
    (10, "tcp", 80, "http", "SF", "ShADadFf"),
    (12, "udp", 53, "dns", "SF", "Dd"),
    (5, "tcp", 445, "-", "S0", "S"),
    (2, "tcp", 3389, "-", "REJ", "Sr"),
    (1, "tcp", 443, "ssl", "OTH", "DdA"),
)
_KINDS = [k for share, *k in _MIX for _ in range(share)]


def write_conn_log(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w") as fh:
        fh.write(
            "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
        )
        fh.write("#fields\t" + "\t".join(FIELDS) + "\n#types\t" + "\t".join(TYPES) + "\n")
        ts = 1655071198.0
        for i in range(rows):
            ts += rng.random() / 10
            proto, port, service, state, history = _KINDS[i % len(_KINDS)]
            fh.write(
                f"{ts:.6f}\tC{i:017x}\t10.0.{i % 256}.{i % 200}\t{rng.randint(1024, 65535)}"
                f"\t93.184.{i % 100}.1\t{port}\t{proto}\t{service}\t{rng.random():.6f}"
                f"\t{i % 5000}\t{i % 9000}\t{state}\tT\t0\t{history}\t(empty)\n"
            )


def rate(path: Path, columns: set[str] | None) -> tuple[int, float]:
    start = time.perf_counter()
    n = sum(1 for item in read_zeek(path, columns) if isinstance(item, ZeekRecord))
    return n, n / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "conn.log"
        write_conn_log(log, args.rows)
        n, all_rate = rate(log, None)
        _, some_rate = rate(log, COLUMNS)
    print(
        f"zeek conn.log, {n:,} records: {all_rate:,.0f} records/s with all {len(FIELDS)} columns typed, "
        f"{some_rate:,.0f} records/s with {len(COLUMNS)} columns"
    )


if __name__ == "__main__":
    main()
