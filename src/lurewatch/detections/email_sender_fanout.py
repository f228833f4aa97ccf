"""E2: many internal mailboxes receiving mail from one new or rare sender within a short window.

Counted across messages and mailboxes, not per message: a campaign that sends one message per
recipient is caught the same as one message with thirty recipients. Keys are the sender address,
and the sender's registrable domain when several addresses of one new domain share the work.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from lurewatch.baselines.senders import inbound_recipients
from lurewatch.detections.base import Example, Finding, QueryDetection, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.evidence import source_of
from lurewatch.detections.examples import email_row
from lurewatch.enrich.freemail import is_freemail
from lurewatch.ids import event_id
from lurewatch.store.db import q
from lurewatch.util.domains import in_domains


@dataclass
class Contact:
    time: dt.datetime
    recipient: str
    email_id: str
    sender: str


def _first_contacts(
    ctx: DetectionContext, key_col: str, min_recipients: int
) -> dict[str, list[Contact]]:
    """First time each sender key reached each internal recipient, for keys that reached enough."""
    assert ctx.store is not None
    r = inbound_recipients(ctx.store)
    key = r[key_col]
    firsts = (
        r.filter(key.notnull())
        .group_by([key.name("k"), r["email.recipient.address"].name("rcpt")])
        .aggregate(
            t=r["@timestamp"].min(),
            eid=r["email.event_id"].argmin(r["@timestamp"]),
            sender=r["email.from.address"].argmin(r["@timestamp"]),
        )
    )
    wide = (
        firsts.group_by("k")
        .aggregate(n=firsts.rcpt.count())
        .filter(lambda t: t.n >= min_recipients)
    )
    rows = ctx.store.ibis.to_pyarrow(firsts.semi_join(wide, "k")).to_pylist()
    out: dict[str, list[Contact]] = defaultdict(list)
    for row in rows:
        out[row["k"]].append(Contact(row["t"], row["rcpt"], row["eid"], row["sender"]))
    return out


def _bursts(contacts: list[Contact], n: int, window: dt.timedelta) -> list[list[Contact]]:
    contacts = sorted(contacts, key=lambda c: (c.time, c.recipient))
    bursts: list[list[Contact]] = []
    i = 0
    while i < len(contacts):
        end = contacts[i].time + window
        j = i
        while j < len(contacts) and contacts[j].time <= end:
            j += 1
        if j - i >= n:
            bursts.append(contacts[i:j])
            i = j
        else:
            i += 1
    return bursts


def _history(
    ctx: DetectionContext, key_col: str, key: str, before: dt.datetime
) -> tuple[int, bool]:
    """Messages from this sender key before `before`, and whether the organization wrote to it."""
    assert ctx.store is not None
    prior = ctx.store.scalar(
        f'SELECT count(DISTINCT "email.event_id") FROM email_recipient WHERE {q(key_col)} = ? '
        "AND \"@timestamp\" < ? AND \"email.direction\" IN ('inbound', 'unknown')",
        [key, before],
    )
    if key_col == "email.from.address":
        cond, param = '"email.recipient.address" = ?', key
    else:
        cond, param = "split_part(\"email.recipient.address\", '@', 2) LIKE ?", f"%{key}"
    wrote = ctx.store.scalar(
        f"SELECT count(*) FROM email_recipient WHERE \"email.direction\" = 'outbound' AND {cond}",
        [param],
    )
    return int(prior or 0), bool(wrote)


def _messages(ctx: DetectionContext, ids: list[str]) -> list[dict[str, Any]]:
    assert ctx.store is not None
    marks = ", ".join("?" for _ in ids)
    return ctx.store.rows(
        'SELECT "event.id", "log.file.path", "log.offset", "email.subject", "email.list_id", '
        '"email.list_unsubscribe", "email.precedence", "lurewatch.auth.composite" '
        f'FROM email WHERE "event.id" IN ({marks}) ORDER BY "@timestamp"',
        ids,
    )


def _allowlisted(ctx: DetectionContext, key: str) -> bool:
    allow = ctx.settings.allowlist.senders
    domain = key.rsplit("@", 1)[-1]
    return key in allow or in_domains(domain, [a for a in allow if "@" not in a])


def run(ctx: DetectionContext) -> list[Finding]:
    assert ctx.store is not None
    cfg = ctx.settings.sender_fanout
    window = dt.timedelta(hours=cfg.window_hours)
    org = ctx.settings.organization.domains
    findings: list[Finding] = []
    covered: set[tuple[str, str]] = set()  # (recipient, email id) already in an address-level alert
    for key_type, key_col in (
        ("address", "email.from.address"),
        ("domain", "email.from.registered_domain"),
    ):
        for key, contacts in sorted(_first_contacts(ctx, key_col, cfg.min_recipients).items()):
            if _allowlisted(ctx, key) or in_domains(key.rsplit("@", 1)[-1], org):
                continue
            if key_type == "domain" and is_freemail(key):
                continue
            for burst in _bursts(contacts, cfg.min_recipients, window):
                if key_type == "domain":
                    if len({c.sender for c in burst}) < 2:
                        continue
                    if all((c.recipient, c.email_id) in covered for c in burst):
                        continue
                start = burst[0].time
                prior, wrote = _history(ctx, key_col, key, start)
                if wrote or prior > ctx.settings.baseline.rare_max_messages:
                    continue
                prevalence = "new" if prior == 0 else "rare"
                covered.update((c.recipient, c.email_id) for c in burst)
                findings.append(_finding(ctx, key_type, key, burst, prevalence, prior, window))
    return findings


def _finding(
    ctx: DetectionContext,
    key_type: str,
    key: str,
    burst: list[Contact],
    prevalence: str,
    prior: int,
    window: dt.timedelta,
) -> Finding:
    ids = sorted({c.email_id for c in burst})
    msgs = _messages(ctx, ids)
    recipients = sorted({c.recipient for c in burst})
    bulk = all(
        m["email.list_id"]
        or m["email.list_unsubscribe"]
        or m["email.precedence"] in ("bulk", "list")
        for m in msgs
    )
    failed = any(m["lurewatch.auth.composite"] == "fail" for m in msgs)
    severity: Severity = "high" if failed else ("low" if bulk else "medium")
    hours = max((burst[-1].time - burst[0].time).total_seconds() / 3600, 0.0)
    history = (
        "never seen before" if prevalence == "new" else f"seen in only {prior} earlier message(s)"
    )
    notes = []
    if failed:
        notes.append("some of these messages failed sender authentication")
    if bulk:
        notes.append("all declare themselves list/bulk mail, so this may be a new newsletter")
    subjects = sorted({m["email.subject"] or "" for m in msgs})[:3]
    message = (
        f"{'Sender' if key_type == 'address' else 'Sender domain'} {key} ({history} by the "
        f"organization) reached {len(recipients)} internal recipients in {len(ids)} message(s) "
        f"within {hours:.1f} h (window {window.total_seconds() / 3600:.0f} h), starting "
        f"{burst[0].time:%Y-%m-%d %H:%M} UTC. Subjects: {'; '.join(repr(s) for s in subjects)}."
        + (" Note: " + "; ".join(notes) + "." if notes else "")
    )
    return Finding(
        key=event_id("fanout", key_type, key, burst[0].time.isoformat()),
        message=message,
        timestamp=burst[0].time,
        entities={
            "sender": key if key_type == "address" else sorted({c.sender for c in burst}),
            "sender_domain": key.rsplit("@", 1)[-1] if key_type == "address" else key,
            "recipients": recipients,
            "prevalence": prevalence,
            "messages": len(ids),
        },
        evidence=[
            {"event_id": m["event.id"], "kind": "email", "source": source_of(m)} for m in msgs
        ],
        severity=severity,
    )


def _campaign(
    sender: str, n: int, hours_apart: float = 0.1, **extra: Any
) -> dict[str, list[dict[str, Any]]]:
    base = dt.datetime(2026, 3, 2, 8, 0)
    emails = []
    for i in range(n):
        emails.append(
            email_row(
                from__address=sender,
                to__address=[f"user{i}@corp.example"],
                subject="Payroll update",
                **{"@timestamp": base + dt.timedelta(hours=i * hours_apart)},
                **extra,
            )
        )
    return {"email": emails}


DETECTIONS = [
    QueryDetection(
        id="email_sender_fanout",
        title="New or rare sender reaching many mailboxes",
        clause="E2",
        techniques=("T1566", "T1598"),
        severity="medium",
        evidence_kinds=("email", "email_recipient"),
        description="A sender address (or a new domain using several addresses) that the "
        "organization has never or rarely received mail from, and never written to, reaches at "
        "least sender_fanout.min_recipients distinct internal recipients within "
        "sender_fanout.window_hours, counted across messages and mailboxes.",
        false_positives="A new supplier, event or newsletter the organization just signed up to "
        "(list mail is reported at low severity); allowlist it under allowlist.senders.",
        playbook="Read one of the messages (inspect email); pivot on the sender and its domain for "
        "links and attachments; if malicious, purge the messages from every listed mailbox and "
        "block the sender; check the recipients' hosts for clicks.",
        run=run,
        examples=(
            Example(
                "new sender, 12 recipients in an hour",
                True,
                _campaign("hr@payro11-portal.example", 12),
            ),
            Example(
                "new sender, 12 recipients over 12 days",
                False,
                _campaign("hr@payro11-portal.example", 12, hours_apart=24),
            ),
            Example("new sender, 5 recipients", False, _campaign("hr@payro11-portal.example", 5)),
        ),
    )
]
