"""Parsing one message: fields, hops, attachments, and bad input that must not stop a run."""

from __future__ import annotations

import orjson
import pytest

from lurewatch.errors import RecordError
from lurewatch.readers.email_parse import parse_email
from lurewatch.readers.records import RawMessage

GOOD = (
    b"Return-Path: <bounce@mailer.shop.example>\r\n"
    b"Delivered-To: bob@corp.example\r\n"
    b"Received: from mail.shop.example (mail.shop.example [91.198.174.2]) by mx1.corp.example"
    b" (Postfix) with ESMTPS id 1; Mon, 05 Jan 2026 09:00:02 +0000\r\n"
    b'From: "Shop News" <news@shop.example>\r\n'
    b"To: bob@corp.example, carol@corp.example\r\n"
    b"Cc: dave@corp.example\r\n"
    b"Reply-To: help@shop.example\r\n"
    b"Subject: =?utf-8?q?Sp=C3=A4ter?=\r\n"
    b"Date: Mon, 05 Jan 2026 10:00:00 +0100\r\n"
    b"Message-ID: <abc@shop.example>\r\n"
    b"List-Id: <news.shop.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n"
    b'--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="a.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n"
)


def parse(data: bytes):  # type: ignore[no-untyped-def]
    return parse_email(RawMessage(data, "test.eml"))


def test_fields_are_recorded() -> None:
    p = parse(GOOD)
    r = p.row
    assert r["email.from.address"] == "news@shop.example"
    assert r["email.from.name"] == "Shop News"
    assert r["email.from.registered_domain"] == "shop.example"
    assert r["email.to.address"] == ["bob@corp.example", "carol@corp.example"]
    assert r["email.cc.address"] == ["dave@corp.example"]
    assert r["email.delivered_to"] == ["bob@corp.example"]
    assert r["email.return_path"] == "bounce@mailer.shop.example"
    assert r["email.subject"] == "Später"
    assert r["email.list_id"] == "<news.shop.example>"
    assert r["@timestamp"].isoformat() == "2026-01-05T09:00:00"
    hop = orjson.loads(r["email.received"])[0]
    assert hop["from_ip"] == "91.198.174.2" and hop["by_host"] == "mx1.corp.example"
    (att,) = orjson.loads(r["email.attachments"])
    assert att["name"] == "a.pdf" and att["sniffed_type"] == "application/pdf"
    assert r["email.body.text"].strip() == "Hello"
    assert ("dave@corp.example", "cc") in p.recipients


def test_same_bytes_same_id() -> None:
    assert parse(GOOD).row["event.id"] == parse(GOOD).row["event.id"]
    assert parse(GOOD).row["event.id"] != parse(GOOD + b"x").row["event.id"]


def test_binary_garbage_is_rejected() -> None:
    with pytest.raises(RecordError, match="not a mail message"):
        parse(bytes(range(256)) * 50)


def test_truncated_message_keeps_what_was_read() -> None:
    p = parse(GOOD[: GOOD.index(b"JVBER")])
    assert p.row["email.subject"] == "Später"
    assert "CloseBoundaryNotFoundDefect" in p.row["email.defects"]


def test_huge_header_line_is_read() -> None:
    p = parse(b"From: a@example.org\r\nSubject: " + b"A" * 10_000_000 + b"\r\n\r\nbody")
    assert p.row["email.from.address"] == "a@example.org"
    assert len(p.row["email.subject"]) <= 8192


def test_huge_address_list_is_truncated_with_a_defect() -> None:
    p = parse(b"From: a@example.org\r\nTo: " + b"<x@example.org>, " * 100_000 + b"\r\n\r\nbody")
    assert "HeaderTruncated:to" in p.row["email.defects"]
    assert 1000 < len(p.row["email.to.address"]) < 100_000
    assert p.row["email.body.text"] == "body"  # the cut field adds no line to the body


def test_mime_nested_1000_deep_is_a_partial_parse() -> None:
    depth = 1000
    s = b'From: a@example.org\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n'
    for i in range(1, depth):
        s += b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i - 1, i)
    s += b"--b%d\r\nContent-Type: text/plain\r\n\r\nleaf\r\n" % (depth - 1)
    p = parse(s)
    assert p.row["email.subject"] == "deep"
    assert "MimeNestingTooDeep" in p.row["email.defects"]


def test_unknown_and_wrong_charsets() -> None:
    p = parse(
        b"From: a@example.org\r\nSubject: x\r\nContent-Type: text/plain; charset=x-bogus\r\n\r\nh\xe9llo"
    )
    assert "UnknownCharset:x-bogus" in p.row["email.defects"]
    assert p.row["email.body.text"].startswith("h")
    p = parse(
        b"From: a@example.org\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nh\xe9llo \xff"
    )
    assert "\ufffd" in p.row["email.body.text"]


def test_unparseable_from_is_a_defect() -> None:
    p = parse(b"From: <<<>>>\r\nSubject: x\r\n\r\nbody")
    assert p.row["email.from.address"] is None


def test_a_field_the_standard_parser_fails_on_keeps_its_text() -> None:
    # The modern API raises IndexError inside its obs-local-part rule on this Message-Id.
    raw = (
        b"From: Shop <news@shop.example>\r\nTo: bob@corp.example\r\nSubject: offer\r\n"
        b"Message-Id: < [an10]. [an6].[anl12] [an11]@shop.example>\r\n\r\nbody\r\n"
    )
    row = parse(raw).row
    assert row["email.message_id"] == "< [an10]. [an6].[anl12] [an11]@shop.example>"
    assert row["email.from.address"] == "news@shop.example"
