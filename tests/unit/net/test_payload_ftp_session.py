"""FTP as a conversation: one command at a time, and a data connection before a transfer."""

from __future__ import annotations

from lurewatch.net.payload.ftp_session import FtpSession

LOGIN = [
    (False, b"220 (vsFTPd 3.0.5)\r\n"),
    (True, b"USER anonymous\r\n"),
    (False, b"331 Please specify the password.\r\n"),
    (True, b"PASS guest@\r\n"),
    (False, b"230 Login successful.\r\n"),
]


def run(*packets: tuple[bool, bytes]) -> list[str]:
    s = FtpSession()
    found = []
    for from_client, payload in packets:
        for name, detail in s.feed(payload, from_client):
            assert name == "protocol_malformed"
            found.append(detail)
    return found


def test_a_passive_and_an_active_transfer_are_clean() -> None:
    assert (
        run(
            *LOGIN,
            (True, b"EPSV\r\n"),
            (False, b"229 Entering Extended Passive Mode (|||40001|)\r\n"),
            (True, b"RETR report.pdf\r\n"),
            (False, b"150 Opening BINARY mode data connection\r\n226 Transfer complete.\r\n"),
            (True, b"PORT 10,0,0,5,156,65\r\n"),
            (False, b"200 PORT command successful.\r\n"),
            (True, b"LIST\r\n"),
            (True, b"\xff\xf4\xff\xf2ABOR\r\n"),  # Telnet IP and Synch before ABOR (RFC 959 §4.1.3)
            (True, b"QUIT\r\n"),
        )
        == []
    )


def test_a_transfer_with_no_data_connection_agreed() -> None:
    assert run(*LOGIN, (True, b"RETR secret_file.txt\r\n")) == [
        "RETR before any PORT, EPRT, PASV or EPSV: no data connection was agreed "
        "(RFC 959 §3.2, RFC 2428)"
    ]


def test_a_burst_of_commands() -> None:
    found = run(*LOGIN, (True, b"PWD\r\nPWD\r\nPWD\r\n"))
    assert found == [
        "3 FTP commands in one segment, sent without waiting for replies ('PWD', 'PWD'; RFC 959 §5.4)"
    ]


def test_a_command_split_over_segments_is_one_command() -> None:
    assert run(*LOGIN, (True, b"CW"), (True, b"D /pub\r\n")) == []


def test_mid_session_capture_is_not_judged_on_order_and_tls_ends_the_check() -> None:
    assert run((True, b"RETR a.txt\r\n")) == []
    s = FtpSession()
    s.feed(b"AUTH TLS\r\n", True)
    assert s.finished
