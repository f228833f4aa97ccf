"""R1: which parts of AN1955 the team can see, from what is in the store. Useful on day one.

For each clause of the capability table: the evidence kinds it needs, what was ingested (rows,
time span, mailboxes or hosts covered), how complete the fields each detection needs are, which
detections can run and which are blind and why, and how mature the baselines are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson

from lurewatch.config import Settings
from lurewatch.detections.registry import all_detections
from lurewatch.privacy import FORMAT_CHANNEL
from lurewatch.report.endpoint_readiness import endpoint_completeness, endpoint_reasons
from lurewatch.report.network_readiness import network_completeness, network_reasons
from lurewatch.store import Store
from lurewatch.store.db import q


@dataclass(frozen=True)
class ClauseNeed:
    title: str
    kinds: tuple[str, ...]  # tables whose rows are this clause's evidence
    channel: str


CLAUSES: dict[str, ClauseNeed] = {
    "N1": ClauseNeed(
        "traffic that breaks its protocol's standard", ("flow", "net_anomaly"), "network"
    ),
    "N2": ClauseNeed("packets outside any established flow", ("flow", "net_anomaly"), "network"),
    "N3": ClauseNeed("gratuitous patterns and uncommon flows", ("flow",), "network"),
    "P1": ClauseNeed(
        "traffic tied to its process and command line", ("process", "proc_net"), "endpoint"
    ),
    "P2": ClauseNeed("processes that do not normally use the network", ("proc_net",), "endpoint"),
    "E1": ClauseNeed("spoofed senders: DKIM, SPF, DMARC, header analysis", ("email",), "email"),
    "E2": ClauseNeed("many mailboxes, one unusual sender", ("email", "email_recipient"), "email"),
    "U1": ClauseNeed("URLs in mail, shortened links expanded", ("url",), "email"),
    "U2": ClauseNeed("known-bad, uncategorized, newly seen sites", ("url",), "email"),
    "S1": ClauseNeed(
        "chat messages asking for information; unusual transfers", ("message", "transfer"), "chat"
    ),
    "V1": ClauseNeed("voice phishing in call logs", ("call",), "calls"),
    "C1": ClauseNeed(
        "pivots across communications, endpoint and network", ("alerts", "incidents"), "all"
    ),
    "R1": ClauseNeed("readiness of the evidence sources", (), "all"),
}


def _span(store: Store, table: str) -> dict[str, Any]:
    rows = store.count(table)
    out: dict[str, Any] = {"kind": table, "rows": rows, "first": None, "last": None}
    if rows and table not in ("alerts",):
        cols = {
            r["column_name"]
            for r in store.rows(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
            )
        }
        if "@timestamp" in cols:
            first, last = store.execute(
                f'SELECT min("@timestamp"), max("@timestamp") FROM {q(table)}'
            )[0]
            out["first"], out["last"] = first, last
    return out


def _email_completeness(store: Store) -> dict[str, Any]:
    row = store.execute(
        """SELECT count(*),
           count(*) FILTER (WHERE "email.received" <> '[]'),
           count(*) FILTER (WHERE "email.authentication_results" <> '[]'),
           count(*) FILTER (WHERE "email.dkim_signatures" <> '[]'),
           count(*) FILTER (WHERE "email.return_path" IS NOT NULL),
           count(*) FILTER (WHERE "lurewatch.auth.composite" IN ('none') AND "lurewatch.auth.reason" LIKE '%evidence%'),
           count(DISTINCT "email.from.registered_domain")
           FROM email"""
    )[0]
    assert row is not None
    n = row[0] or 1
    mailboxes = store.execute(
        'SELECT count(DISTINCT "email.recipient.address") FROM email_recipient WHERE "email.recipient.internal"'
    )[0]
    return {
        "messages": row[0],
        "with_received_hops": row[1],
        "with_authentication_results": row[2],
        "with_dkim_signature": row[3],
        "with_return_path": row[4],
        "auth_undecidable": row[5],
        "share_auth_undecidable": round(row[5] / n, 3),
        "sender_domains": row[6],
        "internal_mailboxes": mailboxes[0] if mailboxes else 0,
    }


def _judge_links(entry: dict[str, Any], cid: str, comp: dict[str, Any]) -> None:
    entry["completeness"] = comp
    reasons: list[str] = entry["reasons"]
    if cid == "U1" and comp["shortened"] and not comp["expansions"].get("expanded"):
        reasons.append("shortened links were not expanded (offline, or urls.expand = false)")
    if cid == "U2":
        if not comp["intel_feeds"]:
            reasons.append(
                "no threat-intel feed configured (intel.feeds): known-bad links are blind"
            )
        if not comp["popularity_lists"]:
            reasons.append(
                "no popularity list configured (intel.popular): 'uncategorized' is judged only "
                "against your domains, the brand catalogue and your mail's history"
            )
        if not comp["proxy_or_dns_records"]:
            reasons.append("no proxy or DNS logs ingested: clicks on flagged links are blind")
    if reasons and entry["status"] == "covered":
        entry["status"] = "partial"


def _formats_by_channel(store: Store) -> dict[str, dict[str, int]]:
    """Files read per input format, over every ingest run, grouped by channel."""
    out: dict[str, dict[str, int]] = {}
    for (text,) in store.execute('SELECT "ingest.formats" FROM ingest_runs'):
        for fmt, files in orjson.loads(text or "{}").items():
            channel = FORMAT_CHANNEL.get(fmt)
            if channel:
                bucket = out.setdefault(channel, {})
                bucket[fmt] = bucket.get(fmt, 0) + int(files)
    return out


def coverage(store: Store, settings: Settings) -> dict[str, Any]:
    detections = all_detections()
    formats = _formats_by_channel(store)
    spans = {t: _span(store, t) for t in {k for c in CLAUSES.values() for k in c.kinds}}
    clauses: dict[str, Any] = {}
    for cid, need in CLAUSES.items():
        sources = [spans[k] for k in need.kinds]
        present = [s for s in sources if s["rows"]]
        dets = [d for d in detections if d.clause == cid]
        det_rows: list[dict[str, Any]] = []
        reasons: list[str] = []
        for d in dets:
            missing = [k for k in d.evidence_kinds if not spans.get(k, _span(store, k))["rows"]]
            det_rows.append(
                {
                    "id": d.id,
                    "runnable": not missing,
                    "reason": f"no {', '.join(missing)} data ingested"
                    if missing
                    else "inputs present",
                }
            )
        runnable = [d for d in det_rows if d["runnable"]]
        if cid == "R1":
            status = "covered"
            reasons.append("this report")
        elif cid == "C1":
            status = "covered" if spans["incidents"]["rows"] else "partial"
            if not spans["alerts"]["rows"]:
                reasons.append(
                    "no alerts yet: run `lurewatch detect`; incidents and pivots build on them"
                )
            elif not spans["incidents"]["rows"]:
                reasons.append("alerts but no incidents yet: run `lurewatch detect` again")
        elif not need.kinds or not present:
            status = "blind"
            reasons.append(f"no {' or '.join(need.kinds)} data ingested")
        elif not dets:
            status = "partial"
            reasons.append("evidence present, but lurewatch has no detection for this clause yet")
        elif len(runnable) < len(det_rows) or len(present) < len(sources):
            status = "partial"
            reasons.extend(d["id"] + ": " + d["reason"] for d in det_rows if not d["runnable"])
        else:
            status = "covered"
        if not dets and cid not in ("R1", "C1") and status == "blind":
            reasons.append("no detection for this clause is installed in this version")
        entry: dict[str, Any] = {
            "title": need.title,
            "channel": need.channel,
            "status": status,
            "sources": sources,
            "formats": formats.get(need.channel, {}),
            "detections": det_rows,
            "reasons": reasons,
        }
        if cid in ("E1", "E2") and spans["email"]["rows"]:
            comp = _email_completeness(store)
            entry["completeness"] = comp
            if cid == "E1" and comp["share_auth_undecidable"] > 0.5:
                entry["reasons"].append(
                    f"{comp['share_auth_undecidable']:.0%} of messages could not be authenticated (no DNS and "
                    "no trusted Authentication-Results): configure email_auth.trusted_authserv_ids or trusted_relays"
                )
                if entry["status"] == "covered":
                    entry["status"] = "partial"
        maturity = _baseline_maturity(cid, spans, settings)
        if maturity is not None:
            entry["baseline"] = maturity
            if not maturity["mature"]:
                entry["reasons"].append(
                    f"{maturity['what']} has {maturity['history_days']:.0f} of the "
                    f"{maturity['window_days']} days it wants ({maturity['setting']}): "
                    "early first-seen judgements are unreliable"
                )
        if cid in ("U1", "U2") and spans["url"]["rows"]:
            _judge_links(entry, cid, _url_completeness(store, settings))
        if cid in ("P1", "P2") and spans["proc_net"]["rows"]:
            entry["completeness"] = endpoint_completeness(store)
            extra = endpoint_reasons(entry["completeness"])
            entry["reasons"].extend(extra)
            if extra and entry["status"] == "covered":
                entry["status"] = "partial"
        if cid in ("N1", "N2", "N3") and spans["flow"]["rows"]:
            entry["completeness"] = network_completeness(store)
            extra = network_reasons(cid, entry["completeness"])
            entry["reasons"].extend(extra)
            if extra and entry["status"] == "covered":
                entry["status"] = "partial"
        if (
            need.channel in ("calls", "chat")
            and not getattr(settings.scope, need.channel).monitored
        ):
            entry["reasons"].append(
                f"the {need.channel} channel is outside the declared monitoring scope"
            )
        clauses[cid] = entry
    return {"clauses": clauses, "scope": _scope(settings)}


# Per clause: the table its baseline learns from, what the baseline is, and the setting that
# says how many days of history it wants before its first-seen judgements count.
_BASELINES: dict[str, tuple[str, str, str]] = {
    "E2": ("email", "the sender baseline", "baseline.window_days"),
    "P2": ("proc_net", "the process-network baseline", "processes.learning_days"),
    "N3": ("flow", "the flow baselines", "network.learning_days"),
    "V1": ("call", "the call baseline", "calls.min_history_days"),
}


def _baseline_maturity(
    cid: str, spans: dict[str, dict[str, Any]], settings: Settings
) -> dict[str, Any] | None:
    """Days of history in the store against the days the clause's baseline wants."""
    if cid not in _BASELINES:
        return None
    table, what, setting = _BASELINES[cid]
    span = spans.get(table)
    if not span or not span["rows"]:
        return None
    first, last = span["first"], span["last"]
    days = (
        (last - first).total_seconds() / 86400
        if isinstance(first, dt.datetime) and isinstance(last, dt.datetime)
        else 0.0
    )
    section, name = setting.split(".")
    want = int(getattr(getattr(settings, section), name))
    return {
        "what": what,
        "setting": setting,
        "history_days": round(days, 1),
        "window_days": want,
        "mature": days >= want,
    }


