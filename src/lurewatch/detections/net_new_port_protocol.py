"""N3: an internal host speaking a (transport, port) or an application protocol it never used
before, after its own learning period.

Judged per host (baseline_flow_service): a new laptop learns for network.learning_days from its
first flow, like the organization does. Ports from 49152 up count as one ("dynamic"). Most
weight goes to a recognised protocol on a port not registered to it (HTTP on 1177, TLS on
4444): the non-standard-port technique, common in commodity RATs and implants.
"""

from __future__ import annotations

from typing import Any

import ibis

from lurewatch.baselines.flows import ORG, PORT, destination_rows
from lurewatch.detections.base import Example, Finding, QueryDetection, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_net import HOST, OTHER_HOST, flow, scenario
from lurewatch.detections.net_evidence import (
    destination_words,
    fetch_flows,
    finding,
    nonstandard_port,
    only,
    policy,
    raised,
    when,
)

RULE = "net_new_port_protocol"


def new_services(ctx: DetectionContext) -> list[dict[str, Any]]:
    """Service keys each host first used after its learning period, with what it used before."""
    assert ctx.store is not None
    days = max(0, ctx.settings.network.learning_days)
    b = ctx.store.table("baseline_flow_service")
    b = b.mutate(
        host_start=b.first_seen.min().over(group_by=b["source.ip"]),
        known=b.count().over(group_by=[b["source.ip"], b["service.kind"]]),
    )
    new = b.filter(b.first_seen >= b.host_start + ibis.interval(days=days))
    return list(ctx.store.ibis.to_pyarrow(new).to_pylist())


def _usual(ctx: DetectionContext, hosts: list[str]) -> dict[tuple[str, str], list[str]]:
    """Per (host, kind): the keys learned before, most used first (few hosts: those that fired)."""
    assert ctx.store is not None
    if not hosts:
        return {}
    b = ctx.store.table("baseline_flow_service")
    rows = ctx.store.ibis.to_pyarrow(only(b, "source.ip", hosts)).to_pylist()
    out: dict[tuple[str, str], list[tuple[int, str, Any]]] = {}
    for r in rows:
        out.setdefault((r["source.ip"], r["service.kind"]), []).append(
            (-int(r["connections"]), r["service.key"], r["first_seen"])
        )
    return {k: [key for _, key, _ in sorted(v)] for k, v in out.items()}


def _rare_destinations(ctx: DetectionContext, keys: list[str]) -> set[str]:
    assert ctx.store is not None
    if not keys:
        return set()
    b = destination_rows(ctx.store, ORG)
    b = only(b, "destination.key", keys)
    b = b.filter(b.hosts <= ctx.settings.network.rare_max_hosts)
    return set(ctx.store.ibis.to_pyarrow(b.select("destination.key")).column(0).to_pylist())


def _what(c: dict[str, Any]) -> str:
    return (
        f"port {c['service.key']}"
        if c["service.kind"] == PORT
        else f"the {c['service.key']} protocol"
    )


def _before(usual: dict[tuple[str, str], list[str]], c: dict[str, Any]) -> str:
    kind = c["service.kind"]
    keys = [k for k in usual.get((c["source.ip"], kind), []) if k != c["service.key"]]
    noun = "port" if kind == PORT else "protocol"
    return f"{len(keys)} other {noun}(s)" + (f" (mostly {', '.join(keys[:6])})" if keys else "")


