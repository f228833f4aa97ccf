"""SSH version exchange against RFC 4253 §4.2: real client and server banners pass; a banner
without its parts, too long, or not ended by CR LF is named."""

from __future__ import annotations

import struct

from lurewatch.net.payload import structure_problems

OPENSSH = b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n"
PUTTY = b"SSH-2.0-PuTTY_Release_0.80\r\n"


def kexinit_packet() -> bytes:
    """A binary packet whose lengths follow RFC 4253 §6 (content is not checked)."""
    payload = b"\x14" + bytes(16) + b"\x00\x00\x00\x0ecurve25519-sha256" + bytes(40)
    padding = 8 - (len(payload) + 5) % 8
    padding += 8 if padding < 4 else 0
    return struct.pack("!IB", len(payload) + padding + 1, padding) + payload + bytes(padding)


def problems(payload: bytes, from_client: bool = True) -> list[tuple[str, str]]:
    return structure_problems("ssh", payload, "tcp", from_client)


def details(payload: bytes, from_client: bool = True) -> str:
    found = problems(payload, from_client)
    assert found, "expected the banner to be flagged"
    assert {n for n, _ in found} == {"protocol_malformed"}
    return " | ".join(d for _, d in found)


def test_real_banners_are_clean() -> None:
    assert problems(OPENSSH, from_client=False) == []
    assert problems(PUTTY) == []
    assert problems(b"SSH-1.99-Cisco-1.25\r\n", from_client=False) == []


def test_banner_followed_by_key_exchange_is_clean() -> None:
    assert problems(OPENSSH + kexinit_packet(), from_client=False) == []


def test_server_lines_before_the_banner_are_allowed() -> None:
    assert (
        problems(b"Welcome to the bastion\r\nAuthorised use only\r\n" + OPENSSH, from_client=False)
        == []
    )


def test_banner_cut_by_the_segment_is_not_judged() -> None:
    for cut in range(1, len(OPENSSH)):
        assert problems(OPENSSH[:cut]) == []


def test_missing_or_empty_software_version() -> None:
    assert "no software version" in details(b"SSH-2.0\r\n")
    assert "software version is empty" in details(b"SSH-2.0-\r\n")


def test_protocol_version_not_major_minor_or_obsolete() -> None:
    assert "not major.minor" in details(b"SSH-two-OpenSSH_9.6\r\n")
    assert "1.5" in details(b"SSH-1.5-OldServer_1.0\r\n")


def test_banner_over_255_octets() -> None:
    assert "octets (at most 255)" in details(b"SSH-2.0-" + b"x" * 300 + b"\r\n")
    assert "without ending" in details(b"SSH-2.0-" + b"x" * 300)


def test_banner_ending_with_bare_lf() -> None:
    assert "LF only" in details(b"SSH-2.0-OpenSSH_9.6\n")


def test_client_lines_before_its_banner() -> None:
    assert "client sent 1 line" in details(b"hello\r\n" + PUTTY, from_client=True)


def test_nul_in_banner() -> None:
    assert "NUL" in details(b"SSH-2.0-Open\x00SSH\r\n")


def test_implausible_first_packet() -> None:
    assert "packet_length" in details(OPENSSH + struct.pack("!IB", 0x7FFFFFFF, 4) + bytes(8))
