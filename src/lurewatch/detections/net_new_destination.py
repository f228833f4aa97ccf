"""N3: an internet destination new to the whole organization, reached by a host that never went
there, after the learning period.

A destination is judged by its name where the flow carries one (SNI, HTTP Host, DNS), else by
its address: a known service on a new CDN address is not new, but a bare address nobody ever
reached is. One alert per (host, destination). Rare destinations only: one that more than
`network.rare_max_hosts` hosts reach is a rollout or a popular new site, not a lone implant.
"""

from __future__ import annotations

from typing import Any

import ibis

from lurewatch.baselines.flows import DOMAIN, HOST, IP, ORG, destination_rows, org_learning_cutoff
from lurewatch.detections.base import Example, Finding, QueryDetection, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_net import HOST as WS
from lurewatch.detections.examples_net import OTHER_HOST, WHEN, flow, scenario, series
from lurewatch.detections.net_evidence import (
    destination_words,
    fetch_flows,
    finding,
    flows_between,
    human_bytes,
    nonstandard_port,
    policy,
    raised,
    when,
)

RULE = "net_new_destination"
# Bytes sent to a brand-new destination from which "data went out" adds to the severity.
DATA_SENT_BYTES = 1_048_576


def new_destinations(ctx: DetectionContext) -> list[dict[str, Any]]:
    """Per (host, destination key) first reached after the learning period, where the
    destination is new to the organization and rare: the host's numbers and the org's."""
    assert ctx.store is not None
    cutoff = org_learning_cutoff(ctx.store, ctx.settings)
    if cutoff is None:
        return []
    org = destination_rows(ctx.store, ORG)
    org = org.filter(
        (org.first_seen >= ibis.literal(cutoff))
        & (org.hosts <= ctx.settings.network.rare_max_hosts)
    ).select(
        org["destination.key_type"],
        org["destination.key"],
        org_hosts=org.hosts,
        org_connections=org.connections,
    )
    host = destination_rows(ctx.store, HOST)
    new = host.join(org, ["destination.key_type", "destination.key"])
    return list(ctx.store.ibis.to_pyarrow(new).to_pylist())


def _sensor_names_destinations(ctx: DetectionContext) -> bool:
    """Whether any flow carries a server name: only then is a bare address a sign."""
    assert ctx.store is not None
    return bool(
        ctx.store.scalar(
            "SELECT count(*) FROM (SELECT 1 FROM baseline_flow_destination "
            "WHERE \"destination.key_type\" = 'domain' LIMIT 1)"
        )
    )


def _signals(c: dict[str, Any], r: dict[str, Any], names_known: bool) -> list[str]:
    """What makes this new destination more than new."""
    out = []
    port = nonstandard_port(r.get("network.transport"), r.get("destination.port"),
                            r.get("network.protocol"))  # fmt: skip
    if port:
        out.append(f"it was reached on a non-standard port ({port})")
    if int(c["source.bytes"] or 0) >= DATA_SENT_BYTES:
        out.append(f"more than {human_bytes(DATA_SENT_BYTES)} went out to it")
    if names_known and c["destination.key_type"] == IP and not r.get("destination.domain"):
        out.append("it was reached by bare address, with no server name")
    return out


def run(ctx: DetectionContext) -> list[Finding]:
    cands = new_destinations(ctx)
    firsts = fetch_flows(ctx, (c["first_event_id"] for c in cands))
    pol = policy(ctx)
    names_known = _sensor_names_destinations(ctx)
    need = ctx.settings.network.new_destination_min_signals
    kept = []
    for c in sorted(cands, key=lambda c: (c["first_seen"], c["source.ip"], c["destination.key"])):
        r = firsts.get(c["first_event_id"])
        if r is None:
            continue
        # An address reached under a name is judged by the name (its domain row).
        if c["destination.key_type"] == IP and r.get("destination.domain"):
            continue
        if pol.skips(RULE, c["source.ip"], r.get("destination.ip"), r.get("destination.domain")):
            continue
        signals = _signals(c, r, names_known)
        if len(signals) < need:
            continue
        kept.append((c, r, signals))
    samples = flows_between(ctx, [(c["source.ip"], c["destination.key"]) for c, _, _ in kept])
    out = []
    for c, r, signals in kept:
        severity: Severity = raised("low", len(signals))
        what = "domain" if c["destination.key_type"] == DOMAIN else "address"
        others = int(c["org_hosts"]) - 1
        message = (
            f"{c['source.ip']} reached {destination_words(r)} at {when(r['@timestamp'])}: an "
            f"internet {what} no host of the organization had reached before"
            + (f" (since then {others} other host(s) too)" if others else "")
            + f". {c['connections']} connection(s), {human_bytes(c['source.bytes'])} sent, last "
            f"at {when(c['last_seen'])}."
            + (" Also: " + "; ".join(signals) + "." if signals else "")
        )
        out.append(
            finding(
                RULE,
                [c["source.ip"], c["destination.key_type"], c["destination.key"]],
                samples.get((c["source.ip"], c["destination.key"])) or [r],
                message,
                severity,
                destination=c["destination.key"],
                connections=c["connections"],
                bytes_sent=c["source.bytes"],
            )
        )
    return out


