"""One URL string into a `NormalUrl`: the form a browser would request, with its parts named.

The parse follows what browsers do rather than what RFC 3986 permits, because a link is judged
by where it takes a person: a backslash ends the host of an http URL (`http://evil\\@bank/`
goes to `evil`), `http:/\\host` still reaches `host`, the last `@` of the authority separates
the user part, and numeric hosts such as `http://3232235777/` or `0x7f.1` are IPv4 addresses.

Hopeless input (no scheme, no host, a bad port, characters no host may hold) raises `UrlError`,
whose one-line message says why; nothing else is ever raised. `try_normalize_url` returns None
instead. Input past `MAX_URL_CHARS` is cut there and flagged "truncated": the host sits at the
start, and a 100 KB URL must not cost more than a short one.

Flags on a `NormalUrl` name what normalization noticed: "truncated", "schemeless" (www. or //
without a scheme), "idna-invalid" (not valid IDNA2008: encoded by the older IDNA2003 mapping
that browsers still apply to symbols and emoji, or kept as written when even that fails),
"ip-obfuscated" (an IPv4 address not in dotted-decimal form), "backslash", "odd-slashes",
"trailing-dot".
"""

from __future__ import annotations

import re
from typing import NamedTuple

from lurewatch.enrich.urls.host import Host, parse_host
from lurewatch.errors import RecordError

__all__ = [
    "MAX_URL_CHARS",
    "NormalUrl",
    "UrlError",
    "normalize_url",
    "trim_url",
    "try_normalize_url",
]

MAX_URL_CHARS = 8192  # longer input is cut here; browsers and servers refuse far less anyway

# Schemes with an authority whose parsing browsers special-case, with their default ports.
_SPECIAL: dict[str, int | None] = {
    "http": 80,
    "https": 443,
    "ftp": 21,
    "ws": 80,
    "wss": 443,
    "file": None,
}
# Schemes without an authority that are still worth keeping as found (script, inline data).
_OPAQUE = frozenset(
    {"data", "javascript", "vbscript", "mailto", "tel", "sms", "cid", "about", "blob", "callto"}
)

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,31}:")
_WWW = re.compile(r"www\d{0,3}\.", re.IGNORECASE)
_AUTH_END_SPECIAL = re.compile(r"[/\\?#]")
_AUTH_END = re.compile(r"[/?#]")
_ENTITY = re.compile(r"&(amp|quot|lt|gt|apos|#0*38|#x0*26|#0*39|#x0*27);", re.IGNORECASE)
_ENTITY_CHAR = {"amp": "&", "quot": '"', "lt": "<", "gt": ">", "apos": "'"}
# Only escapes that normal form changes: lower-case hex, or an unreserved character (A-Z a-z
# 0-9 - . _ ~) that needs no escape. Matching just these keeps the usual URL, whose escapes
# are already upper-case and reserved, to one scan without a callback per escape.
_PCT_CHANGE = re.compile(
    r"%(?:[0-9A-Fa-f][a-f]|[a-f][0-9A-F]|2[DE]|3[0-9]|4[1-9A-F]|5[0-9A]|5F|6[1-9A-F]|7[0-9A]|7E)"
)
_URL_SAFE_BYTES = bytes(b for b in range(0x21, 0x7F) if b not in b'"<>`')
_QUOTE = re.compile(r"[\x00-\x20\"<>`\x7f-\U0010ffff]")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters no host may hold (WHATWG "forbidden host code points", plus '%' after decoding).
_LINE_BREAKS = re.compile(r"[\t\r\n]")

_OPENERS = "<([{\"'“‘«"
_TRAILING = ".,;:!?'\">“”‘’»。，、！？；："
_PAIRS = {")": "(", "]": "[", "}": "{"}
_CODE_SCHEMES = ("javascript:", "vbscript:", "data:")
_TRIM_ROUNDS = 8


class UrlError(RecordError):
    """A string that cannot be read as a URL; the message says why in one line."""


class NormalUrl(NamedTuple):
    """A URL in normal form. Opaque schemes (data:, javascript:, mailto:) have an empty host.

    A named tuple rather than a dataclass: it is immutable, so results can be cached and
    shared, and it is built several times faster, which matters at tens of thousands a second.
    """

    full: str
    scheme: str
    host: str  # ASCII, lower-case, punycode; IPv6 keeps its brackets as ECS url.domain does
    host_unicode: str
    port: int | None  # None when absent or the scheme's default
    path: str
    query: str
    fragment: str
    userinfo: str  # text before '@' in the authority: `https://bank.com@evil.example/`
    registered_domain: str | None
    is_ip: bool
    original: str
    flags: tuple[str, ...] = ()


def _entity(m: re.Match[str]) -> str:
    name = m.group(1).lower()
    if name in _ENTITY_CHAR:
        return _ENTITY_CHAR[name]
    return "&" if name.endswith(("38", "26")) else "'"


