"""N3: a host calling an internet destination at regular intervals with alike requests (beaconing).

The scoring lives in net_beacon_score.py; this rule applies the allowlists and host roles, says
why the series looks like a beacon, and raises the severity where the destination is rare in
the organization or the port is non-standard.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lurewatch.baselines.flows import ORG, destination_rows, outbound
from lurewatch.detections.base import Example, Finding, QueryDetection, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_net import HOST, OTHER_HOST, WHEN, scenario, series
from lurewatch.detections.net_beacon_score import SERIES, beacon_series
from lurewatch.detections.net_evidence import (
    finding,
    human_bytes,
    human_seconds,
    nonstandard_port,
    only,
    policy,
    sample_flows,
    scopes,
    when,
)
from lurewatch.store.memtable import key_table

RULE = "net_beaconing"


def _prevalence(ctx: DetectionContext, keys: list[str]) -> dict[str, int]:
    """Distinct internal hosts that reached each destination key (org baseline)."""
    assert ctx.store is not None
    if not keys:
        return {}
    b = destination_rows(ctx.store, ORG)
    rows = ctx.store.ibis.to_pyarrow(
        only(b, "destination.key", keys).select("destination.key", "hosts")
    ).to_pylist()
    return {r["destination.key"]: int(r["hosts"]) for r in rows}


def _evidence(ctx: DetectionContext, found: list[dict[str, Any]]) -> dict[tuple[Any, ...], Any]:
    assert ctx.store is not None
    if not found:
        return {}
    f = ctx.store.table("flow")
    f = only(f, "source.ip", (s["source.ip"] for s in found))
    keys = key_table({k: [s[k] for s in found] for k in SERIES})
    o = outbound(ctx.store, ctx.settings, f, scopes(ctx)).semi_join(keys, list(SERIES))
    return sample_flows(ctx, o, list(SERIES))


def _words(s: dict[str, Any]) -> str:
    period = human_seconds(s["gap_median"] / 1000)
    if s["step"] == 2:
        period += " per two connections (gaps alternate)"
    spread = human_seconds((s["gap_q3"] - s["gap_q1"]) / 1000)
    where = s["domain"] or s["address"]
    if s["domain"] and s["addresses"] > 1:
        where += f" ({s['addresses']} addresses, e.g. {s['address']})"
    elif s["domain"]:
        where += f" ({s['address']})"
    return (
        f"{s['source.ip']} connected to {where} on {s['network.transport']}/"
        f"{s['destination.port']} {s['connections']} times between {when(s['first_seen'])} and "
        f"{when(s['last_seen'])}, about every {period} (median gap; interquartile range {spread}; "
        f"{s['on_beat']:.0%} of gaps on the beat or a whole number of missed beats), sending "
        f"{human_bytes(s['size_median'])} a time (median; {s['size_mode_share']:.0%} exactly "
        f"{human_bytes(s['size_mode'])}; {human_bytes(s['bytes_sent'])} in all). Beacon score "
        f"{s['score']:.2f} = timing {s['timing_score']:.2f} (regularity {s['regularity']:.2f}, "
        f"on-beat {s['on_beat']:.2f}, symmetry {s['symmetry']:.2f}), size {s['size_score']:.2f}, "
        f"persistence {s['persistence_score']:.2f}, count {s['count_score']:.2f}."
    )


def run(ctx: DetectionContext) -> list[Finding]:
    pol = policy(ctx)
    found = [
        s
        for s in beacon_series(ctx)
        if not pol.skips(RULE, s["source.ip"], s["address"], s["domain"])
    ]
    prevalence = _prevalence(ctx, [s["destination.key"] for s in found])
    samples = _evidence(ctx, found)
    rare_max = ctx.settings.network.rare_max_hosts
    out = []
    for s in sorted(found, key=lambda s: (-s["score"], s["source.ip"], s["destination.key"])):
        rows = samples.get(tuple(s[k] for k in SERIES))
        if not rows:
            continue
        extra = []
        hosts = prevalence.get(s["destination.key"], 1)
        if hosts <= rare_max:
            extra.append(f"only {hosts} internal host(s) ever reached this destination")
        port = nonstandard_port(s["network.transport"], s["destination.port"],
                                rows[0].get("network.protocol"))  # fmt: skip
        if port:
            extra.append(f"non-standard port: {port}")
        severity: Severity = "high" if s["score"] >= 0.9 and extra else "medium"
        message = _words(s) + (" Also: " + "; ".join(extra) + "." if extra else "")
        key = [s[k] for k in SERIES]
        out.append(
            finding(
                RULE,
                key,
                rows,
                message,
                severity,
                beacon_score=round(s["score"], 3),
                period_seconds=round(s["gap_median"] / 1000, 1),
                connections=s["connections"],
            )  # fmt: skip
        )
    return out


_C2 = "185.220.101.4"


def _jittered_with_missed_beats() -> dict[str, Any]:
    return scenario(
        series(
            HOST,
            _C2,
            443,
            count=60,
            every=300,
            jitter=0.15,
            skip=(7, 19, 20, 41),
            protocol="ssl",
            domain="cdn.example-c2.net",
            sent=320,
        )  # fmt: skip
    )


def _exact_hourly_bare_port() -> dict[str, Any]:
    return scenario(series(OTHER_HOST, "45.76.12.27", 1177, count=24, every=3600, sent=148))


def _browsing() -> dict[str, Any]:
    # People browse in bursts: gaps from seconds to hours, sizes all over the place.
    gaps = (3, 40, 7, 900, 12, 2, 3600, 65, 8, 400, 30, 5, 1800, 22, 90, 4, 7200, 15, 60, 300)
    sizes = (500, 12000, 800, 300, 45000, 1200, 700, 9000, 350, 2500, 600, 80000, 400, 1500,
             700, 3000, 200, 900, 15000, 650)  # fmt: skip
    rows, t = [], WHEN
    for gap, size in zip(gaps, sizes, strict=True):
        t = t + dt.timedelta(seconds=gap)
        rows.extend(series(HOST, "151.101.1.69", 443, count=1, every=1, start=t, protocol="ssl",
                           domain="news.example.org", sent=size)["flow"])  # fmt: skip
    return scenario({"flow": rows})


def _ntp_is_allowlisted() -> dict[str, Any]:
    return scenario(series(HOST, "40.119.6.228", 123, count=48, every=900, transport="udp",
                           protocol="ntp", domain="time.windows.com", sent=48))  # fmt: skip


def _too_few() -> dict[str, Any]:
    return scenario(series(HOST, _C2, 443, count=6, every=300, sent=320))


DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="Host beaconing to an internet destination",
        clause="N3",
        techniques=("T1071", "T1573", "T1571"),
        severity="medium",
        evidence_kinds=("flow",),
        requires=("flow",),
        description="Per (internal host, internet destination by name or address, transport, "
        "port): at least network.beacon_min_connections connections whose gaps are regular "
        "(robust to jitter and missed beats), whose request sizes are alike, lasting hours, "
        "score at least network.beacon_min_score (0..1; the parts are in the message). High "
        "from 0.9 when the destination is rare in the organization or the port non-standard.",
        false_positives="Software that polls on a timer: update checks, telemetry, chat and "
        "mail clients, monitoring agents, NTP. Name their services in network.allow_domains "
        "and monitoring hosts in network.host_roles.",
        playbook="Identify the process on the host making the connections (P1/P2 alerts, EDR); "
        "look up the destination and its certificate; compare the period with known implant "
        "sleep settings; isolate the host and block the destination if it is not a known "
        "service.",
        run=run,
        examples=(
            Example(
                "jittered 5-minute beacon with missed beats", True, _jittered_with_missed_beats()
            ),  # fmt: skip
            Example("hourly beacon on port 1177", True, _exact_hourly_bare_port()),
            Example("a person browsing", False, _browsing()),
            Example("NTP every 15 minutes (allowlisted)", False, _ntp_is_allowlisted()),
            Example("too few connections", False, _too_few()),
        ),
    )
]
