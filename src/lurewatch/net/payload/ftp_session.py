"""FTP as a conversation (RFC 959 §5.4 and §3.2, RFC 2428).

RFC 959 describes the control connection as an alternating dialogue: the client sends a
command and waits for its reply before the next. A burst of several commands in one segment
breaks that rhythm; servers that count transactions per reply lose track of it (and it is how
commands get smuggled past a filter that reads only the first). A transfer command (RETR,
STOR, LIST, ...) needs a data connection agreed first with PORT/EPRT or PASV/EPSV: RFC 959's
implicit default port has no place on networks with NAT or firewalls, and a server answers such
a transfer with 425.

The order of commands is only judged from the start of the session (the server's 220 greeting
or the client's USER seen first).
"""

from __future__ import annotations

from lurewatch.net.payload.lines import shown
from lurewatch.net.payload.session import LineCarry, Session

MALFORMED = "protocol_malformed"
MAX_PACKETS = 64  # packets per direction before the conversation is left alone
DATA_CHANNEL = frozenset({b"PORT", b"EPRT", b"LPRT", b"PASV", b"EPSV", b"LPSV", b"SPSV"})
TRANSFER = frozenset({b"RETR", b"STOR", b"STOU", b"APPE", b"LIST", b"NLST", b"MLSD"})
TLS_NEXT = frozenset({b"AUTH", b"CCC"})  # after these the control connection is not clear text


class FtpSession(Session):
    def __init__(self) -> None:
        super().__init__()
        self.commands = LineCarry()
        self.from_start: bool | None = None
        self.channel = False  # a data connection was negotiated
        self.packets = [0, 0]

    def packet(self, payload: bytes, from_client: bool) -> None:
        side = 0 if from_client else 1
        self.packets[side] += 1
        if self.packets[side] > MAX_PACKETS:
            self.finished = True
            return
        if self.from_start is None:
            self.from_start = (
                payload[:4].upper() == b"USER" if from_client else payload[:3] == b"220"
            )
        if from_client:
            self._client(payload)

    def _client(self, payload: bytes) -> None:
        lines = self.commands.lines(payload)
        if lines is None:
            self.finished = True
            return
        complete = [ln for ln in lines if ln.strip(b"\xff\xf2\xf4 ")]  # Telnet IP/DM before ABOR
        if len(complete) > 1:
            self.report(
                "burst",
                MALFORMED,
                f"{len(complete)} FTP commands in one segment, sent without waiting for replies "
                f"('{shown(complete[0], 20)}', '{shown(complete[1], 20)}'; RFC 959 §5.4)",
            )
        for line in complete:
            verb = line.lstrip(b"\xff\xf2\xf4").split(b" ", 1)[0].upper()
            if verb in DATA_CHANNEL:
                self.channel = True
            elif verb in TRANSFER and not self.channel and self.from_start:
                self.report(
                    "no_channel",
                    MALFORMED,
                    f"{verb.decode()} before any PORT, EPRT, PASV or EPSV: no data connection "
                    "was agreed (RFC 959 §3.2, RFC 2428)",
                )
            elif verb in TLS_NEXT:
                self.finished = True
                return
