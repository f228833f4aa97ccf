"""Building example flows for the N3 detections: `flow` rows as a Zeek conn log would give them.

Examples are written for one organization (10.0.0.0/8 inside, the default networks) with a
few workstations. `usual_history` is a month of ordinary daily traffic before the examples
happen, so the first-seen rules are past their learning period and the volume rule knows each
host's usual day.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from typing import Any

from lurewatch.detections.examples import blank_row
from lurewatch.ids import event_id

WHEN = dt.datetime(2026, 3, 2, 9, 30)
HOST = "10.1.2.3"
OTHER_HOST = "10.1.2.4"
HOSTS = (HOST, OTHER_HOST)

Events = dict[str, list[dict[str, Any]]]


def flow(
    src: str,
    dst: str,
    port: int,
    *,
    at: dt.datetime = WHEN,
    transport: str = "tcp",
    protocol: str | None = None,
    domain: str | None = None,
    duration: float = 1.0,
    sent: int = 600,
    received: int = 4000,
    state: str = "SF",
) -> dict[str, Any]:
    """One `flow` row: `src` opened a connection to `dst`:`port` at `at`."""
    row = blank_row("flow")
    row.update(
        {
            "@timestamp": at,
            "event.end": at + dt.timedelta(seconds=duration),
            "log.file.path": "example-conn.log",
            "observer.type": "zeek",
            "network.transport": transport,
            "network.protocol": protocol,
            "source.ip": src,
            "source.port": 50000 + int(at.timestamp()) % 10000,
            "destination.ip": dst,
            "destination.port": port,
            "destination.domain": domain,
            "flow.duration": duration,
            "source.bytes": sent,
            "destination.bytes": received,
            "source.packets": 10,
            "destination.packets": 10,
            "flow.state": state,
        }
    )
    row["event.id"] = event_id("example-flow", repr(sorted(row.items(), key=str)))
    row["flow.id"] = "C" + row["event.id"][:17]
    row["log.offset"] = int(row["event.id"][:6], 16)
    return row


# What every workstation does every day: web search, mail, updates, internal DNS and a file
# share. (destination, port, transport, protocol, domain, bytes sent)
_DAILY = (
    ("142.250.74.78", 443, "tcp", "ssl", "www.google.com", 40_000),
    ("52.97.1.1", 443, "tcp", "ssl", "outlook.office365.com", 300_000),
    ("13.107.4.50", 80, "tcp", "http", "www.msftconnecttest.com", 300),
    ("10.0.0.53", 53, "udp", "dns", None, 400),
    ("10.0.0.20", 445, "tcp", "smb", None, 2_000_000),
)


def usual_history(hosts: Iterable[str] = HOSTS, days: int = 30, sent_scale: float = 1.0) -> Events:
    """Every host's ordinary traffic on each of `days` days before WHEN (past learning)."""
    # Many examples share one history: it is built once, and each example gets its own rows.
    return {"flow": [dict(row) for row in _history(tuple(hosts), days, sent_scale)]}


@functools.cache
def _history(hosts: tuple[str, ...], days: int, sent_scale: float) -> tuple[dict[str, Any], ...]:
    out: list[dict[str, Any]] = []
    for host in hosts:
        for day in range(days, 0, -1):
            base = WHEN - dt.timedelta(days=day)
            for i, (ip, port, tr, proto, domain, sent) in enumerate(_DAILY):
                # Days differ, as real ones do: people start work at different hours, and the
                # volume rule needs some spread of sizes.
                at = base + dt.timedelta(minutes=7 * i + (day * day * 37 + i * 61) % 420)
                size = int(sent * sent_scale * (1 + ((day * 13 + i * 7) % 10) / 8))
                out.append(flow(host, ip, port, at=at, transport=tr, protocol=proto,
                                domain=domain, sent=size))  # fmt: skip
    return tuple(out)


def series(
    src: str,
    dst: str,
    port: int,
    *,
    count: int,
    every: float,
    start: dt.datetime = WHEN,
    jitter: float = 0.0,
    skip: Iterable[int] = (),
    **flow_args: Any,
) -> Events:
    """`count` connections every `every` seconds; `jitter` (a fraction of `every`) moves each one
    by a fixed pseudo-random pattern, and beats numbered in `skip` are missing."""
    pattern = (0.0, 0.7, -0.4, 0.9, -0.8, 0.3, -0.1, 0.5, -0.6, 0.2)
    missing = set(skip)
    out = []
    for i in range(count):
        if i in missing:
            continue
        offset = every * i + every * jitter * pattern[i % len(pattern)]
        out.append(flow(src, dst, port, at=start + dt.timedelta(seconds=offset), **flow_args))
    return {"flow": out}


def merge_into(target: Events, *more: Mapping[str, list[dict[str, Any]]]) -> Events:
    for events in more:
        for table, rows in events.items():
            target.setdefault(table, []).extend(rows)
    return target


def scenario(*parts: Mapping[str, list[dict[str, Any]]], history: bool = True) -> Events:
    """The events of an example: the usual history (unless history=False) plus the parts."""
    return merge_into(usual_history() if history else {"flow": []}, *parts)
