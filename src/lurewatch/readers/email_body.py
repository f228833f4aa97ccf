"""The bodies and attachments of a parsed message, walked within bounds.

Text and HTML parts that are not attachments are decoded with their declared charset (an
unknown one is a defect, decoded as UTF-8); every other leaf part is an attachment summarized
by name, declared and sniffed type, size and SHA-256. Attached messages (message/rfc822) are
walked into. At most MAX_PARTS parts are visited and MAX_BODY_CHARS of each body kept.
"""

from __future__ import annotations

import contextlib
import hashlib
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

from lurewatch.readers.sniff import sniff_type

MAX_BODY_CHARS = 2_000_000  # body text/html kept per message
MAX_PARTS = 500  # MIME parts walked per message


def _decoded_text(part: Message, defects: list[str]) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "us-ascii"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        defects.append(f"UnknownCharset:{charset[:40]}")
        return payload.decode("utf-8", errors="replace")


def _filename(part: Message) -> str | None:
    """The part's file name, RFC 2047 words decoded as the modern API does."""
    name = part.get_filename()
    if name is None:
        return None
    name = str(name)
    if "=?" in name:
        with contextlib.suppress(Exception):  # a broken encoded word stays as written
            name = str(make_header(decode_header(name)))
    return name


def walk_parts(
    msg: Message, defects: list[str], payloads: dict[int, bytes] | None = None
) -> tuple[str, str, list[dict[str, Any]]]:
    """The message's text and HTML bodies, and a summary of each attachment.

    Parts are walked depth first without recursion, so nesting cannot exhaust the stack.
    `payloads` receives each attachment's decoded bytes under the `id` of its part, for the
    link extraction that reads them again (decoding base64 twice cost a few percent of ingest).
    """
    text_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[dict[str, Any]] = []
    count = 0
    stack: list[Any] = [msg]
    while stack:
        part = stack.pop()
        count += 1
        if count > MAX_PARTS:
            defects.append(f"TooManyParts:>{MAX_PARTS}")
            break
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(reversed(payload))
            continue
        ctype = part.get_content_type()
        filename = _filename(part)
        disposition = (part.get_content_disposition() or "").lower()
        is_attachment = bool(filename) or disposition == "attachment"
        if not is_attachment and ctype == "text/plain":
            text_parts.append(_decoded_text(part, defects))
        elif not is_attachment and ctype == "text/html":
            html_parts.append(_decoded_text(part, defects))
        elif ctype == "message/rfc822" and not is_attachment:
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(reversed(payload))
        else:
            data = part.get_payload(decode=True)
            data = data if isinstance(data, bytes) else b""
            if payloads is not None:
                payloads[id(part)] = data
            attachments.append(
                {
                    "name": str(filename)[:512] if filename else None,
                    "declared_type": ctype,
                    "sniffed_type": sniff_type(data),
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
    text = "\n".join(text_parts)[:MAX_BODY_CHARS]
    html = "\n".join(html_parts)[:MAX_BODY_CHARS]
    return text, html, attachments
