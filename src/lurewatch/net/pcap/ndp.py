"""IPv6 Neighbor Discovery (RFC 4861) that moves an address to another machine, or that comes
from off the link: ND spoofing, the IPv6 counterpart of ARP spoofing.

IPv6 hosts learn which hardware (MAC) address holds an IPv6 address from Neighbor Discovery:
a neighbour solicitation (ICMPv6 type 135) carries the asker's MAC, a neighbour advertisement
(136) the MAC of the address it answers for, a router advertisement (134) the router's. Hosts
believe unsolicited advertisements, so spoofing tools (parasite6, bettercap's ndp.spoof,
fake_router6) take over the gateway's or a victim's address as ARP spoofing does, and the
traffic runs through them. lurewatch reports an address advertised from a second MAC while
the first still held it (lurewatch.net.pcap.bindings).

What breaks the standard is reported as malformed: a hop limit other than 255 (only a node on
the link can send 255, so a lower one crossed a router and hosts must drop the message: a
broken stack, or an attempt from afar), an option of length zero (hosts must drop the
message), a message shorter than its fixed part.
"""

from __future__ import annotations

from typing import NamedTuple

from lurewatch.net.pcap.bindings import AddressBindings, mac_text
from lurewatch.net.pcap.rows import ip_text

# ICMPv6 type -> (name, offset of its options from the ICMPv6 header)
MESSAGES = {
    133: ("router solicitation", 8),
    134: ("router advertisement", 16),
    135: ("neighbour solicitation", 24),
    136: ("neighbour advertisement", 24),
    137: ("redirect", 40),
}
SOURCE_LINK_LAYER, TARGET_LINK_LAYER = 1, 2
_UNSPECIFIED = bytes(16)


class Finding(NamedTuple):
    name: str  # in lurewatch.net.anomalies
    address: bytes | None  # the IPv6 address that moved (None: the message broke the standard)
    detail: str


def nd_message(
    bindings: AddressBindings,
    data: bytes,
    t: int,
    end: int,
    cut: bool,
    hop_limit: int,
    frame_mac: bytes,
    src: bytes,
    ts: float,
) -> Finding | None:
    """Judge the ND message from `src` whose ICMPv6 header is at `t` (readable to `end`;
    `cut`: the capture's snap length cut it; `frame_mac`: the MAC that sent its frame, b""
    when the link names none); a finding, or None.

    Two claims are judged: the frame's sender holds the message's source address (so a router
    advertisement sent in the router's name from another machine, as kill_router6 does, moves
    the address even without a link-layer option), and the link-layer option's MAC holds the
    address the message is about (a neighbour advertisement's target, else the source)."""
    itype = data[t]
    what, options = MESSAGES[itype]
    if hop_limit != 255:
        return Finding(
            "protocol_malformed",
            None,
            f"Neighbor Discovery {what} with hop limit {hop_limit}, not 255: it crossed a router, "
            "and hosts drop it (RFC 4861)",
        )
    o = t + options
    if o > end:
        return None if cut else Finding(
            "protocol_malformed", None,
            f"Neighbor Discovery {what} of {end - t} bytes, shorter than its {options}-byte fixed part",
        )  # fmt: skip
    mac = None
    wanted = TARGET_LINK_LAYER if itype == 136 else SOURCE_LINK_LAYER
    while o + 2 <= end:
        kind, length = data[o], data[o + 1]
        if length == 0:
            return Finding(
                "protocol_malformed",
                None,
                f"Neighbor Discovery {what} with an option (type {kind}) of length zero, which "
                "hosts drop (RFC 4861)",
            )
        if kind == wanted and length == 1 and o + 8 <= end:
            mac = data[o + 2 : o + 8]
        o += length * 8
    claims = []
    # (a source of :: is duplicate address detection: the sender claims no address yet)
    if frame_mac and src != _UNSPECIFIED:
        claims.append((src, frame_mac, f"{what} from {ip_text(src)} sent by"))
    if mac is not None and itype != 137:  # (a redirect's option names another host's MAC)
        address = data[t + 8 : t + 24] if itype == 136 else src
        if address != _UNSPECIFIED:
            claims.append((address, mac, f"{what} gives {ip_text(address)} to"))
    found = None
    for address, claimed, how in claims:
        held = bindings.claim(address, claimed, ts)
        if held is not None and found is None:
            detail = (
                f"{how} {mac_text(claimed)}, {ts - held[1]:.0f} s after {mac_text(held[0])} held it"
            )
            found = Finding("nd_binding_change", address, detail)
    return found
