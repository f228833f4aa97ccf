"""Checks that need a whole conversation, not one message: the order of commands and replies.

Some standards are about sequence (an MQTT client must open with CONNECT, an SMTP client must
not send DATA outside a mail transaction, an FTP client should wait for each reply). A
`Session` is fed every payload packet of a flow, both directions in capture order, and answers
with the (anomaly name, detail) pairs the packet adds. Each kind of finding is reported once per
flow: the first occurrence says what there is to say.
"""

from __future__ import annotations

MAX_CARRY = 8192  # bytes of an unfinished line kept for the next segment


class Session:
    """Base for conversation checks: `feed` each packet; `finished` when nothing more to judge."""

    def __init__(self) -> None:
        self.finished = False
        self._reported: set[str] = set()
        self._found: list[tuple[str, str]] = []

    def feed(self, payload: bytes, from_client: bool) -> list[tuple[str, str]]:
        if self.finished or not payload:
            return []
        self._found = []
        self.packet(payload, from_client)
        return self._found

    def packet(self, payload: bytes, from_client: bool) -> None:
        raise NotImplementedError

    def report(self, kind: str, name: str, detail: str) -> None:
        """Record a finding once per `kind` for the whole flow."""
        if kind not in self._reported:
            self._reported.add(kind)
            self._found.append((name, detail))


class LineCarry:
    """Complete lines of a text stream split into segments; the unfinished tail waits."""

    __slots__ = ("tail",)

    def __init__(self) -> None:
        self.tail = b""

    def lines(self, payload: bytes) -> list[bytes] | None:
        """Complete lines (without CR LF) so far, or None when a line grows past MAX_CARRY."""
        data = self.tail + payload if self.tail else payload
        parts = data.split(b"\n")
        self.tail = parts.pop()
        if len(self.tail) > MAX_CARRY:
            return None
        return [p[:-1] if p.endswith(b"\r") else p for p in parts]
