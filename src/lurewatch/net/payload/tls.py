"""TLS: recognising a record, and checking records and the clear-text hellos against RFC 8446,
RFC 5246 and RFC 6066.

Records are walked over the whole buffer. Handshake messages are reassembled across records
(RFC 8446 §5.1 lets one message span several) and read only while they are in the clear: once
a ChangeCipherSpec passes, or when the first message is not a hello (a capture that began
mid-connection), handshake records are opaque. A record or message the buffer ends inside is
never a problem: the rest may be in the next segment.
"""

from __future__ import annotations

import struct

from lurewatch.net.payload.lines import outside

MALFORMED = "tls_malformed"
MAX_RECORD = 2**14 + 2048  # RFC 5246 §6.2.3: TLSCiphertext.length
CONTENT_TYPES = {20: "ChangeCipherSpec", 21: "Alert", 22: "Handshake", 23: "ApplicationData", 24: "Heartbeat"}  # fmt: skip
CLIENT_HELLO, SERVER_HELLO = 1, 2
# Handshake types that may open a flight in the clear (RFC 8446 §4, RFC 5246 §7.4).
HANDSHAKE_TYPES = frozenset({0, 1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 20, 21, 22, 24, 254})
EXT_SNI, EXT_ALPN, EXT_SUPPORTED_VERSIONS, EXT_KEY_SHARE = 0, 16, 43, 51
_CLIENT_CHECKED = frozenset({EXT_SNI, EXT_ALPN, EXT_SUPPORTED_VERSIONS, EXT_KEY_SHARE})
_non_hostname = outside(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")
_RECORD = struct.Struct("!BBBH").unpack_from  # content type, version, length


def looks_like_tls(p: bytes) -> bool:
    """A record header (content type, version 3.x, plausible length), or an SSLv2-compatible
    ClientHello (RFC 5246 Appendix E.2) that old clients and scanners still send."""
    if len(p) < 5:
        return False
    first = p[0]
    if 20 <= first <= 23:
        if p[1] != 3 or p[2] > 4:
            return False
        length = (p[3] << 8) | p[4]
        if length == 0 or length > MAX_RECORD:
            return False
        return first != 22 or len(p) == 5 or p[5] in HANDSHAKE_TYPES
    return _is_sslv2_hello(p)


def _is_sslv2_hello(p: bytes) -> bool:
    return (
        len(p) >= 5
        and bool(p[0] & 0x80)
        and (((p[0] & 0x7F) << 8) | p[1]) >= 9
        and p[2] == 1
        and (p[3], p[4]) in ((0, 2), (3, 0), (3, 1), (3, 2), (3, 3))
    )


class _Check:
    __slots__ = ("problems", "sni")

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []
        self.sni: str | None = None

    def flag(self, detail: str) -> None:
        if (MALFORMED, detail) not in self.problems:
            self.problems.append((MALFORMED, detail))


def _vector(body: bytes, pos: int, width: int) -> tuple[bytes, int] | None:
    """A length-prefixed vector at `pos` and the offset after it; None when it overruns."""
    if pos + width > len(body):
        return None
    size = int.from_bytes(body[pos : pos + width], "big")
    end = pos + width + size
    if end > len(body):
        return None
    return body[pos + width : end], end


def _check_extensions(c: _Check, body: bytes, pos: int, hello: str) -> None:
    """The extensions block at `pos`, which must end exactly where the message ends."""
    n = len(body)
    if pos == n:
        return  # extensions are optional before TLS 1.3
    end = pos + 2 + ((body[pos] << 8) | body[pos + 1]) if pos + 2 <= n else n + 1
    if end > n:
        c.flag(f"{hello} extensions length overruns the message")
        return
    if end != n:
        c.flag(f"{hello} has {n - end} bytes after its extensions block")
    client = hello == "ClientHello"
    seen: set[int] = set()
    i = pos + 2
    while i < end:
        if i + 4 > end:
            c.flag(f"{hello} extensions block ends inside an extension header")
            return
        etype = (body[i] << 8) | body[i + 1]
        size = (body[i + 2] << 8) | body[i + 3]
        if i + 4 + size > end:
            c.flag(f"{hello} extension {etype} of {size} bytes overruns the extensions block")
            return
        if etype in seen:
            c.flag(f"{hello} repeats extension {etype} (RFC 8446 §4.2)")
        seen.add(etype)
        if client and etype in _CLIENT_CHECKED:
            _check_client_extension(c, etype, body[i + 4 : i + 4 + size])
        i += 4 + size


def _check_client_extension(c: _Check, etype: int, data: bytes) -> None:
    if etype == EXT_SNI:
        _check_sni(c, data)
    elif etype == EXT_ALPN:
        names = _vector(data, 0, 2)
        if names is None or names[1] != len(data):
            c.flag("ALPN extension list length disagrees with the extension length")
            return
        items, j = names[0], 0
        while j < len(items):
            name = _vector(items, j, 1)
            if name is None or not name[0]:
                c.flag("ALPN extension holds an empty or overrunning protocol name")
                return
            j = name[1]
    elif etype == EXT_SUPPORTED_VERSIONS:
        versions = _vector(data, 0, 1)
        if versions is None or versions[1] != len(data) or len(versions[0]) % 2:
            c.flag("supported_versions extension lengths disagree")
    elif etype == EXT_KEY_SHARE:
        shares = _vector(data, 0, 2)
        if shares is None or shares[1] != len(data):
            c.flag("key_share extension list length disagrees with the extension length")
            return
        items, j = shares[0], 0
        while j < len(items):
            share = _vector(items, j + 2, 2) if j + 2 <= len(items) else None
            if share is None:
                c.flag("key_share entry overruns the key_share list")
                return
            j = share[1]


def _check_sni(c: _Check, data: bytes) -> None:
    """RFC 6066 §3: a list of (name_type, name); one host_name, ASCII, no trailing dot, no IP."""
    names = _vector(data, 0, 2)
    if names is None or names[1] != len(data):
        c.flag("SNI extension list length disagrees with the extension length")
        return
    items, j, hosts = names[0], 0, 0
    if not items:
        c.flag("SNI extension with an empty server name list")
    while j < len(items):
        name_type = items[j]
        entry = _vector(items, j + 1, 2)
        if entry is None:
            c.flag("SNI entry overruns the server name list")
            return
        name, j = entry
        if name_type != 0:
            c.flag(f"SNI entry of unknown name type {name_type}")
            continue
        hosts += 1
        if not name:
            c.flag("SNI host_name is empty")
        elif _non_hostname(name):
            c.flag("SNI host_name has characters outside letters, digits, '-', '.' and '_'")
        elif name.endswith(b"."):
            c.flag("SNI host_name ends with a dot (RFC 6066 §3)")
        elif name.replace(b".", b"").isdigit() and name.count(b".") == 3:
            c.flag("SNI host_name is an IPv4 literal (RFC 6066 §3 forbids addresses)")
        if len(name) > 255:
            c.flag(f"SNI host_name of {len(name)} bytes")
        if c.sni is None and name:
            c.sni = name.decode("latin-1").lower()
    if hosts > 1:
        c.flag(f"SNI extension with {hosts} host_name entries (RFC 6066 §3 allows one)")


def _check_hello(c: _Check, mtype: int, body: bytes) -> None:
    """The fields of a ClientHello or ServerHello, each length against what holds it."""
    hello = "ClientHello" if mtype == CLIENT_HELLO else "ServerHello"
    n = len(body)
    if n < 2 + 32 + 1:
        c.flag(f"{hello} of {n} bytes is too short for version, random and session id")
        return
    if body[0] != 3:
        c.flag(f"{hello} version 0x{body[0]:02x}{body[1]:02x} is not 3.x")
    pos = 35 + body[34]  # after the session id
    if pos > n or body[34] > 32:
        c.flag(f"{hello} session id length {body[34]} overruns the message or exceeds 32")
        return
    if mtype == SERVER_HELLO:
        if pos + 3 > n:
            c.flag("ServerHello ends before its cipher suite and compression method")
            return
        _check_extensions(c, body, pos + 3, hello)
        return
    suites = (body[pos] << 8) | body[pos + 1] if pos + 2 <= n else n
    if pos + 2 + suites > n:
        c.flag("ClientHello cipher suites length overruns the message")
        return
    if not suites or suites % 2:
        c.flag(f"ClientHello cipher suites length {suites} is zero or odd")
    pos += 2 + suites
    if pos + 1 > n or pos + 1 + body[pos] > n:
        c.flag("ClientHello compression methods length overruns the message")
        return
    if not body[pos]:
        c.flag("ClientHello offers no compression method (null is required)")
    _check_extensions(c, body, pos + 1 + body[pos], hello)


# The last buffer walked and what was found: `check` and `sni` of one ClientHello parse it once.
_last: tuple[bytes, _Check] = (b"", _Check())


def _walk(payload: bytes) -> _Check:
    global _last
    last = _last
    if last[0] is payload or last[0] == payload:
        return last[1]  # `check` then `sni` of one message: parsed once
    c = _Check()
    _last = (payload, c)
    if _is_sslv2_hello(payload):
        return c  # the old 2-byte framing; its fields are not checked
    pos, n = 0, len(payload)
    handshake = b""  # clear-text handshake bytes not yet split into messages
    readable: bool | None = None  # are handshake records clear text? (decided by the first)
    for _ in range(4096):
        if pos + 5 > n:
            break
        ctype, major, minor, length = _RECORD(payload, pos)
        if ctype not in CONTENT_TYPES:
            c.flag(f"record at offset {pos} has unknown content type {ctype}")
            break
        if major != 3 or minor > 4:
            c.flag(f"record version 0x{major:02x}{minor:02x} is not SSL 3.0 to TLS 1.3")
        if length > MAX_RECORD:
            c.flag(f"record length {length} exceeds 2^14+2048 (RFC 5246 §6.2.3)")
            break
        if length == 0 and ctype != 23:
            c.flag(f"empty {CONTENT_TYPES[ctype]} record (only application data may be empty)")
        if ctype != 22 and handshake:
            c.flag(
                f"handshake message cut short: a {CONTENT_TYPES[ctype]} record came before its remaining bytes"
            )
            handshake = b""
        if ctype == 20:
            readable = False  # what follows in this direction is encrypted
            fragment = payload[pos + 5 : pos + 5 + length]
            if length and len(fragment) == length and fragment != b"\x01":
                c.flag("ChangeCipherSpec record is not the single byte 1")
        elif ctype == 22:
            if readable is None:
                first = payload[pos + 5] if length and pos + 5 < n else -1
                readable = first in (CLIENT_HELLO, SERVER_HELLO)
            if readable:
                fragment = payload[pos + 5 : pos + 5 + length]
                handshake = _split_handshake(c, handshake + fragment if handshake else fragment)
        pos += 5 + length
    return c


def _split_handshake(c: _Check, data: bytes) -> bytes:
    """Check every complete message in `data`; the partial one left, for the next record."""
    i, n = 0, len(data)
    while n - i >= 4:
        mtype = data[i]
        size = (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]
        if n - i < 4 + size:
            break
        if mtype in (CLIENT_HELLO, SERVER_HELLO):
            _check_hello(c, mtype, data[i + 4 : i + 4 + size])
        elif mtype not in HANDSHAKE_TYPES:
            c.flag(f"unknown handshake message type {mtype} in the clear")
        i += 4 + size
        if mtype == CLIENT_HELLO and i < n:
            # The ClientHello is the client's whole first flight: nothing shares its record.
            c.flag(f"record length exceeds the ClientHello inside it by {n - i} bytes")
            return b""
    return data[i:] if i else data


def check(payload: bytes) -> list[tuple[str, str]]:
    """tls_malformed problems of the records in the buffer."""
    return list(_walk(payload).problems)


def sni(payload: bytes) -> str | None:
    """The host_name of the ClientHello's server_name extension, lower case."""
    return _walk(payload).sni
