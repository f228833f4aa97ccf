"""What every N3 alert says about flows: hosts, destinations, sizes and durations in words, the
entities an analyst pivots on, and the evidence records.

Shared by the net_* detections; it holds no rule of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ibis

from lurewatch.baselines.flows import build_scope_table, outbound
from lurewatch.detections.base import SEVERITIES, Finding, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.evidence import source_of
from lurewatch.enrich.process_identity import PORT_NAMES
from lurewatch.ids import event_id
from lurewatch.net.policy import NetworkPolicy, network_policy
from lurewatch.net.ports import ports_of, registered_protocol
from lurewatch.store.memtable import key_table

Row = Mapping[str, Any]
# Flows quoted as evidence per alert at most; the message gives the full counts.
MAX_EVIDENCE = 10
# The detections' own copy of the address scopes (the baselines drop theirs when done).
SCOPES_TABLE = "_lw_net_scopes"


def policy(ctx: DetectionContext) -> NetworkPolicy:
    """The allowlists and host roles, read once per run."""
    if "net.policy" not in ctx.cache:
        ctx.cache["net.policy"] = network_policy(ctx.settings)
    found: NetworkPolicy = ctx.cache["net.policy"]
    return found


def scopes(ctx: DetectionContext) -> Any:
    """The scope of every flow address, worked out once per run into a small temporary table
    that the rules' queries over many flows join (see baselines.flows.build_scope_table)."""
    assert ctx.store is not None
    if "net.scopes" not in ctx.cache:
        ctx.cache["net.scopes"] = build_scope_table(ctx.store, ctx.settings, SCOPES_TABLE)
    return ctx.cache["net.scopes"]


def only(t: Any, column: str, values: Iterable[Any]) -> Any:
    """Rows of `t` whose `column` is one of `values`: a semi-join on a small table, which Ibis
    compiles at once however many values there are (a long isin() list compiles slowly)."""
    keep = key_table({column: sorted(set(values))}, {column: t[column].type()})
    return t.semi_join(keep, column)


def fetch_flows(ctx: DetectionContext, event_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The outbound view of the flows with these event ids (few: the ones alerts are about)."""
    assert ctx.store is not None
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    f = ctx.store.table("flow")
    # Read the few rows once; handed over as a filter, the scan would repeat per join.
    few = ibis.memtable(ctx.store.ibis.to_pyarrow(only(f, "event.id", ids)))
    rows = ctx.store.ibis.to_pyarrow(outbound(ctx.store, ctx.settings, few)).to_pylist()
    return {r["event.id"]: r for r in rows}


def sample_flows(
    ctx: DetectionContext, flows: Any, group: Sequence[str], order: Sequence[Any] | None = None
) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    """Per group of `flows` (an outbound view, already narrowed), its first MAX_EVIDENCE flows in
    `order` (default: time)."""
    assert ctx.store is not None
    by = order or [flows["@timestamp"], flows["event.id"]]
    ranked = flows.mutate(_rn=ibis.row_number().over(group_by=list(group), order_by=list(by)))
    rows = ctx.store.ibis.to_pyarrow(ranked.filter(ranked._rn < MAX_EVIDENCE)).to_pylist()
    out: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in sorted(rows, key=lambda r: r["_rn"]):
        out.setdefault(tuple(r[c] for c in group), []).append(r)
    return out


def flows_between(
    ctx: DetectionContext, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    """The first MAX_EVIDENCE flows of each (host, destination key) pair (few pairs)."""
    assert ctx.store is not None
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    f = only(ctx.store.table("flow"), "source.ip", (h for h, _ in wanted))
    o = outbound(ctx.store, ctx.settings, f, scopes(ctx))
    pairs_t = key_table(
        {"source.ip": [h for h, _ in wanted], "destination.key": [k for _, k in wanted]}
    )
    o = o.semi_join(pairs_t, ["source.ip", "destination.key"])
    return sample_flows(ctx, o, ["source.ip", "destination.key"])


def human_bytes(n: float | None) -> str:
    value = float(n or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if abs(value) < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def human_seconds(s: float | None) -> str:
    value = float(s or 0)
    if value < 120:
        return f"{value:.0f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def when(ts: Any) -> str:
    return f"{ts:%Y-%m-%d %H:%M:%S} UTC" if isinstance(ts, dt.datetime) else "an unknown time"


def destination_words(r: Row) -> str:
    """`c2.example.net (185.220.101.4) port tcp/443, tls`."""
    ip = r.get("destination.ip") or "?"
    name = r.get("destination.domain")
    where = f"{name} ({ip})" if name else ip
    proto = r.get("network.protocol")
    return f"{where} port {r.get('network.transport') or 'ip'}/{r.get('destination.port')}" + (
        f", {proto}" if proto else ""
    )


def nonstandard_port(transport: str | None, port: int | None, protocol: str | None) -> str:
    """Why the port is unusual for what it carries, or "" when it is not.

    A recognised protocol on a port not registered to it (HTTP on 1177, TLS on 4444) is the
    non-standard-port technique; a port outside the well-known services, with nothing
    recognised on it, is only "unregistered".
    """
    if port is None:
        return ""
    tr = (transport or "").lower()
    proto = (protocol or "").lower()
    expected = registered_protocol(tr, port)
    if proto:
        usual = [p for t, p in ports_of(proto) if t == tr]
        if usual and port not in usual and expected != proto:
            ports = ", ".join(str(p) for p in usual)
            return f"{proto} on port {port}, not on its registered port(s) {ports}"
        return ""
    if expected is None and port not in PORT_NAMES and port < 49152:
        return f"unregistered port {tr}/{port}"
    return ""


def raised(severity: Severity, steps: int) -> Severity:
    """`severity` raised by `steps` levels, at most high (critical is for correlated incidents)."""
    rank = min(SEVERITIES.index(severity) + max(0, steps), SEVERITIES.index("high"))
    return SEVERITIES[rank]


def evidence(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """The flows (at most MAX_EVIDENCE, in the order given) as evidence links."""
    return [
        {"event_id": r["event.id"], "kind": "flow", "source": source_of(dict(r))}
        for r in rows[:MAX_EVIDENCE]
    ]


def entities(r: Row) -> dict[str, Any]:
    return {
        "host_ip": r.get("source.ip"),
        "ip": r.get("destination.ip"),
        "domain": r.get("destination.domain"),
        "port": r.get("destination.port"),
        "transport": r.get("network.transport"),
        "protocol": r.get("network.protocol") or None,
    }


def finding(
    rule: str,
    key: Iterable[Any],
    rows: Sequence[Row],
    message: str,
    severity: Severity,
    **extra: Any,
) -> Finding:
    """An alert about `rows` (flows, the most telling first), dated by the earliest of them."""
    first = min(rows, key=lambda r: (r.get("@timestamp") or dt.datetime.min, r["event.id"]))
    ents = entities(rows[0])
    ents.update(extra)
    return Finding(
        key=event_id(rule, *(str(k) for k in key)),
        message=message,
        timestamp=first.get("@timestamp"),
        entities=ents,
        evidence=evidence(rows),
        severity=severity,
    )
