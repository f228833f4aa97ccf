"""Application protocols recognised from payload bytes, whatever the port, and their messages
checked against the protocols' standards (MITRE ATT&CK AN1955's N1 clause).

- `identify` names the protocol of a flow direction from its first payload bytes.
- `structure_problems` lists what in a payload breaks its protocol's syntax, as anomaly names
  from `lurewatch.net.anomalies` with a detail in plain words.
- `session` follows a whole conversation where the standard is about order (SMTP, FTP, MQTT).
- `server_name` is the name a client asked for: TLS SNI or the HTTP Host.

None of them raises, whatever the bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from lurewatch.net.payload import bittorrent_dht, dns, ftp, http, pgsql, rfb, smtp, ssh, tls
from lurewatch.net.payload.ftp_session import FtpSession
from lurewatch.net.payload.identify import identify
from lurewatch.net.payload.mqtt import MqttSession
from lurewatch.net.payload.session import Session
from lurewatch.net.payload.smtp_session import SmtpSession

__all__ = ["PROTOCOLS", "Session", "identify", "server_name", "session", "structure_problems"]

# The names `identify` returns (and `lurewatch.net.ports` registers ports to).
PROTOCOLS = (
    "http", "tls", "ssh", "dns", "smtp", "ftp", "mqtt", "pgsql", "rfb", "bittorrent-dht",
)  # fmt: skip
MAX_PROBLEMS = 32  # a hostile buffer can break every line; the first problems say enough

_CHECKS: dict[str, Callable[[bytes, str, bool], list[tuple[str, str]]]] = {
    "http": lambda p, _t, c: http.check(p, c),
    "tls": lambda p, _t, _c: tls.check(p),
    "ssh": lambda p, _t, c: ssh.check(p, c),
    "dns": lambda p, t, _c: dns.check(p, t),
    "smtp": lambda p, _t, c: smtp.check(p, c),
    "ftp": lambda p, _t, c: ftp.check(p, c),
    "pgsql": lambda p, _t, c: pgsql.check(p) if c else [],
    "rfb": lambda p, _t, _c: rfb.check(p),
    "bittorrent-dht": lambda p, _t, _c: bittorrent_dht.check(p),
}  # MQTT is judged as a whole conversation: see `session`
_SESSIONS: dict[str, Callable[[], Session]] = {
    "smtp": SmtpSession,
    "ftp": FtpSession,
    "mqtt": MqttSession,
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


class _Guarded(Session):
    """A session whose failure ends it quietly: a packet must never stop the engine."""

    def __init__(self, inner: Session) -> None:
        super().__init__()
        self.inner = inner

    def feed(self, payload: bytes, from_client: bool) -> list[tuple[str, str]]:
        try:
            found = self.inner.feed(bytes(payload), from_client)
        except Exception:
            found = []
            self.inner.finished = True
        self.finished = self.inner.finished
        return found


def session(protocol: str) -> Session | None:
    """A fresh conversation check for a flow of this protocol, or None where there is none."""
    make = _SESSIONS.get(protocol)
    return _Guarded(make()) if make else None


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
