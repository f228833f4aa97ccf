"""`pivot`: every event and alert naming an entity, across tables, newest first, bounded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alertkit import alert, store_alerts

from lurewatch.errors import LurewatchError
from lurewatch.incidents.pivot import guess_kind, pivot
from lurewatch.store import Store

T = dt.datetime(2026, 3, 2, 9, 0)


def at(minutes: int) -> dt.datetime:
    return T + dt.timedelta(minutes=minutes)


def ev(eid: str, minutes: int, **cols: Any) -> dict[str, Any]:
    return {"event.id": eid, "@timestamp": at(minutes), "log.file.path": f"/logs/{eid}", **cols}


@pytest.fixture
def world(store: Store) -> Store:
    store.insert(
        "email",
        [
            ev(
                "mail1",
                0,
                **{
                    "email.from.address": "notice@payroll.example",
                    "email.from.domain": "payroll.example",
                    "email.to.address": ["Bob@corp.example"],
                    "email.subject": "Confirm your payroll",
                },
            ),
            ev(
                "mail2",
                1,
                **{
                    "email.from.address": "news@other.example",
                    "email.to.address": ["amy@corp.example"],
                },
            ),
        ],
    )
    store.insert(
        "url",
        [
            ev(
                "url1",
                0,
                **{
                    "url.full": "https://login.corp-pay.example/c",
                    "url.domain": "login.corp-pay.example",
                },
            )
        ],
    )
    store.insert(
        "http_request",
        [
            ev(
                "http1",
                30,
                **{
                    "source.ip": "10.0.0.7",
                    "url.domain": "login.corp-pay.example",
                    "log.offset": 4,
                },
            ),
            ev("http2", 31, **{"source.ip": "10.0.0.8", "url.domain": "notcorp-pay.example"}),
        ],
    )
    store.insert(
        "dns_query",
        [ev("dns1", 29, **{"source.ip": "10.0.0.7", "dns.question.name": "corp-pay.example"})],
    )
    store.insert(
        "process",
        [
            ev(
                "proc1",
                32,
                **{
                    "host.name": "ws-7.corp.example",
                    "process.name": "mshta.exe",
                    "user.name": "CORP\\bob",
                    "process.command_line": "mshta.exe https://login.corp-pay.example/c",
                },
            )
        ],
    )
    store.insert(
        "proc_net",
        [
            ev(
                "pn1",
                33,
                **{
                    "host.name": "ws-7.corp.example",
                    "process.name": "mshta.exe",
                    "source.ip": "10.0.0.7",
                    "destination.ip": "203.0.113.5",
                    "destination.domain": "login.corp-pay.example",
                },
            )
        ],
    )
    store.insert(
        "flow", [ev("flow1", 34, **{"source.ip": "10.0.0.7", "destination.ip": "203.0.113.5"})]
    )
    store.insert(
        "call", [ev("call1", 40, **{"call.caller": "+15555550123", "call.callee": "1001"})]
    )
    store.insert(
        "message",
        [
            ev(
                "msg1",
                41,
                **{"chat.sender": "ext-helper", "message.urls": ["https://corp-pay.example/x"]},
            )
        ],
    )
    store_alerts(
        store,
        alert("url_clicked", "U2", 30, url_domains=["corp-pay.example"], host_ip="10.0.0.7"),
        alert("voice_known_bad_number", "V1", 40, phone="+1 555 555 0123"),
        alert("url_lookalike", "U2", 0, url_domains=["notcorp-pay.example"]),
    )
    return store


def tables(store: Store, entity: str, **kw: Any) -> list[tuple[str, str]]:
    return [(h.table, h.id) for h in pivot(store, entity, **kw).hits]


def test_domain_finds_links_visits_lookups_processes_and_alerts(world: Store) -> None:
    hits = pivot(world, "corp-pay.example", limit=50).hits
    found = {h.table for h in hits}
    assert {"url", "http_request", "dns_query", "process", "proc_net", "message", "alerts"} <= found
    # Newest first; a longer name that merely ends the same way is not a match.
    times = [h.timestamp for h in hits]
    assert times == sorted(times, reverse=True)
    assert ("http_request", "http2") not in [(h.table, h.id) for h in hits]
    assert not any(h.table == "alerts" and "url_lookalike" in h.summary for h in hits)
    clicked = next(h for h in hits if h.table == "alerts")
    assert clicked.extra["rule_id"] == "url_clicked"


def test_ip_email_user_process_and_phone(world: Store) -> None:
    assert {t for t, _ in tables(world, "10.0.0.7")} == {
        "http_request",
        "dns_query",
        "proc_net",
        "flow",
        "alerts",
    }
    assert tables(world, "bob@corp.example") == [("email", "mail1")]
    assert {t for t, _ in tables(world, "CORP\\bob")} == {"process"}
    assert {t for t, _ in tables(world, "bob", kind="user")} == {"process"}
    assert {t for t, _ in tables(world, "mshta.exe")} == {"process", "proc_net"}
    assert {t for t, _ in tables(world, "+1 (555) 555-0123")} == {"call", "alerts"}
    assert {t for t, _ in tables(world, "ws-7")} == {"process", "proc_net"}


def test_limit_bounds_the_answer_and_says_there_is_more(world: Store) -> None:
    result = pivot(world, "corp-pay.example", limit=3)
    assert len(result.hits) == 3 and result.more
    assert [h.id for h in result.hits] == [
        h.id for h in pivot(world, "corp-pay.example", limit=50).hits[:3]
    ]


def test_kind_is_read_from_the_spelling() -> None:
    assert guess_kind("a@b.example") == "email"
    assert guess_kind("https://x.example/a") == "url"
    assert guess_kind("2001:db8::1") == "ip"
    assert guess_kind("+44 20 7946 0000") == "phone"
    assert guess_kind("powershell.exe") == "process"
    assert guess_kind("CORP\\bob") == "user"
    assert guess_kind("corp-pay.example") == "domain"
    assert guess_kind("ws-7") == "name"


def test_bad_input_is_one_clear_error(world: Store) -> None:
    with pytest.raises(LurewatchError, match="--kind"):
        pivot(world, "x", kind="planet")
    with pytest.raises(LurewatchError, match="--limit"):
        pivot(world, "x.example", limit=0)


def test_alerts_found_name_their_incident(world: Store) -> None:
    from lurewatch.config import Settings
    from lurewatch.incidents.build import build_incidents

    build_incidents(world, Settings())
    (hit,) = [h for h in pivot(world, "10.0.0.7").hits if h.table == "alerts"]
    stored = world.scalar(
        'SELECT "incident.id" FROM incidents WHERE list_contains("incident.alert_ids", ?)', [hit.id]
    )
    assert hit.extra["incident_id"] == stored and stored
