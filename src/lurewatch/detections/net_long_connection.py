"""N3: a host connected to an internet destination for a long time: one connection lasting hours,
or a (host, destination, port) pair connected for hours in one day when its connections are
added up (sensors cut long sessions into pieces at inactivity timeouts; tunnels reconnect).

Added-up time is capped by the wall-clock span from the pair's first start to its last end that
day, so parallel connections (a browser opens six) do not count twice. One alert per
(host, destination, port), with the days it happened on.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import ibis

from lurewatch.baselines.flows import ORG, destination_rows, hosts_own, internet, outbound
from lurewatch.detections.base import Example, Finding, QueryDetection, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_net import HOST, WHEN, flow, scenario, series
from lurewatch.detections.net_evidence import (
    finding,
    human_bytes,
    human_seconds,
    only,
    policy,
    raised,
    sample_flows,
    scopes,
)
from lurewatch.store.memtable import key_table

RULE = "net_long_connection"
PAIR = ("source.ip", "destination.key", "network.transport", "destination.port")


def _candidate_flows(ctx: DetectionContext) -> Any:
    """The flows that could make a pair pass a threshold, screened on the raw flows: every flow
    at least long_connection_seconds long, and every flow of a host-day whose durations add up
    to long_connection_total_seconds (a pair's time within a day is part of its host's).
    Few host-days pass, and grouping by host and day is cheap; only these flows are enriched.
    """
    assert ctx.store is not None
    n = ctx.settings.network
    f = hosts_own(ctx.store.table("flow"))
    f = f.mutate(_day=f["@timestamp"].truncate("D"), _d=f["flow.duration"].fill_null(0.0))
    busy = f.group_by(["source.ip", "_day"]).aggregate(_total=f._d.sum())
    busy = busy.filter(busy._total >= n.long_connection_total_seconds).select("source.ip", "_day")
    # The busy host-days are read out: at most hosts x days rows, and a table of known size
    # is what the join builds on (left inside the query, the join may build on the flows).
    busy = ibis.memtable(ctx.store.ibis.to_pyarrow(busy))
    # Two disjoint parts rather than a join of every flow: most flows are in neither.
    long = f.filter(f._d >= n.long_connection_seconds)
    rest = f.filter(f._d < n.long_connection_seconds).semi_join(busy, ["source.ip", "_day"])
    return long.union(rest).drop("_day", "_d")


def long_pairs(ctx: DetectionContext) -> list[dict[str, Any]]:
    """Per (pair, day) where one connection or the added-up time reaches the thresholds."""
    assert ctx.store is not None
    n = ctx.settings.network
    o = internet(outbound(ctx.store, ctx.settings, _candidate_flows(ctx), scopes(ctx)))
    o = o.mutate(
        day=o["@timestamp"].truncate("D"),
        _end=o["event.end"].fill_null(o["@timestamp"]),
    )
    days = o.group_by([*PAIR, "day"]).aggregate(
        connections=o.count(),
        longest=o["flow.duration"].max(),
        total=o["flow.duration"].sum(),
        first_start=o["@timestamp"].min(),
        last_end=o._end.max(),
        bytes_sent=o["source.bytes"].sum(),
        bytes_received=o["destination.bytes"].sum(),
        domain=o["destination.domain"].max(),
        address=o["destination.ip"].max(),
    )
    span = days.last_end.delta(days.first_start, unit="millisecond").cast("float64") / 1000
    days = days.mutate(connected=ibis.least(days.total, span))
    days = days.filter(
        (days.longest >= n.long_connection_seconds)
        | (days.connected >= n.long_connection_total_seconds)
    )
    return list(ctx.store.ibis.to_pyarrow(days).to_pylist())


def _evidence(ctx: DetectionContext, pairs: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], Any]:
    """The longest flows of each pair."""
    assert ctx.store is not None
    if not pairs:
        return {}
    f = ctx.store.table("flow")
    f = only(f, "source.ip", (p[0] for p in pairs))
    keys = key_table({k: [p[i] for p in pairs] for i, k in enumerate(PAIR)})
    o = internet(outbound(ctx.store, ctx.settings, f, scopes(ctx))).semi_join(keys, list(PAIR))
    return sample_flows(ctx, o, list(PAIR), [o["flow.duration"].desc(), o["event.id"]])


def _rare(ctx: DetectionContext, keys: list[str]) -> set[str]:
    assert ctx.store is not None
    if not keys:
        return set()
    b = destination_rows(ctx.store, ORG)
    b = only(b, "destination.key", keys)
    b = b.filter(b.hosts <= ctx.settings.network.rare_max_hosts)
    return set(ctx.store.ibis.to_pyarrow(b.select("destination.key")).column(0).to_pylist())


def run(ctx: DetectionContext) -> list[Finding]:
    pol = policy(ctx)
    by_pair: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for d in long_pairs(ctx):
        if not pol.skips(RULE, d["source.ip"], d["address"], d["domain"]):
            by_pair[tuple(d[k] for k in PAIR)].append(d)
    samples = _evidence(ctx, list(by_pair))
    rare = _rare(ctx, [p[1] for p in by_pair])
    single = ctx.settings.network.long_connection_seconds
    out = []
    for pair, days in sorted(by_pair.items()):
        rows = samples.get(pair)
        if not rows:
            continue
        days.sort(key=lambda d: d["day"])
        longest = max(days, key=lambda d: d["longest"])
        most = max(days, key=lambda d: d["connected"])
        host, key, transport, port = pair
        one_long = longest["longest"] >= single
        severity: Severity = "medium" if one_long else "low"
        day_words = ", ".join(f"{d['day']:%Y-%m-%d}" for d in days[:7]) + (
            f" and {len(days) - 7} more" if len(days) > 7 else ""
        )
        message = (
            f"{host} was connected to {key} on {transport}/{port} for a long time on "
            f"{len(days)} day(s) ({day_words}): longest single connection "
            f"{human_seconds(longest['longest'])} (on {longest['day']:%Y-%m-%d}), at most "
            f"{human_seconds(most['connected'])} connected in one day over "
            f"{most['connections']} connection(s). In all "
            f"{human_bytes(sum(d['bytes_sent'] for d in days))} sent and "
            f"{human_bytes(sum(d['bytes_received'] for d in days))} received."
        )
        if key in rare:
            severity = raised(severity, 1)
            message += " Few internal hosts ever reached this destination."
        out.append(finding(RULE, pair, rows, message, severity,
                           longest_seconds=round(longest["longest"], 1), days=len(days)))  # fmt: skip
    return out


_VPS = "45.76.12.27"


def _five_hour_session() -> dict[str, Any]:
    return scenario({"flow": [flow(HOST, _VPS, 22, protocol="ssh", duration=5 * 3600,
                                   sent=40_000_000, received=2_000_000)]})  # fmt: skip


def _reconnecting_tunnel() -> dict[str, Any]:
    # 30-minute pieces back to back for 6 hours: no single one is long, together they are.
    return scenario(series(HOST, _VPS, 8443, count=12, every=1800, duration=1790,
                           protocol="ssl", sent=200_000))  # fmt: skip


def _short_web() -> dict[str, Any]:
    return scenario({"flow": [flow(HOST, "151.101.1.69", 443, protocol="ssl",
                                   domain="news.example.org", duration=45)]})  # fmt: skip


def _parallel_short() -> dict[str, Any]:
    # Six parallel 40-minute connections: 4 h added up, but only 40 minutes of wall clock.
    rows = [flow(HOST, "151.101.1.69", 443, at=WHEN, protocol="ssl", domain="news.example.org",
                 duration=2400, sent=1000 + i) for i in range(6)]  # fmt: skip
    return scenario({"flow": rows})


def _long_update_download() -> dict[str, Any]:
    return scenario({"flow": [flow(HOST, "13.107.4.52", 443, protocol="ssl",
                                   domain="dl.delivery.mp.microsoft.com",
                                   duration=3 * 3600)]})  # fmt: skip


def _site_tunnel() -> dict[str, Any]:
    # A GRE tunnel to a branch office's router, up all day: the tunnel only carries; the
    # connections inside it are flows of their own, judged like any other.
    return scenario({"flow": [flow(HOST, "198.51.100.7", 0, transport="gre", protocol="gre",
                                   duration=20 * 3600, sent=900_000_000)]})  # fmt: skip


DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="Long connection to an internet destination",
        clause="N3",
        techniques=("T1071", "T1572", "T1041"),
        severity="low",
        evidence_kinds=("flow",),
        requires=("flow",),
        description="An internal host keeps one connection to an internet destination open "
        "for at least network.long_connection_seconds, or is connected to one (host, "
        "destination, port) for at least network.long_connection_total_seconds in one UTC day "
        "(durations added up, capped by the wall-clock span). Medium for a single long "
        "connection, low for added-up time; one level up when few hosts ever reached the "
        "destination. Evidence: the longest connections.",
        false_positives="VPN clients, remote-desktop and video-conference sessions, chat and "
        "push-notification channels, large downloads. Allowlist their services "
        "(network.allow_domains) or give the hosts a role (network.host_roles).",
        playbook="Find the process holding the connection (EDR, P1 correlation); check whether "
        "it is a sanctioned VPN or remote-access tool; look at bytes in each direction (a "
        "tunnel or interactive shell sends both ways); block and isolate if unknown.",
        run=run,
        examples=(
            Example("five-hour SSH session to a VPS", True, _five_hour_session()),
            Example("six hours of 30-minute reconnects", True, _reconnecting_tunnel()),
            Example("short web visit", False, _short_web()),
            Example("six parallel 40-minute connections", False, _parallel_short()),
            Example("long allowlisted update download", False, _long_update_download()),
            Example("GRE tunnel to a branch router, up all day", False, _site_tunnel()),
        ),
    )
]