def trim_url(raw: str) -> str:
    """`raw` without what extraction leaves around a URL: entities, wrapping quotes and brackets,
    sentence punctuation, and line breaks (from quoted-printable soft breaks or wrapping)."""
    s = raw
    if "=\n" in s or "=\r\n" in s:  # a quoted-printable soft break that was never decoded
        s = s.replace("=\r\n", "").replace("=\n", "")
    if "\n" in s or "\r" in s or "\t" in s:
        s = _LINE_BREAKS.sub("", s)
    s = s.strip()
    if "&" in s:
        for _ in range(3):  # "&amp;amp;" from text that was escaped twice
            t = _ENTITY.sub(_entity, s)
            if t == s:
                break
            s = t
    s = s.lstrip(_OPENERS)
    if s[:4].lower() == "url:":  # RFC 3986 appendix C: <URL:http://...>
        s = s[4:].lstrip()
    if s[:11].lower().startswith(_CODE_SCHEMES):
        return s  # script and inline data end in quotes and brackets that belong to them
    # Each round strips a run of punctuation or of unbalanced closing brackets. Real text needs
    # two or three rounds; the cap keeps a hostile ".).).)..." string from costing n² counts.
    for _ in range(_TRIM_ROUNDS):
        stripped = s.rstrip(_TRAILING)
        if stripped != s:
            s = stripped
            continue
        closer = s[-1:]
        if closer not in _PAIRS:
            break
        excess = s.count(closer) - s.count(_PAIRS[closer])
        run = len(s) - len(s.rstrip(closer))
        cut = min(excess, run)
        if cut <= 0:
            break
        s = s[:-cut]
    return s.strip()


