"""How fast lurewatch reads a large generated Suricata eve.json, in records per second.

    python bench/network/eve_read_bench.py [--records 500000]

The mix is mostly flow records (as in a real eve.json), with dns, http, tls, anomaly and
stats records among them. Prints records read per second and the rows they became.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from lurewatch.readers.records import Reject
from lurewatch.readers.suricata import read_eve

START = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
# (event type, share of records)
# (app_proto, server port) of flows: protocols where their ports say, and some unknown ones.
PORTS = (("tls", 443), ("tls", 443), ("http", 80), ("failed", 7001), ("ssh", 22))
MIX = (("flow", 70), ("dns", 12), ("http", 6), ("tls", 6), ("anomaly", 4), ("stats", 2))


def _stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f%z")


def _record(kind: str, i: int, t: dt.datetime, rng: random.Random) -> dict[str, Any]:
    base: dict[str, Any] = {
        "timestamp": _stamp(t),
        "flow_id": 1_000_000_000_000 + i,
        "in_iface": "eth0",
        "event_type": kind,
        "src_ip": f"10.0.{i % 256}.{i % 200 + 1}",
        "src_port": rng.randint(1024, 65535),
        "dest_ip": f"93.184.{i % 100}.1",
        "dest_port": 443,
        "proto": "TCP",
    }
    if kind == "flow":
        app, port = rng.choice(PORTS)
        base.update(
            app_proto=app,
            dest_port=port,
            flow={
                "pkts_toserver": rng.randint(1, 40),
                "pkts_toclient": rng.randint(0, 60),
                "bytes_toserver": rng.randint(60, 90_000),
                "bytes_toclient": rng.randint(0, 900_000),
                "start": _stamp(t - dt.timedelta(seconds=rng.random() * 30)),
                "end": _stamp(t),
                "age": 30,
                "state": "closed",
                "reason": "timeout",
                "alerted": False,
            },
            tcp={"tcp_flags": "1b", "tcp_flags_ts": "1b", "tcp_flags_tc": "1b", "syn": True},
        )
    elif kind == "dns":
        base.update(
            proto="UDP",
            dest_port=53,
            dns={
                "version": 2,
                "type": "answer",
                "id": i % 65536,
                "rrname": f"host{i % 5000}.example.com",
                "rrtype": "A",
                "rcode": "NOERROR",
                "answers": [{"rrname": "x", "rrtype": "A", "ttl": 60, "rdata": "192.0.2.1"}],
            },
        )
    elif kind == "http":
        base.update(
            dest_port=80,
            http={
                "hostname": f"site{i % 900}.example.org",
                "url": f"/path/{i}?q=1",
                "http_user_agent": "Mozilla/5.0",
                "http_method": "GET",
                "status": 200,
                "length": 512,
            },
        )
    elif kind == "tls":
        base["tls"] = {"sni": f"api{i % 300}.example.net", "version": "TLS 1.3"}
    elif kind == "anomaly":
        base["anomaly"] = {"type": "stream", "event": "stream.pkt_invalid_ack"}
    else:
        base = {"timestamp": _stamp(t), "event_type": "stats", "stats": {"uptime": i}}
    return base


def write_eve(path: Path, records: int) -> None:
    rng = random.Random(7)
    kinds = [k for k, share in MIX for _ in range(share)]
    t = START
    with path.open("wb") as fh:
        for i in range(records):
            t += dt.timedelta(microseconds=rng.randint(0, 2000))
            fh.write(orjson.dumps(_record(kinds[i % len(kinds)], i, t, rng)) + b"\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--records", type=int, default=500_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        eve = Path(tmp) / "eve.json"
        write_eve(eve, args.records)
        unused: Counter[str] = Counter()
        tables: Counter[str] = Counter()
        start = time.perf_counter()
        for item in read_eve(eve, unused):
            tables["rejects" if isinstance(item, Reject) else item[0]] += 1
        seconds = time.perf_counter() - start
    print(
        f"suricata eve.json, {args.records:,} records: {args.records / seconds:,.0f} records/s "
        f"({seconds:.2f} s); rows {dict(tables)}; unused {dict(unused)}"
    )


if __name__ == "__main__":
    main()
