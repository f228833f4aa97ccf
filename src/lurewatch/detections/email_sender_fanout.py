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

import pyarrow as pa

from lurewatch.baselines.senders import inbound_recipients
from lurewatch.detections.base import Example, Finding, QueryDetection, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.evidence import source_of
from lurewatch.detections.examples import email_row
from lurewatch.detections.sender_allowlist import sender_allowlisted
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


def _histories(
    ctx: DetectionContext, key_col: str, starts: list[tuple[str, dt.datetime]]
) -> list[tuple[int, bool]]:
    """For each (sender key, burst start): the messages from that key before the start, and
    whether the organization wrote to it. One query for all bursts: a query per burst scans the
    recipients once per burst, which grows with the square of the mailbox."""
    assert ctx.store is not None
    if not starts:
        return []
    bursts = pa.table(
        {
            "i": list(range(len(starts))),
            "k": [k for k, _ in starts],
            "t": [t for _, t in starts],
        },
        schema=pa.schema([("i", pa.int64()), ("k", pa.string()), ("t", pa.timestamp("us"))]),
    )
    if key_col == "email.from.address":
        written = 'r."email.recipient.address" = b.k'
    else:
        written = "split_part(r.\"email.recipient.address\", '@', 2) LIKE '%' || b.k"
    with ctx.store.registered("_lw_fanout_bursts", bursts):
        prior = dict(
            ctx.store.execute(
                'SELECT b.i, count(DISTINCT r."email.event_id") FROM _lw_fanout_bursts b '
                f'LEFT JOIN email_recipient r ON r.{q(key_col)} = b.k AND r."@timestamp" < b.t '
                "AND r.\"email.direction\" IN ('inbound', 'unknown') GROUP BY b.i"
            )
        )
        wrote = {
            k
            for (k,) in ctx.store.execute(
                "SELECT DISTINCT b.k FROM (SELECT DISTINCT k FROM _lw_fanout_bursts) b "
                "JOIN email_recipient r ON r.\"email.direction\" = 'outbound' "
                f"AND {written}"
            )
        }
    return [(int(prior.get(i, 0)), k in wrote) for i, (k, _) in enumerate(starts)]


def _messages(ctx: DetectionContext, ids: list[str]) -> list[dict[str, Any]]:
    assert ctx.store is not None
    marks = ", ".join("?" for _ in ids)
    return ctx.store.rows(
        'SELECT "event.id", "log.file.path", "log.offset", "email.subject", "email.list_id", '
        '"email.list_unsubscribe", "email.precedence", "lurewatch.auth.composite" '
        f'FROM email WHERE "event.id" IN ({marks}) ORDER BY "@timestamp"',
        ids,
    )


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
        # (Bursts of one domain share no message with another domain's, so checking `covered`
        # against the address-level findings alone is enough.)
        candidates: list[tuple[str, list[Contact]]] = []
        for key, contacts in sorted(_first_contacts(ctx, key_col, cfg.min_recipients).items()):
            if sender_allowlisted(key, ctx.settings) or in_domains(key.rsplit("@", 1)[-1], org):
                continue
            if key_type == "domain" and is_freemail(key):
                continue
            for burst in _bursts(contacts, cfg.min_recipients, window):
                if key_type == "domain":
                    if len({c.sender for c in burst}) < 2:
                        continue
                    if all((c.recipient, c.email_id) in covered for c in burst):
                        continue
                candidates.append((key, burst))
        histories = _histories(ctx, key_col, [(key, burst[0].time) for key, burst in candidates])
        for (key, burst), (prior, wrote) in zip(candidates, histories, strict=True):
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
    sender: str | list[str], n: int, hours_apart: float = 0.1, **extra: Any
) -> dict[str, list[dict[str, Any]]]:
    """`n` messages to `n` mailboxes, from `sender` (or from the listed senders in turn)."""
    senders = [sender] if isinstance(sender, str) else sender
    base = dt.datetime(2026, 3, 2, 8, 0)
    emails = []
    for i in range(n):
        emails.append(
            email_row(
                from__address=senders[i % len(senders)],
                to__address=[f"user{i}@corp.example"],
                subject="Payroll update",
                **{"@timestamp": base + dt.timedelta(hours=i * hours_apart)},
                **extra,
            )
        )
    return {"email": emails}


def _with_history(
    campaign: dict[str, list[dict[str, Any]]],
    earlier_from: str = "",
    n: int = 0,
    wrote_to: str = "",
) -> dict[str, list[dict[str, Any]]]:
    """The campaign after `n` earlier messages from `earlier_from` (a month before), and after
    a message from the organization to `wrote_to`."""
    before = dt.datetime(2026, 2, 2, 8, 0)
    emails = [
        email_row(
            from__address=earlier_from,
            to__address=["archive@corp.example"],
            subject=f"Invoice {i}",
            **{"@timestamp": before + dt.timedelta(days=i)},
        )
        for i in range(n)
    ]
    if wrote_to:
        emails.append(
            email_row(
                from__address="buyer@corp.example",
                to__address=[wrote_to],
                subject="Our order",
                **{"@timestamp": before},
            )
        )
    return {"email": emails + campaign["email"]}


DETECTIONS = [
    QueryDetection(
        id="email_sender_fanout",
        title="New or rare sender reaching many mailboxes",
        clause="E2",
        techniques=("T1566", "T1598"),
        severity="medium",
        evidence_kinds=("email", "email_recipient"),
        requires=("email_recipient",),
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
            Example(
                "rare sender (two earlier messages), 12 recipients in an hour",
                True,
                _with_history(
                    _campaign("hr@payro11-portal.example", 12), "hr@payro11-portal.example", 2
                ),
            ),
            Example(
                "known sender (five earlier messages), 12 recipients in an hour",
                False,
                _with_history(
                    _campaign("hr@payro11-portal.example", 12), "hr@payro11-portal.example", 5
                ),
            ),
            Example(
                "new sender the organization wrote to, 12 recipients in an hour",
                False,
                _with_history(
                    _campaign("hr@payro11-portal.example", 12), wrote_to="hr@payro11-portal.example"
                ),
            ),
            Example(
                "new domain, three addresses sharing 12 recipients in an hour",
                True,
                _campaign([f"{u}@payro11-portal.example" for u in ("hr", "payroll", "it")], 12),
            ),
            Example(
                "new domain the organization wrote to, three addresses, 12 recipients",
                False,
                _with_history(
                    _campaign([f"{u}@payro11-portal.example" for u in ("hr", "payroll", "it")], 12),
                    wrote_to="sales@payro11-portal.example",
                ),
            ),
        ),
    )
]
