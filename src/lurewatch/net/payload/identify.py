"""Which application protocol the first payload bytes of one flow direction carry, whatever the
port says.

Each test is a prefix check over at most a few hundred bytes, so this runs once per flow
direction cheaply, on a first segment that may hold only part of a message. Where the bytes fit
two protocols (a bare `220` greeting fits SMTP and FTP) the answer is None: the other direction
of the flow usually settles it, and no answer is better than a wrong one.
"""

from __future__ import annotations

from lurewatch.net.payload import ftp, smtp
from lurewatch.net.payload.bittorrent_dht import looks_like_dht
from lurewatch.net.payload.dns import looks_like_dns, looks_like_dns_tcp
from lurewatch.net.payload.http import looks_like_http
from lurewatch.net.payload.mqtt import looks_like_mqtt
from lurewatch.net.payload.pgsql import looks_like_pgsql
from lurewatch.net.payload.rfb import looks_like_rfb
from lurewatch.net.payload.ssh import looks_like_ssh
from lurewatch.net.payload.tls import looks_like_tls


def _greeting(p: bytes) -> str | None:
    """A 220 service-ready greeting names its service, or it is left undecided."""
    names_smtp, names_ftp = smtp.banner_words(p)
    if names_smtp == names_ftp:
        return None
    return "smtp" if names_smtp else "ftp"


def identify(payload: bytes, transport: str, from_client: bool) -> str | None:
    """A name from `lurewatch.net.payload.PROTOCOLS`, or None when the bytes do not say."""
    if not payload:
        return None
    first = payload[0]
    if transport != "tcp" and transport.lower() == "udp":
        if first == 0x64 and looks_like_dht(payload):  # "d": a bencoded dictionary
            return "bittorrent-dht"
        return "dns" if looks_like_dns(payload) else None
    # The first byte narrows the candidates down to one or a few.
    if 0x41 <= first <= 0x7A:  # a letter: a text protocol's command or status line
        if first == 0x53 and looks_like_ssh(payload, from_client):  # "S"
            return "ssh"
        if first == 0x52 and looks_like_rfb(payload):  # "R"
            return "rfb"
        if looks_like_http(payload):
            return "http"
        if smtp.client_verb(payload):
            return "smtp"
        if ftp.client_verb(payload):
            return "ftp"
        if looks_like_ssh(payload, from_client):
            return "ssh"
    elif 20 <= first <= 23 or first & 0x80:
        if looks_like_tls(payload):
            return "tls"
    elif first == 0x32:  # "2"
        if payload[:4] in (b"220 ", b"220-"):
            return _greeting(payload)
    elif first == 0x10:
        if from_client and looks_like_mqtt(payload):
            return "mqtt"
    elif first == 0 and from_client and looks_like_pgsql(payload):
        return "pgsql"
    # DNS over TCP last: its 2-byte length prefix can start with any byte.
    return "dns" if looks_like_dns_tcp(payload) else None