def _valid_text(s: str) -> str:
    """`s` with lone surrogates (undecodable bytes kept by a parser) as U+FFFD, so every output
    string encodes as UTF-8."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        try:
            data = s.encode("utf-8", "surrogateescape")  # bytes a parser could not decode
        except UnicodeEncodeError:
            data = s.encode("utf-8", "surrogatepass")
        return data.decode("utf-8", "replace")


def _pct_fix(m: re.Match[str]) -> str:
    hexa = m.group(0)[1:]
    ch = chr(int(hexa, 16))
    return ch if ch in _UNRESERVED else "%" + hexa.upper()


def _needs_quote(s: str) -> bool:
    # bytes.translate deletes every allowed byte in one C pass; whatever is left (space,
    # controls, quotes, angle brackets, backtick) needs escaping. A regular expression scan is
    # several times slower on the long tracking URLs that fill newsletters.
    return not s.isascii() or bool(s.encode("ascii").translate(None, _URL_SAFE_BYTES))


def _quote_char(m: re.Match[str]) -> str:
    return "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8"))


def _pct(s: str) -> str:
    """Percent-encoding in normal form: unreserved characters decoded, hex upper-case, and
    spaces, controls and non-ASCII encoded as UTF-8 the way a browser sends them."""
    if "%" in s:
        s = _PCT_CHANGE.sub(_pct_fix, s)
    if _needs_quote(s):
        s = _QUOTE.sub(_quote_char, s)
    return s


def _remove_dot_segments(path: str) -> str:
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def _opaque(scheme: str, rest: str, original: str, flags: list[str]) -> NormalUrl:
    body, fl = _pct(rest), tuple(flags)
    return NormalUrl(
        f"{scheme}:{body}", scheme, "", "", None, body, "", "", "", None, False, original, fl
    )


# The common case, recognised in one scan: http(s), a plain host, no user part or port, no
# fragment, and nothing that trimming, entity decoding or escaping would change (the last
# character is checked apart). It must give exactly what the general path gives. The scheme
# spells out both cases rather than using re.IGNORECASE: a case-blind pattern folds every
# character of the path it scans, which made this one match take three times as long.
_FAST = re.compile(
    r"([Hh][Tt][Tt][Pp][Ss]?)://([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)"
    r"((?:/|\?)[\x21\x24-\x3b\x3d\x3f-\x5b\x5d-\x5f\x61-\x7e]*)?"
)
_FAST_LAST = frozenset(_TRAILING) | frozenset(_PAIRS)
_new_tuple = tuple.__new__


def _fast(raw: str) -> NormalUrl | None:
    if raw[-1] in _FAST_LAST or len(raw) > MAX_URL_CHARS:
        return None
    m = _FAST.fullmatch(raw)
    # Every entity ends in ';', which query strings seldom hold, while most have a '&'.
    if m is None or (";" in raw and _ENTITY.search(raw)):
        return None
    scheme, host_raw, tail = m.groups()
    h = parse_host(host_raw)
    if h.error or h.flags:
        return None
    path, _, query = (tail or "/").partition("?")
    if "/." in path:
        return None
    if "%" in path:
        path = _pct(path)
    if "%" in query:
        query = _pct(query)
    scheme = scheme.lower()
    path = path or "/"
    full = f"{scheme}://{h.ascii}{path}?{query}" if query else f"{scheme}://{h.ascii}{path}"
    rd = h.registered_domain
    # tuple.__new__ fills the named tuple without the Python-level constructor it generates.
    return _new_tuple(
        NormalUrl,
        (full, scheme, h.ascii, h.unicode, None, path, query, "", "", rd, h.is_ip, raw, ()),
    )


def normalize_url(raw: str) -> NormalUrl:
    """`raw` in normal form. Raises UrlError (a RecordError) for input that is not a URL."""
    if not isinstance(raw, str):
        raise UrlError(f"not a string: {type(raw).__name__}")
    if raw and raw.isascii():
        quick = _fast(raw)
        if quick is not None:
            return quick
    flags: list[str] = []
    original = raw
    if len(raw) > MAX_URL_CHARS:
        original = raw[:MAX_URL_CHARS]
        raw = raw[: MAX_URL_CHARS * 2]  # room for whitespace that trimming removes
    if not raw.isascii():
        raw = _valid_text(raw)
        original = _valid_text(original)
    s = trim_url(raw)
    if len(s) > MAX_URL_CHARS:
        s = s[:MAX_URL_CHARS]
        flags.append("truncated")
    if not s:
        raise UrlError("empty URL")
    if _WWW.match(s) or s.startswith("//"):
        s = "http:" + s if s.startswith("//") else "http://" + s
        flags.append("schemeless")
    m = _SCHEME.match(s)
    if m is None:
        raise UrlError("no scheme and no www. prefix")
    scheme = m.group(0)[:-1].lower()
    rest = s[m.end() :]
    special = scheme in _SPECIAL
    if scheme in _OPAQUE or (not special and not rest.startswith("//")):
        if scheme not in _OPAQUE:
            raise UrlError(f"unknown scheme without an authority: {scheme}")
        return _opaque(scheme, rest, original, flags)
    if special:
        stripped = rest.lstrip("/\\")
        if rest[: len(rest) - len(stripped)] != "//":
            flags.append("odd-slashes")
        rest = stripped
    else:
        rest = rest[2:]
    end = (_AUTH_END_SPECIAL if special else _AUTH_END).search(rest)
    authority, tail = (rest[: end.start()], rest[end.start() :]) if end else (rest, "")

    userinfo, at, hostport = authority.rpartition("@")
    if not at:
        userinfo = ""
    port: int | None = None
    if hostport.startswith("["):
        close = hostport.find("]")
        if close < 0:
            raise UrlError("unclosed IPv6 bracket")
        host_raw, portpart = hostport[: close + 1], hostport[close + 1 :]
        if portpart and not portpart.startswith(":"):
            raise UrlError("text after an IPv6 address")
        portstr = portpart[1:]
    else:
        host_raw, _, portstr = hostport.partition(":")
    if portstr:
        if not (portstr.isascii() and portstr.isdigit()) or int(portstr) > 65535:
            raise UrlError("invalid port")
        port = int(portstr)
        if port == _SPECIAL.get(scheme):
            port = None

    if not host_raw:
        if scheme != "file":
            raise UrlError("no host")
        h = Host("", "", False, None, ())
    else:
        h = parse_host(host_raw)
        if h.error:
            raise UrlError(h.error)
        flags.extend(h.flags)

    fragment = ""
    hash_at = tail.find("#")
    if hash_at >= 0:
        tail, fragment = tail[:hash_at], tail[hash_at + 1 :]
    path, _, query = tail.partition("?")
    if special:
        if "\\" in path:
            path = path.replace("\\", "/")
            flags.append("backslash")
        if not path:
            path = "/"
    if "/." in path:
        path = _remove_dot_segments(path)
    if "%" in tail or _needs_quote(tail):
        path, query, fragment = _pct(path), _pct(query), _pct(fragment)
    if userinfo:
        userinfo = _pct(userinfo)

    netloc = h.ascii
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    if port is not None:
        netloc = f"{netloc}:{port}"
    full = f"{scheme}://{netloc}{path}"
    if query:
        full += "?" + query
    if fragment:
        full += "#" + fragment
    # Positional arguments: this runs once per URL and keywords cost measurably more.
    host, uni, rd, ip, fl = h.ascii, h.unicode, h.registered_domain, h.is_ip, tuple(flags)
    return NormalUrl(
        full, scheme, host, uni, port, path, query, fragment, userinfo, rd, ip, original, fl
    )


def try_normalize_url(raw: str) -> NormalUrl | None:
    """`normalize_url`, with None for input that is not a URL."""
    try:
        return normalize_url(raw)
    except UrlError:
        return None
