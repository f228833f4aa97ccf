"""The common HTTP/1.x head, recognised in one pass: most messages break no rule at all.

`lurewatch.net.payload.http` judges a head line by line, which costs tens of microseconds; the
heads real clients and servers send are almost always clean, and this module says so in a few:
one precompiled pattern validates the whole head block (start line, every field line, CRLF
endings) and a second pass looks only at the fields whose values matter (Host, Content-Length,
Transfer-Encoding). Whatever it is not sure of goes back to the line-by-line check, so the
findings are exactly that check's findings.
"""

from __future__ import annotations

import re

LINE_LIMIT = 16384  # as in lurewatch.net.payload.http: a head within it has no absurd line

# At most 256 field lines (more is absurd), each field-name (tchar, RFC 9110 §5.6.2) ":"
# field-value (no controls but HTAB, no CR, no LF).
_FIELDS = rb"(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]++:[\t\x20-\x7e\x80-\xff]*+\r\n){0,256}+\r\n"
# method SP origin-form SP HTTP/1.0 or HTTP/1.1; a lower-case or odd method goes the long way
_REQUEST = re.compile(rb"([A-Z][A-Z\-]*+) /[\x21-\x7e]*+ HTTP/1\.([01])\r\n" + _FIELDS)
# HTTP-version SP 3DIGIT (100-599) [SP reason-phrase]
_RESPONSE = re.compile(
    rb"HTTP/[0-9]\.[0-9] [1-5][0-9][0-9](?: [\t\x20-\x7e\x80-\xff]*+)?\r\n" + _FIELDS
)
_LENGTH = re.compile(rb"[ \t]*+[0-9]{1,15}[ \t]*+\r\n")


def clean_head(payload: bytes) -> tuple[bool, int]:
    """(True, offset of the Host field's value or -1) when the head certainly breaks nothing
    lurewatch.net.payload.http checks; (False, -1) when only the full check can tell."""
    end = payload.find(b"\r\n\r\n", 0, LINE_LIMIT)
    if end < 0:
        return False, -1  # cut short, or an absurd head: the full check judges it
    end += 4
    # Request or response is told by the start line, as the full check tells it.
    is_request = not payload.startswith(b"HTTP/")
    match = (_REQUEST if is_request else _RESPONSE).fullmatch(payload, 0, end)
    if match is None:
        return False, -1
    if is_request and match.group(1) == b"CONNECT":
        return False, -1  # its target is an authority, not a path
    # The fields a clean syntax can still get wrong. Every field line follows a CRLF and its
    # name holds no whitespace, so a search of the lower-cased head finds each of them, and
    # nothing inside a value (a value holds no CR).
    low = payload[:end].lower()
    if b"\r\ntransfer-encoding:" in low:
        return False, -1  # transfer codings and chunk framing: the full check
    length = low.find(b"\r\ncontent-length:")
    if length >= 0 and (
        low.find(b"\r\ncontent-length:", length + 17) >= 0
        or _LENGTH.match(payload, length + 17, end) is None
    ):
        return False, -1  # repeated, a list, or not a plain number
    host = low.find(b"\r\nhost:")
    if is_request and (
        low.find(b"\r\nhost:", host + 7) >= 0 if host >= 0 else match.group(2) == b"1"
    ):
        return False, -1  # Host repeated, or missing from HTTP/1.1
    return True, host + 7 if host >= 0 else -1


def host_value(payload: bytes, at: int) -> bytes:
    """The value of the field whose value starts at `at`, without surrounding whitespace."""
    return payload[at : payload.find(b"\r\n", at)].strip(b" \t")
