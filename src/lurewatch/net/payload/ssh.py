"""SSH: the protocol version exchange of RFC 4253 §4.2 and the first binary packet after it.

The version line is `SSH-protoversion-softwareversion SP comments CR LF`, at most 255 octets.
A server may send other lines before it; a client may not.
"""

from __future__ import annotations

import struct

from lurewatch.net.payload.lines import CUT, LF, outside, shown, split_lines

MALFORMED = "protocol_malformed"
MAX_LINE = 255  # octets, CR LF included
MAX_PACKET = 256 * 1024  # far above the 35000 RFC 4253 §6.1 requires; OpenSSH's own limit
PREFIX_LIMIT = 8192  # bytes read looking for the version line
_non_visible = outside(bytes(range(0x21, 0x7F)))


def looks_like_ssh(p: bytes, from_client: bool) -> bool:
    if p[:4] == b"SSH-":
        return True
    # A server may greet with other lines first; the version line then starts a later line.
    return not from_client and p[:1].isalpha() and b"\nSSH-" in p[:1024]


def _check_version(problems: list[tuple[str, str]], text: bytes) -> None:
    if b"\x00" in text:
        problems.append((MALFORMED, "SSH version line contains a NUL byte"))
    proto, sep, rest = text[4:].partition(b"-")
    if not sep:
        problems.append(
            (
                MALFORMED,
                f"SSH version line has no software version (SSH-protoversion-softwareversion): '{shown(text)}'",
            )
        )
    parts = proto.split(b".")
    if len(parts) != 2 or not all(x.isdigit() for x in parts):
        problems.append(
            (MALFORMED, f"SSH protocol version '{shown(proto, 20)}' is not major.minor")
        )
    elif proto not in (b"2.0", b"1.99"):
        problems.append(
            (
                MALFORMED,
                f"SSH protocol version {proto.decode()} (only 2.0, or 1.99 for compatibility)",
            )
        )
    if not sep:
        return
    software = rest.split(b" ", 1)[0]
    if not software:
        problems.append((MALFORMED, "SSH software version is empty"))
    elif _non_visible(software):
        problems.append(
            (MALFORMED, "SSH software version has characters outside printable US-ASCII")
        )


def _check_first_packet(problems: list[tuple[str, str]], data: bytes) -> None:
    """RFC 4253 §6: packet_length, padding_length >= 4, whole packet a multiple of 8 before
    keys are agreed."""
    if len(data) < 5:
        return
    length, padding = struct.unpack_from("!IB", data)
    if length > MAX_PACKET or length < 12 or padding < 4 or padding >= length or (length + 4) % 8:
        problems.append(
            (
                MALFORMED,
                f"first SSH packet after the version line has packet_length {length} and padding_length {padding}",
            )
        )


def check(payload: bytes, from_client: bool) -> list[tuple[str, str]]:
    """protocol_malformed problems in the version exchange at the start of an SSH stream."""
    problems: list[tuple[str, str]] = []
    lines = split_lines(payload[:PREFIX_LIMIT], max_lines=64)
    index = next((i for i, ln in enumerate(lines) if ln.text.startswith(b"SSH-")), None)
    if index is None:
        return problems  # the version line is not in this buffer
    if index and from_client:
        problems.append(
            (
                MALFORMED,
                f"client sent {index} line(s) before its SSH version line (only a server may)",
            )
        )
    line = lines[index]
    if line.end == CUT:
        if len(line.text) > MAX_LINE - 2:
            problems.append(
                (MALFORMED, f"SSH version line runs past {MAX_LINE} octets without ending")
            )
        return problems
    if line.size > MAX_LINE:
        problems.append((MALFORMED, f"SSH version line of {line.size} octets (at most {MAX_LINE})"))
    if line.end == LF:
        problems.append(
            (
                MALFORMED,
                "SSH version line ends with LF only; RFC 4253 §4.2 requires CR LF (some old clients send LF)",
            )
        )
    _check_version(problems, line.text)
    _check_first_packet(problems, payload[line.offset + line.size :])
    return problems