def _scope(settings: Settings) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for channel in ("email", "network", "endpoint", "calls", "chat"):
        sc = getattr(settings.scope, channel)
        entry: dict[str, Any] = {
            "monitored": sc.monitored,
            "owner": sc.owner or None,
            "legal_basis": sc.legal_basis or None,
            "exclusions": list(sc.exclusions),
        }
        if not sc.monitored:
            entry["why"] = (
                f"not declared in scope: set [scope.{channel}] monitored = true with owner and "
                "legal_basis to read it"
            )
        out[channel] = entry
    return out


def _url_completeness(store: Store, settings: Settings) -> dict[str, Any]:
    row = store.execute(
        """SELECT count(*), count(*) FILTER (WHERE "lurewatch.url.shortened"),
           count(DISTINCT "url.registered_domain"), count(DISTINCT "email.event_id") FROM url"""
    )[0]
    expanded = store.execute(
        """SELECT "lurewatch.expansion.status", count(*) FROM url_expansion GROUP BY 1"""
    )
    return {
        "links": row[0],
        "shortened": row[1],
        "registered_domains": row[2],
        "messages_with_links": row[3],
        "expansions": dict(expanded),
        "intel_feeds": len(settings.intel.feeds),
        "popularity_lists": len(settings.intel.popular),
        "proxy_or_dns_records": store.count("http_request") + store.count("dns_query"),
        "clicks_found": store.count("url_click"),
    }
