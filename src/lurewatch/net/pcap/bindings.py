"""Which hardware (MAC) address holds each IP address on the LAN, as ARP (IPv4) and Neighbor
Discovery (IPv6) announce it, and when an address moves to another machine.

Like arpwatch, lurewatch keeps the binding each address was last seen with and reports an
address claimed from a second MAC while the first still held it (within
`REBIND_WINDOW_SECONDS`): one machine replacing another that recently spoke is what ARP and
ND spoofing do, and what a failover of a cluster's address without a shared virtual MAC does.
An address given to another machine after the first went quiet (a DHCP lease reused, a
replaced card) is not reported. IPv4 addresses (4 bytes) and IPv6 ones (16) share the table.
"""

from __future__ import annotations

REBIND_WINDOW_SECONDS = 600.0
MAX_BINDINGS = 1 << 16  # addresses remembered; a LAN has far fewer, a flood must not grow it


class AddressBindings:
    """The last hardware address and time of every IP address seen in ARP or ND."""

    def __init__(self) -> None:
        self.held: dict[bytes, tuple[bytes, float]] = {}

    def claim(self, ip: bytes, mac: bytes, ts: float) -> tuple[bytes, float] | None:
        """`mac` says it holds `ip` at `ts`. Returns the MAC that held it before and when it
        was last seen, when that is another MAC seen within the window; else None."""
        held = self.held.pop(ip, None)
        self.held[ip] = (mac, ts)  # last in the dict: the order is that of last sight
        if len(self.held) > MAX_BINDINGS:
            del self.held[next(iter(self.held))]  # the address seen longest ago
        if held is None or held[0] == mac or ts - held[1] > REBIND_WINDOW_SECONDS:
            return None
        return held


def mac_text(mac: bytes) -> str:
    return ":".join(f"{b:02x}" for b in mac)
