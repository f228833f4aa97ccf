"""N1: a network sensor's own signature or notice fired on the traffic.

Suricata alerts and Zeek notices (scans, invalid certificates, protocols found on odd ports)
are the sensors' verdicts; lurewatch groups them per host pair and day beside its own
findings, so an analyst pivots from one place and sees where they agree.
"""

from __future__ import annotations

from lurewatch.detections.anomaly_alerts import anomaly_groups
from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_anomalies import anomaly

RULE = "net_sensor_alert"


def run(ctx: DetectionContext) -> list[Finding]:
    return anomaly_groups(ctx, RULE, ("sensor_alert",))


DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="Network sensor signature or notice",
        clause="N1",
        techniques=("T1071",),
        severity="medium",
        evidence_kinds=("net_anomaly",),
        requires=("net_anomaly",),
        description="Suricata `alert` events and Zeek `notice.log` entries, grouped per "
        "signature host pair, port and day, with the signature or notice named in the message.",
        false_positives="Whatever the sensor's rules produce: noisy signatures should be "
        "tuned or suppressed in the sensor.",
        playbook="Read the signature; follow the sensor's own documentation for it; pivot to "
        "the listed connection ids and to the source host's processes at that time.",
        run=run,
        examples=(
            Example(
                "Zeek notice of HTTP on an odd port",
                True,
                {
                    "net_anomaly": [
                        anomaly(
                            "sensor_alert",
                            "Zeek notice ProtocolDetector::Protocol_Found: HTTP on port 8008/tcp",
                            dport=8008,
                        )
                    ]
                },
            ),
            Example(
                "no notices",
                False,
                {"net_anomaly": [anomaly("tcp_rst_without_connection", "a lone RST")]},
            ),
        ),
    )
]
