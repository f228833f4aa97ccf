"""Where the IP packet starts inside a frame, for each link type lurewatch reads.

Link-type numbers are the tcpdump.org LINKTYPE_ values (pcap and pcapng share them).
"""

from __future__ import annotations

ETHERNET = 1
NULL = 0  # BSD loopback: a 4-byte address family in the capturing host's byte order
LOOP = 108  # OpenBSD loopback: the same family, always big-endian
RAW = 101  # raw IP, version from the first nibble
RAW_BSD = (12, 14)  # DLT_RAW as some BSDs number it
IPV4 = 228
IPV6 = 229
LINUX_SLL = 113
LINUX_SLL2 = 276

SUPPORTED_LINK_TYPES = frozenset(
    {ETHERNET, NULL, LOOP, RAW, *RAW_BSD, IPV4, IPV6, LINUX_SLL, LINUX_SLL2}
)

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
VLAN_TAGS = frozenset({0x8100, 0x88A8, 0x9100, 0x9200})  # 802.1Q, 802.1ad (QinQ), legacy QinQ
MAX_VLAN_TAGS = 4

# Headers between Ethernet and IP on provider and access links: an MPLS label stack (unicast,
# multicast), PPPoE's session header with PPP's protocol field (RFC 2516).
MPLS = frozenset({0x8847, 0x8848})
MAX_MPLS_LABELS = 8
PPPOE_SESSION = 0x8864
PPP_IPV4, PPP_IPV6 = 0x0021, 0x0057

# Address families that mean IPv6 on loopback captures (BSD, FreeBSD, Darwin and Linux values).
AF_INET6_VALUES = frozenset({10, 24, 28, 30})


def _ethertype_version(ethertype: int) -> int:
    if ethertype == ETHERTYPE_IPV4:
        return 4
    if ethertype == ETHERTYPE_IPV6:
        return 6
    return 0


def _carried(ethertype: int, data: bytes, off: int, end: int) -> tuple[int, int, int]:
    """The IP packet under an MPLS label stack or a PPPoE session header, as `ip_start`."""
    if ethertype == PPPOE_SESSION:
        if end - off < 8:
            return 0, off, ethertype
        protocol, start = (data[off + 6] << 8) | data[off + 7], off + 8
        if data[off + 6] & 1:  # the protocol field compressed to its odd low byte (RFC 1661)
            protocol, start = data[off + 6], off + 7
        version = 4 if protocol == PPP_IPV4 else 6 if protocol == PPP_IPV6 else 0
        return version, start, ethertype
    for _ in range(MAX_MPLS_LABELS):
        if end - off < 4:
            return 0, off, ethertype
        bottom = data[off + 2] & 1
        off += 4
        if bottom:
            # MPLS does not say what it carries; an IP header says so in its first nibble
            # (a pseudowire's control word starts with 0 and is left uncounted as IP).
            version = data[off] >> 4 if off < end else 0
            return (version if version in (4, 6) else 0), off, ethertype
    return 0, off, ethertype


def ip_start(link: int, data: bytes, base: int, end: int) -> tuple[int, int, int]:
    """(IP version 4 or 6, or 0 for non-IP; offset of the IP header in `data`; ethertype or
    address family) for the frame `data[base:end]`.

    The third value says what the frame carried when it is not IP, for counting.
    """
    n = end - base
    if link == ETHERNET:
        if n < 14:
            return 0, base, -1
        ethertype = (data[base + 12] << 8) | data[base + 13]
        off = base + 14
        tags = 0
        while ethertype in VLAN_TAGS and tags < MAX_VLAN_TAGS and off + 4 <= end:
            ethertype = (data[off + 2] << 8) | data[off + 3]
            off += 4
            tags += 1
        if ethertype in MPLS or ethertype == PPPOE_SESSION:
            return _carried(ethertype, data, off, end)
        return _ethertype_version(ethertype), off, ethertype
    if link == RAW or link in RAW_BSD:
        if not n:
            return 0, base, -1
        version = data[base] >> 4
        return (version if version in (4, 6) else 0), base, version
    if link == IPV4:
        return 4, base, 4
    if link == IPV6:
        return 6, base, 6
    if link == LINUX_SLL:
        if n < 16:
            return 0, base, -1
        ethertype = (data[base + 14] << 8) | data[base + 15]
        return _ethertype_version(ethertype), base + 16, ethertype
    if link == LINUX_SLL2:
        if n < 20:
            return 0, base, -1
        ethertype = (data[base] << 8) | data[base + 1]
        return _ethertype_version(ethertype), base + 20, ethertype
    if link in (NULL, LOOP):
        if n < 4:
            return 0, base, -1
        raw = data[base : base + 4]
        family = int.from_bytes(raw, "big" if link == LOOP else "little")
        if link == NULL and family > 0xFFFF:  # written by a big-endian host
            family = int.from_bytes(raw, "big")
        if family == 2:
            return 4, base + 4, family
        return (6 if family in AF_INET6_VALUES else 0), base + 4, family
    return 0, base, -1
