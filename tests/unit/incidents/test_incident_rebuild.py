"""Re-running detect updates incidents in place: same ids, triage state kept, growth and merges."""

from __future__ import annotations

import pytest
from alertkit import alert, incidents_of, store_alerts

from lurewatch.config import Settings
from lurewatch.errors import LurewatchError
from lurewatch.incidents.build import build_incidents
from lurewatch.incidents.triage import set_incident_alerts_state, set_state
from lurewatch.store import Store

S = Settings()

MAIL = alert("url_lookalike", "U2", 0, sender="a@evil.example", url_domains=["pay-corp.example"])
CLICK = alert(
    "url_clicked",
    "U2",
    30,
    evidence_kind="http_request",
    url_domains=["pay-corp.example"],
    host_ip="10.1.1.1",
)
OTHER = alert("email_vip_impersonation", "E1", 5, sender="boss@gmail.com")


def test_rebuild_keeps_ids_and_triage_state(store: Store) -> None:
    store_alerts(store, MAIL, CLICK, OTHER)
    first = build_incidents(store, S)
    assert first.incidents == 2 and first.new == 2
    before = {r["incident.id"]: r for r in incidents_of(store)}
    top = incidents_of(store)[0]["incident.id"]
    set_state(store, "incident", top[:8], "acknowledged")
    again = build_incidents(store, S)
    assert again.new == 0
    after = {r["incident.id"]: r for r in incidents_of(store)}
    assert set(after) == set(before)
    assert after[top]["incident.state"] == "acknowledged"
    assert after[top]["incident.created"] == before[top]["incident.created"]
    assert store.count("incidents") == 2


def test_new_alert_joins_the_same_incident_and_reopens_it_when_closed(store: Store) -> None:
    store_alerts(store, MAIL, CLICK)
    build_incidents(store, S)
    (inc,) = incidents_of(store)
    set_state(store, "incident", inc["incident.id"], "closed", "user reported it, mail purged")
    process = alert(
        "proc_should_not_connect", "P2", 31, evidence_kind="proc_net", host="ws-1", ip="10.1.1.1"
    )
    store_alerts(store, process)
    summary = build_incidents(store, S)
    (grown,) = incidents_of(store)
    assert grown["incident.id"] == inc["incident.id"]
    assert grown["incident.alert_count"] == 3 and summary.reopened == 1
    assert grown["incident.state"] == "new"
    assert "user reported it" in grown["incident.state_reason"]


def test_an_earlier_alert_joining_keeps_the_known_id(store: Store) -> None:
    store_alerts(store, CLICK)
    build_incidents(store, S)
    (inc,) = incidents_of(store)
    store_alerts(store, MAIL)  # ingested later, but it happened before the click
    build_incidents(store, S)
    (grown,) = incidents_of(store)
    assert grown["incident.id"] == inc["incident.id"] and grown["incident.alert_count"] == 2


def test_merge_keeps_the_older_incidents_id(store: Store) -> None:
    a = alert("url_lookalike", "U2", 0, sender="a@evil.example", url_domains=["one.example"])
    b = alert("proc_x", "P2", 60, evidence_kind="proc_net", host="ws-9", domain="two.example")
    store_alerts(store, a)
    build_incidents(store, S)
    (first,) = incidents_of(store)
    store_alerts(store, b)
    build_incidents(store, S)
    assert store.count("incidents") == 2
    bridge = alert(
        "url_clicked",
        "U2",
        30,
        evidence_kind="http_request",
        url_domains=["one.example", "two.example"],
    )
    store_alerts(store, bridge)
    build_incidents(store, S)
    (merged,) = incidents_of(store)
    assert merged["incident.id"] == first["incident.id"] and merged["incident.alert_count"] == 3


def test_triage_rules(store: Store) -> None:
    store_alerts(store, MAIL, CLICK)
    build_incidents(store, S)
    inc = incidents_of(store)[0]["incident.id"]
    with pytest.raises(LurewatchError, match="reason"):
        set_state(store, "incident", inc, "closed")
    with pytest.raises(LurewatchError, match="one of"):
        set_state(store, "incident", inc, "done", "x")
    with pytest.raises(LurewatchError, match="too short"):
        set_state(store, "alert", "ab", "acknowledged")
    with pytest.raises(LurewatchError, match="no alert"):
        set_state(store, "alert", "ffffffffffff", "acknowledged")
    change = set_state(store, "incident", inc[:10], "closed", "test mail from the red team")
    assert change.id == inc and change.previous == "new"
    assert set_incident_alerts_state(store, inc, "closed", change.reason) == 2
    states = store.rows('SELECT "alert.state", "alert.state_reason" FROM alerts')
    assert {(r["alert.state"], r["alert.state_reason"]) for r in states} == {
        ("closed", "test mail from the red team")
    }
