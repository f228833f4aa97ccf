"""Packets carried inside tunnels: the traffic to analyse is the one inside.

Captures of cloud and data-centre networks often hold nothing but tunnels: AWS VPC Traffic
Mirroring and Azure virtual network TAP deliver each mirrored frame inside VXLAN, Google
Cloud's packet mirroring and AWS Gateway Load Balancer inside Geneve, Cisco and Juniper port
mirroring across routers inside ERSPAN (GRE), and site-to-site links inside GRE or IP-in-IP.
Read as they arrive, such a capture is one UDP or GRE flow between two sensors, and every
conversation in it is lost. So, as Zeek and Suricata do, the frame or packet a tunnel carries
is taken out and analysed like any other; the tunnel itself stays a flow of its own, named by
its protocol, and each flow found inside names the tunnel it came through.

Recognised here (the outer packet's transport payload starts at `t`):

- VXLAN (RFC 7348), UDP port 4789: an 8-byte header with the I flag, then an Ethernet frame;
- Geneve (RFC 8926), UDP port 6081: an 8-byte header and its options, then an Ethernet
  frame or an IP packet as its protocol type says;
- GRE (RFC 2784, RFC 2890) version 0, IP protocol 47: IPv4, IPv6, Ethernet (transparent
  bridging, NVGRE), and ERSPAN types I, II and III, which carry Ethernet frames;
- IP in IP, IP protocols 4 (IPv4, RFC 2003) and 41 (IPv6, RFC 4213).

Anything else, or a header cut short, carries nothing lurewatch takes out: the packet counts
to the outer flow only.
"""

from __future__ import annotations

from typing import NamedTuple

from lurewatch.net.pcap.linktypes import ETHERNET, ETHERTYPE_IPV4, ETHERTYPE_IPV6, RAW

VXLAN_PORT = 4789
GENEVE_PORT = 6081
UDP_TUNNEL_PORTS = frozenset({VXLAN_PORT, GENEVE_PORT})
IP_TUNNEL_PROTOCOLS = frozenset({4, 41, 47})
MAX_DEPTH = 3  # tunnels inside tunnels taken out; a crafted packet could nest them for ever

TRANSPARENT_ETHERNET = 0x6558
ERSPAN_1_2 = 0x88BE
ERSPAN_3 = 0x22EB
# GRE flag bits (first 16 bits of the header): checksum, routing, key, sequence number
_C, _R, _K, _S = 0x8000, 0x4000, 0x2000, 0x1000

# What identifies the tunnel (the segment or session) each kind carries, for the flows inside.
KEY_NAMES = {"vxlan": "vni", "geneve": "vni", "gre": "key", "erspan": "session"}


class Inner(NamedTuple):
    kind: str  # vxlan, geneve, gre, erspan, ip-in-ip
    link: int  # ETHERNET or RAW (an IP packet, its version in the first nibble)
    offset: int  # where the inner frame or packet starts in the capture's buffer
    key: int | None  # VNI, GRE key or ERSPAN session, when the header has one


def _by_type(protocol: int) -> int:
    """The link type of what a GRE or Geneve protocol type carries; 0 for nothing we read."""
    if protocol == TRANSPARENT_ETHERNET:
        return ETHERNET
    if protocol in (ETHERTYPE_IPV4, ETHERTYPE_IPV6):
        return RAW
    return 0


def inner_frame(proto: int, data: bytes, t: int, stop: int) -> Inner | None:
    """The frame or packet a tunnel packet carries, or None when it is not one (or is cut short).

    `proto` is the outer IP protocol, `data[t:stop]` the outer transport header and payload as
    captured."""
    if proto == 17:
        if stop - t < 8:
            return None
        sport = (data[t] << 8) | data[t + 1]
        dport = (data[t + 2] << 8) | data[t + 3]
        port = dport if dport in UDP_TUNNEL_PORTS else sport
        if port == VXLAN_PORT:
            return _vxlan(data, t + 8, stop)
        if port == GENEVE_PORT:
            return _geneve(data, t + 8, stop)
        return None
    if proto == 47:
        return _gre(data, t, stop)
    if proto in (4, 41):
        return Inner("ip-in-ip", RAW, t, None) if stop - t >= 20 else None
    return None


def _vxlan(data: bytes, at: int, stop: int) -> Inner | None:
    if stop - at < 8 + 14 or not data[at] & 0x08:  # the I flag: a VNI is present
        return None
    return Inner("vxlan", ETHERNET, at + 8, int.from_bytes(data[at + 4 : at + 7], "big"))


def _geneve(data: bytes, at: int, stop: int) -> Inner | None:
    if stop - at < 8 or data[at] >> 6:  # version 0 is the only one defined
        return None
    start = at + 8 + (data[at] & 0x3F) * 4  # past the options
    link = _by_type((data[at + 2] << 8) | data[at + 3])
    if not link or stop - start < (14 if link == ETHERNET else 20):
        return None
    return Inner("geneve", link, start, int.from_bytes(data[at + 4 : at + 7], "big"))


def _gre(data: bytes, at: int, stop: int) -> Inner | None:
    if stop - at < 4:
        return None
    flags = (data[at] << 8) | data[at + 1]
    if flags & 7 or flags & _R:  # version 1 is PPTP's, carrying PPP; source routing is obsolete
        return None
    protocol = (data[at + 2] << 8) | data[at + 3]
    start = at + 4
    if flags & _C:
        start += 4  # checksum and reserved
    key = None
    if flags & _K:
        if stop - start < 4:
            return None
        key = int.from_bytes(data[start : start + 4], "big")
        start += 4
    if flags & _S:
        start += 4
    kind, link = "gre", _by_type(protocol)
    if protocol == ERSPAN_1_2:
        # Type II has a sequence number and an 8-byte header (its session in 10 bits); type I
        # has neither and the mirrored frame follows the GRE header at once.
        kind, link = "erspan", ETHERNET
        if flags & _S:
            if stop - start < 8:
                return None
            key = ((data[start + 2] & 0x03) << 8) | data[start + 3]
            start += 8
    elif protocol == ERSPAN_3:
        # A 12-byte header, and 8 bytes more of platform data when its last bit (O) is set.
        if stop - start < 12:
            return None
        kind, link = "erspan", ETHERNET
        key = ((data[start + 2] & 0x03) << 8) | data[start + 3]
        start += 12 + (8 if data[start + 11] & 1 else 0)
    if not link or stop - start < (14 if link == ETHERNET else 20):
        return None
    return Inner(kind, link, start, key)
