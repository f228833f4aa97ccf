"""URLs in attachments: HTML and text files, attached messages, PDF links, QR codes in images."""

from __future__ import annotations

import io
import struct
import time
import zlib
from email.message import EmailMessage

import pytest

from lurewatch.enrich.urls import FoundUrl, extract_urls
from lurewatch.readers.email_parse import ParsedEmail, parse_email
from lurewatch.readers.records import RawMessage


def base_message(text: str = "See attached.") -> EmailMessage:
    m = EmailMessage()
    m["From"] = "billing@vendor.example"
    m["To"] = "user@corp.example"
    m["Subject"] = "Invoice"
    m.set_content(text)
    return m


def parse(m: EmailMessage) -> ParsedEmail:
    return parse_email(RawMessage(data=m.as_bytes(), path="test.eml"))


def rows(found: list[FoundUrl]) -> list[tuple[str, str, str | None]]:
    return [(f.source, f.normal.full if f.normal else f"!{f.error}", f.link_text) for f in found]


def pdf_bytes(link: str, text: str) -> bytes:
    """A one-page PDF with a link annotation over a line of text, written by hand."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> /Annots [6 0 R] >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Annot /Subtype /Link /Rect [72 700 400 730] /Border [0 0 0] "
        b"/A << /S /URI /URI (" + link.encode("latin-1") + b") >> >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def qr_png(payload: str) -> bytes:
    segno = pytest.importorskip("segno")
    buf = io.BytesIO()
    segno.make(payload, error="m").save(buf, kind="png", scale=6, border=4)
    return buf.getvalue()


def as_format(png: bytes, fmt: str) -> bytes:
    image_module = pytest.importorskip("PIL.Image")
    out = io.BytesIO()
    image_module.open(io.BytesIO(png)).convert("RGB").save(out, format=fmt)
    return out.getvalue()


def test_html_text_and_shortcut_attachments() -> None:
    m = base_message()
    m.add_attachment(
        '<html><body><form action="https://harvest.example/owa.php">'
        '<a href="https://harvest.example/help">Need help?</a></form>',
        subtype="html",
        filename="Invoice_4471.html",
    )
    m.add_attachment(
        b"<!DOCTYPE html><a href='https://octet.example/'>x</a>",
        maintype="application",
        subtype="octet-stream",
        filename="Scan.htm",
    )
    m.add_attachment("Payment portal: https://pay.evil.example/a.\n", filename="notes.txt")
    m.add_attachment(
        b"[InternetShortcut]\r\nURL=https://shortcut.example/run\r\n",
        maintype="application",
        subtype="octet-stream",
        filename="Open me.url",
    )
    m.add_attachment(
        b'<svg xmlns="http://www.w3.org/2000/svg"><a href="https://svg.example/x">'
        b"<text>Click</text></a></svg>",
        maintype="image",
        subtype="svg+xml",
        filename="logo.svg",
    )
    assert rows(extract_urls(parse(m))) == [
        ("attachment:Invoice_4471.html", "https://harvest.example/owa.php", None),
        ("attachment:Invoice_4471.html", "https://harvest.example/help", "Need help?"),
        ("attachment:Scan.htm", "https://octet.example/", "x"),
        ("attachment:notes.txt", "https://pay.evil.example/a", None),
        ("attachment:Open me.url", "https://shortcut.example/run", None),
        ("attachment:logo.svg", "https://svg.example/x", "Click"),
    ]


def test_attached_message() -> None:
    # The mail reader reads an attached message's body as part of the body; its files are
    # attachments like any other.
    inner = EmailMessage()
    inner["From"] = "it@corp.example"
    inner["Subject"] = "Password expiry"
    inner.set_content("Reset at https://text.inner.example/")
    inner.add_alternative('<a href="https://html.inner.example/">Reset</a>', subtype="html")
    inner.add_attachment("https://file.inner.example/", filename="inner.txt")
    m = base_message("Forwarding this.")
    m.add_attachment(inner, filename="fwd.eml")
    assert rows(extract_urls(parse(m))) == [
        ("text", "https://text.inner.example/", None),
        ("html:href", "https://html.inner.example/", "Reset"),
        ("attachment:inner.txt", "https://file.inner.example/", None),
    ]


def test_pdf_link_annotation_and_text() -> None:
    pytest.importorskip("pypdf")
    m = base_message()
    pdf = pdf_bytes(
        "https://pdf-link.example/invoice?id=9", "Visit https://pdf-text.example/login now"
    )
    m.add_attachment(pdf, maintype="application", subtype="pdf", filename="Invoice.pdf")
    assert rows(extract_urls(parse(m))) == [
        ("pdf:Invoice.pdf", "https://pdf-link.example/invoice?id=9", None),
        ("pdf:Invoice.pdf", "https://pdf-text.example/login", None),
    ]
    assert extract_urls(parse(m), attachments=False) == []


def test_pdf_written_by_pypdf() -> None:
    pypdf = pytest.importorskip("pypdf")
    from pypdf.annotations import Link

    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_annotation(0, Link(rect=(10, 10, 100, 100), url="https://written.example/x"))
    buf = io.BytesIO()
    writer.write(buf)
    m = base_message()
    # mislabelled on purpose: the bytes, not the label, say it is a PDF
    m.add_attachment(buf.getvalue(), maintype="application", subtype="octet-stream", filename="doc")
    assert rows(extract_urls(parse(m))) == [("pdf:doc", "https://written.example/x", None)]


def test_broken_pdfs_yield_nothing() -> None:
    pytest.importorskip("pypdf")
    m = base_message()
    m.add_attachment(
        b"%PDF-1.7\n1 0 obj <<", maintype="application", subtype="pdf", filename="a.pdf"
    )
    good = pdf_bytes("https://ok.example/", "text")
    m.add_attachment(
        good[: len(good) // 2], maintype="application", subtype="pdf", filename="b.pdf"
    )
    m.add_attachment(b"\x00" * 5000, maintype="application", subtype="pdf", filename="c.pdf")
    found = extract_urls(parse(m))
    assert all(f.source.startswith("pdf:") for f in found)
    assert len(found) <= 1  # a recovering parser may still find the link in the half file


def test_qr_codes_in_png_jpeg_and_gif() -> None:
    pytest.importorskip("zxingcpp")
    png = qr_png("https://qr-png.example/scan?u=1")
    m = base_message()
    m.add_attachment(png, maintype="image", subtype="png", filename="scan.png")
    jpeg = as_format(qr_png("https://qr-jpeg.example/"), "JPEG")
    m.add_attachment(jpeg, maintype="image", subtype="jpeg", filename="photo.jpg")
    gif = as_format(qr_png("qr-gif.example/pay"), "GIF")  # no scheme: phones still open it
    m.add_attachment(gif, maintype="image", subtype="gif", filename="pay.gif")
    m.add_attachment(
        qr_png("WIFI:S:guest;T:WPA;P:secret;;"),
        maintype="image",
        subtype="png",
        filename="wifi.png",
    )
    assert rows(extract_urls(parse(m))) == [
        ("qr:scan.png", "https://qr-png.example/scan?u=1", None),
        ("qr:photo.jpg", "https://qr-jpeg.example/", None),
        ("qr:pay.gif", "!no scheme and no www. prefix", None),
    ]


def test_inline_qr_image_named_by_content_id() -> None:
    pytest.importorskip("zxingcpp")
    m = EmailMessage()
    m["From"] = "hr@corp.example"
    m["To"] = "user@corp.example"
    m["Subject"] = "Benefits enrolment"
    m.set_content('<p>Scan to enrol</p><img src="cid:qr1@corp.example">', subtype="html")
    m.add_related(
        qr_png("https://enrol.evil.example/"),
        maintype="image",
        subtype="png",
        cid="<qr1@corp.example>",
    )
    assert rows(extract_urls(parse(m))) == [
        ("qr:qr1@corp.example", "https://enrol.evil.example/", None)
    ]


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_huge_and_broken_images_are_skipped() -> None:
    pytest.importorskip("PIL")
    m = base_message()
    m.add_attachment(
        _png_header_only(40_000, 40_000), maintype="image", subtype="png", filename="bomb.png"
    )
    m.add_attachment(
        b"\x89PNG\r\n\x1a\nnot really", maintype="image", subtype="png", filename="bad.png"
    )
    m.add_attachment(
        b"\xff\xd8\xff" + b"\x00" * 100, maintype="image", subtype="jpeg", filename="bad.jpg"
    )
    start = time.process_time()
    assert extract_urls(parse(m)) == []
    assert time.process_time() - start < 5


def test_body_and_attachments_in_order() -> None:
    m = base_message("Body link https://body.example/")
    m.add_attachment("Attached https://attached.example/", filename="a.txt")
    found = extract_urls(parse(m))
    assert rows(found) == [
        ("text", "https://body.example/", None),
        ("attachment:a.txt", "https://attached.example/", None),
    ]
    assert [f.position for f in found] == [0, 1]


def test_attachments_are_decoded_once_and_read_alike_either_way() -> None:
    m = base_message()
    m.add_attachment(
        b"https://once.example/a\n", maintype="text", subtype="plain", filename="a.txt"
    )
    m.add_attachment(pdf_bytes("https://pdf.example/p", "Pay here"), maintype="application",
                     subtype="pdf", filename="p.pdf")  # fmt: skip
    parsed = parse(m)
    decoded = sorted(parsed.payloads.values())
    assert decoded[0].startswith(b"%PDF") and decoded[1] == b"https://once.example/a\n"
    with_payloads = rows(extract_urls(parsed))
    parsed.payloads.clear()
    assert rows(extract_urls(parsed)) == with_payloads
    assert [u for _, u, _ in with_payloads] == ["https://once.example/a", "https://pdf.example/p"]
