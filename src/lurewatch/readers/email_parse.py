"""One mail message's bytes into an `email` row: addresses, hops, lists, bodies, attachments, defects.

The MIME structure is parsed with the standard library's compat32 policy: the modern policy
builds a header object, with a full RFC 5322 parse, every time any header is read (the MIME walk
alone reads Content-Type several times per part), which made parsing four times slower. The few
headers a row needs are rendered as the modern API renders them (header_fields.py).

A message that parses only in part keeps what was read and records the parser's defects; only
bytes that are not a message at all are rejected.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from typing import Any

import orjson

from lurewatch.errors import RecordError
from lurewatch.ids import event_id
from lurewatch.readers.email_body import walk_parts
from lurewatch.readers.header_fields import MAX_HEADER_CHARS, HeaderFields, clean_text, unfold
from lurewatch.readers.header_section import header_end
from lurewatch.readers.mail_sources import looks_like_message
from lurewatch.readers.mime_boundary import use_prefix_boundaries
from lurewatch.readers.mime_line_end import use_line_end_at_tail
from lurewatch.readers.received import Hop, parse_chain
from lurewatch.readers.records import RawMessage
from lurewatch.util.domains import domain_of, registrable_domain

MAX_MULTIPARTS = 200  # more multipart containers than this is a nesting bomb, not mail

MAX_ADDRESS_HEADER_BYTES = 32 * 1024  # the stdlib address parser slows down badly past this

use_prefix_boundaries()
use_line_end_at_tail()
_PARSER = BytesParser(policy=policy.compat32)
_ADDRESS_FIELDS = (
    b"from",
    b"to",
    b"cc",
    b"bcc",
    b"sender",
    b"reply-to",
    b"delivered-to",
    b"x-original-to",
    b"resent-from",
    b"resent-to",
    b"resent-cc",
)
_ANGLE = re.compile(r"<([^<>]*)>")


@dataclass
class ParsedEmail:
    raw: bytes
    message: Message  # compat32: read header fields with `header_values`, not `get`
    row: dict[str, Any]
    hops: list[Hop]
    recipients: list[tuple[str, str]] = field(default_factory=list)  # (address, role)
    payloads: dict[int, bytes] = field(default_factory=dict)  # attachments' bytes by id(part)


def _path_address(value: str | None) -> str | None:
    if not value:
        return None
    m = _ANGLE.search(value)
    addr = (m.group(1) if m else value).strip().lower()
    return addr or None


def _timestamp(fields: HeaderFields, hops: list[Hop], defects: list[str]) -> dt.datetime | None:
    raw = fields.raw.get("date")
    # The modern Date header re-renders a readable date; parsing the raw text gives the same
    # instant, and the same failure for an unreadable one.
    date = clean_text(unfold(raw[0]))[:MAX_HEADER_CHARS].strip() if raw else None
    if date:
        try:
            t = parsedate_to_datetime(date)
            if t.tzinfo is None:
                t = t.replace(tzinfo=dt.UTC)
            return t.astimezone(dt.UTC).replace(tzinfo=None)
        except (TypeError, ValueError, IndexError, OverflowError):
            defects.append("InvalidDateHeader")
    for hop in hops:
        if hop.time:
            return dt.datetime.fromisoformat(hop.time).astimezone(dt.UTC).replace(tzinfo=None)
    return None


def _clean_row(row: dict[str, Any]) -> None:
    for key, value in row.items():
        if isinstance(value, str):
            row[key] = clean_text(value)
        elif isinstance(value, list):
            row[key] = [clean_text(v) if isinstance(v, str) else v for v in value]


def _cap_address_headers(data: bytes, defects: list[str]) -> bytes:
    """Cut address header fields past MAX_ADDRESS_HEADER_BYTES at an address boundary.

    A From or To with tens of thousands of addresses would otherwise take minutes to parse.
    """
    end = header_end(data)
    if end <= MAX_ADDRESS_HEADER_BYTES:
        return data
    lines = data[:end].splitlines(keepends=True)
    out: list[bytes] = []
    field: list[bytes] = []

    def flush() -> None:
        if not field:
            return
        joined = b"".join(field)
        name = joined.split(b":", 1)[0].strip().lower()
        if name in _ADDRESS_FIELDS and len(joined) > MAX_ADDRESS_HEADER_BYTES:
            cut = joined[:MAX_ADDRESS_HEADER_BYTES]
            comma = cut.rfind(b",")
            cut = cut[:comma] if comma > 0 else cut
            defects.append(f"HeaderTruncated:{name.decode('ascii', 'replace')}")
            out.append(cut.rstrip() + b"\r\n")
        else:
            out.extend(field)
        field.clear()

    for line in lines:
        if line[:1] in (b" ", b"\t") and field:
            field.append(line)
        else:
            flush()
            field.append(line)
    flush()
    return b"".join(out) + data[end:]


def parse_email(raw: RawMessage) -> ParsedEmail:
    """Parse one message. Raises RecordError when the bytes are not a mail message at all."""
    data = raw.data
    if not looks_like_message(data[:4096]):
        raise RecordError("not a mail message: no header field at the start")
    defects: list[str] = []
    data = _cap_address_headers(data, defects)
    try:
        if data.count(b"multipart/") > MAX_MULTIPARTS:
            raise RecursionError  # a nesting bomb: do not let the parser walk it
        msg = _PARSER.parsebytes(data)
    except RecursionError:
        # Keep what can be read: the headers, with the body left unparsed.
        defects.append("MimeNestingTooDeep")
        msg = _PARSER.parsebytes(data, headersonly=True)
    except Exception as exc:  # the stdlib parser is meant never to raise; be safe
        raise RecordError(
            f"message could not be parsed: {type(exc).__name__}: {exc}"[:300]
        ) from None
    defects.extend(type(d).__name__ for d in msg.defects)
    payloads: dict[int, bytes] = {}
    try:
        text, html, attachments = walk_parts(msg, defects, payloads)
    except RecursionError:
        defects.append("NestingTooDeep")
        text, html, attachments = "", "", []
    except Exception as exc:
        defects.append(f"BodyUnreadable:{type(exc).__name__}")
        text, html, attachments = "", "", []

    fields = HeaderFields(msg)

    def addrs(name: str) -> list[tuple[str, str]]:
        try:
            return fields.addresses(name.lower())
        except Exception:
            defects.append(f"InvalidAddressHeader:{name}")
            return []

    from_all = addrs("From")
    # "From: Shop Name,<a@shop.example>" parses as two entries, one without an address; real
    # mail clients quote such names, so keep the real address and record the malformation.
    from_list = [(n, a) for n, a in from_all if "@" in a]
    if len(from_list) < len(from_all):
        defects.append("FromEntryWithoutAddress")
        if from_list and not from_list[0][0]:
            from_list[0] = (" ".join(n or a for n, a in from_all if "@" not in a), from_list[0][1])
    if not from_list and fields.count("from"):
        defects.append("UnparseableFrom")
    from_name, from_addr = from_list[0] if from_list else (None, None)
    to = [a for _, a in addrs("To")]
    cc = [a for _, a in addrs("Cc")]
    delivered = [a for _, a in addrs("Delivered-To")] + [a for _, a in addrs("X-Original-To")]
    sender = addrs("Sender")
    reply_to = addrs("Reply-To")
    hops = parse_chain(fields.values("received"))
    when = _timestamp(fields, hops, defects)
    from_domain = domain_of(from_addr)
    dkim_sigs = []
    for sig in fields.values("dkim-signature"):
        tags = dict(
            (k.strip().lower(), v.strip())
            for k, _, v in (
                t.partition("=") for t in sig.replace("\r", "").replace("\n", "").split(";")
            )
            if k.strip()
        )
        dkim_sigs.append(
            {"d": tags.get("d", "").lower(), "s": tags.get("s", ""), "a": tags.get("a", "")}
        )
    recipients: list[tuple[str, str]] = []
    for role, lst in (("to", to), ("cc", cc), ("delivered_to", delivered)):
        recipients.extend((a, role) for a in lst)
    row: dict[str, Any] = {
        "event.id": event_id("email", raw.data),
        "@timestamp": when,
        "log.file.path": raw.path,
        "log.offset": raw.offset,
        "email.message_id": fields.first("message-id"),
        "email.subject": fields.first("subject"),
        "email.from.address": from_addr,
        "email.from.name": from_name or None,
        "email.from.domain": from_domain,
        "email.from.registered_domain": registrable_domain(from_domain),
        "email.from.count": len(from_list),
        "email.sender.address": sender[0][1] if sender else None,
        "email.reply_to.address": reply_to[0][1] if reply_to else None,
        "email.return_path": _path_address(fields.first("return-path")),
        "email.to.address": to,
        "email.cc.address": cc,
        "email.delivered_to": delivered,
        "email.x_mailer": fields.first("x-mailer") or fields.first("user-agent"),
        "email.list_id": fields.first("list-id"),
        "email.list_unsubscribe": fields.first("list-unsubscribe"),
        "email.precedence": (fields.first("precedence") or "").lower() or None,
        "email.received": orjson.dumps(hops).decode(),  # orjson writes dataclasses as objects
        "email.authentication_results": orjson.dumps(
            fields.values("authentication-results") + fields.values("arc-authentication-results")
        ).decode(),
        "email.arc_headers": fields.count("arc-seal"),
        "email.dkim_signatures": orjson.dumps(dkim_sigs).decode(),
        "email.attachments": orjson.dumps(attachments).decode(),
        "email.body.text": text,
        "email.body.html": html,
        "email.defects": sorted(set(defects)),
        "email.size": len(raw.data),
    }
    _clean_row(row)
    recipients = [(clean_text(a), role) for a, role in recipients]
    return ParsedEmail(raw.data, msg, row, hops, recipients, payloads)
