"""Attachment names no file system can hold, found in streamed SMTP content."""

from __future__ import annotations

import base64

import pytest

from lurewatch.net.payload.mime_names import NAME_MAX, NameScanner
from lurewatch.net.payload.smtp_session import SmtpSession

LONG = "invoice.pdf" + " " * 250 + ".exe"


def scan(*segments: bytes) -> bytes | None:
    scanner = NameScanner()
    found = None
    for segment in segments:
        found = found or scanner.feed(segment)
    return found


@pytest.mark.parametrize(
    "header",
    [
        f'Content-Disposition: attachment; filename="{LONG}"\r\n',
        f'Content-Type: application/octet-stream; name="{LONG}"\r\n',
        f"Content-Disposition: attachment; filename={'a' * 300}.exe\r\n",
        # RFC 2231 segments, each short, together too long
        "Content-Disposition: attachment;\r\n"
        + "".join(f' filename*{i}="{"b" * 100}";\r\n' for i in range(3)),
        # RFC 2231 percent-encoded: 90 three-byte characters are 270 bytes
        "Content-Disposition: attachment; filename*=utf-8''" + "%E2%82%AC" * 90 + "\r\n",
        # an encoded word (not standard in parameters, but common)
        'Content-Type: application/pdf; name="=?utf-8?B?'
        + base64.b64encode(LONG.encode()).decode()
        + '?="\r\n',
    ],
)
def test_overlong_names_are_found_in_every_spelling(header: str) -> None:
    found = scan(header.encode())
    assert found is not None and len(found) > NAME_MAX


@pytest.mark.parametrize(
    "header",
    [
        'Content-Disposition: attachment; filename="report.pdf"\r\n',
        f'Content-Disposition: attachment; filename="{"c" * NAME_MAX}"\r\n',
        "Content-Disposition: attachment; filename*=utf-8''" + "%E2%82%AC" * 85 + "\r\n",
        f"username={'d' * 400}\r\n",  # not a MIME parameter
        f"hostname={'e' * 400}\r\n",
    ],
)
def test_names_a_file_system_holds_and_other_words_are_not_flagged(header: str) -> None:
    assert scan(header.encode()) is None


def test_a_name_cut_by_a_segment_boundary_is_read_whole() -> None:
    line = f'Content-Disposition: attachment; filename="{LONG}"\r\n'.encode()
    for cut in (10, 45, 100, len(line) - 1):
        assert scan(line[:cut], line[cut:]) is not None


def test_an_smtp_session_reports_an_overlong_attachment_name_once() -> None:
    message = (
        "From: a@example.com\r\nTo: b@example.com\r\nSubject: invoice\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="xx"\r\n\r\n'
        f'--xx\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--xx\r\nContent-Disposition: attachment; filename="{LONG}"\r\n\r\nQUJD\r\n'
        f'--xx\r\nContent-Disposition: attachment; filename="{LONG}"\r\n\r\nQUJD\r\n--xx--\r\n.\r\n'
    ).encode()
    s = SmtpSession()
    found = []
    for from_client, payload in [
        (False, b"220 mx.example.com ESMTP\r\n"),
        (True, b"HELO client.example.org\r\n"),
        (False, b"250 mx.example.com\r\n"),
        (True, b"MAIL FROM:<a@example.com>\r\n"),
        (False, b"250 Ok\r\n"),
        (True, b"RCPT TO:<b@example.com>\r\n"),
        (False, b"250 Ok\r\n"),
        (True, b"DATA\r\n"),
        (False, b"354 go ahead\r\n"),
        (True, message[:150]),
        (True, message[150:]),
        (False, b"250 queued\r\n"),
    ]:
        found += s.feed(payload, from_client)
    assert len(found) == 1
    name, detail = found[0]
    assert name == "smtp_malformed" and "265 bytes" in detail and "invoice.pdf" in detail


def test_names_after_the_end_of_data_are_commands_not_content() -> None:
    s = SmtpSession()
    packets = [
        (True, b"HELO c\r\n"),
        (False, b"250 ok\r\n"),
        (True, b"MAIL FROM:<a@b>\r\n"),
        (False, b"250 ok\r\n"),
        (True, b"RCPT TO:<c@d>\r\n"),
        (False, b"250 ok\r\n"),
        (True, b"DATA\r\n"),
        (False, b"354 go\r\n"),
        (True, b"Subject: x\r\n\r\nhi\r\n.\r\nNOOP " + f"name={'x' * 300}".encode() + b"\r\n"),
    ]
    found = [f for fc, p in packets for f in s.feed(p, fc)]
    assert not any("attachment" in d for _, d in found)
