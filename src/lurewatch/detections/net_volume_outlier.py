"""N3: a host sent far more to the internet in one day than it usually does (exfiltration-like).

Judged against the host's own days (baseline_flow_volume): its usual day is the median of its
other days and the spread their median absolute deviation, both robust to the odd big day. A
day is an outlier when it passes all of: usual + volume_mad_k x spread, volume_factor x usual,
and the floor volume_min_bytes; the host needs volume_min_days other days to compare with.

The bytes to allowlisted destinations are taken off the day before it is judged again, so a
day made big by a known backup or sync service does not fire.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from lurewatch.baselines.flows import hosts_own, internet, outbound
from lurewatch.detections.base import Example, Finding, QueryDetection, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_net import (
    HOST,
    OTHER_HOST,
    WHEN,
    flow,
    merge_into,
    scenario,
    usual_history,
)
from lurewatch.detections.net_evidence import MAX_EVIDENCE, finding, human_bytes, policy, scopes

RULE = "net_volume_outlier"


def outlier_days(ctx: DetectionContext) -> list[dict[str, Any]]:
    """(host, day) rows past the thresholds, with the host's usual day and spread."""
    assert ctx.store is not None
    n = ctx.settings.network
    v = ctx.store.table("baseline_flow_volume")
    sent = v["source.bytes"].cast("float64")
    # The usual day and its spread over all the host's days: with at least volume_min_days
    # others, one outlier moves a median little. Two passes: the spread needs the median.
    usual = v.group_by("source.ip").aggregate(usual=sent.quantile(0.5), days=v.count())
    j = v.join(usual, "source.ip")
    spread = j.group_by("source.ip").aggregate(
        spread=(j["source.bytes"].cast("float64") - j.usual).abs().quantile(0.5)
    )
    j = j.join(spread, "source.ip")
    s = j["source.bytes"]
    hits = j.filter(
        (j.days - 1 >= n.volume_min_days)
        & (s >= n.volume_min_bytes)
        & (s >= j.usual * n.volume_factor)
        & (s > j.usual + j.spread * n.volume_mad_k)
    )
    return list(ctx.store.ibis.to_pyarrow(hits).to_pylist())


def _day_flows(ctx: DetectionContext, host: str, day: dt.datetime) -> list[dict[str, Any]]:
    """The host's internet flows of that day, largest upload first (one host-day: few)."""
    assert ctx.store is not None
    f = hosts_own(ctx.store.table("flow"))
    f = f.filter(
        (f["source.ip"] == host)
        & (f["@timestamp"] >= ibis.literal(day))
        & (f["@timestamp"] < ibis.literal(day + dt.timedelta(days=1)))
    )
    o = internet(outbound(ctx.store, ctx.settings, f, scopes(ctx)))
    o = o.order_by([o["source.bytes"].desc(), o["event.id"]])
    return list(ctx.store.ibis.to_pyarrow(o).to_pylist())


def _by_destination(rows: list[dict[str, Any]]) -> list[tuple[str, int, int]]:
    totals: dict[str, list[int]] = {}
    for r in rows:
        t = totals.setdefault(r["destination.key"], [0, 0])
        t[0] += int(r["source.bytes"] or 0)
        t[1] += 1
    return sorted(((k, b, c) for k, (b, c) in totals.items()), key=lambda x: (-x[1], x[0]))


def run(ctx: DetectionContext) -> list[Finding]:
    n = ctx.settings.network
    pol = policy(ctx)
    out = []
    for d in sorted(outlier_days(ctx), key=lambda d: (d["day"], d["source.ip"])):
        host = d["source.ip"]
        if pol.exempt_role(host, RULE):
            continue
        rows = _day_flows(ctx, host, d["day"])
        kept = [r for r in rows if not pol.allowed(r["destination.ip"], r["destination.domain"])]
        sent = sum(int(r["source.bytes"] or 0) for r in kept)
        usual, spread = float(d["usual"]), float(d["spread"])
        if not kept or sent < n.volume_min_bytes or sent < usual * n.volume_factor:
            continue
        if sent <= usual + n.volume_mad_k * spread:
            continue
        top = _by_destination(kept)
        top_words = "; ".join(f"{k}: {human_bytes(b)} in {c} connection(s)" for k, b, c in top[:3])
        share = top[0][1] / sent if sent else 0.0
        ratio = sent / usual if usual > 0 else float("inf")
        severity: Severity = "high" if share >= 0.8 and ratio >= 20 else "medium"
        times = f"{ratio:.0f} times" if usual > 0 else "far more than"
        message = (
            f"{host} sent {human_bytes(sent)} to the internet on {d['day']:%Y-%m-%d}, {times} "
            f"its usual day ({human_bytes(usual)}, median of {d['days'] - 1} other day(s); "
            f"spread {human_bytes(spread)}; threshold usual + {n.volume_mad_k:g} x spread = "
            f"{human_bytes(usual + n.volume_mad_k * spread)}). Largest recipients: {top_words}."
            + (
                f" One destination took {share:.0%}, the shape of a bulk upload."
                if share >= 0.8
                else ""
            )
        )
        out.append(
            finding(
                RULE,
                [host, f"{d['day']:%Y-%m-%d}"],
                kept[:MAX_EVIDENCE],
                message,
                severity,
                bytes_sent=sent,
                usual_bytes=round(usual),
                top_destination=top[0][0],
            )  # fmt: skip
        )
    return out


def _upload(host: str, gigabytes: float, domain: str | None = None) -> dict[str, Any]:
    size = int(gigabytes * 1024**3)
    return {"flow": [flow(host, "185.220.101.4", 443, at=WHEN + dt.timedelta(hours=i),
                          protocol="ssl", domain=domain, sent=size // 4, duration=600)
                     for i in range(4)]}  # fmt: skip


DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="Host sent far more to the internet than on its usual day",
        clause="N3",
        techniques=("T1041", "T1048", "T1567"),
        severity="medium",
        evidence_kinds=("flow",),
        requires=("flow",),
        description="Bytes an internal host sent to internet destinations in one UTC day pass "
        "its usual day (median of its days) + network.volume_mad_k median absolute "
        "deviations, network.volume_factor times the usual day, and network.volume_min_bytes, "
        "with at least network.volume_min_days other days known; bytes to allowlisted "
        "destinations do not count. High when one destination took at least 80% and the day "
        "is 20 times the usual. Evidence: the largest uploads.",
        false_positives="Backups, large uploads to sanctioned cloud storage, video calls "
        "(upstream video), software builds pushing artifacts. Allowlist the service or give "
        "the host a role (backup).",
        playbook="Identify the process and user behind the largest uploads (P1 correlation, "
        "EDR, proxy logs); check the destination's owner; ask the user; if unexplained, treat "
        "as exfiltration: isolate the host and revoke its credentials.",
        run=run,
        examples=(
            Example("1 GB to one address in a day", True, scenario(_upload(HOST, 1.0))),
            Example(
                "big day for a host with small usual days",
                True,
                scenario(_upload(OTHER_HOST, 0.2, domain="paste.example-drop.net")),
            ),
            Example("an ordinary month", False, scenario()),
            Example(
                "1 GB to an allowlisted service",
                False,
                scenario(_upload(HOST, 1.0, domain="archive.ubuntu.com")),
            ),
            Example(
                "too little history to judge",
                False,
                merge_into(usual_history(days=2), _upload(HOST, 1.0)),
            ),
        ),
    )
]
