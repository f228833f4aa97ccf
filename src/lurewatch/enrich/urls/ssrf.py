"""Which hosts and addresses URL expansion may connect to, decided without any I/O.

- Hosts are parsed the way browsers parse them (the WHATWG URL host parser): percent-decoded,
  and a host ending in a number is an IPv4 literal in any of its spellings (``2130706433``,
  ``0x7f.1``, ``0177.0.0.1``, ``127.1``). Such spellings must never reach ``getaddrinfo``, which
  accepts them too and would connect where the spelling hides.
- An address is dialled only if it is public unicast: not private, loopback, link-local,
  multicast, reserved, unspecified, shared (100.64/10), broadcast, documentation, nor an
  IPv4-mapped, NAT64, 6to4 or Teredo form of such an address.
- ``allow_private`` and ``allowed_networks`` exempt addresses exactly: an address is exempt only
  if it lies in an allowed network of its own family, so ``::ffff:127.0.0.1`` is not in
  ``127.0.0.0/8``. An obfuscated IPv4 spelling of a non-public address is refused whatever the
  exemptions, because no legitimate link needs one.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from lurewatch.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_THIS_NETWORK = ipaddress.IPv4Network("0.0.0.0/8")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_NAME_RE = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?$")
_IPV4_NUMBER_RE = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")


class InvalidHost(ValueError):
    """A host that no browser would connect to (bad IPv4 literal, forbidden characters)."""


@dataclass(frozen=True)
class ParsedHost:
    """A URL host after browser-style parsing: an IP address or a lower-case name."""

    text: str  # the host as written in the URL
    address: IPAddress | None = None
    name: str | None = None
    obfuscated: bool = False  # an IPv4 literal in a spelling other than dotted decimal

    @property
    def canonical(self) -> str:
        return str(self.address) if self.address is not None else str(self.name)


def _ipv4_number(part: str) -> int:
    if part[:2] in ("0x", "0X"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part[1:], 8)
    return int(part, 10)


def _ends_in_number(parts: list[str]) -> bool:
    if parts and parts[-1] == "" and len(parts) > 1:
        parts = parts[:-1]
    return bool(parts) and _IPV4_NUMBER_RE.match(parts[-1]) is not None


def _parse_ipv4(text: str) -> ipaddress.IPv4Address:
    """WHATWG IPv4 parser: 1-4 parts, each decimal, octal (leading 0) or hex (0x)."""
    parts = text.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts = parts[:-1]
    if len(parts) > 4 or any(p == "" for p in parts):
        raise InvalidHost(f"invalid IPv4 address {text!r}")
    try:
        numbers = [_ipv4_number(p) for p in parts]
    except ValueError:
        raise InvalidHost(f"invalid IPv4 address {text!r}") from None
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise InvalidHost(f"invalid IPv4 address {text!r}")
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n * 256 ** (3 - i)
    return ipaddress.IPv4Address(value)


def parse_host(host: str) -> ParsedHost:
    """Parse a URL host (without brackets) as a browser would; raise InvalidHost if unusable."""
    try:
        decoded = urllib.parse.unquote(host, errors="strict").strip()
    except UnicodeDecodeError:
        raise InvalidHost(f"host {host!r} is not valid UTF-8 once decoded") from None
    if not decoded:
        raise InvalidHost("empty host")
    if ":" in decoded:
        try:
            return ParsedHost(host, address=ipaddress.IPv6Address(decoded.strip("[]")))
        except ValueError:
            raise InvalidHost(f"invalid IPv6 address {host!r}") from None
    lowered = decoded.lower()
    if _ends_in_number(lowered.split(".")):
        address = _parse_ipv4(lowered)
        # Judged on the spelling in the URL: percent-encoding obfuscates as much as hex does.
        return ParsedHost(host, address=address, obfuscated=str(address) != host.rstrip("."))
    if not lowered.isascii() or _NAME_RE.match(lowered) is None or len(lowered) > 254:
        raise InvalidHost(f"invalid host name {host!r}")
    return ParsedHost(host, name=lowered)


def _ipv4_reason(ip: ipaddress.IPv4Address) -> str | None:
    checks = (
        (ip.is_unspecified, "unspecified"),
        (ip in _THIS_NETWORK, "this-network"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip in _SHARED, "shared (CGNAT)"),
        (ip == ipaddress.IPv4Address("255.255.255.255"), "broadcast"),
        (ip.is_reserved, "reserved"),
        (ip.is_private, "private"),
        (not ip.is_global, "non-global"),
    )
    return next((f"{label} address {ip}" for hit, label in checks if hit), None)


def special_reason(ip: IPAddress) -> str | None:
    """Why `ip` is not a public unicast address, or None when it is one."""
    if isinstance(ip, ipaddress.IPv4Address):
        return _ipv4_reason(ip)
    # IPv6 forms that carry an IPv4 address are judged by what they carry as well.
    if ip.ipv4_mapped is not None:
        return f"IPv4-mapped address {ip} (of {ip.ipv4_mapped})"
    if ip in _NAT64 or ip in _NAT64_LOCAL:
        return f"NAT64 address {ip} (of {ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)})"
    embedded: list[tuple[str, ipaddress.IPv4Address]] = []
    if ip.sixtofour is not None:
        embedded.append(("6to4", ip.sixtofour))
    if ip.teredo is not None:
        embedded.extend(("Teredo", v4) for v4 in ip.teredo)
    for form, v4 in embedded:
        inner = _ipv4_reason(v4)
        if inner is not None:
            return f"{form} address {ip} carrying {inner}"
    checks = (
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_site_local, "site-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
        (ip.is_private, "private"),
        (not ip.is_global, "non-global"),
    )
    return next((f"{label} address {ip}" for hit, label in checks if hit), None)


class AddressRules:
    """Which addresses may be dialled: public unicast, plus exactly what the policy allows."""

    def __init__(self, allow_private: bool = False, allowed_networks: Iterable[str] = ()) -> None:
        self.allow_private = allow_private
        try:
            self.allowed = tuple(ipaddress.ip_network(n, strict=False) for n in allowed_networks)
        except ValueError as exc:
            raise ConfigError(f"URL expansion: invalid allowed network: {exc}") from None

    def refusal(self, ip: IPAddress, obfuscated: bool = False) -> str | None:
        reason = special_reason(ip)
        if reason is None:
            return None
        if obfuscated:
            return f"{reason} written as an obfuscated IPv4 literal"
        if self.allow_private:
            return None
        if any(ip.version == net.version and ip in net for net in self.allowed):
            return None
        return reason