def run(ctx: DetectionContext) -> list[Finding]:
    cands = new_services(ctx)
    firsts = fetch_flows(ctx, (c["first_event_id"] for c in cands))
    usual = _usual(ctx, sorted({c["source.ip"] for c in cands}))
    rare = _rare_destinations(ctx, [r["destination.key"] for r in firsts.values()])
    pol = policy(ctx)
    # A new port and a new protocol first seen on the same flow are one finding.
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for c in cands:
        grouped.setdefault((c["source.ip"], c["first_event_id"]), []).append(c)
    out = []
    for (host, first_id), group in sorted(
        grouped.items(), key=lambda g: (g[1][0]["first_seen"], g[0])
    ):
        r = firsts.get(first_id)
        if r is None:
            continue
        if pol.skips(RULE, host, r.get("destination.ip"), r.get("destination.domain")):
            continue
        group.sort(key=lambda c: c["service.kind"] != PORT)  # the port first
        signals = []
        odd = nonstandard_port(r.get("network.transport"), r.get("destination.port"),
                               r.get("network.protocol"))  # fmt: skip
        if odd:
            signals.append(f"non-standard port: {odd}")
        internet = r.get("lurewatch.destination_scope") == "internet"
        if internet and r["destination.key"] in rare:
            signals.append("the destination is rare in the organization")
        severity: Severity = raised("low", len(signals))
        since = "; ".join(
            f"{_what(c)}: {c['connections']} connection(s) to {c['destinations']} address(es) "
            f"since, {_before(usual, c)} before"
            for c in group
        )
        message = (
            f"{host} used {' and '.join(_what(c) for c in group)} for the first time: "
            f"{destination_words(r)} ({r.get('lurewatch.destination_scope')}) at "
            f"{when(r['@timestamp'])}. {since[0].upper()}{since[1:]}."
            + (" Also: " + "; ".join(signals) + "." if signals else "")
        )
        key = [host, *(f"{c['service.kind']}:{c['service.key']}" for c in group)]
        out.append(finding(RULE, key, [r], message, severity,
                           services=[f"{c['service.kind']}:{c['service.key']}" for c in group]))  # fmt: skip
    return out


def _rat_http_on_1177() -> dict[str, Any]:
    return scenario({"flow": [flow(HOST, "41.108.179.197", 1177, protocol="http", sent=300)]})


def _ssh_first_time() -> dict[str, Any]:
    return scenario({"flow": [flow(OTHER_HOST, "10.0.9.9", 22, protocol="ssh")]})


def _usual_https() -> dict[str, Any]:
    return scenario({"flow": [flow(HOST, "104.16.1.1", 443, protocol="ssl",
                                   domain="www.example.org")]})  # fmt: skip


def _during_learning() -> dict[str, Any]:
    return scenario({"flow": [flow(HOST, "41.108.179.197", 1177, protocol="http")]},
                    history=False)  # fmt: skip


def _new_port_to_allowlisted_ntp() -> dict[str, Any]:
    return scenario({"flow": [flow(HOST, "40.119.6.228", 123, transport="udp", protocol="ntp",
                                   domain="time.windows.com")]})  # fmt: skip


DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="Host spoke a port or protocol it never used before",
        clause="N3",
        techniques=("T1571", "T1071", "T1095"),
        severity="low",
        evidence_kinds=("flow",),
        requires=("flow",),
        description="An internal host originates its first flow on a (transport, port) "
        "(49152 and up count as one) or in an application protocol (as the sensor names it: "
        "http, tls, ssh, dns, ...) after network.learning_days from its own first flow. Low "
        "by itself; one level up for a protocol on a port not registered to it or an "
        "unregistered port, and one for an internet destination few hosts reach. One alert "
        "per (host, port or protocol).",
        false_positives="New software and services on the host, administrators' tools, "
        "developers' test servers on high ports. Give scanners and monitoring hosts a role "
        "(network.host_roles); allowlist known destinations.",
        playbook="Find the process behind the flow (P1/P2 alerts, EDR); check what the port "
        "carries (Zeek service, payload); a known protocol on a non-standard port to a rare "
        "internet address is a classic implant channel: isolate and investigate.",
        run=run,
        examples=(
            Example("HTTP on port 1177 to a rare address", True, _rat_http_on_1177()),
            Example("first SSH session to an internal server", True, _ssh_first_time()),
            Example("HTTPS, as every day", False, _usual_https()),
            Example("during the host's learning period", False, _during_learning()),
            Example("NTP to an allowlisted time server", False, _new_port_to_allowlisted_ntp()),
        ),
    )
]
