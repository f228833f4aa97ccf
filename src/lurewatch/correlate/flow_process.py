"""P1: the process behind a connection that a network sensor saw.

A flow or a network anomaly names a 5-tuple and a time; Sysmon event 3 names the same
5-tuple, the host and the process (ProcessGuid), and event 1 that process's command line,
parent and user. The join is on the connection's two ends and ports, the transport when both
sides know it, and time within `processes.flow_match_seconds` (sensor and host clocks
drift). The originator is matched by its address as Sysmon logged it, or by host name through
`assets.ip_hosts_file` where DHCP or NAT make addresses unreliable ("ip,host[,from,until]"
lines, times in ISO 8601 UTC). Of several candidates the one nearest in time wins.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from lurewatch.config import Settings
from lurewatch.errors import ConfigError
from lurewatch.store import Store


@dataclass(frozen=True)
class HostLease:
    ip: str
    host: str
    start: dt.datetime | None
    end: dt.datetime | None


def _when(text: str, path: str) -> dt.datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"{path}: {text!r} is not an ISO 8601 time") from None
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def load_ip_hosts(path: str) -> list[HostLease]:
    """The "ip,host[,from,until]" lines of assets.ip_hosts_file ('#' comments allowed)."""
    if not path:
        return []
    try:
        with Path(path).open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(line for line in fh if not line.lstrip().startswith("#")))
    except OSError as exc:
        raise ConfigError(
            f"cannot read assets.ip_hosts_file {path}: {exc.strerror or exc}"
        ) from None
    leases = []
    for row in rows:
        if len(row) < 2 or row[0].strip().lower() == "ip":
            continue
        start = _when(row[2], path) if len(row) > 2 else None
        end = _when(row[3], path) if len(row) > 3 else None
        leases.append(HostLease(row[0].strip(), row[1].strip().lower(), start, end))
    return leases


_CONN_SCHEMA = pa.schema(
    [
        ("_i", pa.int64()),
        ("_sip", pa.string()),
        ("_sport", pa.int32()),
        ("_dip", pa.string()),
        ("_dport", pa.int32()),
        ("_tr", pa.string()),
        ("_ts", pa.timestamp("us")),
        ("_host", pa.string()),
    ]
)


def _host_of(ip: str | None, when: dt.datetime | None, leases: list[HostLease]) -> str | None:
    for lease in leases:
        if lease.ip != ip:
            continue
        if when is not None and (
            (lease.start and when < lease.start) or (lease.end and when >= lease.end)
        ):
            continue
        return lease.host
    return None


def processes_for(
    store: Store, settings: Settings, conns: list[dict[str, Any]]
) -> list[dict[str, Any] | None]:
    """For each connection (a flow or net_anomaly row), the process that made it, or None.

    A match holds the proc_net row's host, process and user, and, when its process start is
    stored, the command line and parent."""
    out: list[dict[str, Any] | None] = [None] * len(conns)
    if not conns or not store.count("proc_net"):
        return out
    leases = load_ip_hosts(settings.assets.ip_hosts_file)
    table = pa.Table.from_pylist(
        [
            {
                "_i": i,
                "_sip": c.get("source.ip"),
                "_sport": c.get("source.port"),
                "_dip": c.get("destination.ip"),
                "_dport": c.get("destination.port"),
                "_tr": (c.get("network.transport") or "").lower() or None,
                "_ts": c.get("@timestamp"),
                "_host": _host_of(c.get("source.ip"), c.get("@timestamp"), leases),
            }
            for i, c in enumerate(conns)
            if c.get("destination.ip") and c.get("destination.port") is not None
        ],
        schema=_CONN_SCHEMA,
    )
    if not table.num_rows:
        return out
    tolerance = ibis.interval(seconds=settings.processes.flow_match_seconds)
    c = ibis.memtable(table)
    p = store.table("proc_net")
    same_end = (c._sip == p["source.ip"]) | (c._host.notnull() & (c._host == p["host.name"]))
    cond = [
        same_end,
        c._dip == p["destination.ip"],
        c._dport == p["destination.port"],
        (c._sport.isnull()) | (p["source.port"].isnull()) | (c._sport == p["source.port"]),
        (c._tr.isnull()) | (p["network.transport"].isnull()) | (c._tr == p["network.transport"]),
        p["@timestamp"].between(c._ts - tolerance, c._ts + tolerance),
    ]
    j = c.join(p, cond)
    gap = j["@timestamp"].delta(j._ts, unit="millisecond").abs()
    gapped = j.mutate(_gap=gap)
    ranked = gapped.mutate(
        _rank=ibis.row_number().over(group_by=gapped._i, order_by=[gapped._gap, gapped["event.id"]])
    )
    best = ranked.filter(ranked._rank == 0)
    proc = store.table("process")
    best = best.left_join(proc, best["process.entity_id"] == proc["process.entity_id"])
    picked = best.select(
        _i=best._i,
        event_id=best["event.id"],
        host=best["host.name"],
        pid=best["process.pid"],
        entity_id=best["process.entity_id"],
        executable=best["process.executable"],
        name=best["process.name"],
        user=best["user.name"],
        command_line=best["process.command_line"],
        parent=best["process.parent.executable"],
        parent_command_line=best["process.parent.command_line"],
        log_path=best["log.file.path"],
        log_offset=best["log.offset"],
    )
    for r in store.ibis.to_pyarrow(picked).to_pylist():
        out[r.pop("_i")] = r
    return out


def process_words(m: dict[str, Any]) -> str:
    """`mshta.exe (pid 4242, on ws-17, user CORP\\dana): "mshta.exe http://...", started by
    C:\\Windows\\explorer.exe`."""
    who = [
        f"pid {m['pid']}" if m.get("pid") is not None else None,
        f"on {m['host']}" if m.get("host") else None,
        f"user {m['user']}" if m.get("user") else None,
    ]
    text = f"{m.get('executable') or m.get('name') or 'an unknown program'}"
    details = ", ".join(w for w in who if w)
    if details:
        text += f" ({details})"
    if m.get("command_line"):
        text += f': "{m["command_line"]}"'
    if m.get("parent"):
        text += f", started by {m['parent']}"
    return text
