"""Shared logic of the N1/N2 detections: `net_anomaly` rows grouped into alerts.

One packet oddity is rarely worth an analyst's minute; the same oddity between the same two
hosts all day is. Rows are grouped per (anomaly, source, destination, destination port, day)
— or, for anomalies that alone say little (`by_source`), per (anomaly, source, day), since
capture loss scatters those over every destination — and each group is one alert that counts its rows and flows, names the sensors that saw it and
quotes a few details. When two sensors (say Zeek and lurewatch's own packet analysis)
independently report the same group, the alert's severity goes up one step: the finding does
not hang on one parser's quirk.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import ibis

from lurewatch.correlate.flow_process import process_words, processes_for
from lurewatch.detections.base import SEVERITIES, Finding, Severity, severity_rank
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.evidence import source_of
from lurewatch.detections.net_evidence import policy
from lurewatch.ids import event_id
from lurewatch.net.anomalies import ANOMALIES

MAX_EVIDENCE = 10
PAIR_KEYS = ("anomaly.name", "source.ip", "destination.ip", "destination.port", "day")
SOURCE_KEYS = ("anomaly.name", "source.ip", "day")
_LEVELS = SEVERITIES


def _raised(severity: str) -> Severity:
    return _LEVELS[min(severity_rank(severity) + 1, len(_LEVELS) - 1)]


def _base(severity: str) -> Severity:
    return _LEVELS[severity_rank(severity)]


def anomaly_groups(
    ctx: DetectionContext, rule: str, names: Iterable[str], by_source: Iterable[str] = ()
) -> list[Finding]:
    """One finding per group of stored anomalies whose name is in `names`; those also in
    `by_source` are grouped per source host instead of per host pair. Sources whose host role
    exempts them from `rule` (network.host_roles, role_exemptions) and allowlisted destination
    networks (network.allow_networks) are left out."""
    per_source = set(by_source)
    pair = [n for n in names if n not in per_source]
    allow = policy(ctx)
    found = _groups(ctx, pair, PAIR_KEYS) + _groups(ctx, sorted(per_source), SOURCE_KEYS)
    return [
        f
        for f in found
        if allow.exempt_role(f.entities.get("source_ip"), rule) is None
        and allow.allowed(f.entities.get("destination_ip"), None) is None
    ]


def _groups(ctx: DetectionContext, names: list[str], key_names: tuple[str, ...]) -> list[Finding]:
    assert ctx.store is not None
    if not names or not ctx.store.count("net_anomaly"):
        return []
    t = ctx.store.table("net_anomaly")
    t = t.filter(t["anomaly.name"].isin(list(names)), t["@timestamp"].notnull())
    t = t.mutate(day=t["@timestamp"].date())
    keys = [t[k] for k in key_names]
    groups = t.group_by(keys).aggregate(
        destinations=t["destination.ip"].nunique(),
        ports=t["destination.port"].collect(distinct=True),
        first=t["@timestamp"].min(),
        last=t["@timestamp"].max(),
        rows=t.count(),
        flows=t["flow.id"].nunique(),
        sensors=t["observer.type"].collect(distinct=True),
        protocol=t["network.protocol"].max(),
        expected=t["anomaly.expected_protocol"].max(),
        transport=t["network.transport"].max(),
    )
    found = ctx.store.ibis.to_pyarrow(groups).to_pylist()
    if not found:
        return []
    w = ibis.window(group_by=keys, order_by=[t["@timestamp"], t["event.id"]])
    firsts = t.mutate(_rank=ibis.row_number().over(w)).filter(lambda x: x._rank < MAX_EVIDENCE)
    rows: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in ctx.store.ibis.to_pyarrow(firsts.drop("_rank")).to_pylist():
        rows[tuple(r[k] for k in key_names)].append(r)
    ordered = sorted(found, key=lambda g: (g["first"], *(str(g[k]) for k in key_names)))
    grouped = [
        sorted(rows[tuple(g[k] for k in key_names)], key=lambda r: r["@timestamp"]) for g in ordered
    ]
    flat = [r for group in grouped for r in group]
    matches = iter(processes_for(ctx.store, ctx.settings, flat))
    out = []
    for g, group_rows in zip(ordered, grouped, strict=True):
        procs = [m for _, m in zip(group_rows, matches, strict=False) if m is not None]
        out.append(_finding(g, group_rows, key_names, procs))
    return out


def _where(g: dict[str, Any]) -> str:
    if "destination.ip" not in g:
        ports = sorted(p for p in g["ports"] or [] if p is not None)
        shown = ", ".join(str(p) for p in ports[:5]) + (", ..." if len(ports) > 5 else "")
        return (
            f"from {g['source.ip'] or 'an unknown host'} to {g['destinations']} destination(s)"
            + (f" on port(s) {shown}" if shown else "")
        )
    port = g["destination.port"]
    dst = g["destination.ip"] or "an unknown host"
    transport = g["transport"] or "port"
    return f"{g['source.ip'] or 'an unknown host'} -> {dst}" + (
        f" {transport}/{port}" if port is not None else ""
    )


def _finding(
    g: dict[str, Any],
    rows: list[dict[str, Any]],
    key_names: tuple[str, ...],
    procs: list[dict[str, Any]],
) -> Finding:
    name = g["anomaly.name"]
    spec = ANOMALIES.get(name)
    title = spec.title if spec else name.replace("_", " ")
    sensors = sorted(s for s in g["sensors"] or [] if s)
    corroborated = len(sensors) > 1
    base = spec.severity if spec else "low"
    severity = _raised(base) if corroborated else _base(base)
    details = list(dict.fromkeys(r["anomaly.detail"] for r in rows if r.get("anomaly.detail")))
    span = _span(g["first"], g["last"])
    seen = (
        f"{g['rows']} time(s) in {g['flows']} connection(s)"
        if g["flows"]
        else f"{g['rows']} time(s)"
    )
    message = (
        f"{title[0].upper()}{title[1:]}: {_where(g)}, {seen} {span}, seen by "
        f"{' and '.join(sensors) or 'a sensor'}"
        + (" (independent sensors agree)" if corroborated else "")
        + ". "
        + "; ".join(details[:3])
        + ("." if details else "")
        + _process_sentence(procs)
    )
    entities: dict[str, Any] = {
        "source_ip": g["source.ip"],
        "destination_ip": g.get("destination.ip"),
        "destination_port": g.get("destination.port"),
        "destinations": sorted({r["destination.ip"] for r in rows if r.get("destination.ip")}),
        "anomaly": name,
        "sensors": sensors,
        "flows": sorted({r["flow.id"] for r in rows if r.get("flow.id")}),
    }
    if g["protocol"]:
        entities["protocol"] = g["protocol"]
    if g["expected"]:
        entities["expected_protocol"] = g["expected"]
    if procs:
        p = procs[0]
        entities["process"] = {
            k: p[k]
            for k in ("host", "pid", "executable", "command_line", "parent", "user", "entity_id")
        }
    key_parts = [str(g[k]) for k in key_names]
    return Finding(
        key=event_id("net_anomaly_group", *key_parts),
        message=message,
        timestamp=g["first"],
        entities=entities,
        evidence=[
            {"event_id": r["event.id"], "kind": "net_anomaly", "source": source_of(r)} for r in rows
        ]
        + [
            {
                "event_id": p["event_id"],
                "kind": "proc_net",
                "source": source_of(
                    {"log.file.path": p["log_path"], "log.offset": p["log_offset"]}
                ),
            }
            for p in {p["event_id"]: p for p in procs}.values()
        ],
        severity=severity,
    )


def _process_sentence(procs: list[dict[str, Any]]) -> str:
    """Who made the traffic, from Sysmon (P1)."""
    if not procs:
        return ""
    names = sorted({p.get("executable") or p.get("name") or "?" for p in procs})
    more = f" (and {len(names) - 1} other program(s))" if len(names) > 1 else ""
    return f" Process: {process_words(procs[0])}{more}."


def _span(first: dt.datetime, last: dt.datetime) -> str:
    if last - first < dt.timedelta(seconds=1):
        return f"at {first:%Y-%m-%d %H:%M:%S} UTC"
    return f"between {first:%Y-%m-%d %H:%M:%S} and {last:%H:%M:%S} UTC"
