"""One bidirectional flow: its endpoints, counters, TCP endpoint states and findings.

A flow's key is `(proto, src, sport, dst, dport)` with the addresses as raw bytes: cheap to
build and hash for every packet; addresses become text only when the flow's row is written.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from lurewatch.net.ports import REGISTERED

if TYPE_CHECKING:
    from lurewatch.net.pcap.tunnels import Inner

FlowKey = tuple[int, bytes, int, bytes, int]

# Idle timeouts in seconds: a flow quiet for longer is finished and its row written.
TCP_IDLE = 300.0
TCP_CLOSED_IDLE = 10.0  # after FIN from both sides or a RST
UDP_IDLE = 60.0
ICMP_IDLE = 60.0
OTHER_IDLE = 60.0

# TCP endpoint states (the vocabulary Zeek's conn_state is defined over).
INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET = range(7)

TRANSPORT_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "ipv6-icmp", 132: "sctp", 47: "gre"}

# Ports that name a service although they are above 1023, for telling a reply from a request
# when the first packet of a flow is all there is to go on.
HIGH_SERVICE_PORTS = frozenset(
    {1194, 1433, 1812, 1813, 1900, 3306, 3389, 3478, 4500, 4789, 5060, 5353, 5355, 5432,
     6081, 8080, 8443}
) | frozenset(port for _, port in REGISTERED)  # fmt: skip


def is_service_port(port: int) -> bool:
    return 0 < port < 1024 or port in HIGH_SERVICE_PORTS


def looks_like_reply(sport: int, dport: int) -> bool:
    """A first packet from a service port to an ephemeral one: the reply of an unseen request."""
    return is_service_port(sport) and not is_service_port(dport)


_PORTS = struct.Struct("!HH")


def wire(src: bytes, sport: int, dst: bytes, dport: int) -> bytes:
    """IPv4 source and destination, then the TCP/UDP ports, as a packet carries them."""
    return src + dst + _PORTS.pack(sport, dport)


class Flow:
    __slots__ = (
        "okey",
        "rkey",
        "owire",
        "proto",
        "oip",
        "oport",
        "rip",
        "rport",
        "first",
        "last",
        "number",
        "opkts",
        "rpkts",
        "obytes",
        "rbytes",
        "hist",
        "seen",
        "ostate",
        "rstate",
        "onext",
        "rnext",
        "oisn",
        "risn",
        "ofin",
        "rfin",
        "orst",
        "rrst",
        "tcp_slow",
        "app",
        "app_open",
        "anomalies",
        "timeout",
        "tunnel",
        "carrier",
    )

    def __init__(
        self,
        proto: int,
        oip: bytes,
        oport: int,
        rip: bytes,
        rport: int,
        ts: float,
        number: int,
        timeout: float,
    ) -> None:
        self.okey = (proto, oip, oport, rip, rport)
        self.rkey = (proto, rip, rport, oip, oport)
        # An IPv4 TCP or UDP packet of the originator holds these 12 bytes as they are, at one
        # place (addresses, then ports): the packet loops find the flow by that slice alone.
        self.owire = wire(oip, oport, rip, rport) if len(oip) == 4 and proto in (6, 17) else b""
        self.proto = proto
        self.oip, self.oport, self.rip, self.rport = oip, oport, rip, rport
        self.first = self.last = ts
        self.number = number  # packet number of the first packet
        self.opkts = self.rpkts = self.obytes = self.rbytes = 0
        self.hist = ""
        self.seen = 0  # bit per history letter already written
        self.ostate = self.rstate = INACTIVE
        self.onext = self.rnext = -1  # next expected sequence number per direction
        self.oisn = self.risn = -1
        self.ofin = self.rfin = -1  # sequence number of each side's FIN
        self.orst = self.rrst = -1.0  # time of each side's RST
        self.tcp_slow = True  # handshake or teardown under way: every packet takes the slow path
        self.app: Any = None  # application-layer state (lurewatch.net.pcap.application)
        # directions whose payload is still inspected: 1 originator, 2 responder
        self.app_open = 3 if proto in (6, 17) else 0
        # anomaly name -> (packet number, time, detail, protocol seen); the first occurrence
        self.anomalies: dict[str, tuple[int, float, str, str | None]] = {}
        self.timeout = timeout
        self.tunnel: str | None = None  # the tunnel protocol, for a flow that carries others
        # (tunnel flow, what lurewatch.net.pcap.tunnels found) for a flow seen inside a tunnel
        self.carrier: tuple[Flow, Inner] | None = None

    def flag(
        self, name: str, number: int, ts: float, detail: str, protocol: str | None = None
    ) -> None:
        """Record a finding once per flow: the first packet that showed it is kept."""
        if name not in self.anomalies:
            self.anomalies[name] = (number, ts, detail, protocol)

    @property
    def transport(self) -> str:
        return TRANSPORT_NAMES.get(self.proto, str(self.proto))
