"""Builders for payload tests: TLS records and hellos, DNS messages, assembled byte by byte so
each test can break exactly one field."""

from __future__ import annotations

import struct

# -- TLS -----------------------------------------------------------------------------------


def u8(n: int) -> bytes:
    return bytes([n])


def u16(n: int) -> bytes:
    return struct.pack("!H", n)


def u24(n: int) -> bytes:
    return n.to_bytes(3, "big")


def vec8(data: bytes) -> bytes:
    return u8(len(data)) + data


def vec16(data: bytes) -> bytes:
    return u16(len(data)) + data


def record(body: bytes, ctype: int = 22, version: int = 0x0301, length: int | None = None) -> bytes:
    """A TLS record; `length` overrides the true length to build broken ones."""
    return u8(ctype) + u16(version) + u16(len(body) if length is None else length) + body


def handshake(mtype: int, body: bytes, length: int | None = None) -> bytes:
    return u8(mtype) + u24(len(body) if length is None else length) + body


def extension(etype: int, data: bytes) -> bytes:
    return u16(etype) + vec16(data)


def sni_extension(host: bytes, name_type: int = 0) -> bytes:
    entry = u8(name_type) + vec16(host)
    return extension(0x0000, vec16(entry))


def alpn_extension(*protocols: bytes) -> bytes:
    return extension(0x0010, vec16(b"".join(vec8(p) for p in protocols)))


def tls13_extensions(host: bytes = b"www.example.com") -> list[bytes]:
    """What a current browser offers: GREASE, SNI, groups, ALPN, versions, key_share, ..."""
    x25519_key = bytes(range(32))
    return [
        extension(0x0A0A, b""),  # GREASE (RFC 8701)
        sni_extension(host),
        extension(0x0017, b""),  # extended_master_secret
        extension(0xFF01, b"\x00"),  # renegotiation_info
        extension(0x000A, vec16(u16(0x0A0A) + u16(0x001D) + u16(0x0017) + u16(0x0018))),  # groups
        extension(0x000B, vec8(b"\x00")),  # ec_point_formats
        extension(0x0023, b""),  # session_ticket
        alpn_extension(b"h2", b"http/1.1"),
        extension(0x0005, b"\x01" + u16(0) + u16(0)),  # status_request
        extension(0x000D, vec16(u16(0x0403) + u16(0x0804) + u16(0x0401) + u16(0x0503))),  # sig algs
        extension(0x0012, b""),  # signed_certificate_timestamp
        extension(0x0033, vec16(u16(0x0A0A) + vec16(b"\x00") + u16(0x001D) + vec16(x25519_key))),
        extension(0x002D, vec8(b"\x01")),  # psk_key_exchange_modes
        extension(0x002B, vec8(u16(0x1A1A) + u16(0x0304) + u16(0x0303))),  # supported_versions
        extension(0x001B, vec8(u16(0x0002))),  # compress_certificate
        extension(0x1A1A, b"\x00"),  # GREASE
        extension(0x0015, bytes(64)),  # padding
    ]


TLS13_SUITES = [0x0A0A, 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8]


def client_hello_body(
    extensions: list[bytes] | None = None,
    suites: bytes | None = None,
    session_id: bytes = bytes(range(32)),
    compression: bytes = b"\x00",
    extensions_length: int | None = None,
) -> bytes:
    exts = b"".join(tls13_extensions() if extensions is None else extensions)
    suite_bytes = b"".join(u16(s) for s in TLS13_SUITES) if suites is None else suites
    return (
        u16(0x0303)  # legacy_version
        + bytes(range(100, 132))  # random
        + vec8(session_id)
        + vec16(suite_bytes)
        + vec8(compression)
        + u16(len(exts) if extensions_length is None else extensions_length)
        + exts
    )


def client_hello(host: bytes = b"www.example.com", body: bytes | None = None) -> bytes:
    """A TLS 1.3 ClientHello in one record, as a browser sends it (or `body` in its place)."""
    return record(handshake(1, client_hello_body(tls13_extensions(host)) if body is None else body))


