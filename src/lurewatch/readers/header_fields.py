"""Header fields rendered as the modern email API renders them, and their address lists read.

The message is parsed with the compat32 policy (see email_parse); the few fields a row needs are
rendered here as `policy.default` would: unfolded, RFC 2047 words decoded, undecodable bytes
replaced. Values plain enough take a short path with the same result; anything unusual goes
through the modern header classes themselves, and a field even they fail on keeps its text.
"""

from __future__ import annotations

import re
from email import policy
from email.headerregistry import Address
from email.message import Message
from email.utils import getaddresses
from typing import Any

from lurewatch.readers.address_list import plain_addresses, read_addresses

MAX_HEADER_CHARS = 8192  # one header value kept at most

_MODERN = policy.default
# The modern policy unfolds on CR and LF only (str.splitlines would also split on \x0b, \x85...).
_LINESEP = re.compile(r"\n|\r")
# Headers the modern API gives a class of their own; any other is unstructured text.
_ADDRESS_HEADERS = frozenset(
    ("from", "to", "cc", "bcc", "sender", "reply-to", "resent-from", "resent-to", "resent-cc")
)
_STRUCTURED_HEADERS = _ADDRESS_HEADERS | frozenset(
    (
        "date",
        "resent-date",
        "orig-date",
        "resent-sender",
        "resent-bcc",
        "message-id",
        "mime-version",
        "content-type",
        "content-disposition",
        "content-transfer-encoding",
    )
)
# A Message-ID the modern parser renders unchanged: <dot-atom@dot-atom>, nothing around it.
_SIMPLE_MSGID = re.compile(
    r"<[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*>"
)
# A plain address list, which getaddresses() reads exactly as the modern parser does: each
# entry an addr-spec with one "@", alone or in angle brackets after a plain or quoted phrase.
# Anything else (comments, groups, RFC 2047 words, stray "@" or quotes) takes the modern parser.
# Words are split on whitespace so that no two parts of the pattern can match the same spaces:
# a hostile header then costs linear time, not quadratic.
_PLAIN_ADDR = r'[^\s<>@",;:()\[\]\\]+@[^\s<>@",;:()\[\]\\]+'
_PLAIN_WORD = r'[^\s"<>@,;:()\[\]\\=]+'
_PLAIN_PHRASE = rf'{_PLAIN_WORD}(?:\s+{_PLAIN_WORD})*|"[^"<>@,;:()\[\]\\=]*"'
# The space before "<" belongs to the phrase's group: were it a \s* of its own beside the
# entry's leading one, an entry without a phrase could split its spaces between the two, and a
# list that fails to match at its end would be retried in 2^entries ways.
_PLAIN_ENTRY = rf"\s*(?:{_PLAIN_ADDR}|(?:(?:{_PLAIN_PHRASE})\s*)?<{_PLAIN_ADDR}>)\s*"
_PLAIN_ADDRESS_LIST = re.compile(rf"{_PLAIN_ENTRY}(?:,{_PLAIN_ENTRY})*")


def unfold(value: str) -> str:
    return "".join(_LINESEP.split(value))


def _modern_header(name: str, value: str) -> Any:
    """The modern API's header object for one field: the exact, slow rendering."""
    return _MODERN.header_factory(name, value)


def _modern_text(header: Any) -> str:
    try:
        return str(header)
    except Exception:  # a header the registry cannot render: keep its raw form
        return str(getattr(header, "_parse_tree", header))


def render_header(name: str, value: str) -> str:
    """One raw field value as str() of the modern API's header object renders it."""
    value = unfold(value)
    lname = name.lower()
    if lname not in _STRUCTURED_HEADERS:
        # Unstructured text only changes where it holds RFC 2047 words.
        fast = "=?" not in value
    else:
        fast = lname == "message-id" and _SIMPLE_MSGID.fullmatch(value) is not None
    if fast:
        # The modern API decodes undecodable (surrogate-escaped) bytes as UTF-8, as this does.
        return clean_text(value)
    try:
        header = _modern_header(name, value)
    except Exception:  # the parser itself fails on some malformed fields (an IndexError on
        return clean_text(value)  # "Message-Id: < [a]. [b]@x>"): keep the text as written
    return _modern_text(header)


def header_values(msg: Message, name: str) -> list[str]:
    """Every `name` field of `msg` (top level), rendered as the modern email API would."""
    lname = name.lower()
    return [render_header(n, str(v)) for n, v in msg.raw_items() if n.lower() == lname]


class HeaderFields:
    """The top-level header fields of a message by lower-case name, read once."""

    def __init__(self, msg: Message) -> None:
        self.raw: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            self.raw.setdefault(name.lower(), []).append(str(value))

    def values(self, name: str) -> list[str]:
        return [render_header(name, v)[:MAX_HEADER_CHARS] for v in self.raw.get(name, ())]

    def first(self, name: str) -> str | None:
        raw = self.raw.get(name)
        return render_header(name, raw[0])[:MAX_HEADER_CHARS].strip() if raw else None

    def count(self, name: str) -> int:
        return len(self.raw.get(name, ()))

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, lower-case address) pairs of an address header, tolerant of bad syntax."""
        out: list[tuple[str, str]] = []
        for raw in self.raw.get(name, ()):
            value = unfold(raw)
            if name not in _ADDRESS_HEADERS:
                # Delivered-To and the like are unstructured text to the modern API as well.
                text = render_header(name, value)
                out.extend((d, a.lower()) for d, a in read_addresses([text]) if a)
            elif (plain := plain_addresses(value)) is not None:
                # The plainest lists, cut by one pattern exactly as getaddresses reads them.
                out.extend((d, a.lower()) for d, a in plain)
            elif _PLAIN_ADDRESS_LIST.fullmatch(value):
                # Other plain lists read the same with getaddresses, at a fraction of the cost.
                out.extend((d, a.lower()) for d, a in getaddresses([value]) if a and a != "<>")
            else:
                out.extend(_modern_addresses(name, value))
        return [(d.strip(), a.strip().strip("<>")) for d, a in out if "@" in a or a]


def _modern_addresses(name: str, value: str) -> list[tuple[str, str]]:
    header = _modern_header(name, value)
    out: list[tuple[str, str]] = []
    groups = getattr(header, "addresses", None)
    if groups is not None:
        try:
            for a in groups:
                if isinstance(a, Address) and a.addr_spec and a.addr_spec != "<>":
                    out.append((a.display_name or "", a.addr_spec.lower()))
            return out
        except Exception:
            pass
    text = _modern_text(header)
    out.extend((d, a.lower()) for d, a in read_addresses([text]) if a)
    return out


def clean_text(value: str) -> str:
    """Text safe to store: undecodable bytes the parser kept as surrogates become U+FFFD."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return (
            value.encode("utf-8", "surrogateescape")
            .decode("utf-8", "replace")
            .encode("utf-8", "replace")
            .decode("utf-8")
        )
