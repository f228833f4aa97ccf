"""Example events for N1/N2 detections: `net_anomaly` rows as the sensors' readers write them.

Hosts: 10.1.2.30 is an employee's workstation, 203.0.113.7 a server on the internet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lurewatch.detections.examples import blank_row
from lurewatch.ids import event_id
from lurewatch.net.anomalies import clause_of

T0 = dt.datetime(2026, 3, 16, 15, 0)
WORKSTATION = "10.1.2.30"
SERVER = "203.0.113.7"


def anomaly(
    name: str,
    detail: str,
    sensor: str = "zeek",
    src: str = WORKSTATION,
    dst: str = SERVER,
    dport: int = 80,
    at: dt.datetime = T0,
    flow: str = "CExample1",
    protocol: str | None = None,
    expected: str | None = None,
    transport: str = "tcp",
) -> dict[str, Any]:
    """A `net_anomaly` row."""
    row = blank_row("net_anomaly")
    row.update(
        {
            "@timestamp": at,
            "log.file.path": f"example-{sensor}.log",
            "log.offset": 7,
            "observer.type": sensor,
            "flow.id": flow,
            "network.transport": transport,
            "source.ip": src,
            "source.port": 51234,
            "destination.ip": dst,
            "destination.port": dport,
            "anomaly.name": name,
            "anomaly.clause": clause_of(name),
            "anomaly.sensor_name": f"{sensor}:{name}",
            "anomaly.detail": detail,
            "network.protocol": protocol,
            "anomaly.expected_protocol": expected,
        }
    )
    row["event.id"] = event_id(
        "net_anomaly", "example", repr(sorted((k, str(v)) for k, v in row.items()))
    )
    return row
