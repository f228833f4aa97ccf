"""N1: messages that break their protocol's syntax or structure.

HTTP request lines and headers outside RFC 9112, DNS messages whose counts disagree with
their sections, TLS records whose lengths lie, SMTP commands without CRLF, and analyzers
that gave up on a connection (Zeek analyzer/dpd violations, Suricata app-layer events).
Hand-written clients, tunnels inside DNS or HTTP, and exploit attempts break syntax that
browsers and mail servers never break.
"""

from __future__ import annotations

from lurewatch.detections.anomaly_alerts import anomaly_groups
from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_anomalies import anomaly

NAMES = (
    "http_malformed",
    "dns_malformed",
    "tls_malformed",
    "smtp_malformed",
    "protocol_malformed",
    "protocol_violation",
)

RULE = "net_malformed_protocol"


def run(ctx: DetectionContext) -> list[Finding]:
    return anomaly_groups(ctx, RULE, NAMES)


DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="Protocol message with anomalous syntax or structure",
        clause="N1",
        techniques=("T1071", "T1572", "T1001"),
        severity="medium",
        evidence_kinds=("net_anomaly",),
        requires=("net_anomaly",),
        description="A protocol message that breaks its standard, as found by lurewatch's own "
        "structure checks (HTTP per RFC 9110/9112, DNS section counts and names, TLS record and "
        "handshake lengths, SMTP and SSH syntax) or reported by Zeek (weird, analyzer/dpd) or "
        "Suricata (app-layer anomaly events). One alert per anomaly, host pair, port and day.",
        false_positives="Old or embedded HTTP clients (bare LF line ends), IoT devices, "
        "vulnerability scanners and fuzzers, middleboxes that rewrite headers.",
        playbook="Read the quoted details; look at the payload in the capture or the sensor's "
        "log for the connection ids listed; find the process behind it on the source host; "
        "treat DNS or HTTP structure anomalies toward one external host as possible tunnelling.",
        run=run,
        examples=(
            Example(
                "malformed DNS answer",
                True,
                {
                    "net_anomaly": [
                        anomaly(
                            "dns_malformed",
                            "answer count 3 but 1 answer present",
                            dport=53,
                            transport="udp",
                        )
                    ]
                },
            ),
            Example(
                "Zeek analyzer violation",
                True,
                {
                    "net_anomaly": [
                        anomaly("protocol_violation", "the HTTP analyzer gave up: not a request")
                    ]
                },
            ),
            Example(
                "a flow anomaly is not a syntax problem",
                False,
                {"net_anomaly": [anomaly("tcp_no_handshake", "data with no handshake")]},
            ),
        ),
    )
]
