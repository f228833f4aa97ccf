"""What every P2 alert says about a connection: the process, its command line, parent, user and
destination in words, the entities an analyst pivots on, and the evidence records.

Shared by the proc_* detections; it holds no rule of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ibis

from lurewatch.baselines.proc_net import connections, org_learning_cutoff
from lurewatch.detections.base import Finding, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.evidence import source_of
from lurewatch.ids import event_id

Row = Mapping[str, Any]
# Connections of one process quoted as evidence at most; the message gives the full count.
MAX_EVIDENCE = 10


def fetch_connections(ctx: DetectionContext, event_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The enriched connections with these event ids (few: the ones an alert is about)."""
    assert ctx.store is not None
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    n = ctx.store.table("proc_net")
    # Read the few rows once, then enrich them: handed over as a filter, the scan for them
    # would run once for every part of the enrichment.
    few = ibis.memtable(ctx.store.ibis.to_pyarrow(n.filter(n["event.id"].isin(ids))))
    rows = ctx.store.ibis.to_pyarrow(connections(ctx.store, ctx.settings, few)).to_pylist()
    return {r["event.id"]: r for r in rows}


def new_first_connections(ctx: DetectionContext) -> dict[str, dict[str, Any]]:
    """The first connection of every baseline key first seen after the org-wide learning period
    (host or org level), enriched. The first-seen rules all draw from this set, so it is read
    once per run and kept in the context."""
    assert ctx.store is not None
    key = "proc_net.new_first_connections"
    if key not in ctx.cache:
        cutoff = org_learning_cutoff(ctx.store, ctx.settings)
        ids: list[str] = []
        if cutoff is not None:
            b = ctx.store.table("baseline_proc_net")
            new = b.filter(b.first_seen >= ibis.literal(cutoff)).select("first_event_id").distinct()
            ids = ctx.store.ibis.to_pyarrow(new).column("first_event_id").to_pylist()
        ctx.cache[key] = fetch_connections(ctx, ids)
    found: dict[str, dict[str, Any]] = ctx.cache[key]
    return found


def _short(text: str | None, limit: int = 300) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= limit else t[: limit - 1] + "…"


def process_words(r: Row) -> str:
    """`regsvr32.exe (C:\\...\\regsvr32.exe) on iewin7 (user IEWIN7\\IEUser)`."""
    name = r.get("process.name") or "unknown process"
    exe = r.get("process.executable")
    where = f" ({exe})" if exe and exe.lower() != name else ""
    user = r.get("user.name") or "unknown user"
    return f"{name}{where} on {r.get('host.name') or 'an unknown host'} (user {user})"


def destination_words(r: Row) -> str:
    ip, port = r.get("destination.ip"), r.get("destination.port")
    host = ip if ip and ":" not in ip else f"[{ip}]"
    domain = f" ({r['destination.domain']})" if r.get("destination.domain") else ""
    return (
        f"{host}:{port}{domain} over {r.get('network.transport') or 'ip'} "
        f"({r.get('lurewatch.port_class')}, {r.get('lurewatch.destination_scope')})"
    )


def context_words(r: Row) -> str:
    """Command line and parent, or why they are unknown."""
    if not r.get("process.start.event_id"):
        return (
            "Its process start (Sysmon event 1) is not in the log, so command line and parent "
            "are unknown."
        )
    ofn = r.get("process.pe.original_file_name")
    renamed = "|" in (r.get("process.identity") or "")
    parts = [f"Command line: {_short(r.get('process.command_line')) or '(empty)'}."]
    if renamed:
        parts.append(f"Its PE original file name is {ofn}: a renamed binary.")
    parent = r.get("process.parent.executable") or "unknown"
    parts.append(f"Parent: {parent} ({_short(r.get('process.parent.command_line'), 200)}).")
    return " ".join(parts)


def when(r: Row) -> str:
    ts = r.get("@timestamp")
    return f"{ts:%Y-%m-%d %H:%M:%S} UTC" if isinstance(ts, dt.datetime) else "an unknown time"


def entities(r: Row) -> dict[str, Any]:
    return {
        "host": r.get("host.name"),
        "user": r.get("user.name"),
        "process": r.get("process.executable") or r.get("process.name"),
        "process_name": r.get("process.name"),
        "process_identity": r.get("process.identity"),
        "process_guid": r.get("process.entity_id"),
        "command_line": r.get("process.command_line"),
        "parent": r.get("process.parent.executable"),
        "parent_command_line": r.get("process.parent.command_line"),
        "original_file_name": r.get("process.pe.original_file_name"),
        "ip": r.get("destination.ip"),
        "port": r.get("destination.port"),
        "domain": r.get("destination.domain"),
    }


def evidence(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """The connections (in time order, at most MAX_EVIDENCE), then each process start once."""
    out: list[dict[str, Any]] = []
    starts: dict[str, dict[str, Any]] = {}
    ordered = sorted(rows, key=lambda r: (r.get("@timestamp") or dt.datetime.min, r["event.id"]))
    for r in ordered[:MAX_EVIDENCE]:
        out.append({"event_id": r["event.id"], "kind": "proc_net", "source": source_of(dict(r))})
        sid = r.get("process.start.event_id")
        if sid and sid not in starts:
            path, offset = r.get("process.start.log_path"), r.get("process.start.log_offset")
            starts[sid] = {
                "event_id": sid,
                "kind": "process",
                "source": f"{path}@{offset}" if offset is not None else path or "",
            }
    return out + list(starts.values())


def finding(
    rule: str,
    key: Iterable[str],
    rows: Sequence[Row],
    message: str,
    severity: Severity,
    **extra: Any,
) -> Finding:
    """An alert about the first of `rows` (a process or identity's connections)."""
    first = min(rows, key=lambda r: (r.get("@timestamp") or dt.datetime.min, r["event.id"]))
    ents = entities(first)
    ents.update(extra)
    return Finding(
        key=event_id(rule, *key),
        message=message,
        timestamp=first.get("@timestamp"),
        entities=ents,
        evidence=evidence(rows),
        severity=severity,
    )


def allowed(ctx: DetectionContext, r: Row) -> bool:
    """Whether processes.allow names this process (by name or identity)."""
    allow = {a.strip().lower() for a in ctx.settings.processes.allow if a.strip()}
    return bool(allow) and bool(
        {(r.get("process.name") or "").lower(), (r.get("process.identity") or "")} & allow
    )
