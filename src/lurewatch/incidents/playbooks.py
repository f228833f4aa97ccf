"""Playbooks: what an analyst does next with an alert, per family of alert.

Each family says what to check, which pivots to run (written out as commands with the alert's
own entities filled in, ready to paste) and what containment means. The detection's own advice
(its `playbook` text) comes with it: the family is the routine, the detection the specifics.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lurewatch.incidents.entities import Entity, alert_entities
from lurewatch.incidents.scoring import channel_of


@dataclass(frozen=True)
class Family:
    id: str
    title: str
    check: tuple[str, ...]
    # Entity kinds worth a pivot, most useful first.
    pivot_kinds: tuple[str, ...]
    containment: str


FAMILIES: dict[str, Family] = {
    f.id: f
    for f in (
        Family(
            "suspicious_email",
            "Suspicious email",
            (
                "Read the headers: who sent it, through which servers, and what SPF/DKIM/DMARC said.",
                "Find every recipient of the same sender or subject: is it one person or a campaign?",
                "Check whether anyone replied, forwarded it, or opened its links or attachments.",
            ),
            ("mailbox", "domain", "url"),
            "Purge the message from every mailbox that received it, block the sender and the "
            "link domains at the mail gateway and proxy, and warn the recipients.",
        ),
        Family(
            "link_clicked",
            "Link clicked",
            (
                "Confirm the visit: proxy or DNS record, the host, the time after delivery.",
                "Look at what the host did next: processes started, downloads, connections.",
                "Ask the user whether a form was filled in (a password or payment details).",
            ),
            ("domain", "ip", "mailbox", "url"),
            "Block the site at the proxy and DNS; reset the user's password and revoke sessions "
            "if credentials may have been entered; isolate the host if anything ran.",
        ),
        Family(
            "process_connection",
            "Suspicious process connection",
            (
                "Read the command line and parent: how did this process start?",
                "Is the destination new to this host and to the organization?",
                "Look for files written and other processes started around the same time.",
            ),
            ("host", "process", "domain", "ip", "user"),
            "Isolate the host from the network, kill the process, collect the binary and its "
            "parent for analysis, and block the destination.",
        ),
        Family(
            "protocol_anomaly",
            "Protocol anomaly",
            (
                "Which host and which process sent the traffic, and is that usual for them?",
                "Is the protocol on its usual port, and does its content fit the protocol?",
                "Is the destination known: intel, first seen, how many hosts talk to it?",
            ),
            ("ip", "host", "process", "domain"),
            "Block the destination and port at the firewall; isolate the source host if the "
            "traffic looks like a tunnel or command-and-control.",
        ),
        Family(
            "voice_phishing",
            "Voice phishing",
            (
                "Which employees did the number reach, and how long did they talk?",
                "Did the caller claim to be the help desk, a bank or an executive?",
                "Did anyone act after the call: password reset, payment, remote-access tool?",
            ),
            ("phone", "employee", "user"),
            "Block the number at the voice gateway, warn the employees it reached, and follow "
            "up on any account change or payment made after the call.",
        ),
        Family(
            "chat_request",
            "Chat request",
            (
                "Who is the outside account, and who invited it into the channel?",
                "What did it ask for or share: credentials, codes, payments, files, links?",
                "Did an employee answer or send data back?",
            ),
            ("account", "domain", "url"),
            "Remove the account from the workspace, revoke shared links and files, and warn "
            "the employees it talked to.",
        ),
    )
}

MAX_PIVOTS = 6
PER_KIND = 2


def family_of(clause: str, evidence_kinds: frozenset[str] | set[str] = frozenset()) -> Family:
    """The playbook family of an alert, from its clause and the evidence behind it."""
    channel = channel_of(clause)
    if channel == "url" and evidence_kinds & {"http_request", "dns_query", "url_click"}:
        return FAMILIES["link_clicked"]
    return FAMILIES[
        {
            "endpoint": "process_connection",
            "network": "protocol_anomaly",
            "voice": "voice_phishing",
            "chat": "chat_request",
        }.get(channel, "suspicious_email")
    ]


def pivot_value(e: Entity) -> str | None:
    """What to type after `lurewatch pivot` to find an entity (None: nothing to pivot on)."""
    if e.kind == "process":
        if "|" not in e.value:
            return None  # a process GUID: the executable is the better pivot
        return e.value.rsplit("|", 1)[1].replace("/", "\\").rsplit("\\", 1)[-1]
    if e.kind == "message":
        return None
    return e.value


def pivot_commands(
    entities: set[Entity],
    kinds: tuple[str, ...],
    db: Path | None = None,
    first: set[Entity] | None = None,
) -> list[str]:
    """`lurewatch pivot` commands for the entities of `kinds`: at most two a kind, `first` first."""
    first = first or set()
    db_opt = f" --db {shlex.quote(str(db))}" if db else ""
    out: list[str] = []
    for kind in kinds:
        per_kind = 0
        for e in sorted((x for x in entities if x.kind == kind), key=lambda x: (x not in first, x)):
            v = pivot_value(e)
            cmd = f"lurewatch pivot {shlex.quote(v)}{db_opt}" if v else None
            if cmd and cmd not in out and per_kind < PER_KIND:
                out.append(cmd)
                per_kind += 1
            if len(out) >= MAX_PIVOTS:
                return out
    return out


# Keys naming the one thing an alert is about (a sender, a host), not the many it touched.
_PRIMARY_KEYS = (
    "sender",
    "sender_domain",
    "domain",
    "url",
    "host",
    "process",
    "phone",
    "account",
    "ip",
)


def playbook_for(
    rule_id: str,
    clause: str,
    entities: dict[str, Any],
    evidence_kinds: frozenset[str] | set[str] = frozenset(),
    db: Path | None = None,
) -> dict[str, Any]:
    """The playbook of one alert, ready to show or to print as JSON."""
    from lurewatch.detections.registry import all_detections

    fam = family_of(clause, evidence_kinds)
    primary = alert_entities({k: entities.get(k) for k in _PRIMARY_KEYS})
    advice = next((d.playbook for d in all_detections() if d.id == rule_id), "")
    return {
        "family": fam.id,
        "title": fam.title,
        "check": list(fam.check),
        "pivots": pivot_commands(alert_entities(entities), fam.pivot_kinds, db, first=primary),
        "containment": fam.containment,
        "detection_advice": advice,
    }
