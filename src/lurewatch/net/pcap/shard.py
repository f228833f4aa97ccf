"""Splitting the analysis of one capture between processes, by pair of IP addresses.

Each of `parts` readers walks every record of the file (cheap) but analyses only the packets
whose pair it owns (the costly part), so a large capture is analysed on every core. A flow's
packets, both ways, share its two addresses and so its reader; so do the fragments of its
datagrams. An ICMP error goes to the reader of the conversation it quotes, which is where the
check of errors about packets never seen can look for it. Frames that carry no IP go to the
first reader, as does whatever is too short to tell, and so does IPv6 Neighbor Discovery: the
reader that sees ARP sees every address's claims (lurewatch.net.pcap.bindings).

Where the result differs from a single reader's, and why it is left so:
- ICMP errors of one type and code that one router sends one host (a traceroute to several
  destinations, say) about conversations of different readers are counted as one ICMP flow
  per reader: the same packets, in more flow rows. Sending them with their own addresses
  instead would keep that flow whole but make the check of errors about unseen packets look
  in the wrong table, and raise false alarms.
- A fragmented ICMP error goes by its own addresses, as its later fragments (which hold no
  ICMP header) must; the check of the packet it quotes may then miss the flow. ICMP errors
  are small enough never to be fragmented in practice.
- Each reader keeps its own cap on findings that belong to no flow.
- A tunnel's packet goes by the addresses of the packet inside it (lurewatch.net.pcap.tunnels):
  a conversation mirrored from two places (its two directions through two tunnels, as ERSPAN
  from two switches delivers them) stays whole in one reader. The tunnel's own flow is then
  counted per reader, in more flow rows.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from lurewatch.net.pcap.headers import walk_ipv6
from lurewatch.net.pcap.linktypes import ip_start
from lurewatch.net.pcap.ndp import MESSAGES as ND_MESSAGES
from lurewatch.net.pcap.tunnels import IP_TUNNEL_PROTOCOLS, MAX_DEPTH, inner_frame

# The bytes of an Ethernet frame that decide the share of a plain TCP or UDP packet over IPv4
# (the common case of pair_of, read in one unpack by the packet loops): the Ethernet type, the
# IP version and header length, the protocol, the last bytes of the two addresses, and the
# two ports. The loops take the addresses' bytes as the pair for type 0x0800, header 0x45,
# TCP, or UDP with neither port a tunnel's (UDP_TUNNEL_PORTS); anything else goes to pair_of,
# which opens tunnels as the Dissector does.
ETHER_PAIR = struct.Struct("!12xBBB8xB5xB3xBHH")
_ICMP4_ERRORS = frozenset({3, 4, 5, 11, 12})  # unreachable, quench, redirect, time, parameter
_ICMP6_ERRORS = frozenset({1, 2, 3, 4})


class Shard(NamedTuple):
    part: int  # this reader's share, 0 .. parts - 1
    parts: int


def pair_of(data: bytes, base: int, caplen: int, link: int, depth: int = 0) -> int:
    """A number that is the same for every packet between two addresses, whichever way it
    goes, and for the ICMP errors that quote them; 0 for a frame without an IP header. A
    tunnel's packet has the number of the packet inside, as the Dissector opens it.
    (The XOR of the addresses' last bytes: the bytes that vary most between hosts.)"""
    end = base + caplen
    version, off, _ = ip_start(link, data, base, end)
    if version == 4 and off + 20 <= end:
        a, b = data[off + 15], data[off + 19]
        vhl = data[off]
        proto = data[off + 9]
        if (
            (proto == 17 or proto in IP_TUNNEL_PROTOCOLS)
            and depth < MAX_DEPTH
            and vhl >> 4 == 4
            and vhl & 15 >= 5
            and not (data[off + 6] & 0x3F or data[off + 7])  # a fragment is not opened
        ):
            # Where the IP packet ends, as the Dissector has it (a length below the header's
            # own is not believed: the frame's end is).
            total = (data[off + 2] << 8) | data[off + 3]
            stop = end if total < (vhl & 15) * 4 else min(end, off + total)
            inner = inner_frame(proto, data, off + (vhl & 15) * 4, stop)
            if inner is not None:
                return pair_of(data, inner.offset, stop - inner.offset, inner.link, depth + 1)
        # A well-formed ICMP header, not fragmented: every fragment of a datagram must go
        # where the first goes (a malformed header is judged by the addresses alone).
        if (
            data[off + 9] == 1
            and vhl >> 4 == 4
            and vhl & 15 >= 5
            and not (data[off + 6] & 0x3F or data[off + 7])
        ):
            icmp = off + (vhl & 15) * 4
            quoted = icmp + 8
            if quoted + 20 <= end and data[icmp] in _ICMP4_ERRORS:
                a, b = data[quoted + 15], data[quoted + 19]
        return a ^ b
    if version == 6 and off + 40 <= end:
        a, b = data[off + 23], data[off + 39]
        walk = walk_ipv6(data, off + 40, data[off + 6], end)  # past any extension headers
        if (
            (walk.proto == 17 or walk.proto in IP_TUNNEL_PROTOCOLS)
            and depth < MAX_DEPTH
            and walk.fragment is None
        ):
            stop = min(end, off + 40 + ((data[off + 4] << 8) | data[off + 5]))
            inner = inner_frame(walk.proto, data, walk.offset, stop)
            if inner is not None:
                return pair_of(data, inner.offset, stop - inner.offset, inner.link, depth + 1)
        icmp = walk.offset
        quoted = icmp + 8
        if walk.proto == 58 and walk.fragment is None and icmp < end:
            if data[icmp] in ND_MESSAGES:
                return 0
            if quoted + 40 <= end and data[icmp] in _ICMP6_ERRORS:
                a, b = data[quoted + 23], data[quoted + 39]
        return a ^ b
    return 0
