"""N1: a protocol on a port registered to another, a well-known port carrying something that
is not its protocol, or a protocol that changes inside one connection.

SSH on tcp/80, plain HTTP on tcp/443 or a C2 protocol on a web port is how tools slip through
egress rules that trust port numbers (T1571 Non-Standard Port, T1205 protocol tunnelling
tricks). The sensors' readers name both protocols; this groups their findings per host pair
and day.
"""

from __future__ import annotations

from lurewatch.detections.anomaly_alerts import anomaly_groups
from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_anomalies import anomaly

NAMES = ("protocol_port_mismatch", "port_protocol_unidentified", "protocol_change")

RULE = "net_protocol_port_mismatch"


def run(ctx: DetectionContext) -> list[Finding]:
    return anomaly_groups(ctx, RULE, NAMES)


DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="Protocol on a port registered to another protocol",
        clause="N1",
        techniques=("T1571", "T1071"),
        severity="medium",
        evidence_kinds=("net_anomaly", "flow"),
        requires=("net_anomaly",),
        description="Traffic whose application protocol, recognised from its payload by "
        "lurewatch's packet analysis or by Zeek/Suricata analyzers, is not the protocol its "
        "server port is registered to (SSH on tcp/80, HTTP on tcp/443), a registered port whose "
        "two-way conversation no analyzer recognised, or a connection whose protocol changed "
        "(HTTP then SSH). STARTTLS, FTP AUTH TLS and HTTP CONNECT tunnels are normal upgrades "
        "and are not reported.",
        false_positives="Proxies and load balancers that multiplex protocols on 443 (sslh), "
        "VPNs over tcp/443, development servers on 8080 speaking TLS, and capture loss that "
        "hides the start of a conversation.",
        playbook="Identify the process behind the source port on the source host (Sysmon EID 3 "
        "at that time); check the destination's reputation and who else talks to it; if the "
        "protocol hides remote access (SSH, RDP, a C2 framework), isolate the host.",
        run=run,
        examples=(
            Example(
                "SSH on the HTTP port",
                True,
                {
                    "net_anomaly": [
                        anomaly(
                            "protocol_port_mismatch",
                            "SSH on tcp/80, registered to HTTP",
                            sensor="pcap",
                            protocol="ssh",
                            expected="http",
                        )
                    ]
                },
            ),
            Example(
                "HTTP then SSH in one connection",
                True,
                {
                    "net_anomaly": [
                        anomaly(
                            "protocol_change",
                            "the protocol changed within the connection: HTTP then SSH",
                            protocol="http,ssh",
                        )
                    ]
                },
            ),
            Example(
                "only a malformed HTTP request",
                False,
                {"net_anomaly": [anomaly("http_malformed", "request line with two spaces")]},
            ),
        ),
    )
]
