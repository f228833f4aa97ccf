"""SMTP against RFC 5321: a client's EHLO session and a server's greeting and EHLO reply pass;
bare LF, unknown verbs, overlong lines and malformed reply codes are named."""

from __future__ import annotations

from lurewatch.net.payload import structure_problems

CLIENT_SESSION = (
    b"EHLO client.example.org\r\n"
    b"MAIL FROM:<alice@example.org> SIZE=2048 BODY=8BITMIME\r\n"
    b"RCPT TO:<bob@example.com>\r\n"
    b"DATA\r\n"
    b"Subject: quarterly numbers\r\n"  # the message itself: not commands
    b"\r\n"
    b"See attached.\r\n"
    b".\r\n"
)

SERVER_REPLIES = (
    b"220 mx.example.com ESMTP Postfix (Debian/GNU)\r\n"
    b"250-mx.example.com\r\n"
    b"250-PIPELINING\r\n"
    b"250-SIZE 10240000\r\n"
    b"250-STARTTLS\r\n"
    b"250-ENHANCEDSTATUSCODES\r\n"
    b"250 8BITMIME\r\n"
)


def problems(payload: bytes, from_client: bool = True) -> list[tuple[str, str]]:
    return structure_problems("smtp", payload, "tcp", from_client)


def details(payload: bytes, from_client: bool = True) -> str:
    found = problems(payload, from_client)
    assert found, "expected the exchange to be flagged"
    assert {n for n, _ in found} == {"smtp_malformed"}
    return " | ".join(d for _, d in found)


def test_ehlo_session_is_clean() -> None:
    assert problems(CLIENT_SESSION) == []
    assert problems(SERVER_REPLIES, from_client=False) == []


def test_auth_login_responses_are_not_commands() -> None:
    assert (
        problems(b"EHLO pc\r\nAUTH LOGIN\r\nYWxpY2U=\r\nczNjcmV0IQ==\r\nMAIL FROM:<a@b>\r\n") == []
    )


def test_starttls_hands_over_to_tls() -> None:
    assert problems(b"STARTTLS\r\n\x16\x03\x01\x00\xf4\x01\x00\x00\xf0") == []
    assert (
        problems(b"220 2.0.0 Ready to start TLS\r\n\x16\x03\x03\x00\x5a\x02", from_client=False)
        == []
    )


def test_lines_cut_by_the_segment_are_not_judged() -> None:
    for cut in range(1, len(CLIENT_SESSION)):
        assert problems(CLIENT_SESSION[:cut]) == []


def test_bare_lf_command_is_flagged_with_its_smuggling_relevance() -> None:
    assert "smuggling" in details(b"EHLO pc\nMAIL FROM:<a@b>\r\n")


def test_bare_cr() -> None:
    assert "bare CR" in details(b"EHLO pc\rx\r\n")


def test_unknown_verb() -> None:
    assert "unknown SMTP command 'XYZZY'" in details(b"EHLO pc\r\nXYZZY\r\n")


def test_mail_and_rcpt_without_their_keywords() -> None:
    assert "MAIL without FROM" in details(b"MAIL <a@b>\r\n")
    assert "RCPT without TO" in details(b"RCPT <a@b>\r\n")


def test_overlong_command_line() -> None:
    assert "of 612 octets (at most 512)" in details(b"HELO " + b"a" * 605 + b"\r\n")


def test_a_command_cut_by_the_segment_is_judged_once_it_is_already_too_long() -> None:
    # A 4,000-octet EHLO spread over segments: the first already shows it breaks the limit.
    assert "runs past 512 octets without ending" in details(b"EHLO " + b"OBLAH" * 500)
    # An AUTH line or a SASL response may be longer (RFC 4954): not judged at 512.
    assert problems(b"AUTH PLAIN " + b"QUFB" * 500) == []
    assert problems(b"AUTH LOGIN\r\n" + b"QUFB" * 500) == []


def test_binary_in_command_line() -> None:
    assert "binary bytes" in details(b"EHLO pc\r\n\x01\x02\x03\r\n")


def test_reply_codes_not_three_digits_or_out_of_range() -> None:
    assert "3-digit code" in details(b"25 OK\r\n", from_client=False)
    assert "outside 2xx-5xx" in details(b"650 what\r\n", from_client=False)


def test_multi_line_reply_changing_code() -> None:
    assert "from 250 to 251" in details(b"250-first\r\n251 second\r\n", from_client=False)


def test_overlong_reply() -> None:
    assert "reply line of" in details(b"250 " + b"x" * 600 + b"\r\n", from_client=False)
