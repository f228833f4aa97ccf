"""ARP that moves an address to another machine: the gratuitous traffic of ARP spoofing.

A host on a LAN learns which hardware (MAC) address holds an IP address from ARP (RFC 826),
and believes any reply or unsolicited announcement ("gratuitous ARP") it receives. Spoofing
tools (arpspoof, ettercap, bettercap) exploit that: they announce the gateway's address, or a
victim's, from their own MAC, and the traffic flows through them, to be read or rewritten
(credentials captured, pages and downloads swapped for phishing ones).

lurewatch reports an address answered from a second MAC while the first still held it
(lurewatch.net.pcap.bindings). Probes (sender address 0.0.0.0, RFC 5227) bind nothing.

An Ethernet/IPv4 ARP message whose address lengths are not 6 and 4, or that is shorter than
its lengths say, breaks RFC 826 and is reported as malformed.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from lurewatch.net.pcap.bindings import AddressBindings, mac_text
from lurewatch.net.pcap.rows import ip_text

ETHERTYPE_ARP = 0x0806

HEAD = struct.Struct("!HHBBH")  # hardware type, protocol type, their lengths, operation
BODY = struct.Struct("!6s4s6s4s")  # sender MAC and IP, target MAC and IP (Ethernet, IPv4)
_OPERATIONS = {1: "request", 2: "reply"}
_NO_IP = bytes(4)


class Finding(NamedTuple):
    name: str  # in lurewatch.net.anomalies
    sender: bytes | None  # the IP address the message is about (its sender's); None: unread
    target: bytes | None
    detail: str


class ArpWatch:
    """ARP messages judged against the LAN's address bindings."""

    def __init__(self, bindings: AddressBindings) -> None:
        self.bindings = bindings

    def message(self, data: bytes, off: int, fend: int, cut: bool, ts: float) -> Finding | None:
        """Judge the ARP message at `data[off:fend]`; a finding, or None."""
        if fend - off < HEAD.size:
            # (an empty one breaks 802.3 first, and is reported as such: lurewatch.net.pcap.frames)
            return None if cut or fend == off else Finding(
                "protocol_malformed", None, None,
                f"ARP message of {fend - off} bytes, shorter than its 8-byte header (RFC 826)",
            )  # fmt: skip
        htype, ptype, hlen, plen, op = HEAD.unpack_from(data, off)
        if htype != 1 or ptype != 0x0800:
            return None  # another network or protocol: not read
        if hlen != 6 or plen != 4:
            return Finding(
                "protocol_malformed",
                None,
                None,
                f"ARP for Ethernet and IPv4 with address lengths {hlen} and {plen}, not 6 and 4 "
                "(RFC 826)",
            )
        if fend - off < HEAD.size + BODY.size:
            return None if cut else Finding(
                "protocol_malformed", None, None,
                f"ARP message of {fend - off} bytes, shorter than the 28 its lengths need",
            )  # fmt: skip
        sha, spa, _, tpa = BODY.unpack_from(data, off + HEAD.size)
        if spa == _NO_IP:
            return None  # a probe: the sender claims no address yet
        held = self.bindings.claim(spa, sha, ts)
        if held is None:
            return None
        what = "announcement" if tpa == spa else _OPERATIONS.get(op, f"operation {op}")
        return Finding(
            "arp_binding_change",
            spa,
            tpa,
            f"ARP {what} gives {ip_text(spa)} to {mac_text(sha)}, {ts - held[1]:.0f} s after "
            f"{mac_text(held[0])} held it",
        )
