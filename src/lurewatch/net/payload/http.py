"""HTTP/1.x: recognising a message start, and checking its head against RFC 9112 and RFC 9110.

Only the head of the first message in the buffer is judged (start line, header fields, line
endings), plus the chunk-size lines of a chunked body that follows it. A line the buffer stops
in the middle of is never judged: the rest of it may be in the next segment.
"""

from __future__ import annotations

from lurewatch.net.payload.http_head import clean_head, host_value
from lurewatch.net.payload.lines import (
    CRLF,
    CUT,
    LF,
    Line,
    has_bare_cr,
    outside,
    shown,
    split_lines,
)

MALFORMED = "http_malformed"

# RFC 9110 §5.6.2: tchar.
TOKEN_CHARS = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
TCHAR = frozenset(TOKEN_CHARS)

# RFC 9110 methods and the registered WebDAV/extension methods a client plausibly sends.
METHODS = frozenset(
    {
        b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"CONNECT", b"OPTIONS", b"TRACE", b"PATCH",
        b"PROPFIND", b"PROPPATCH", b"MKCOL", b"COPY", b"MOVE", b"LOCK", b"UNLOCK", b"REPORT",
        b"SEARCH", b"MKCALENDAR", b"MKACTIVITY", b"CHECKOUT", b"CHECKIN", b"UNCHECKOUT",
        b"MERGE", b"BIND", b"UNBIND", b"REBIND", b"ACL", b"ORDERPATCH", b"LINK", b"UNLINK",
        b"UPDATE", b"LABEL", b"MKWORKSPACE", b"VERSION-CONTROL", b"BASELINE-CONTROL", b"PRI",
        b"QUERY",
    }
)  # fmt: skip

# The HTTP/2 prior-knowledge preface (RFC 9113 §3.4) is sent in place of an HTTP/1 request.
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

TRANSFER_CODINGS = frozenset({b"chunked", b"gzip", b"x-gzip", b"deflate", b"compress", b"x-compress", b"identity"})  # fmt: skip

HEAD_LIMIT = 65536  # a head this long is judged absurd and not read further
LINE_LIMIT = 16384  # a start line or field line longer than this is absurd
FIELD_LIMIT = 256  # more header fields than this is absurd
_DIGITS = frozenset(b"0123456789")
_non_token = outside(TOKEN_CHARS)
_non_visible = outside(bytes(range(0x21, 0x7F)))  # VCHAR
_non_field_text = outside(
    b"\t\r" + bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100))
)  # CR: judged apart
_non_hex = outside(b"0123456789abcdefABCDEF")


# -- recognition ---------------------------------------------------------------------------


def _is_version(token: bytes) -> bool:
    """HTTP-version = "HTTP/" DIGIT "." DIGIT (case-sensitive)."""
    return (
        len(token) == 8
        and token.startswith(b"HTTP/")
        and token[5] in _DIGITS
        and token[6] == 0x2E
        and token[7] in _DIGITS
    )


def looks_like_http(p: bytes) -> bool:
    """A request line or a status line at the start of the buffer."""
    if p[:5] == b"HTTP/":
        # HTTP/1.x SP 3DIGIT
        return len(p) >= 12 and _is_version(p[:8]) and p[8] == 0x20 and p[9:12].isdigit()
    sp = p.find(b" ", 0, 20)
    if sp > 0 and p[:sp] in METHODS:
        target = p[sp + 1 : sp + 9]
        if p[:sp] == b"CONNECT":
            if target[:1] not in (b"", b" ", b"\r", b"\n"):
                return True
        elif target[:1] in (b"/", b"*") or target.startswith((b"http://", b"https:/")):
            return True
    # Odd spacing, a tab or a lower-case method: still HTTP when the line ends in a version.
    end = p.find(b"\n", 0, 8192)
    if end < 0:
        return False
    line = p[:end].rstrip(b"\r")
    if line[-9:-3].upper() not in (b" HTTP/", b"\tHTTP/"):
        return False
    return line.split(None, 1)[0].upper() in METHODS


