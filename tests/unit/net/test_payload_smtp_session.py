"""SMTP as a conversation: order of commands, what the server offered, content skipped."""

from __future__ import annotations

from lurewatch.net.payload.smtp_session import SmtpSession

GREETING = b"220 mx.example.com ESMTP Postfix\r\n"
EHLO_REPLY = (
    b"250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250 CHUNKING\r\n"
)
EHLO_REPLY_PLAIN = b"250-mx.example.com\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n"
MESSAGE = (
    b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: hi\r\n\r\n"
    b"MAIL FROM:<not-a-command@example.com>\r\n..a dot-stuffed line\r\n.\r\n"
)


def run(*packets: tuple[bool, bytes]) -> list[str]:
    s = SmtpSession()
    found = []
    for from_client, payload in packets:
        for name, detail in s.feed(payload, from_client):
            assert name == "smtp_malformed"
            found.append(detail)
    return found


def greeted(reply: bytes = EHLO_REPLY) -> list[tuple[bool, bytes]]:
    return [(False, GREETING), (True, b"EHLO client.example.org\r\n"), (False, reply)]


def test_a_plain_session_is_clean() -> None:
    assert (
        run(
            *greeted(EHLO_REPLY_PLAIN),
            (True, b"MAIL FROM:<alice@example.com>\r\n"),
            (False, b"250 2.1.0 Ok\r\n"),
            (True, b"RCPT TO:<bob@example.com>\r\n"),
            (False, b"250 2.1.5 Ok\r\n"),
            (True, b"DATA\r\n"),
            (False, b"354 End data with <CR><LF>.<CR><LF>\r\n"),
            (True, MESSAGE[:40]),
            (True, MESSAGE[40:]),
            (False, b"250 2.0.0 Ok: queued\r\n"),
            (True, b"RSET\r\n"),
            (False, b"250 2.0.0 Ok\r\n"),
            (True, b"QUIT\r\n"),
        )
        == []
    )


def test_a_pipelined_session_the_server_offered_is_clean() -> None:
    assert (
        run(
            *greeted(),
            (True, b"MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"),
            (False, b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n"),
            (True, MESSAGE + b"MAIL FROM:<c@example.com>\r\nRCPT TO:<d@example.com>\r\n"),
            (False, b"250 queued\r\n250 Ok\r\n250 Ok\r\n"),
            (True, b"BDAT 12 LAST\r\nHello world!QUIT\r\n"),
        )
        == []
    )


def test_auth_responses_are_not_commands() -> None:
    assert (
        run(
            *greeted(),
            (True, b"AUTH LOGIN\r\n"),
            (False, b"334 VXNlcm5hbWU6\r\n"),
            (True, b"YWxpY2U=\r\n"),
            (False, b"334 UGFzc3dvcmQ6\r\n"),
            (True, b"c2VjcmV0\r\n"),
            (False, b"235 2.7.0 Authentication successful\r\n"),
            (True, b"MAIL FROM:<a@example.com>\r\n"),
        )
        == []
    )


def test_bdat_with_a_malformed_chunk_size() -> None:
    found = run(
        *greeted(),
        (True, b"MAIL FROM:<a@example.com>\r\n"),
        (True, b"RCPT TO:<b@example.com>\r\n"),
        (True, b"BDAT 5 X\r\n"),
    )
    assert found == ["BDAT without a valid chunk size and optional LAST: 'BDAT 5 X' (RFC 3030 §2)"]


def test_bdat_the_server_did_not_offer() -> None:
    found = run(
        *greeted(EHLO_REPLY_PLAIN),
        (True, b"MAIL FROM:<a@example.com>\r\n"),
        (True, b"RCPT TO:<b@example.com>\r\n"),
        (True, b"BDAT 3 LAST\r\nabc"),
    )
    assert found == ["BDAT although the server did not offer CHUNKING (RFC 3030 §2)"]


def test_data_outside_a_transaction() -> None:
    found = run(*greeted(), (True, b"RSET\r\nDATA\r\n.\r\n"))
    assert found == [
        "DATA with no MAIL FROM and RCPT TO before it in the transaction (RFC 5321 §3.3)"
    ]


def test_rcpt_before_mail_and_mail_before_helo() -> None:
    assert run((False, GREETING), (True, b"MAIL FROM:<a@example.com>\r\n")) == [
        "MAIL before any HELO or EHLO (RFC 5321 §4.1.4)"
    ]
    assert run(*greeted(), (True, b"RCPT TO:<b@example.com>\r\n")) == [
        "RCPT TO with no MAIL FROM before it (RFC 5321 §3.3)"
    ]


def test_rset_before_helo_is_allowed() -> None:
    assert run((False, GREETING), (True, b"RSET\r\n"), (False, b"250 Ok\r\n")) == []


def test_ehlo_later_in_the_session_resets_the_transaction_and_is_allowed() -> None:
    assert (
        run(
            (False, GREETING),
            (True, b"HELO client.example.org\r\n"),
            (False, b"250 mx.example.com\r\n"),
            (True, b"MAIL FROM:<a@example.com>\r\n"),
            (False, b"250 Ok\r\n"),
            (True, b"EHLO client.example.org\r\n"),
            (False, EHLO_REPLY),
            (True, b"MAIL FROM:<b@example.com>\r\n"),
        )
        == []
    )


def test_pipelining_the_server_did_not_offer() -> None:
    found = run(
        *greeted(EHLO_REPLY_PLAIN),
        (True, b"MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"),
    )
    assert len(found) == 1 and "did not offer PIPELINING" in found[0]
    found = run(
        (False, GREETING),
        (True, b"HELO client\r\n"),
        (False, b"250 mx\r\n"),
        (True, b"MAIL FROM:<a@example.com>\r\n"),
        (True, b"RCPT TO:<b@example.com>\r\n"),
        (True, b"DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n"),
    )
    assert len(found) == 1 and "content sent before the reply to DATA" in found[0]


def test_a_capture_that_starts_mid_session_is_not_judged_on_order() -> None:
    assert run((True, b"RCPT TO:<b@example.com>\r\n"), (True, b"DATA\r\n")) == []


def test_starttls_ends_the_conversation_check() -> None:
    s = SmtpSession()
    for from_client, payload in [
        *greeted(),
        (True, b"STARTTLS\r\n"),
        (False, b"220 2.0.0 Ready to start TLS\r\n"),
    ]:
        assert s.feed(payload, from_client) == []
    assert s.finished
    assert s.feed(b"\x16\x03\x01\x00\x05hello", True) == []
