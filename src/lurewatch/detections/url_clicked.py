"""U2: a recipient's host reached a flagged link's host after the message arrived (proxy or DNS)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lurewatch.detections.base import Example, Finding, QueryDetection, Severity, severity_rank
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_links import message_with_links
from lurewatch.detections.link_evidence import link_finding, link_flags, message_links
from lurewatch.ids import event_id


def run(ctx: DetectionContext) -> list[Finding]:
    assert ctx.store is not None
    clicks = ctx.store.rows('SELECT * FROM url_click ORDER BY "@timestamp", "source.ip"')
    if not clicks:
        return []  # judging every link of every message is the dear part
    links = {link.row["event.id"]: (msg, link) for msg in message_links(ctx) for link in msg.links}
    org = ctx.settings.organization.domains
    out = []
    seen: set[tuple[str, str]] = set()
    for c in clicks:
        found = links.get(c["url.event_id"])
        if found is None:
            continue
        msg, link = found
        key = (c["url.event_id"], c["source.ip"] or "")
        flags = link_flags(link, org)
        if not flags or key in seen:
            continue
        seen.add(key)
        worst: Severity = "critical" if any(s == "critical" for s, _ in flags) else "high"
        worst = max(
            worst, "high", key=severity_rank
        )  # a click on a flagged link is never less than high
        delivered = msg.email.get("@timestamp")
        after = (
            f", {(c['@timestamp'] - delivered).total_seconds() / 60:.0f} min after delivery"
            if delivered
            else ""
        )
        who = (
            f"recipient {c['click.recipient']}'s host"
            if c["click.recipient"]
            else "an internal host"
        )
        f = link_finding(
            "url_clicked",
            msg,
            [link],
            f"{who} {c['source.ip']} reached {c['url.domain']} at {c['@timestamp']:%Y-%m-%d %H:%M} UTC{after} "
            f"({c['evidence.kind'].replace('_', ' ')}). The link was flagged: "
            + "; ".join(w for _, w in flags[:3])
            + ".",
            severity=worst,
            host_ip=c["source.ip"],
            clicked_by=c["click.recipient"],
        )
        evidence = list(f.evidence) + [
            {
                "event_id": c["evidence.event_id"],
                "kind": c["evidence.kind"],
                "source": c["log.file.path"],
            }
        ]
        out.append(
            Finding(
                key=event_id("click", *key),
                message=f.message,
                timestamp=c["@timestamp"],
                entities=f.entities,
                evidence=evidence,
                severity=worst,
            )
        )
    return out


def _clicked(url: str, minutes: int = 30) -> dict[str, Any]:
    events: dict[str, Any] = message_with_links(url)
    host = events["url"][0]["url.domain"]
    events["http_request"] = [
        {
            "event.id": event_id("example-http", url),
            "@timestamp": events["email"][0]["@timestamp"] + dt.timedelta(minutes=minutes),
            "log.file.path": "proxy.log",
            "observer.type": "squid",
            "source.ip": "10.1.2.3",
            "url.domain": host,
            "url.full": url,
            "http.request.method": "GET",
            "http.response.status_code": 200,
        }
    ]
    return events


DETECTIONS = [
    QueryDetection(
        id="url_clicked",
        title="Flagged link clicked",
        clause="U2",
        techniques=("T1204.001", "T1566.002"),
        severity="high",
        evidence_kinds=("email", "url", "http_request"),
        requires=("url",),
        description="Proxy (Zeek http, Squid) or DNS evidence shows a recipient's host (by "
        "assets.mailbox_hosts_file, else any internal host) reaching the host of a link flagged "
        "by the url_* rules, within assets.click_window_days after delivery. Critical when the "
        "link is on a threat-intel feed.",
        false_positives="Security tools that fetch links from mail (sandboxes, link scanners) "
        "from internal addresses: list their hosts outside organization.internal_networks or "
        "map mailboxes to hosts.",
        playbook="Isolate or check the host; look at its processes around the click time "
        "(endpoint evidence); reset the user's credentials if a form was posted; purge the message.",
        run=run,
        examples=(
            Example(
                "click on a user-info trick link",
                True,
                _clicked("https://www.bank.example@login-check.example/"),
            ),
            Example(
                "click on an ordinary link", False, _clicked("https://www.wikipedia.org/wiki/Mail")
            ),
            Example(
                "visit before delivery",
                False,
                _clicked("https://www.bank.example@login-check.example/", minutes=-30),
            ),
        ),
    )
]
