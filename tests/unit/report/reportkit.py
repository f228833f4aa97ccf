"""Text an attacker controls, stored where the HTML report shows it."""

from __future__ import annotations

import datetime as dt

import orjson

from lurewatch.store import Store

T0 = dt.datetime(2026, 3, 2, 9, 0)

# What an attacker puts in a subject, a display name or a host name.
SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(2)>'


def store_hostile_rows(store: Store) -> None:
    store.insert(
        "email",
        [
            {
                "event.id": "mail-1",
                "@timestamp": T0,
                "log.file.path": f"/mail/{SCRIPT}.eml",
                "email.subject": f"Invoice {SCRIPT} see https://evil.example/pay",
                "email.from.address": f"ceo{BREAKOUT}@evil.example",
                "email.from.name": BREAKOUT,
                "email.to.address": ["ann@corp.example"],
            }
        ],
    )
    alert = {
        "alert.id": "alert-hostile",
        "rule.id": "email_brand_impersonation",
        "rule.name": "brand impersonation",
        "clause": "E1",
        "threat.technique.id": ["T1566"],
        "severity": "high",
        "@timestamp": T0,
        "message": f"Display name {BREAKOUT} claims a brand; subject {SCRIPT}",
        "entities": orjson.dumps(
            {"sender": f"ceo{BREAKOUT}@evil.example", "domain": SCRIPT}
        ).decode(),
        "evidence": orjson.dumps(
            [{"event_id": "mail-1", "kind": "email", "source": f"/mail/{SCRIPT}.eml"}]
        ).decode(),
        "alert.state": "new",
        "alert.state_reason": None,
        "alert.created": T0,
        "alert.updated": T0,
    }
    store.replace_by_key("alerts", "alert.id", [alert])
    store.replace_by_key(
        "baseline_sender",
        "sender.key",
        [
            {
                "sender.key": f"{SCRIPT}@evil.example",
                "sender.key_type": "address",
                "first_seen": T0,
                "last_seen": T0,
                "messages": 30,
                "recipients": 30,
                "written_to": False,
                "prevalence": BREAKOUT,
            }
        ],
    )
    destination = {
        "baseline.level": "org",
        "source.ip": None,
        "destination.key_type": "domain",
        "first_seen": T0,
        "last_seen": T0,
        "connections": 12,
        "source.bytes": 4096,
        "first_event_id": "flow-1",
    }
    store.insert(
        "baseline_flow_destination",
        [
            {**destination, "destination.key": f"c2{BREAKOUT}.example", "hosts": 1},
            {**destination, "destination.key": "everyone-uses-this.example", "hosts": 40},
        ],
    )
