"""The organization's trust boundary in a message's Received chain.

Everything a relay of the organization wrote can be believed; everything below it came from
the outside world and may be forged. The boundary hop is where an outside host handed the
message to a configured trusted relay: scanning from the top (newest) Received header, the
first one added by a trusted relay, followed down through hand-offs between trusted relays
that came from internal addresses. Its connecting IP and HELO name are what SPF checks.
List the relays that receive from the internet (for Microsoft 365: ".mail.protection.outlook.com").

Without trusted relays configured (or none found in the chain), the topmost hop whose
connecting IP is public is taken as a best guess, and the verdict says so.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass, replace
from email.message import Message
from typing import Any

from lurewatch.readers.received import Hop
from lurewatch.util.ip_text import canonical_ip
from lurewatch.util.plain import plain

# Addresses that never connect from the public internet.
_NON_PUBLIC = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
]


_TCP_INFO = re.compile(r"^from\s+\S+\s*\(([^()]*)\)", re.IGNORECASE)


@dataclass
class Boundary:
    method: str  # "trusted-relay", "best-guess" or "unknown"
    hop_index: int | None  # the Received header (0 = topmost) written at the boundary
    ip: str | None = None
    helo: str | None = None
    from_host: str | None = None
    by_host: str | None = None
    note: str = ""

    @property
    def trusted(self) -> bool:
        """True when a configured relay marks the boundary (not a guess)."""
        return self.method == "trusted-relay" and self.hop_index is not None

    def as_dict(self) -> dict[str, Any]:
        return plain(self)


def is_trusted_relay(host: str | None, relays: list[str]) -> bool:
    """`host` equals a configured relay name, or ends with a configured ".suffix"."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    for relay in relays:
        relay = relay.strip().lower().rstrip(".")
        if not relay:
            continue
        if relay.startswith("."):
            if host.endswith(relay):
                return True
        elif host == relay:
            return True
    return False


def is_public_ip(ip: str | None, internal_networks: list[str] | None = None) -> bool:
    if not ip:
        return False
    return _is_public(ip, tuple(internal_networks or ()))


@functools.lru_cache(maxsize=8192)
def _is_public(ip: str, internal_networks: tuple[str, ...]) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    networks = _networks(internal_networks)
    return not any(addr.version == n.version and addr in n for n in networks)


@functools.lru_cache(maxsize=64)
def _networks(internal: tuple[str, ...]) -> tuple[Any, ...]:
    """The non-public ranges and the configured internal ones, parsed once per setting."""
    networks = list(_NON_PUBLIC)
    for cidr in internal:
        try:
            networks.append(ipaddress.ip_network(cidr, strict=False))
        except ValueError:
            continue  # a bad CIDR in the settings must not hide every boundary
    return tuple(networks)


def _tcp_info_ip(received: str) -> str | None:
    """The connecting IP from the TCP-info comment of a Received "from" clause.

    RFC 5321 4.4: "from <helo> (<TCP-info>)". The HELO may itself be an address literal the
    sender chose ("from [10.0.0.1] (203.0.113.9)"), so the address the receiving server
    recorded in the comment is the one to believe.
    """
    m = _TCP_INFO.match(" ".join(received.split()))
    if not m:
        return None
    for token in re.split(r"[\s\[\]=]+", m.group(1)):
        token = token.strip(".")
        if token.lower().startswith("ipv6:"):
            token = token[5:]
        ip = canonical_ip(token)
        if ip is not None:
            return ip
    return None


def _believed_ips(hops: list[Hop], received: list[str] | None) -> list[Hop]:
    if not received or len(received) != len(hops):
        return hops
    out = []
    for hop, value in zip(hops, received, strict=True):
        ip = _tcp_info_ip(value)
        out.append(replace(hop, from_ip=ip) if ip and ip != hop.from_ip else hop)
    return out


def _from_hop(hop: Hop, method: str, note: str) -> Boundary:
    return Boundary(method, hop.index, hop.from_ip, hop.helo, hop.from_host, hop.by_host, note)


def find_boundary(
    hops: list[Hop],
    trusted_relays: list[str],
    internal_networks: list[str] | None = None,
    received: list[str] | None = None,
) -> Boundary:
    """The boundary hop. `received`: the Received header values behind `hops`, in the same
    order; when given, connecting IPs are taken from their TCP-info comments."""
    hops = _believed_ips(hops, received)
    if trusted_relays:
        first = next((h for h in hops if is_trusted_relay(h.by_host, trusted_relays)), None)
        if first is not None:
            pos = hops.index(first)
            # Follow hand-offs inside the organization: down to the next hop only when this one
            # came from an internal address. The HELO name is the sender's to choose, so it
            # never vouches for a hop below.
            while (
                pos + 1 < len(hops)
                and hops[pos].from_ip is not None
                and not is_public_ip(hops[pos].from_ip, internal_networks)
                and is_trusted_relay(hops[pos + 1].by_host, trusted_relays)
            ):
                pos += 1
            hop = hops[pos]
            return _from_hop(hop, "trusted-relay", f"received by trusted relay {hop.by_host}")
        guess_note = "no Received header was written by a configured trusted relay; "
    else:
        guess_note = "no trusted relays configured; "
    for hop in hops:
        if is_public_ip(hop.from_ip, internal_networks):
            return _from_hop(
                hop, "best-guess", guess_note + "best guess: topmost hop from a public IP address"
            )
    return Boundary("unknown", None, note=guess_note + "no hop from a public IP address")


def header_order(message: Message) -> list[tuple[str, str]]:
    """The message's header fields in order, names lower-cased, values as written."""
    return [(name.lower(), str(value)) for name, value in message.raw_items()]


def received_position(headers: list[tuple[str, str]], hop_index: int) -> int | None:
    """Position in `headers` of the Received header number `hop_index` (0 = topmost)."""
    seen = -1
    for pos, (name, _) in enumerate(headers):
        if name == "received":
            seen += 1
            if seen == hop_index:
                return pos
    return None
