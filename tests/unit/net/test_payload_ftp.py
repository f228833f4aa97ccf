"""FTP control connection against RFC 959: replies carry 3-digit codes (multi-line replies may
hold free text), commands are 3-4 letter verbs."""

from __future__ import annotations

from lurewatch.net.payload import structure_problems

FEAT_REPLY = (
    b"220 (vsFTPd 3.0.5)\r\n211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n UTF8\r\n211 End\r\n"
)


def problems(payload: bytes, from_client: bool) -> list[tuple[str, str]]:
    return structure_problems("ftp", payload, "tcp", from_client)


def test_replies_with_a_multi_line_feature_list_are_clean() -> None:
    assert problems(FEAT_REPLY, from_client=False) == []


def test_client_login_is_clean() -> None:
    assert (
        problems(b"USER anonymous\r\nPASS guest@\r\nSYST\r\nFEAT\r\nEPSV\r\n", from_client=True)
        == []
    )
    assert problems(b"AUTH TLS\r\n\x16\x03\x01\x02\x00\x01", from_client=True) == []


def test_a_segment_continuing_a_multi_line_reply_is_clean() -> None:
    assert problems(FEAT_REPLY[FEAT_REPLY.index(b" EPSV") :], from_client=False) == []
    assert problems(b"Please read the rules\r\n220 Welcome\r\n", from_client=False) == []


def test_reply_line_without_a_code() -> None:
    found = problems(b"220 ready\r\nwelcome friend\r\n", from_client=False)
    assert found == [
        (
            "protocol_malformed",
            "FTP reply line does not start with a 3-digit code: 'welcome friend'",
        )
    ]


def test_reply_code_out_of_range() -> None:
    assert "outside 1xx-5xx" in problems(b"920 odd\r\n", from_client=False)[0][1]


def test_command_verb_not_letters() -> None:
    assert "not 3 or 4 letters" in problems(b"US3R bob\r\n", from_client=True)[0][1]


def test_bare_lf() -> None:
    assert "bare LF" in problems(b"USER bob\n", from_client=True)[0][1]
