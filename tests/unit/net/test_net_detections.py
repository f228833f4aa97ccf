"""The N3 detections over flows written into a store: what fires, what stays quiet, and why."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import orjson

from lurewatch.baselines.build import build_baselines
from lurewatch.config import Settings
from lurewatch.detections.base import Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.engine import run_detections
from lurewatch.detections.examples_net import HOST, OTHER_HOST, WHEN, flow, scenario, series
from lurewatch.detections.registry import by_id
from lurewatch.store import Store

C2 = "185.220.101.4"


def _run(store: Store, rule: str, events: dict[str, Any], settings: Settings | None = None
         ) -> list[Finding]:  # fmt: skip
    s = settings or Settings()
    store.insert("flow", events["flow"])
    build_baselines(store, s)
    det = by_id(rule)
    assert isinstance(det, QueryDetection)
    return det.run(DetectionContext(settings=s, store=store))


def _beacon() -> dict[str, Any]:
    return scenario(series(HOST, C2, 443, count=60, every=300, jitter=0.1, protocol="ssl",
                           domain="cdn.example-c2.net", sent=320))  # fmt: skip


def test_beacon_fires_once_with_score_parts_and_evidence(store: Store) -> None:
    found = _run(store, "net_beaconing", _beacon())
    assert len(found) == 1
    f = found[0]
    assert f.entities["host_ip"] == HOST and f.entities["beacon_score"] >= 0.8
    assert re.search(r"about every [45]\.[0-9] min", f.message) and "Beacon score" in f.message
    assert "regularity" in f.message and "on-beat" in f.message
    assert len(f.evidence) == 10 and {e["kind"] for e in f.evidence} == {"flow"}
    assert f.timestamp == WHEN


def test_beacon_quiet_for_monitoring_role_and_allowlisted_domain(store: Store) -> None:
    s = Settings()
    s.network.host_roles = {f"{HOST}/32": "monitoring"}
    assert _run(store, "net_beaconing", _beacon(), s) == []
    s2 = Settings()
    s2.network.allow_domains = ["example-c2.net"]
    det = by_id("net_beaconing")
    assert isinstance(det, QueryDetection)
    assert det.run(DetectionContext(settings=s2, store=store)) == []


def test_beacon_threshold_is_a_setting(store: Store) -> None:
    s = Settings()
    s.network.beacon_min_connections = 100
    assert _run(store, "net_beaconing", _beacon(), s) == []


def test_new_destination_cidr_allowlist_and_scanner_role(store: Store) -> None:
    events = scenario({"flow": [flow(HOST, "45.76.12.27", 1177, sent=900),
                                flow(OTHER_HOST, "45.76.12.99", 4444, sent=900)]})  # fmt: skip
    assert {f.entities["ip"] for f in _run(store, "net_new_destination", events)} == {
        "45.76.12.27", "45.76.12.99"
    }  # fmt: skip
    s = Settings()
    s.network.allow_networks = ["45.76.12.0/28"]  # .27 and .99 are outside; nothing allowed
    s.network.host_roles = {OTHER_HOST: "scanner"}
    det = by_id("net_new_destination")
    assert isinstance(det, QueryDetection)
    found = det.run(DetectionContext(settings=s, store=store))
    assert [f.entities["ip"] for f in found] == ["45.76.12.27"]
    s.network.allow_networks = ["45.76.12.0/24"]
    assert det.run(DetectionContext(settings=s, store=store)) == []


def test_new_destination_groups_per_host_and_destination(store: Store) -> None:
    later = [flow(HOST, "45.76.12.27", 1177, at=WHEN + dt.timedelta(minutes=m), sent=900)
             for m in range(5)]  # fmt: skip
    found = _run(store, "net_new_destination", scenario({"flow": later}))
    assert len(found) == 1
    assert "5 connection(s)" in found[0].message and len(found[0].evidence) == 5
    assert found[0].severity == "high"  # unregistered port and a bare address


def test_new_destination_every_one_when_no_signs_needed(store: Store) -> None:
    site = flow(HOST, "151.101.1.69", 443, protocol="ssl", domain="recipes.example.org")
    assert _run(store, "net_new_destination", scenario({"flow": [site]})) == []
    s = Settings()
    s.network.new_destination_min_signals = 0
    det = by_id("net_new_destination")
    assert isinstance(det, QueryDetection)
    found = det.run(DetectionContext(settings=s, store=store))
    assert [f.entities["domain"] for f in found] == ["recipes.example.org"]
    assert found[0].severity == "low"


def test_long_connection_and_backup_role(store: Store) -> None:
    events = scenario({"flow": [flow(HOST, "45.76.12.27", 22, protocol="ssh",
                                     duration=2 * 3600)]})  # fmt: skip
    found = _run(store, "net_long_connection", events)
    assert len(found) == 1 and "2.0 h" in found[0].message
    s = Settings()
    s.network.host_roles = {HOST: "backup"}
    det = by_id("net_long_connection")
    assert isinstance(det, QueryDetection)
    assert det.run(DetectionContext(settings=s, store=store)) == []


def test_volume_outlier_names_the_recipient_and_respects_floor(store: Store) -> None:
    up = [flow(HOST, C2, 443, at=WHEN + dt.timedelta(hours=i), sent=300_000_000)
          for i in range(2)]  # fmt: skip
    found = _run(store, "net_volume_outlier", scenario({"flow": up}))
    assert len(found) == 1
    f = found[0]
    assert f.entities["bytes_sent"] >= 600_000_000 and f.entities["top_destination"] == C2
    assert "times its usual day" in f.message and C2 in f.message
    s = Settings()
    s.network.volume_min_bytes = 10 * 1024**3
    det = by_id("net_volume_outlier")
    assert isinstance(det, QueryDetection)
    assert det.run(DetectionContext(settings=s, store=store)) == []


def test_new_port_protocol_names_the_usual_ports(store: Store) -> None:
    events = scenario({"flow": [flow(HOST, "41.108.179.197", 1177, protocol="http")]})
    found = _run(store, "net_new_port_protocol", events)
    assert len(found) == 1
    assert "tcp/1177" in found[0].message and "tcp/443" in found[0].message
    assert "not on its registered port(s) 80" in found[0].message


def test_engine_writes_alerts_with_flow_evidence(store: Store) -> None:
    store.insert("flow", _beacon()["flow"])
    s = Settings()
    build_baselines(store, s)
    dets = [by_id(r) for r in ("net_beaconing", "net_new_destination")]
    summary = run_detections(DetectionContext(settings=s, store=store), dets)
    assert summary.errors == []
    assert summary.alerts["net_beaconing"] == 1
    rows = store.rows("SELECT * FROM alerts WHERE \"rule.id\" = 'net_beaconing'")
    ev = orjson.loads(rows[0]["evidence"])
    assert rows[0]["clause"] == "N3" and "T1071" in rows[0]["threat.technique.id"]
    assert ev[0]["kind"] == "flow" and ev[0]["source"].startswith("example-conn.log@")
    assert json.loads(rows[0]["entities"])["host_ip"] == HOST
