"""IP addresses read from text, remembered: mail headers name the same relays again and again."""

from __future__ import annotations

import functools
import ipaddress


@functools.lru_cache(maxsize=8192)
def canonical_ip(text: str) -> str | None:
    """The address `text` spells, written the standard way, or None when it spells none.

    `ipaddress` tries IPv4 then IPv6 and raises for anything else, which costs more than the
    lookup here for the host names and words that Received fields mostly hold."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
