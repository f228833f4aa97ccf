"""PostgreSQL frontend/backend protocol: the client's first message (PostgreSQL docs,
"Message Formats" and "Message Flow: Start-up").

The client opens with a message that has no type byte: a 4-byte length, then a 4-byte code.
The code is the protocol version (3.0 = 196608) for a StartupMessage, or one of the special
request codes: SSLRequest (80877103) and GSSENCRequest (80877104), both exactly 8 bytes, after
which TLS or GSSAPI may follow on the same connection, and CancelRequest (80877102), 16 bytes.
A StartupMessage then holds NUL-terminated name/value pairs, one more NUL closing them, and
`user` is required.
"""

from __future__ import annotations

import struct

MALFORMED = "protocol_malformed"
PROTOCOL_3 = 196608
SSL_REQUEST, GSSENC_REQUEST, CANCEL_REQUEST = 80877103, 80877104, 80877102
FIXED_SIZE = {SSL_REQUEST: 8, GSSENC_REQUEST: 8, CANCEL_REQUEST: 16}
MAX_STARTUP = 10000  # the server's own limit on a startup packet
_HEAD = struct.Struct("!II")


def looks_like_pgsql(p: bytes) -> bool:
    """A startup-phase message: its length fits its code (the first bytes of a segment)."""
    if len(p) < 8:
        return False
    length, code = _HEAD.unpack_from(p)
    if code in FIXED_SIZE:
        return length == FIXED_SIZE[code]
    return code >> 16 == 3 and 8 < length <= MAX_STARTUP  # protocol 3.x


def check(payload: bytes) -> list[tuple[str, str]]:
    """protocol_malformed problems of the client's first message."""
    if len(payload) < 8:
        return []
    length, code = _HEAD.unpack_from(payload)
    if code in FIXED_SIZE or length > len(payload):
        return []  # a fixed request is checked by identification; a cut message is not judged
    body = payload[8:length]
    if body[-2:] != b"\x00\x00" and body != b"\x00":
        return [(MALFORMED, "PostgreSQL StartupMessage parameters are not closed by a NUL byte")]
    fields = body[:-2].split(b"\x00") if len(body) > 1 else []
    if len(fields) % 2:
        return [(MALFORMED, "PostgreSQL StartupMessage has a parameter name without a value")]
    if b"user" not in fields[0::2]:
        return [(MALFORMED, "PostgreSQL StartupMessage without the required 'user' parameter")]
    return []
