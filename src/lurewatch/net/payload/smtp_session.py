"""SMTP as a conversation (RFC 5321 §3.3 and §4.1.4, RFC 2920 PIPELINING, RFC 3030 CHUNKING).

Single command lines are judged in `smtp`; here is the order they come in and what the server
offered: a mail transaction is MAIL, then RCPT, then DATA or BDAT; HELO or EHLO comes before
it; a client may send several commands without waiting for replies only when the server
offered PIPELINING, and BDAT only when it offered CHUNKING. Message content (after DATA's 354
reply, or the octets a BDAT announces) is skipped, not read as commands.

Order is only judged when the conversation was seen from its start (the server's greeting or
the client's HELO/EHLO came first): a capture that begins mid-session says nothing about what
came before it.
"""

from __future__ import annotations

import re
from collections import deque

from lurewatch.net.payload.lines import control_byte, shown
from lurewatch.net.payload.mime_names import NAME_MAX, NameScanner
from lurewatch.net.payload.session import MAX_CARRY, LineCarry, Session

MALFORMED = "smtp_malformed"
MAX_PACKETS = 64  # packets per direction before the conversation is left alone
GREETING = b"<greeting>"
SASL = b"<sasl>"
TRANSACTION = frozenset({b"MAIL", b"RCPT", b"DATA", b"BDAT"})
_BDAT = re.compile(rb"BDAT ([0-9]{1,18})( LAST)?\Z", re.IGNORECASE)

COMMANDS, DATA_WAIT, DATA, BDAT = range(4)


