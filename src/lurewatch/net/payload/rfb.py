"""RFB, the remote framebuffer protocol of VNC (RFC 6143 §7.1.1): both sides open with a
12-byte ProtocolVersion message, `RFB xxx.yyy\n` with three-digit major and minor numbers.

Published versions are 3.3, 3.7 and 3.8; others exist in the field (Apple's 3.889, RealVNC's
4.x and 5.x) and RFC 6143 asks receivers to treat unknown ones as 3.3, so only the shape of the
message is a violation, never the number.
"""

from __future__ import annotations

MALFORMED = "protocol_malformed"
VERSION_SIZE = 12


def looks_like_rfb(p: bytes) -> bool:
    return p[:4] == b"RFB " and len(p) >= 8 and p[4:7].isdigit()


def check(payload: bytes) -> list[tuple[str, str]]:
    """protocol_malformed problems of a ProtocolVersion message."""
    version = payload[:VERSION_SIZE]
    if len(version) < VERSION_SIZE:
        return []  # cut: the rest may follow
    if not (version[4:7].isdigit() and version[7:8] == b"." and version[8:11].isdigit()):
        return [(MALFORMED, f"RFB ProtocolVersion {version[:11]!r} is not 'RFB xxx.yyy'")]
    if version[11:12] != b"\n":
        return [(MALFORMED, "RFB ProtocolVersion does not end with a newline after 12 bytes")]
    return []
