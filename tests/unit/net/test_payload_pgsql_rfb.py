"""PostgreSQL's startup messages and RFB's version exchange: recognised, and their shape checked."""

from __future__ import annotations

import struct

from lurewatch.net.payload import identify, structure_problems

SSL_REQUEST = struct.pack("!II", 8, 80877103)
CANCEL = struct.pack("!III", 16, 80877102, 4242) + b"\x00\x00\x00\x07"


def startup(params: bytes) -> bytes:
    body = struct.pack("!I", 196608) + params
    return struct.pack("!I", len(body) + 4) + body


STARTUP = startup(b"user\x00rep\x00database\x00replication\x00\x00")


def test_pgsql_recognised_from_the_client_first_message() -> None:
    for message in (SSL_REQUEST, CANCEL, STARTUP, struct.pack("!II", 8, 80877104)):
        assert identify(message, "tcp", True) == "pgsql", message
    assert identify(struct.pack("!II", 9, 80877103), "tcp", True) is None
    assert identify(b"S", "tcp", False) is None
    assert identify(STARTUP, "tcp", False) is None


def test_pgsql_startup_message_shape() -> None:
    assert structure_problems("pgsql", STARTUP, "tcp", True) == []
    assert structure_problems("pgsql", SSL_REQUEST, "tcp", True) == []
    no_user = startup(b"database\x00db\x00\x00")
    assert "required 'user'" in structure_problems("pgsql", no_user, "tcp", True)[0][1]
    odd = startup(b"user\x00\x00")
    assert "without a value" in structure_problems("pgsql", odd, "tcp", True)[0][1]
    unclosed = startup(b"user\x00rep")
    assert "not closed" in structure_problems("pgsql", unclosed, "tcp", True)[0][1]


def test_rfb_version_exchange() -> None:
    for version in (b"RFB 003.008\n", b"RFB 003.889\n", b"RFB 005.000\n"):  # Apple, RealVNC
        assert identify(version, "tcp", False) == "rfb"
        assert structure_problems("rfb", version, "tcp", False) == []
    assert "not 'RFB xxx.yyy'" in structure_problems("rfb", b"RFB 003-008\n", "tcp", True)[0][1]
    assert "newline" in structure_problems("rfb", b"RFB 003.008\r\n", "tcp", True)[0][1]
    assert structure_problems("rfb", b"RFB 003.0", "tcp", True) == []  # cut: not judged
