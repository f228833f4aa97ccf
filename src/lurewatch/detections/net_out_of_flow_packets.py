"""N2: packets that belong to no established flow, or break TCP's state machine.

Data with no handshake, SYN-ACKs nobody asked for, lone RSTs and FINs, SYN+FIN and XMAS
flags, data after a reset, UDP answers with no question, truncated and overlapping IP
fragments. Scanners (FIN/XMAS/NULL scans), backscatter from spoofed floods, firewall
evasion and covert channels all look like this. A capture that starts mid-connection or
loses packets does too, which is why the alert counts and names the sensors, and its
severity rises only when independent sensors agree.
"""

from __future__ import annotations

from lurewatch.detections.anomaly_alerts import anomaly_groups
from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_anomalies import anomaly
from lurewatch.detections.net_arp_spoofing import NAMES as ARP_SPOOFING_NAMES
from lurewatch.net.anomalies import ANOMALIES

# (ARP taken over by a second machine has a rule of its own: net_arp_spoofing.)
NAMES = tuple(n for n, a in ANOMALIES.items() if a.clause == "N2" and n not in ARP_SPOOFING_NAMES)
# Anomalies that capture loss and idle-timeout resumptions also produce: one alert per source
# and day, so a sensor's blind spots do not become an alert per destination.
PER_SOURCE = tuple(n for n in NAMES if ANOMALIES[n].severity == "low")

RULE = "net_out_of_flow_packets"


def run(ctx: DetectionContext) -> list[Finding]:
    return anomaly_groups(ctx, RULE, NAMES, by_source=PER_SOURCE)


DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="Packets outside any established flow or against TCP's state machine",
        clause="N2",
        techniques=("T1205", "T1046", "T1095"),
        severity="low",
        evidence_kinds=("net_anomaly", "flow"),
        requires=("net_anomaly",),
        description="TCP and UDP traffic that no established flow explains, found by "
        "lurewatch's TCP state tracker over packet captures, by Zeek's connection states and "
        "histories (OTH, SYN-ACK without SYN, lone RST/FIN, Q/I flags) and weirds, and by "
        "Suricata's stream and decoder events. One alert per anomaly, host pair, port and day "
        "(per source host and day for the anomalies capture loss also produces); "
        "the severity follows the anomaly (forbidden flag combinations are high) and rises one "
        "step when two sensors report the same thing.",
        false_positives="Captures that begin in the middle of long connections, packet loss "
        "and asymmetric routing (one direction not captured), stateful firewalls resetting "
        "idle connections, and vulnerability scanners (declare their addresses as scanner "
        "hosts).",
        playbook="Check whether the source is a known scanner or monitoring host; look for "
        "the same source across many destinations (a scan) or one destination receiving "
        "unsolicited SYN-ACKs (backscatter of a spoofed flood); for flag anomalies from an "
        "internal host, find the process that crafts raw packets.",
        run=run,
        examples=(
            Example(
                "XMAS packet",
                True,
                {
                    "net_anomaly": [
                        anomaly(
                            "tcp_invalid_flags",
                            "FIN+PSH+URG (XMAS) packet",
                            sensor="pcap",
                            dport=22,
                        )
                    ]
                },
            ),
            Example(
                "mid-stream data seen by two sensors",
                True,
                {
                    "net_anomaly": [
                        anomaly("tcp_no_handshake", "data with no handshake", sensor="zeek"),
                        anomaly("tcp_no_handshake", "data with no handshake", sensor="pcap"),
                    ]
                },
            ),
            Example(
                "a protocol anomaly is not a flow anomaly",
                False,
                {"net_anomaly": [anomaly("http_malformed", "bare LF line ends")]},
            ),
        ),
    )
]
