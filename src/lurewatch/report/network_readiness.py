"""R1 for the network clauses: which sensors were read and what their records let N1–N3 see.

A conn.log alone shows states and confirmed services (N2 and port mismatches) but not
syntax; syntax needs Zeek weird/analyzer logs, Suricata anomaly events or packets. ARP (the
spoofing of N3's gratuitous traffic) is seen only in packet captures: neither sensor logs it.
Flows without server names leave domain allowlists and per-domain baselines blind, so the
share of named flows is reported too.
"""

from __future__ import annotations

from typing import Any

from lurewatch.store import Store

# N1 syntax findings come from these sensor records (anomaly.sensor_name prefixes) or packets.
_SYNTAX_SOURCES = ("weird:", "analyzer:", "dpd:", "applayer:", "app-layer:")


def network_completeness(store: Store) -> dict[str, Any]:
    flows = store.execute(
        """SELECT count(*), count("destination.domain"), count("flow.history"),
           count(DISTINCT "source.ip"), list(DISTINCT "observer.type") FROM flow"""
    )[0]
    anomaly_sensors = [
        r[0] for r in store.execute('SELECT DISTINCT "observer.type" FROM net_anomaly ORDER BY 1')
    ]
    syntax = store.scalar(
        "SELECT count(*) FROM net_anomaly WHERE \"observer.type\" = 'pcap' OR "
        + " OR ".join(f"\"anomaly.sensor_name\" LIKE '{p}%'" for p in _SYNTAX_SOURCES)
    )
    n = flows[0] or 0
    return {
        "flows": n,
        "flow_sensors": sorted(s for s in flows[4] or [] if s),
        "anomaly_sensors": anomaly_sensors,
        "share_flows_named": round(flows[1] / n, 3) if n else 0.0,
        "share_flows_with_tcp_history": round(flows[2] / n, 3) if n else 0.0,
        "source_hosts": flows[3],
        "syntax_findings": int(syntax or 0),
        "packet_analysis": "pcap" in (flows[4] or []),
    }


def network_reasons(cid: str, comp: dict[str, Any]) -> list[str]:
    """Why a network clause is only partly visible, in words."""
    reasons: list[str] = []
    if not comp["flows"]:
        return reasons
    if cid == "N1" and not comp["packet_analysis"] and not comp["syntax_findings"]:
        reasons.append(
            "no packet captures and no Zeek weird/analyzer or Suricata anomaly records: "
            "protocol syntax anomalies are blind (ports and services are still compared)"
        )
    if cid == "N2" and comp["share_flows_with_tcp_history"] < 0.5 and not comp["packet_analysis"]:
        reasons.append(
            "most flows carry no TCP history (conn_state/history): packets outside "
            "established flows are only seen where a sensor reports them"
        )
    if cid == "N3" and not comp["packet_analysis"]:
        reasons.append(
            "no packet captures: ARP and IPv6 ND spoofing (gratuitous ARP or neighbour "
            "advertisements moving an address to another machine) are blind, as Zeek and "
            "Suricata log neither"
        )
    if cid == "N3" and comp["share_flows_named"] < 0.2:
        reasons.append(
            f"only {comp['share_flows_named']:.0%} of flows have a server name (SNI, HTTP Host "
            "or DNS): ingest dns/ssl/http logs so domain allowlists and baselines work"
        )
    return reasons
