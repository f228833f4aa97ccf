"""N3: an IP address taken over by a second machine in ARP, or in IPv6 Neighbor Discovery:
ARP and ND spoofing on the LAN.

The "gratuitous" traffic of AN1955: unsolicited ARP replies and announcements, or IPv6
neighbour and router advertisements, that give an address (most often the gateway's) to the
spoofer's MAC, so the LAN's traffic runs through it to be read or rewritten: credentials
captured, pages and downloads swapped for phishing ones. lurewatch's packet analysis keeps
every address's last MAC and reports an address claimed from a second MAC while the first
still held it (lurewatch.net.pcap.bindings). Zeek and Suricata log neither, so this needs
packet captures.
"""

from __future__ import annotations

from lurewatch.detections.anomaly_alerts import anomaly_groups
from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_anomalies import anomaly

RULE = "net_arp_spoofing"
NAMES = ("arp_binding_change", "nd_binding_change")
GATEWAY, VICTIM = "10.0.0.1", "10.0.0.23"
GATEWAY6, ALL_NODES = "fe80::1", "ff02::1"


def run(ctx: DetectionContext) -> list[Finding]:
    return anomaly_groups(ctx, RULE, NAMES)


def _taken_over(
    detail: str, name: str = "arp_binding_change", src: str = GATEWAY, dst: str = VICTIM
) -> dict[str, list[dict[str, object]]]:
    row = anomaly(name, detail, sensor="pcap", src=src, dst=dst)
    transport = "arp" if name == "arp_binding_change" else "ipv6-icmp"
    row.update({"network.transport": transport, "source.port": None, "destination.port": None})
    return {"net_anomaly": [row]}


DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="IP address taken over in ARP or IPv6 ND by another machine (ARP/ND spoofing)",
        clause="N3",
        techniques=("T1557.002", "T1040"),
        severity="medium",
        evidence_kinds=("net_anomaly",),
        requires=("net_anomaly",),
        description="ARP or IPv6 Neighbor Discovery in a packet capture gives an IP address "
        "to a second hardware (MAC) address while the first still held it (seen within the "
        "last 10 minutes): an ARP reply or gratuitous announcement, or a neighbour or router "
        "advertisement, that moves the address. One alert per address, destination and day; "
        "the evidence names both MACs.",
        false_positives="High-availability pairs that fail over by moving an address with "
        "gratuitous ARP from the new node's own MAC (keepalived without a virtual MAC, "
        "Windows failover clusters), and a laptop moving between a dock and Wi-Fi with a "
        "static address. VRRP and HSRP keep one virtual MAC and do not fire.",
        playbook="Compare both MACs with the switch's MAC table and the DHCP leases: which "
        "port and which device does each belong to? If the address is the gateway's or a "
        "server's and the new MAC belongs to a workstation, isolate that workstation and look "
        "for spoofing tools (arpspoof, ettercap, bettercap, Responder, parasite6, fake_router6); "
        "check the hosts whose "
        "traffic it received for credential entry and downloads during the window. Enable "
        "Dynamic ARP Inspection, and RA Guard and ND inspection for IPv6, on the switch.",
        run=run,
        examples=(
            Example(
                "the gateway's address answered from a second MAC",
                True,
                _taken_over(
                    "ARP reply gives 10.0.0.1 to 02:00:00:00:00:66, 4 s after "
                    "02:00:00:00:00:01 held it"
                ),
            ),
            Example(
                "the IPv6 gateway's address advertised from a second MAC",
                True,
                _taken_over(
                    "neighbour advertisement gives fe80::1 to 02:00:00:00:00:66, 2 s after "
                    "02:00:00:00:00:01 held it",
                    "nd_binding_change",
                    GATEWAY6,
                    ALL_NODES,
                ),
            ),
            Example(
                "packets outside any flow are not ARP spoofing",
                False,
                {"net_anomaly": [anomaly("tcp_invalid_flags", "SYN+FIN", sensor="pcap")]},
            ),
        ),
    )
]
