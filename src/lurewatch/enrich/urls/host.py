"""The host of a URL as a browser reaches it: IPv6 literals, IDNA both ways, numeric IPv4 forms.

A host whose last label is a number is an IPv4 address or nothing (WHATWG URL); such hosts in
hex, octal or a single number are read the way inet_aton reads them and flagged
"ip-obfuscated". Non-ASCII names are encoded with IDNA2008 (UTS 46), falling back to the
IDNA2003 mapping browsers still apply to symbols and emoji ("idna-invalid").
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from functools import lru_cache

import idna

from lurewatch.util.domains import registrable_domain

FORBIDDEN_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")


def _is_hex(s: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in s)


def _ends_in_number(host: str) -> bool:
    """WHATWG: a host whose last label is a number must be an IPv4 address, or nothing."""
    last = host.rsplit(".", 1)[-1]
    if last.isdigit() and last.isascii():
        return True
    return last[:2].lower() == "0x" and _is_hex(last[2:])


def _ipv4(host: str) -> str | None:
    """Dotted-decimal form of a numeric host ("3232235777", "0x7f.1", "0300.0250.1.1").

    Browsers read these the way inet_aton always has (one to four parts, each decimal, octal
    with a leading 0 or hex with 0x, the last filling the remaining bytes), so that is used.
    """
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class Host:
    ascii: str
    unicode: str
    is_ip: bool
    registered_domain: str | None
    flags: tuple[str, ...]
    error: str | None = None


def host_error(reason: str) -> Host:
    return Host("", "", False, None, (), reason)


@lru_cache(maxsize=65536)
def parse_host(raw: str) -> Host:
    """The host facts for one authority host; cached because mail repeats hosts a lot."""
    host = raw
    if "%" in host:
        from urllib.parse import unquote

        host = unquote(host, errors="replace")
    if host.startswith("["):
        try:
            return Host(f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]", host, True, None, ())
        except ValueError:
            return host_error("invalid IPv6 address")
    flags: list[str] = []
    if host.endswith("."):
        host = host.rstrip(".")
        flags.append("trailing-dot")
    if not host:
        return host_error("empty host")
    if host.isascii():
        host = host.lower()
        unicode = host
        if "xn--" in host:
            try:
                unicode = idna.decode(host)
            except (idna.IDNAError, UnicodeError, ValueError):
                flags.append("idna-invalid")
    else:
        unicode = host.lower()
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
            unicode = idna.decode(host)
        except (idna.IDNAError, UnicodeError, ValueError):
            flags.append("idna-invalid")
            try:
                # Not valid IDNA2008 (symbols, emoji), yet browsers still look such names up
                # through the older IDNA2003 mapping, so that is the name they reach.
                host = unicode.encode("idna").decode("ascii")
            except UnicodeError:
                host = unicode  # kept as written so it can still be shown and compared
    if FORBIDDEN_HOST.search(host):
        return host_error("host holds characters no host name may have")
    if _ends_in_number(host):
        dotted = _ipv4(host)
        if dotted is None:
            return host_error("host ends in a number but is not an IPv4 address")
        if dotted != host:
            flags.append("ip-obfuscated")
        return Host(dotted, dotted, True, None, tuple(flags))
    return Host(host, unicode, False, registrable_domain(host), tuple(flags))
