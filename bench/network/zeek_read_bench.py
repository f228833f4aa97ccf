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

# The columns of Zeek's default conn.log, in its order.
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
    "local_resp",
    "missed_bytes",
    "history",
    "orig_pkts",
    "orig_ip_bytes",
    "resp_pkts",
    "resp_ip_bytes",
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
    "bool",
    "count",
    "string",
    "count",
    "count",
    "count",
    "count",
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
_BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _uid(rng: random.Random) -> str:
    """A connection uid as Zeek writes it: "C" and a random number in base 62."""
    n = rng.getrandbits(96)
    out = []
    while n:
        n, d = divmod(n, 62)
        out.append(_BASE62[d])
    return "C" + "".join(out)


def write_conn_log(path: Path, rows: int) -> None:
    """`rows` connections of 2,000 hosts to 20,000 servers, with Zeek's default columns."""
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
            host, server = rng.randrange(2000), rng.randrange(20_000)
            sent, got = rng.randrange(40, 5000), rng.randrange(0, 90_000)
            opkts, rpkts = 2 + sent // 1400, 1 + got // 1400
            answered = state != "S0"
            fh.write(
                f"{ts:.6f}\t{_uid(rng)}\t10.{host >> 8}.{host & 255}.{10 + host % 200}"
                f"\t{rng.randint(1024, 65535)}\t{23 + server % 180}.{server % 251}.{server >> 7}.{server % 97}"
                f"\t{port}\t{proto}\t{service}\t{rng.random() * 30:.6f}"
                f"\t{sent}\t{got if answered else 0}\t{state}\tT\tF\t0\t{history}"
                f"\t{opkts}\t{sent + 40 * opkts}\t{rpkts if answered else 0}"
                f"\t{got + 40 * rpkts if answered else 0}\t(empty)\n"
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
