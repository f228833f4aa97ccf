"""Which application protocol a well-known port is registered to, for N1's port checks.

Only protocols lurewatch can recognise from payload are listed (see `lurewatch.net.payload`):
a port may only be judged "carrying something else" where the expected protocol could have
been recognised. Implicit-TLS ports (HTTPS, SMTPS, IMAPS, ...) expect TLS; ports that begin in
clear text and may upgrade (SMTP submission, IMAP with STARTTLS) expect their clear-text
protocol, and TLS following it is normal.

Protocol names: `lurewatch.net.payload.PROTOCOLS` (the names payload identification returns):
http, tls, ssh, dns, smtp, ftp, mqtt, pgsql, rfb, bittorrent-dht. Ports are registered here
for the first six only: the Zeek and Suricata readers judge ports by this table too, and a
Zeek without its MQTT or PostgreSQL analyzer loaded would make every connection on 1883 or
5432 look unidentified. PostgreSQL's TLS upgrade is listed all the same, for every sensor.
"""

from __future__ import annotations

# (transport, port) -> protocol
REGISTERED: dict[tuple[str, int], str] = {
    ("tcp", 21): "ftp",
    ("tcp", 22): "ssh",
    ("tcp", 25): "smtp",
    ("tcp", 53): "dns",
    ("udp", 53): "dns",
    ("tcp", 80): "http",
    ("tcp", 443): "tls",
    ("tcp", 465): "tls",
    ("tcp", 587): "smtp",
    ("tcp", 636): "tls",
    ("tcp", 853): "tls",
    ("tcp", 990): "tls",
    ("tcp", 993): "tls",
    ("tcp", 995): "tls",
    ("tcp", 3128): "http",
    ("tcp", 5986): "tls",
    ("tcp", 8080): "http",
    ("tcp", 8443): "tls",
}

# Protocols that may legitimately follow the registered one on the same connection.
UPGRADES: dict[str, frozenset[str]] = {
    "smtp": frozenset({"tls"}),  # STARTTLS
    "ftp": frozenset({"tls"}),  # AUTH TLS
    "http": frozenset({"tls"}),  # CONNECT through a proxy port
    "pgsql": frozenset({"tls"}),  # SSLRequest answered 'S' (PostgreSQL's STARTTLS)
}


def registered_protocol(transport: str | None, port: int | None) -> str | None:
    """The protocol the port is registered to, among those lurewatch recognises."""
    if transport is None or port is None:
        return None
    return REGISTERED.get((transport.lower(), port))


def ports_of(protocol: str) -> list[tuple[str, int]]:
    """The (transport, port) pairs registered to a protocol."""
    return sorted(k for k, v in REGISTERED.items() if v == protocol)


# Protocols of flows that carry other hosts' packets (lurewatch.net.pcap.tunnels names them so
# in `network.protocol`): cloud and router traffic mirroring, overlay networks, IP tunnels. The
# traffic inside is analysed from the flows seen in them; the tunnels themselves are
# infrastructure, long and large by nature, and the N3 analytics leave them out.
TUNNEL_PROTOCOLS = frozenset({"vxlan", "geneve", "gre", "erspan", "ip-in-ip"})
