"""The N3 flow baselines: what they learn from `flow` rows, per host and org-wide."""

from __future__ import annotations

import datetime as dt

from lurewatch.baselines.flows import build_flow_baselines
from lurewatch.config import Settings
from lurewatch.detections.examples_net import WHEN, flow
from lurewatch.store import Store

T0 = WHEN - dt.timedelta(days=10)


def _rows(store: Store, sql: str) -> list[dict]:  # type: ignore[type-arg]
    return store.rows(sql)


def test_destinations_by_address_and_name_internet_only(store: Store) -> None:
    store.insert(
        "flow",
        [
            flow("10.1.1.1", "142.250.74.78", 443, at=T0, protocol="ssl",
                 domain="WWW.Google.com.", sent=100),
            flow("10.1.1.1", "142.250.74.79", 443, at=T0 + dt.timedelta(hours=1),
                 protocol="ssl", domain="www.google.com", sent=50),
            flow("10.1.1.2", "142.250.74.78", 443, at=T0 + dt.timedelta(hours=2), sent=7),
            flow("10.1.1.1", "10.0.0.53", 53, at=T0, transport="udp", protocol="dns"),
            # An outside host connecting in is not what an internal host does.
            flow("203.0.113.9", "10.1.1.1", 22, at=T0),
        ],
    )  # fmt: skip
    assert build_flow_baselines(store, Settings()) > 0
    host = {
        (r["source.ip"], r["destination.key_type"], r["destination.key"]): r
        for r in _rows(store, "SELECT * FROM baseline_flow_destination "
                              "WHERE \"baseline.level\" = 'host'")
    }  # fmt: skip
    # The name is folded to lower case without the root dot; both addresses share it.
    name = host[("10.1.1.1", "domain", "www.google.com")]
    assert name["connections"] == 2 and name["source.bytes"] == 150
    assert name["first_seen"] == T0
    assert ("10.1.1.1", "ip", "142.250.74.79") in host
    assert not any(k[2] in ("10.0.0.53", "10.1.1.1") for k in host)  # internal: not learned
    org = {
        (r["destination.key_type"], r["destination.key"]): r
        for r in _rows(store, "SELECT * FROM baseline_flow_destination "
                              "WHERE \"baseline.level\" = 'org'")
    }  # fmt: skip
    assert org[("ip", "142.250.74.78")]["hosts"] == 2
    assert org[("domain", "www.google.com")]["hosts"] == 1


def test_services_per_host_fold_dynamic_ports_and_sensor_names(store: Store) -> None:
    store.insert(
        "flow",
        [
            flow("10.1.1.1", "8.8.8.8", 443, at=T0, protocol="ssl,http"),
            flow("10.1.1.1", "8.8.4.4", 443, at=T0 + dt.timedelta(minutes=1), protocol="tls"),
            flow("10.1.1.1", "10.0.0.9", 50123, at=T0),
            flow("10.1.1.1", "10.0.0.9", 61000, at=T0),
        ],
    )
    build_flow_baselines(store, Settings())
    rows = {
        (r["service.kind"], r["service.key"]): r
        for r in _rows(store, "SELECT * FROM baseline_flow_service")
    }
    assert set(rows) == {("port", "tcp/443"), ("protocol", "tls"), ("port", "tcp/dynamic")}
    assert rows[("protocol", "tls")]["connections"] == 2
    assert rows[("port", "tcp/443")]["destinations"] == 2
    assert rows[("port", "tcp/dynamic")]["connections"] == 2


def test_daily_volume_counts_internet_bytes_only(store: Store) -> None:
    store.insert(
        "flow",
        [
            flow("10.1.1.1", "8.8.8.8", 443, at=T0, sent=1000, received=10),
            flow("10.1.1.1", "9.9.9.9", 443, at=T0 + dt.timedelta(hours=2), sent=500),
            flow("10.1.1.1", "10.0.0.20", 445, at=T0, sent=999_999),
            flow("10.1.1.1", "8.8.8.8", 443, at=T0 + dt.timedelta(days=1), sent=3),
        ],
    )
    build_flow_baselines(store, Settings())
    days = _rows(store, 'SELECT * FROM baseline_flow_volume ORDER BY "day"')
    assert [d["source.bytes"] for d in days] == [1500, 3]
    assert days[0]["day"] == dt.datetime(T0.year, T0.month, T0.day)
    assert days[0]["destinations"] == 2 and days[0]["connections"] == 2


def test_no_flows_no_rows(store: Store) -> None:
    assert build_flow_baselines(store, Settings()) == 0
