"""The link-bearing content of a message's attachments: HTML and text files, PDF link
annotations and page text, and QR codes in images.

Phishing moves its link out of the body once body links get scanned: into an HTML file that
opens locally, a PDF with one big button, or a QR code that the person scans with a phone,
outside every gateway. Each is turned here into `Piece`s of text, HTML or bare URIs for the
extractor to read.

The work is bounded so that a hostile message costs little: parts, bytes per attachment,
PDF pages, image pixels and images per message all have caps, and a file that its parser
rejects yields nothing rather than an error. Decoding libraries (pypdf, Pillow, zxing-cpp) are
imported on first use, so mail without such attachments never loads them.
"""

from __future__ import annotations

import contextlib
import io
import logging
import operator
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from functools import reduce
from typing import Any, cast

from lurewatch.readers.email_body import MAX_PARTS  # the same bound as the mail reader's
from lurewatch.readers.sniff import sniff_type

__all__ = ["MAX_ATTACHMENT_BYTES", "Piece", "attachment_pieces"]

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024  # larger files are archives or media, not lures
MAX_TEXT_CHARS = 2_000_000  # decoded text or HTML read per attachment
MAX_PDF_PAGES = 50  # lure PDFs are a page or two; long documents are not worth the time
MAX_IMAGES = 20  # images decoded for QR codes per message (signatures and logos add up)
MAX_IMAGE_PIXELS = 25_000_000  # beyond this the image is skipped before it is decompressed
MAX_QR_SIDE = 2048  # larger images are scaled down first: a QR code stays readable
MIN_QR_SIDE = 21  # the smallest QR code is 21 modules wide

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "image/svg+xml"})
_HTML_EXT = (".html", ".htm", ".shtml", ".xhtml", ".svg", ".hta")
_TEXT_EXT = (".txt", ".url", ".csv", ".ics", ".eml", ".json", ".xml", ".md")
_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp"})
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Piece:
    source: str  # "attachment:<name>", "pdf:<name>" or "qr:<name>"
    kind: str  # "text", "html", or "uri" (one URL as written in the file)
    content: str


def _name(part: Message, index: int) -> str:
    filename = part.get_filename()
    if not filename:
        cid = part.get("Content-ID")
        filename = str(cid).strip().strip("<>") if cid else f"part-{index}"
    return _UNSAFE_NAME.sub("", str(filename)).strip()[:200] or f"part-{index}"


def _decoded(part: Message, data: bytes) -> str:
    charset = part.get_content_charset() or "utf-8"
    try:
        return data[: MAX_TEXT_CHARS * 4].decode(charset, "replace")[:MAX_TEXT_CHARS]
    except LookupError:
        return data[: MAX_TEXT_CHARS * 4].decode("utf-8", "replace")[:MAX_TEXT_CHARS]


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Silence a parser's warnings about malformed files: they are the norm in phishing."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _as_text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value) if value is not None else None


def _pdf_pieces(data: bytes, name: str) -> list[Piece]:
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - a declared dependency; absent only in odd installs
        return []
    pieces: list[Piece] = []
    source = f"pdf:{name}"
    with _quiet("pypdf"):
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                reader.decrypt("")  # lure PDFs are often "encrypted" with an empty password
            for i, page in enumerate(reader.pages):
                if i >= MAX_PDF_PAGES:
                    break
                annots = page.get("/Annots")
                annots = annots.get_object() if annots is not None else []
                for ref in annots or []:
                    annot = ref.get_object()
                    action = annot.get("/A")
                    action = action.get_object() if action is not None else None
                    uri = _as_text(action.get("/URI")) if action is not None else None
                    if uri:
                        pieces.append(Piece(source, "uri", uri))
                text = page.extract_text()
                if text:
                    pieces.append(Piece(source, "text", text[:MAX_TEXT_CHARS]))
        except Exception:  # pypdf raises many kinds on broken files; keep what was read
            pass
    return pieces


def _qr_pieces(data: bytes, name: str) -> list[Piece]:
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:  # pragma: no cover - declared dependencies; absent only in odd installs
        return []
    pieces: list[Piece] = []
    with _quiet("PIL"):
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS or min(width, height) < MIN_QR_SIDE:
                    return []
                if max(width, height) > MAX_QR_SIDE:
                    image.thumbnail((MAX_QR_SIDE, MAX_QR_SIDE))
                gray = image.convert("L")
            fmt = zxingcpp.BarcodeFormat  # the matrix codes a phone camera offers to open
            kinds = [fmt.QRCode, fmt.MicroQRCode, fmt.Aztec, fmt.DataMatrix]
            try:
                # zxing-cpp 3 takes a list (its stubs still describe the older flag form) ...
                codes = zxingcpp.read_barcodes(gray, formats=cast(Any, kinds))
            except TypeError:
                # ... and 2.x only flags combined with '|'.
                codes = zxingcpp.read_barcodes(gray, formats=cast(Any, reduce(operator.or_, kinds)))
            for code in codes:
                if code.text:
                    pieces.append(Piece(f"qr:{name}", "uri", code.text[:MAX_TEXT_CHARS]))
        except Exception:  # Pillow and the decoder raise many kinds on broken images
            return pieces
    return pieces


def _kind(part: Message, data: bytes, name: str) -> str | None:
    ctype = part.get_content_type()
    sniffed = sniff_type(data)
    lower = name.lower()
    if sniffed == "application/pdf" or ctype == "application/pdf" or lower.endswith(".pdf"):
        return "pdf"
    if sniffed in _IMAGE_TYPES or (sniffed is None and ctype in _IMAGE_TYPES):
        return "image"
    if sniffed == "text/html" or ctype in _HTML_TYPES or lower.endswith(_HTML_EXT):
        return "html"
    if sniffed is None and (ctype.startswith("text/") or lower.endswith(_TEXT_EXT)):
        return "text"
    return None


def attachment_pieces(
    message: Message, payloads: Mapping[int, bytes] | None = None
) -> Iterator[Piece]:
    """The readable content of every attachment of `message`, attached messages' included.
    `payloads` holds parts' decoded bytes already at hand, by the `id` of the part.

    Inline text/plain and text/html parts are the body, which the mail reader already holds,
    so they are left out. The reader walks into attached messages (message/rfc822) as into any
    multipart, so their bodies are part of the body text too, and only their files come here.
    """
    images = 0
    stack: list[Message] = [message]
    index = 0
    while stack and index < MAX_PARTS:
        part = stack.pop()
        index += 1
        if part.is_multipart():  # message/rfc822 parts are multipart here as well
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(p for p in reversed(payload) if isinstance(p, Message))
            continue
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        is_attachment = bool(part.get_filename()) or disposition == "attachment"
        if not is_attachment and ctype in ("text/plain", "text/html"):
            continue
        data: Any = payloads.get(id(part)) if payloads else None
        if data is None:
            try:
                data = part.get_payload(decode=True)
            except Exception:  # a transfer encoding the library cannot undo
                continue
        if not isinstance(data, bytes) or not data or len(data) > MAX_ATTACHMENT_BYTES:
            continue
        name = _name(part, index)
        kind = _kind(part, data, name)
        if kind == "pdf":
            yield from _pdf_pieces(data, name)
        elif kind == "image":
            images += 1
            if images <= MAX_IMAGES:
                yield from _qr_pieces(data, name)
        elif kind in ("html", "text"):
            yield Piece(f"attachment:{name}", kind, _decoded(part, data))
