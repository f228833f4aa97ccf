"""Checks of the rarer header parts: IPv4 options, IPv6 extension headers, ICMP types.

Only packets that carry these reach this module, so it may be thorough rather than fast.
"""

from __future__ import annotations

from typing import NamedTuple

# IPv6 extension headers that are walked to reach the transport header.
HOP_BY_HOP, ROUTING, FRAGMENT, DEST_OPTS, AH, ESP, NO_NEXT, MOBILITY = (
    0,
    43,
    44,
    60,
    51,
    50,
    59,
    135,
)
EXTENSIONS = frozenset({HOP_BY_HOP, ROUTING, FRAGMENT, DEST_OPTS, AH, MOBILITY, 139, 140})
MAX_EXTENSIONS = 16

# ICMP message types in use (IANA registries); others are unassigned, reserved or experimental.
ICMP4_TYPES = frozenset({0, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 30, 40, 42, 43})
ICMP4_CODES = {0: 0, 3: 15, 5: 3, 8: 0, 9: 16, 10: 0, 11: 1, 12: 2, 13: 0, 14: 0, 42: 0}
ICMP6_TYPES = frozenset(
    {1, 2, 3, 4, 100, 101, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140}
    | set(range(141, 162))
    | {200, 201, 255}
)
# request type -> reply type; a flow is keyed by (type, counterpart) so both travel together
ICMP4_PAIRS = {8: 0, 13: 14, 15: 16, 17: 18, 10: 9, 42: 43}
ICMP6_PAIRS = {128: 129, 130: 131, 133: 134, 135: 136, 139: 140}
ICMP4_ERRORS = frozenset({3, 4, 5, 11, 12})
ICMP6_ERRORS = frozenset({1, 2, 3, 4})


def _counterparts(pairs: dict[int, int]) -> dict[int, int]:
    both = dict(pairs)
    both.update({reply: request for request, reply in pairs.items()})
    return both


ICMP4_COUNTERPART = _counterparts(ICMP4_PAIRS)
ICMP6_COUNTERPART = _counterparts(ICMP6_PAIRS)
# Replies that need no request before them: routers advertise themselves unasked and every few
# minutes (ICMP 9, ICMPv6 134), hosts announce a new address or MAC with unsolicited neighbour
# advertisements (136) and their multicast groups with listener reports (131), and the answers
# to solicitations sent to a multicast group come from addresses the solicitation did not name.
ICMP4_REPLIES = frozenset(ICMP4_PAIRS.values()) - {9}
ICMP6_REPLIES = frozenset(ICMP6_PAIRS.values()) - {131, 134, 136}


def ipv4_options_problem(options: bytes) -> str | None:
    """What is wrong with an IPv4 options field (RFC 791), or None."""
    pos, n = 0, len(options)
    while pos < n:
        kind = options[pos]
        if kind == 0:  # end of list: the rest is padding and must be zero
            if any(options[pos + 1 :]):
                return "IPv4 options carry non-zero bytes after the end-of-list option"
            return None
        if kind == 1:  # no-operation
            pos += 1
            continue
        if pos + 1 >= n:
            return f"IPv4 option {kind} has no length byte"
        length = options[pos + 1]
        if length < 2 or pos + length > n:
            return f"IPv4 option {kind} has invalid length {length}"
        pos += length
    return None


class V6Walk(NamedTuple):
    proto: int  # the transport protocol finally reached
    offset: int  # where its header starts
    fragment: tuple[int, bool, int] | None  # (byte offset, more fragments, identification)
    problem: str | None


def walk_ipv6(data: bytes, off: int, nxt: int, end: int) -> V6Walk:
    """Follow IPv6 extension headers from `off` (just after the fixed header) to the transport."""
    fragment = None
    problem = None
    count = 0
    while nxt in EXTENSIONS:
        if off + 8 > end:
            return V6Walk(
                nxt, off, fragment, problem or f"IPv6 extension header {nxt} is cut short"
            )
        count += 1
        if count > MAX_EXTENSIONS:
            return V6Walk(nxt, off, fragment, f"more than {MAX_EXTENSIONS} IPv6 extension headers")
        if nxt == HOP_BY_HOP and count > 1:
            problem = (
                problem or "IPv6 hop-by-hop options not directly after the IPv6 header (RFC 8200)"
            )
        following = data[off]
        if nxt == FRAGMENT:
            word = (data[off + 2] << 8) | data[off + 3]
            ident = int.from_bytes(data[off + 4 : off + 8], "big")
            fragment = ((word >> 3) * 8, bool(word & 1), ident)
            length = 8
        elif nxt == AH:
            length = (data[off + 1] + 2) * 4
        else:
            length = (data[off + 1] + 1) * 8
            if nxt == ROUTING and data[off + 2] == 0:
                problem = problem or "IPv6 routing header type 0, deprecated by RFC 5095"
        off += length
        nxt = following
    if off > end:
        problem = problem or "IPv6 extension headers run past the end of the packet"
    return V6Walk(nxt, off, fragment, problem)


def icmp_problem(v6: bool, icmp_type: int, code: int) -> str | None:
    """An ICMP type or code outside the registry, or None."""
    if v6:
        if icmp_type not in ICMP6_TYPES:
            return f"ICMPv6 type {icmp_type} is not an assigned message type"
        return None
    if icmp_type not in ICMP4_TYPES:
        return f"ICMP type {icmp_type} is not an assigned message type"
    highest = ICMP4_CODES.get(icmp_type)
    if highest is not None and code > highest:
        return f"ICMP type {icmp_type} has code {code}, which is not defined for it"
    return None
