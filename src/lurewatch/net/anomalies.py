"""One vocabulary of network anomalies, whichever sensor saw them.

lurewatch's own packet analysis, Zeek (`conn_state`/`history`, `weird`, `analyzer`/`dpd`) and
Suricata (`anomaly` events, `app_proto` changes) name the same oddity differently. Every
`net_anomaly` row carries one of the names below in `anomaly.name` (and the sensor's own name
in `anomaly.sensor_name`), so an analyst filters and counts by one name across sensors.

N2 names are about flows (a packet that belongs to no established flow, state the TCP standard
forbids); N1 names are about protocols (a protocol where its port says another, or syntax and
structure its standard forbids).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Anomaly:
    name: str
    clause: str  # N1 or N2
    title: str
    severity: str  # low, medium, high: how much the anomaly alone says


_SPEC = (
    # -- N2: packets that belong to no established flow, or break TCP's state machine ----------
    ("tcp_no_handshake", "N2", "data or ACKs on a TCP connection whose handshake was never seen", "low"),
    ("tcp_synack_without_syn", "N2", "a SYN-ACK with no SYN before it", "medium"),
    ("tcp_rst_without_connection", "N2", "a RST for a connection that was never open", "low"),
    ("tcp_fin_without_connection", "N2", "a FIN for a connection that was never open", "medium"),
    ("tcp_data_after_close", "N2", "data after the connection was reset or closed", "medium"),
    ("tcp_syn_with_data", "N2", "a SYN that carries payload", "medium"),
    ("tcp_invalid_flags", "N2", "a flag combination TCP forbids (SYN+FIN, NULL, XMAS)", "high"),
    ("tcp_seq_jump", "N2", "a sequence number far outside the window", "low"),
    ("tcp_handshake_anomaly", "N2", "a handshake out of order or in the wrong direction", "low"),
    ("udp_reply_without_request", "N2", "a UDP reply with no request seen", "low"),
    ("icmp_reply_without_request", "N2", "an ICMP reply (echo reply, unreachable) with no request", "low"),
    ("ip_truncated", "N2", "an IP packet shorter than its headers say", "medium"),
    ("ip_fragment_anomaly", "N2", "overlapping, tiny or inconsistent IP fragments", "medium"),
    ("ip_header_anomaly", "N2", "an IP or transport header that breaks its standard", "medium"),
    ("arp_binding_change", "N2", "an IP address answered in ARP from a second MAC while the first held it", "medium"),
    ("nd_binding_change", "N2", "an IPv6 address advertised in Neighbor Discovery from a second MAC while the first held it", "medium"),
    # -- N1: a protocol where it does not belong, or breaking its own syntax -----------------
    ("protocol_port_mismatch", "N1", "a protocol on a port registered to another service", "medium"),
    ("port_protocol_unidentified", "N1", "a well-known port carrying a protocol that is not its own", "medium"),
    ("protocol_change", "N1", "the application protocol changed within one flow", "medium"),
    ("protocol_violation", "N1", "a protocol analyzer gave up on traffic that broke its protocol", "medium"),
    ("http_malformed", "N1", "an HTTP message that breaks RFC 9110/9112 syntax", "medium"),
    ("dns_malformed", "N1", "a DNS message that fails to parse or whose counts disagree", "medium"),
    ("tls_malformed", "N1", "a TLS record or handshake whose lengths or fields disagree", "medium"),
    ("smtp_malformed", "N1", "an SMTP exchange that breaks its protocol", "low"),
    ("protocol_malformed", "N1", "another protocol's message breaks its syntax", "low"),
    ("sensor_alert", "N1", "a sensor's signature or notice fired on the traffic", "medium"),
)  # fmt: skip

ANOMALIES: dict[str, Anomaly] = {n: Anomaly(n, c, t, s) for n, c, t, s in _SPEC}


def clause_of(name: str) -> str:
    """The clause of an anomaly name; names outside the vocabulary count as N1."""
    a = ANOMALIES.get(name)
    return a.clause if a else "N1"