# -- structure -----------------------------------------------------------------------------


class _Head:
    """What the head of one message said, gathered while its lines are read."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []
        self.fields: list[tuple[bytes, bytes]] = []  # (lower-case name, value)
        self.complete = False  # the empty line ending the head was seen
        self.body_at = 0  # offset of the body when complete

    def flag(self, detail: str) -> None:
        if (MALFORMED, detail) not in self.problems:
            self.problems.append((MALFORMED, detail))

    def values(self, name: bytes) -> list[bytes]:
        return [v for n, v in self.fields if n == name]


def _check_request_line(head: _Head, text: bytes) -> tuple[int, bytes | None]:
    """Flag what breaks `method SP request-target SP HTTP-version`; how many parts the line
    has, and its version when that is a valid HTTP-version."""
    if b"\t" in text:
        head.flag(
            f"request line contains a tab; RFC 9112 §3 separates its parts by single spaces: '{shown(text)}'"
        )
    raw = text.split(b" ")
    if b"" in raw:
        head.flag(f"request line has leading, trailing or repeated spaces: '{shown(text)}'")
    parts = text.replace(b"\t", b" ").split()
    if not parts:
        head.flag("request line is blank")
        return 0, None
    method = parts[0]
    if _non_token(method):
        head.flag(f"method '{shown(method, 20)}' has characters outside the token set")
    elif method != method.upper() and method.upper() in METHODS:
        head.flag(f"method '{shown(method, 20)}' is not upper case; methods are case-sensitive")
    if len(parts) == 1:
        head.flag(f"request line has no request-target and no version: '{shown(text)}'")
        return 1, None
    if len(parts) == 2:
        head.flag(f"HTTP/0.9-style request without a version: '{shown(text)}'")
    elif len(parts) > 3:
        head.flag(f"request line has {len(parts)} parts instead of 3 (spaces in the target?)")
    _check_target(head, method.upper(), parts[1])
    if len(parts) < 3:
        return len(parts), None
    version = parts[-1]
    if not _is_version(version):
        head.flag(f"'{shown(version, 20)}' is not an HTTP-version (HTTP/x.y, case-sensitive)")
        return len(parts), None
    if version not in (b"HTTP/1.0", b"HTTP/1.1"):
        head.flag(f"{version.decode()} in an HTTP/1 request line")
    return len(parts), version


def _check_target(head: _Head, method: bytes, target: bytes) -> None:
    if _non_visible(target):
        head.flag("request-target has control or non-ASCII bytes that should be percent-encoded")
    if len(target) > LINE_LIMIT:
        head.flag(f"request-target of {len(target)} bytes")
    if method == b"CONNECT":
        ok = b":" in target and not target.startswith(b"/")
    elif target == b"*":
        ok = method == b"OPTIONS"
    else:
        scheme, sep, _ = target.partition(b"://")
        ok = target.startswith(b"/") or (bool(sep) and scheme.isalpha())
    if not ok:
        head.flag(
            f"request-target '{shown(target, 40)}' is not in a form RFC 9112 §3.2 allows for {method.decode('latin-1')}"
        )


def _check_status_line(head: _Head, text: bytes) -> None:
    version, sp, rest = text.partition(b" ")
    if not _is_version(version):
        head.flag(f"status line does not start with an HTTP-version: '{shown(text)}'")
        return
    code, _, reason = rest.partition(b" ")
    if not sp or len(code) != 3 or not code.isdigit() or not 100 <= int(code) <= 599:
        head.flag(
            f"status line has no 3-digit status code (100-599) after a single space: '{shown(text)}'"
        )
    if _non_field_text(reason):
        head.flag("reason phrase contains control characters")


def _check_field_line(head: _Head, text: bytes) -> None:
    if text[:1] in (b" ", b"\t"):
        head.flag("obsolete line folding (a field line starting with whitespace, RFC 9112 §5.2)")
        return
    colon = text.find(b":")
    if colon < 0:
        head.flag(f"header line without a colon: '{shown(text)}'")
        return
    name, value = text[:colon], text[colon + 1 :].strip(b" \t")
    if not name:
        head.flag(f"header line with an empty field name: '{shown(text)}'")
        return
    if name[-1:] in (b" ", b"\t"):
        head.flag(
            f"whitespace between field name '{shown(name.rstrip(), 40)}' and the colon (RFC 9112 §5.1: reject)"
        )
    elif _non_token(name):
        head.flag(f"field name '{shown(name, 40)}' has characters outside the token set")
    if _non_field_text(value):
        head.flag(f"field '{shown(name.strip(), 40)}' has control characters in its value")
    if len(text) > LINE_LIMIT:
        head.flag(f"field line '{shown(name.strip(), 40)}' of {len(text)} bytes")
    head.fields.append((name.strip().lower(), value))


def _check_line_endings(head: _Head, lines: list[Line]) -> None:
    judged = [ln for ln in lines if ln.end != CUT]
    bare_lf = sum(1 for ln in judged if ln.end == LF)
    if bare_lf:
        head.flag(
            f"{bare_lf} line(s) end with a bare LF instead of CRLF "
            "(many servers tolerate it, RFC 9112 §2.2 lets them; the sender still broke the syntax)"
        )
    if any(has_bare_cr(ln.text) for ln in judged):
        head.flag("bare CR inside a line (RFC 9112 §2.2: reject or replace with a space)")


def _check_framing(head: _Head, is_request: bool, version: bytes | None) -> None:
    """Content-Length and Transfer-Encoding: the fields request smuggling plays with."""
    lengths: set[int] = set()
    for value in head.values(b"content-length"):
        for item in value.split(b","):
            item = item.strip(b" \t")
            if not item or not item.isdigit():
                head.flag(f"Content-Length '{shown(value, 30)}' is not a number")
            elif len(item) > 15:
                head.flag(f"Content-Length of {len(item)} digits")
            else:
                lengths.add(int(item))
    if len(lengths) > 1:
        shown_lengths = ", ".join(str(n) for n in sorted(lengths))
        head.flag(f"Content-Length given with different values ({shown_lengths})")
    codings = [
        c.strip(b" \t").split(b";")[0].strip(b" \t").lower()
        for v in head.values(b"transfer-encoding")
        for c in v.split(b",")
    ]
    codings = [c for c in codings if c]
    if not codings:
        return
    if head.values(b"content-length"):
        head.flag("both Content-Length and Transfer-Encoding (RFC 9112 §6.1 forbids sending both)")
    for c in codings:
        if c not in TRANSFER_CODINGS:
            head.flag(f"unknown transfer coding '{shown(c, 30)}'")
    if codings.count(b"chunked") > 1:
        head.flag("chunked applied more than once")
    if is_request and codings[-1] != b"chunked":
        head.flag("chunked is not the final transfer coding of a request (RFC 9112 §6.3)")
    if version == b"HTTP/1.0":
        head.flag("Transfer-Encoding in an HTTP/1.0 message")


def _check_host(head: _Head, version: bytes | None) -> None:
    hosts = head.values(b"host")
    if len(hosts) > 1:
        head.flag(f"{len(hosts)} Host fields in one request (RFC 9112 §3.2: respond 400)")
    elif not hosts and head.complete and version == b"HTTP/1.1":
        head.flag("HTTP/1.1 request without a Host field")


def _check_chunks(head: _Head, body: bytes) -> None:
    """The chunk-size lines present in the buffer (RFC 9112 §7.1)."""
    pos, n = 0, len(body)
    for _ in range(1024):
        nl = body.find(b"\n", pos, pos + 1024)
        if nl < 0:
            return
        line = body[pos:nl].rstrip(b"\r")
        size_text = line.split(b";", 1)[0].rstrip(b" \t")
        if not size_text or _non_hex(size_text):
            head.flag(f"chunk-size line '{shown(line, 30)}' is not hexadecimal")
            return
        if len(size_text) > 16:
            head.flag(f"chunk size of {len(size_text)} hex digits")
            return
        size = int(size_text, 16)
        if size == 0:
            return  # trailers follow; not judged
        data_end = nl + 1 + size
        if data_end + 2 > n:
            return
        if body[data_end : data_end + 2] != b"\r\n":
            head.flag("chunk data not followed by CRLF where its size says it ends")
            return
        pos = data_end + 2


def check(payload: bytes, from_client: bool) -> list[tuple[str, str]]:
    """http_malformed problems in the first message head of the buffer."""
    if clean_head(payload)[0]:
        return []  # the usual case, recognised whole (lurewatch.net.payload.http_head)
    if H2_PREFACE.startswith(payload[: len(H2_PREFACE)]):
        return []  # HTTP/2 with prior knowledge: binary frames follow, not an HTTP/1 head
    head = _Head()
    lines = split_lines(payload[:HEAD_LIMIT], max_lines=FIELD_LIMIT + 2)
    # RFC 9112 §2.2: a server should ignore empty lines received before the request line.
    while lines and lines[0].text == b"" and lines[0].end != CUT:
        lines.pop(0)
    if not lines:
        return []
    start = lines[0]
    if start.end == CUT:
        if len(start.text) > LINE_LIMIT:
            head.flag(f"start line of more than {LINE_LIMIT} bytes")
        return head.problems
    is_request = not start.text.startswith(b"HTTP/")
    version: bytes | None = None
    if is_request:
        parts, version = _check_request_line(head, start.text)
        # A request line without a version (HTTP/0.9 style) has no header section.
        head.complete = parts < 3
    else:
        _check_status_line(head, start.text)
    if len(start.text) > LINE_LIMIT:
        head.flag(f"start line of {len(start.text)} bytes")
    used = [start]
    for line in lines[1:]:
        if line.end == CUT or head.complete:
            break
        used.append(line)
        if line.text == b"":
            head.complete = True
            head.body_at = line.offset + (2 if line.end == CRLF else 1)
            break
        _check_field_line(head, line.text)
    if len(head.fields) > FIELD_LIMIT:
        head.flag(f"more than {FIELD_LIMIT} header fields")
    elif not head.complete and len(payload) >= HEAD_LIMIT:
        head.flag(f"header section longer than {HEAD_LIMIT} bytes")
    _check_line_endings(head, used)
    _check_framing(head, is_request, version)
    if is_request:
        _check_host(head, version)
    codings = b",".join(head.values(b"transfer-encoding")).lower()
    if head.complete and head.body_at and codings.rstrip(b" \t").endswith(b"chunked"):
        _check_chunks(head, payload[head.body_at :])
    return head.problems


def host(payload: bytes) -> str | None:
    """The Host field (or the authority of an absolute-form or CONNECT target), lower case,
    without its port."""
    clean, at = clean_head(payload)
    if clean:  # an origin-form target: the Host field is the only place the name can be
        value = host_value(payload, at) if at >= 0 else b""
        return _strip_port(value.decode("latin-1").lower()) or None if value else None
    lines = split_lines(payload[:HEAD_LIMIT], max_lines=FIELD_LIMIT + 2)
    if not lines or lines[0].end == CUT:
        return None
    authority: bytes | None = None
    parts = lines[0].text.split()
    if len(parts) >= 2 and not lines[0].text.startswith(b"HTTP/"):
        target = parts[1]
        if parts[0].upper() == b"CONNECT":
            authority = target
        elif b"://" in target:
            authority = target.split(b"://", 1)[1].split(b"/", 1)[0].rsplit(b"@", 1)[-1]
    for line in lines[1:]:
        if line.end == CUT or line.text == b"":
            break
        name, colon, value = line.text.partition(b":")
        if colon and name.strip().lower() == b"host":
            authority = value.strip(b" \t")
            break
    if not authority:
        return None
    return _strip_port(authority.decode("latin-1").lower()) or None


def _strip_port(authority: str) -> str:
    if authority.startswith("["):
        return authority[1:].split("]", 1)[0]
    name, colon, _port = authority.rpartition(":")
    if not colon or ":" in name:
        return authority  # no port, or a bare IPv6 address
    return name