class SmtpSession(Session):
    def __init__(self) -> None:
        super().__init__()
        self.mode = COMMANDS
        self.carry = b""
        self.replies = LineCarry()
        self.pending: deque[bytes] = deque()  # commands still waiting for their reply
        self.from_start: bool | None = None  # decided by the first packet
        self.helo = False
        self.mail = False
        self.rcpt = False
        self.auth = False
        self.extensions: frozenset[bytes] | None = None  # None: the EHLO reply was not seen
        self.keywords: list[bytes] = []
        self.data_tail = b""
        self.bdat_left = 0
        self.bdat_last = False
        self.packets = [0, 0]
        self.names = NameScanner()

    # -- client --------------------------------------------------------------------------------

    def packet(self, payload: bytes, from_client: bool) -> None:
        side = 0 if from_client else 1
        self.packets[side] += 1
        if self.packets[side] > MAX_PACKETS:
            self.finished = True
            return
        if from_client:
            if self.from_start is None:
                head = payload[:5].upper()
                self.from_start = head in (b"EHLO ", b"HELO ")
            self._client(payload)
        else:
            if self.from_start is None:
                self.from_start = payload[:3] == b"220"
                self.pending.append(GREETING)
            self._server(payload)

    def _client(self, payload: bytes) -> None:
        data = self.carry + payload if self.carry else payload
        self.carry = b""
        pos, n, group = 0, len(data), 0
        while pos < n and not self.finished:
            if self.mode == DATA_WAIT:
                self._early_content()
            if self.mode == DATA:
                window = self.data_tail + data[pos:]
                end = window.find(b"\r\n.\r\n")
                if end < 0:
                    self._content(data[pos:])
                    self.data_tail = window[-4:]
                    return
                self._content(data[pos : pos + max(0, end + 2 - len(self.data_tail))])
                self.names = NameScanner()
                pos += end + 5 - len(self.data_tail)
                self.mode = COMMANDS
                self.pending.append(b".")
                self._end_transaction()
                group += 1
                continue
            if self.mode == BDAT:
                take = min(self.bdat_left, n - pos)
                self._content(data[pos : pos + take])
                pos += take
                self.bdat_left -= take
                if self.bdat_left:
                    return
                self.mode = COMMANDS
                if self.bdat_last:
                    self._end_transaction()
                continue
            nl = data.find(b"\n", pos)
            if nl < 0:
                self.carry = data[pos:]
                if len(self.carry) > MAX_CARRY:
                    self.finished = True  # no command is this long: not commands any more
                return
            line = data[pos:nl].rstrip(b"\r")
            pos = nl + 1
            if self.auth:
                self.pending.append(SASL)
                continue
            group += 1
            self._command(line, group)

    def _command(self, line: bytes, group: int) -> None:
        if control_byte(line[:64]):
            self.finished = True  # not commands (TLS after STARTTLS, or not SMTP at all)
            return
        verb = line.split(b" ", 1)[0].upper()
        self.pending.append(verb)
        offered = self.extensions
        if group > 1 and offered is not None and b"PIPELINING" not in offered:
            self.report(
                "pipelining",
                MALFORMED,
                f"commands sent without waiting for replies ('{shown(line, 30)}' among them) "
                "although the server did not offer PIPELINING (RFC 2920 §3)",
            )
        if verb in (b"HELO", b"EHLO"):
            self.helo = True
            self._end_transaction()
        elif verb == b"RSET":
            self._end_transaction()
        elif verb in (b"QUIT", b"STARTTLS"):
            self.finished = True
        elif verb == b"AUTH":
            self.auth = True
        if verb not in TRANSACTION:
            return
        if self.from_start and not self.helo:
            self.report(
                "no_helo",
                MALFORMED,
                f"{verb.decode()} before any HELO or EHLO (RFC 5321 §4.1.4)",
            )
        if verb == b"MAIL":
            self.mail = True
        elif verb == b"RCPT":
            if self.from_start and not self.mail:
                self.report(
                    "rcpt_first", MALFORMED, "RCPT TO with no MAIL FROM before it (RFC 5321 §3.3)"
                )
            self.rcpt = True
        else:
            if self.from_start and not (self.mail and self.rcpt):
                self.report(
                    "data_first",
                    MALFORMED,
                    f"{verb.decode()} with no MAIL FROM and RCPT TO before it in the transaction "
                    "(RFC 5321 §3.3)",
                )
            if verb == b"DATA":
                self.mode = DATA_WAIT
                self.data_tail = b"\r\n"  # the command's own line end may open the terminator
            else:
                self._bdat(line, offered)

    def _early_content(self) -> None:
        """Message content before the server's 354 reply to DATA: the client did not wait."""
        self.mode = DATA
        offered = self.extensions
        if offered is not None and b"PIPELINING" not in offered:
            self.report(
                "pipelining",
                MALFORMED,
                "message content sent before the reply to DATA although the server did not "
                "offer PIPELINING (RFC 2920 §3)",
            )

    def _bdat(self, line: bytes, offered: frozenset[bytes] | None) -> None:
        if offered is not None and b"CHUNKING" not in offered:
            self.report(
                "chunking",
                MALFORMED,
                "BDAT although the server did not offer CHUNKING (RFC 3030 §2)",
            )
        m = _BDAT.match(line)
        if m is None:
            self.report(
                "bdat_syntax",
                MALFORMED,
                f"BDAT without a valid chunk size and optional LAST: '{shown(line, 40)}' (RFC 3030 §2)",
            )
            return  # the size cannot be trusted: what follows is read as commands again
        self.bdat_left = int(m.group(1))
        self.bdat_last = m.group(2) is not None
        self.mode = BDAT if self.bdat_left else COMMANDS
        if not self.bdat_left and self.bdat_last:
            self._end_transaction()

    def _content(self, content: bytes) -> None:
        name = self.names.feed(content)
        if name is not None:
            self.report(
                "long_filename",
                MALFORMED,
                f"an attachment named with {len(name)} bytes, more than any file system holds "
                f"({NAME_MAX}): '{shown(name, 40)}'; an overlong name hides its real extension "
                "from filters and from the reader",
            )

    def _end_transaction(self) -> None:
        self.mail = self.rcpt = False

    # -- server --------------------------------------------------------------------------------

    def _server(self, payload: bytes) -> None:
        if control_byte(payload[:64]):
            self.finished = True  # TLS after STARTTLS, or a binary protocol
            return
        lines = self.replies.lines(payload)
        if lines is None:
            self.finished = True
            return
        for line in lines:
            code = line[:3]
            if not code.isdigit():
                continue
            asked = self.pending[0] if self.pending else None
            if asked == b"EHLO" and code == b"250":
                self.keywords.append(line[4:].split(b" ", 1)[0].upper())
            if line[3:4] == b"-":
                continue  # a multi-line reply goes on
            if self.pending:
                self.pending.popleft()
            self._answered(asked, code)

    def _answered(self, asked: bytes | None, code: bytes) -> None:
        if asked == b"EHLO":
            # The first line names the server and the keywords follow it; its first word is
            # kept too, so a server that lists a keyword there is taken at its word.
            self.extensions = frozenset(self.keywords) if code == b"250" else None
            self.keywords = []
        elif asked == b"HELO" and code == b"250":
            self.extensions = frozenset()  # HELO: no extensions at all (RFC 5321 §4.1.1.1)
        elif asked == b"DATA" and self.mode == DATA_WAIT:
            self.mode = DATA if code == b"354" else COMMANDS
        elif asked in (b"AUTH", SASL) and code != b"334":
            self.auth = False