_C2 = "185.220.101.4"


def _new_domain_with_data() -> dict[str, Any]:
    return scenario(
        {
            "flow": [
                flow(
                    WS,
                    _C2,
                    443,
                    protocol="ssl",
                    domain="files-share.example-c2.net",
                    sent=5_000_000,
                )
            ]
        }  # fmt: skip
    )


def _bare_address_odd_port() -> dict[str, Any]:
    return scenario({"flow": [flow(WS, "45.76.12.27", 1177, sent=900)]})


def _new_address_of_known_name() -> dict[str, Any]:
    # Google answers from a new address: the name is known, so this is not new.
    return scenario({"flow": [flow(WS, "142.250.180.4", 443, protocol="ssl",
                                   domain="www.google.com")]})  # fmt: skip


def _benign_update_service() -> dict[str, Any]:
    return scenario({"flow": [flow(WS, "13.107.4.52", 80, protocol="http",
                                   domain="download.windowsupdate.com")]})  # fmt: skip


def _new_site_nothing_else() -> dict[str, Any]:
    # One more new website on 443 with a page's worth of request: people do this all day.
    return scenario({"flow": [flow(WS, "151.101.1.69", 443, protocol="ssl",
                                   domain="recipes.example.org")]})  # fmt: skip


def _during_learning() -> dict[str, Any]:
    return scenario({"flow": [flow(WS, "45.76.12.27", 1177)]}, history=False)


def _internal_server() -> dict[str, Any]:
    return scenario({"flow": [flow(WS, "10.0.7.7", 8443, protocol="ssl")]})


def _many_hosts_at_once() -> dict[str, Any]:
    # A new SaaS rolled out to everyone the same morning: popular at once, so not rare.
    hosts = [f"10.1.3.{i}" for i in range(1, 6)]
    rows = [flow(h, "104.18.2.2", 443, protocol="ssl", domain="app.newsaas.example") for h in hosts]
    return scenario({"flow": rows})


DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="Host reached an internet destination new to the organization",
        clause="N3",
        techniques=("T1071", "T1105", "T1571"),
        severity="low",
        evidence_kinds=("flow",),
        requires=("flow",),
        description="An internal host opens a connection to an internet destination (the "
        "server name from SNI/HTTP/DNS when known, else the address) that no internal host "
        "reached before, after network.learning_days of history, and that at most "
        "network.rare_max_hosts hosts reach in all. One alert per (host, destination). Signs: "
        "a non-standard or unregistered port, at least 1 MB sent, a bare address where the "
        "sensor names other destinations; network.new_destination_min_signals of them are "
        "needed (default 1), and each raises the severity one level from low.",
        false_positives="New but legitimate sites and services used by one person; software "
        "with its own update or telemetry servers. Name trusted services in "
        "network.allow_domains, and scanners or proxies in network.host_roles.",
        playbook="Look up the destination (registration date, reputation, hosting); find the "
        "process behind the flow (P2/P1 alerts on the same host, EDR); check whether other "
        "hosts reached it since; block and isolate when data went out to an unknown party.",
        run=run,
        examples=(
            Example("new domain, 5 MB sent", True, _new_domain_with_data()),
            Example("bare address on port 1177", True, _bare_address_odd_port()),
            Example(
                "a beacon to a new address",
                True,
                scenario(
                    series(OTHER_HOST, "91.92.93.94", 8080, count=20, every=300, start=WHEN)
                ),  # fmt: skip
            ),
            Example("known name on a new address", False, _new_address_of_known_name()),
            Example("new website and nothing else", False, _new_site_nothing_else()),
            Example("allowlisted update service", False, _benign_update_service()),
            Example("during the learning period", False, _during_learning()),
            Example("new internal server", False, _internal_server()),
            Example("new site reached by five hosts at once", False, _many_hosts_at_once()),
        ),
    )
]
