"""Application protocols recognised from payload bytes, whatever the port, and their messages
checked against the protocols' standards (MITRE ATT&CK AN1955's N1 clause).

- `identify` names the protocol of a flow direction from its first payload bytes.
- `structure_problems` lists what in a payload breaks its protocol's syntax, as anomaly names
  from `lurewatch.net.anomalies` with a detail in plain words.
- `server_name` is the name a client asked for: TLS SNI or the HTTP Host.

None of them raises, whatever the bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from lurewatch.net.payload import dns, ftp, http, smtp, ssh, tls
from lurewatch.net.payload.identify import identify

__all__ = ["PROTOCOLS", "identify", "server_name", "structure_problems"]

PROTOCOLS = ("http", "tls", "ssh", "dns", "smtp", "ftp")
MAX_PROBLEMS = 32  # a hostile buffer can break every line; the first problems say enough

_CHECKS: dict[str, Callable[[bytes, str, bool], list[tuple[str, str]]]] = {
    "http": lambda p, _t, c: http.check(p, c),
    "tls": lambda p, _t, _c: tls.check(p),
    "ssh": lambda p, _t, c: ssh.check(p, c),
    "dns": lambda p, t, _c: dns.check(p, t),
    "smtp": lambda p, _t, c: smtp.check(p, c),
    "ftp": lambda p, _t, c: ftp.check(p, c),
}


def structure_problems(
    protocol: str, payload: bytes, transport: str, from_client: bool
) -> list[tuple[str, str]]:
    """(anomaly name, detail) for each way the payload breaks the protocol's standard."""
    check = _CHECKS.get(protocol)
    if check is None or not payload:
        return []
    try:
        found = check(bytes(payload), transport.lower(), from_client)
    except Exception:  # a packet must never stop the engine; the checks are fuzzed to not get here
        return []
    unique: list[tuple[str, str]] = []
    for problem in found:
        if problem not in unique:
            unique.append(problem)
    return unique[:MAX_PROBLEMS]


def server_name(protocol: str, payload: bytes) -> str | None:
    """The TLS ClientHello's SNI or the HTTP request's Host, lower case, without a port."""
    try:
        if protocol == "tls":
            return tls.sni(bytes(payload))
        if protocol == "http":
            return http.host(bytes(payload))
    except Exception:  # see structure_problems
        return None
    return None