def server_hello_tls13() -> bytes:
    """ServerHello, the middlebox-compatibility ChangeCipherSpec, then encrypted records."""
    exts = extension(0x002B, u16(0x0304)) + extension(0x0033, u16(0x001D) + vec16(bytes(32)))
    body = u16(0x0303) + bytes(32) + vec8(bytes(32)) + u16(0x1301) + b"\x00" + vec16(exts)
    return (
        record(handshake(2, body), version=0x0303)
        + record(b"\x01", ctype=20, version=0x0303)
        + record(bytes(range(256)) * 4, ctype=23, version=0x0303)
    )


# -- DNS -----------------------------------------------------------------------------------


def name(text: str) -> bytes:
    out = b""
    for label in text.strip(".").split("."):
        if label:
            out += vec8(label.encode())
    return out + b"\x00"


def pointer(offset: int) -> bytes:
    return u16(0xC000 | offset)


def dns_header(
    ident: int = 0x1A2B,
    flags: int = 0x0100,
    qd: int = 1,
    an: int = 0,
    ns: int = 0,
    ar: int = 0,
) -> bytes:
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


def question(qname: bytes, qtype: int = 1, qclass: int = 1) -> bytes:
    return qname + u16(qtype) + u16(qclass)


def rr(owner: bytes, rtype: int, rdata: bytes, rclass: int = 1, ttl: int = 300) -> bytes:
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def opt_rr(payload_size: int = 1232) -> bytes:
    return b"\x00" + struct.pack("!HHIH", 41, payload_size, 0, 0)


def query(host: str = "www.example.com", qtype: int = 1) -> bytes:
    """A recursive query with EDNS, as a stub resolver sends it."""
    return dns_header(ar=1) + question(name(host), qtype) + opt_rr()


def response_with_compression() -> bytes:
    """www.example.com -> CNAME edge.example.net -> two A records, names compressed."""
    head = dns_header(flags=0x8180, an=3, ar=1)
    q = question(name("www.example.com"))
    cname_target = vec8(b"edge") + vec8(b"example") + vec8(b"net") + b"\x00"
    at_question = pointer(12)
    at_cname = pointer(
        12 + len(q) + 2 + 10
    )  # the CNAME's rdata starts after owner and fixed fields
    answers = (
        rr(at_question, 5, cname_target)
        + rr(at_cname, 1, bytes([93, 184, 216, 34]))
        + rr(at_cname, 1, bytes([93, 184, 216, 35]))
    )
    return head + q + answers + opt_rr()


def tcp(message: bytes, length: int | None = None) -> bytes:
    """DNS over TCP: the 2-byte length prefix of RFC 1035 §4.2.2."""
    return u16(len(message) if length is None else length) + message


# -- MQTT ----------------------------------------------------------------------------------


def mqtt_packet(first: int, body: bytes) -> bytes:
    """A control packet: fixed-header byte, Remaining Length as a Variable Byte Integer, body."""
    n, size = len(body), b""
    while True:
        byte, n = n & 0x7F, n >> 7
        size += bytes([byte | (0x80 if n else 0)])
        if not n:
            return bytes([first]) + size + body


def mqtt_string(text: bytes) -> bytes:
    return len(text).to_bytes(2, "big") + text


def mqtt_connect(level: int = 4, flags: int = 0x02, properties: bytes | None = None) -> bytes:
    protocol = b"MQIsdp" if level == 3 else b"MQTT"
    head = mqtt_string(protocol) + bytes([level, flags]) + b"\x00\x3c"
    if level == 5:
        props = properties if properties is not None else b"\x00"
        head += props
    return mqtt_packet(0x10, head + mqtt_string(b"sensor-17"))


CONNACK = mqtt_packet(0x20, b"\x00\x00")
CONNACK5 = mqtt_packet(0x20, b"\x00\x00\x00")
SUBSCRIBE = mqtt_packet(0x82, b"\x00\x01" + mqtt_string(b"house/+/temp") + b"\x01")
SUBACK = mqtt_packet(0x90, b"\x00\x01\x01")
PUBLISH_QOS1 = mqtt_packet(0x32, mqtt_string(b"house/kitchen/temp") + b"\x00\x02" + b"21.5")
PUBACK = mqtt_packet(0x40, b"\x00\x02")
PINGREQ, PINGRESP, DISCONNECT = (
    mqtt_packet(0xC0, b""),
    mqtt_packet(0xD0, b""),
    mqtt_packet(0xE0, b""),
)
