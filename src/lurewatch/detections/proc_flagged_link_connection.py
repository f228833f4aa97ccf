"""P1: a process on a recipient's machine connecting to the host of a flagged link from a recent
message: the lure, the click and the process that followed, as one alert.

A connection matches a link when Sysmon names the link's host as the destination, or when the
destination IP is one the link's host resolved to (Sysmon DNS events or DNS logs), within
assets.click_window_days after the message arrived. With assets.mailbox_hosts_file the
connection must come from a recipient's host; without it, any host counts and the alert says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lurewatch.correlate.clicks import mailbox_hosts
from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.evidence import email_evidence, email_recipients
from lurewatch.detections.examples_links import message_with_links
from lurewatch.detections.examples_proc import proc_conn, proc_start
from lurewatch.detections.link_evidence import JudgedLink, MessageLinks, link_flags, message_links
from lurewatch.ids import event_id


def _resolved(ctx: DetectionContext, hosts: list[str]) -> dict[str, set[str]]:
    """ip -> the link hosts that resolved to it, from Sysmon DNS events and DNS logs."""
    assert ctx.store is not None
    marks = ", ".join("?" for _ in hosts)
    out: dict[str, set[str]] = {}
    for table in ("proc_dns", "dns_query"):
        for name, answers in ctx.store.execute(
            f'SELECT "dns.question.name", "dns.answers" FROM {table} WHERE "dns.question.name" IN ({marks})',
            hosts,
        ):
            for a in answers or []:
                out.setdefault(a.split()[-1], set()).add(name)
    return out


def run(ctx: DetectionContext) -> list[Finding]:
    assert ctx.store is not None
    org = ctx.settings.organization.domains
    flagged: dict[str, list[tuple[MessageLinks, JudgedLink, list[str]]]] = {}
    for msg in message_links(ctx):
        for link in msg.links:
            why = link_flags(link, org)
            if why and link.verdict.host:
                flagged.setdefault(link.verdict.host, []).append((msg, link, [w for _, w in why]))
    if not flagged:
        return []
    hosts = sorted(flagged)
    by_ip = _resolved(ctx, hosts)
    ips = sorted(by_ip)
    where = [f'lower(n."destination.domain") IN ({", ".join("?" for _ in hosts)})']
    params: list[Any] = list(hosts)
    if ips:
        where.append(f'n."destination.ip" IN ({", ".join("?" for _ in ips)})')
        params += ips
    conns = ctx.store.rows(
        'SELECT n.*, p."process.command_line" AS cmd, p."process.parent.executable" AS parent, '
        'p."process.parent.command_line" AS parent_cmd FROM proc_net n LEFT JOIN process p '
        'ON p."host.name" = n."host.name" AND p."process.entity_id" = n."process.entity_id" '
        f'WHERE {" OR ".join(where)} ORDER BY n."@timestamp"',
        params,
    )
    owners = mailbox_hosts(ctx.settings.assets.mailbox_hosts_file)
    window = dt.timedelta(days=ctx.settings.assets.click_window_days)
    out: list[Finding] = []
    for c in conns:
        names = {(c["destination.domain"] or "").lower()} | by_ip.get(
            c["destination.ip"] or "", set()
        )
        for host in sorted(names & set(hosts)):
            for msg, link, flags in flagged[host]:
                delivered = msg.email.get("@timestamp")
                if delivered is None or not (delivered <= c["@timestamp"] <= delivered + window):
                    continue
                recipients = email_recipients(msg.email)
                mine = (
                    owners.get(c["source.ip"] or "", set()) & set(recipients) if owners else set()
                )
                if owners and not mine:
                    continue
                out.append(_finding(msg, link, flags, c, host, sorted(mine)))
    return out


def _finding(
    msg: MessageLinks,
    link: JudgedLink,
    flags: list[str],
    c: dict[str, Any],
    host: str,
    mine: list[str],
) -> Finding:
    delivered = msg.email["@timestamp"]
    minutes = (c["@timestamp"] - delivered).total_seconds() / 60
    who = (
        f"recipient {', '.join(mine)}'s host"
        if mine
        else "a host (no mailbox-to-host mapping configured)"
    )
    cmd = c.get("cmd") or "(process start not in the log)"
    message = (
        f"{c['process.executable']} on {who} {c['host.name']} connected to {host} "
        f"({c['destination.ip']}:{c['destination.port']}) {minutes:.0f} min after the message "
        f"{msg.email.get('email.subject')!r} from {msg.email.get('email.from.address')} delivered the flagged "
        f"link {link.verdict.url} ({'; '.join(flags[:2])}). Command line: {cmd}"
        + (f"; parent {c['parent']}: {c['parent_cmd']}" if c.get("parent") else "")
        + "."
    )
    return Finding(
        key=event_id("link-process", link.row["event.id"], c["event.id"]),
        message=message,
        timestamp=c["@timestamp"],
        entities={
            "sender": msg.email.get("email.from.address"),
            "recipients": email_recipients(msg.email),
            "url": link.verdict.url,
            "domain": host,
            "host": c["host.name"],
            "ip": c["destination.ip"],
            "process": c["process.executable"],
            "command_line": c.get("cmd"),
            "user": c.get("user.name"),
        },
        evidence=[
            email_evidence(msg.email),
            {
                "event_id": link.row["event.id"],
                "kind": "url",
                "source": msg.email.get("log.file.path"),
            },
            {"event_id": c["event.id"], "kind": "proc_net", "source": c["log.file.path"]},
        ],
        severity="critical" if any("listed on" in f for f in flags) else "high",
    )


def _scenario(minutes: int) -> dict[str, list[dict[str, Any]]]:
    events: dict[str, list[dict[str, Any]]] = message_with_links(
        "https://www.bank.example@pay-check.example/x"
    )
    delivered = events["email"][0]["@timestamp"]
    p = proc_start(
        "C:\\Windows\\System32\\mshta.exe",
        "mshta.exe https://pay-check.example/x",
        at=delivered + dt.timedelta(minutes=minutes),
    )
    events["process"] = [p]
    events["proc_net"] = [proc_conn(p, "203.0.113.50", 443, domain="pay-check.example")]
    return events


DETECTIONS = [
    QueryDetection(
        id="proc_flagged_link_connection",
        title="Process connects to a flagged link's host after the mail arrived",
        clause="P1",
        techniques=("T1204.001", "T1566.002", "T1071.001"),
        severity="high",
        evidence_kinds=("email", "url", "proc_net"),
        requires=("url", "proc_net"),
        description="A Sysmon network connection to the host of a link flagged by the url_* rules "
        "(by name, or by an address that host resolved to), from a recipient's host, within "
        "assets.click_window_days after delivery. Critical when the link is on a threat-intel feed.",
        false_positives="A sandbox or link scanner detonating mail on an internal host; the "
        "recipient's browser opening a flagged but harmless page.",
        playbook="Isolate the host; look at the process tree and what it wrote (pivot on the "
        "process and host); reset the user's credentials; purge the message everywhere.",
        run=run,
        examples=(
            Example("mshta reaches the lure's host 20 minutes later", True, _scenario(20)),
            Example("the connection came before the mail", False, _scenario(-60)),
        ),
    )
]
