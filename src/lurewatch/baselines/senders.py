"""The org-wide sender baseline (E2): who has mailed the organization, since when, how widely.

Keys are sender addresses and sender registrable domains. Prevalence is judged at a reference
time (the newest mail in the store, so historic exports work as well as live ones):
- new: first seen within the last `window_days` of the reference time, or never before it;
- rare: seen in at most `rare_max_messages` messages and never written to by the organization;
- common: everything else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from lurewatch.config import Settings
from lurewatch.store import Store


def reference_time(store: Store) -> dt.datetime | None:
    value = store.scalar('SELECT max("@timestamp") FROM email')
    return value if isinstance(value, dt.datetime) else None


def inbound_recipients(store: Store) -> Any:
    """Recipient rows of mail that came from outside to an internal mailbox."""
    r = store.table("email_recipient")
    return r.filter(
        [
            r["email.recipient.internal"],
            r["email.direction"].isin(["inbound", "unknown"]),
            r["email.from.address"].notnull(),
            r["@timestamp"].notnull(),
        ]
    )


def written_to(store: Store) -> tuple[Any, Any]:
    """Addresses and registrable domains the organization has sent mail to (outbound mail)."""
    r = store.table("email_recipient")
    out = r.filter(r["email.direction"] == "outbound")
    addresses = out.select(key=out["email.recipient.address"]).distinct()
    domains = out.select(key=out["email.recipient.address"].split("@")[1].lower()).distinct()
    return addresses, domains


def sender_stats(store: Store, key_type: str) -> Any:
    """First/last seen, messages and distinct internal recipients per sender key."""
    r = inbound_recipients(store)
    key = r["email.from.address"] if key_type == "address" else r["email.from.registered_domain"]
    return (
        r.filter(key.notnull())
        .group_by(key.name("sender.key"))
        .aggregate(
            first_seen=r["@timestamp"].min(),
            last_seen=r["@timestamp"].max(),
            messages=r["email.event_id"].nunique(),
            recipients=r["email.recipient.address"].nunique(),
        )
        .mutate(**{"sender.key_type": ibis.literal(key_type)})
    )


def build_sender_baseline(store: Store, settings: Settings) -> int:
    """Recompute `baseline_sender`. Returns the number of sender keys."""
    ref = reference_time(store)
    if ref is None:
        store.execute("DELETE FROM baseline_sender")
        return 0
    new_after = ref - dt.timedelta(days=settings.baseline.window_days)
    addresses, domains = written_to(store)
    parts = []
    for key_type, wrote in (("address", addresses), ("domain", domains)):
        s = sender_stats(store, key_type)
        s = s.left_join(wrote.mutate(w=ibis.literal(True)), s["sender.key"] == wrote.key)
        s = s.mutate(written_to=s.w.fill_null(False))
        prevalence = ibis.cases(
            (s.first_seen >= ibis.literal(new_after), "new"),
            ((s.messages <= settings.baseline.rare_max_messages) & ~s.written_to, "rare"),
            else_="common",
        )
        parts.append(
            s.select(
                s["sender.key"],
                s["sender.key_type"],
                s.first_seen,
                s.last_seen,
                s.messages,
                s.recipients,
                s.written_to,
                prevalence=prevalence,
            )
        )
    table = parts[0].union(parts[1])
    arrow = store.ibis.to_pyarrow(table)
    store.execute("DELETE FROM baseline_sender")
    with store.registered("_lw_baseline", arrow):
        store.execute(
            'INSERT INTO baseline_sender SELECT "sender.key", "sender.key_type", first_seen, '
            "last_seen, messages, recipients, written_to, prevalence FROM _lw_baseline"
        )
    return arrow.num_rows
