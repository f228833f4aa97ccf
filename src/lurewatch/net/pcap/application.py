"""N1 from packets: which protocol each direction speaks, and whether its port agrees.

Only the first payload packets of each direction are looked at (INSPECT_PACKETS), except that
every DNS message over UDP is checked, and that protocols whose standard is about the order of
a conversation (SMTP, FTP, MQTT; see `lurewatch.net.payload.session`) are followed for as long
as their session check asks, up to SESSION_PACKETS per direction; BitTorrent DHT datagrams are
checked one by one up to the same bound. The first message of each direction is gathered over
up to a few segments before its structure is checked, so a request split across segments is
not mistaken for a broken one.
"""

from __future__ import annotations

from typing import Protocol

from lurewatch.net.payload.lines import control_byte
from lurewatch.net.pcap.flow import Flow
from lurewatch.net.ports import UPGRADES, registered_protocol

INSPECT_PACKETS = 4  # payload packets per direction looked at (identity, changes, structure)
SESSION_PACKETS = 64  # payload packets per direction a conversation check may follow
# Datagram protocols whose every message is checked: (protocol, at most this many per direction)
EVERY_DATAGRAM = {"dns": None, "bittorrent-dht": SESSION_PACKETS}
MESSAGE_BYTES = 4096  # first message gathered up to this size for structure checks
MESSAGE_PACKETS = 4
UNIDENTIFIED_MIN_BYTES = 16  # client bytes before "nothing recognised" means something
HTTP_METHODS = (
    b"GET ",
    b"POST ",
    b"HEAD ",
    b"PUT ",
    b"DELETE ",
    b"OPTIONS ",
    b"CONNECT ",
    b"PATCH ",
    b"TRACE ",
)


class ConversationCheck(Protocol):
    """A check fed every payload packet of one flow (lurewatch.net.payload.session)."""

    finished: bool

    def feed(self, payload: bytes, from_client: bool) -> list[tuple[str, str]]: ...


class PayloadInspector(Protocol):
    """The payload analysis lurewatch.net.payload provides."""

    def session(self, protocol: str) -> ConversationCheck | None: ...

    def identify(self, payload: bytes, transport: str, from_client: bool) -> str | None: ...

    def structure_problems(
        self, protocol: str, payload: bytes, transport: str, from_client: bool
    ) -> list[tuple[str, str]]: ...

    def server_name(self, protocol: str, payload: bytes) -> str | None: ...


class Direction:
    __slots__ = (
        "protocol",
        "packets",
        "bytes",
        "message",
        "message_packets",
        "message_open",
        "number",
        "ts",
        "binary_start",
    )

    def __init__(self) -> None:
        self.protocol: str | None = None
        self.binary_start: bool | None = None  # whether its first bytes were not text
        self.packets = 0
        self.bytes = 0
        self.message = b""  # the first message, gathered for its structure check
        self.message_packets = 0
        self.message_open = True
        self.number = 0  # packet number where the first message started
        self.ts = 0.0


class AppState:
    __slots__ = ("client", "server", "protocol", "domain", "connect", "session")

    def __init__(self) -> None:
        self.client = Direction()
        self.server = Direction()
        self.protocol: str | None = None  # the flow's protocol: the first one recognised
        self.domain: str | None = None
        self.connect = False  # an HTTP CONNECT was seen: a tunnel may follow
        self.session: ConversationCheck | None = None  # follows the conversation, if any


def _name(protocol: str) -> str:
    return protocol.upper()


def _other_protocol_asked(answer: str, binary_start: bool | None) -> bool:
    """True when a server's first `answer` (its protocol) follows a client start that cannot
    be that protocol's: an HTTP response to binary bytes (a DCE/RPC bind), TLS records to
    plain text. Two protocols in one flow (Suricata: app_proto_ts against app_proto_tc).
    Only the kind of bytes is judged, not the request's form: HTTP allows any method name,
    and UPnP's NOTIFY and SUBSCRIBE are HTTP too."""
    if binary_start is None:
        return False  # the client sent nothing
    return binary_start if answer == "http" else answer == "tls" and not binary_start


class Application:
    """Runs payload identification and structure checks for flows, recording N1 findings."""

    def __init__(self, inspector: PayloadInspector) -> None:
        self.inspector = inspector
        self._identify = inspector.identify  # called for every packet looked at

    def observe(
        self, f: Flow, from_client: bool, payload: bytes, ts: float, number: int, transport: str
    ) -> None:
        app = f.app
        if app is None:
            app = f.app = AppState()
        if from_client:
            me, other = app.client, app.server
        else:
            me, other = app.server, app.client
        if other.message_packets and other.message_open:
            self._close_message(f, app, other, not from_client, transport)
        if not me.packets:
            me.binary_start = control_byte(payload[:64]) is not None
        me.packets += 1
        me.bytes += len(payload)
        found = self._identify(payload, transport, from_client)
        protocol = me.protocol
        if found and found != protocol:
            self._new_protocol(f, app, me, found, ts, number, transport, from_client)
            protocol = me.protocol
        if protocol == "http" and from_client and payload.startswith(b"CONNECT "):
            app.connect = True
        session = app.session
        if session is not None and not session.finished:
            for name, detail in session.feed(payload, from_client):
                f.flag(name, number, ts, detail, app.protocol)
        every = protocol in EVERY_DATAGRAM and transport == "udp"
        if every:
            self._structure(f, protocol or "", payload, transport, from_client, number, ts)
        elif me.message_open:
            if not me.message_packets:
                me.number, me.ts = number, ts
                me.message = payload[:MESSAGE_BYTES]
            else:
                me.message += payload[: MESSAGE_BYTES - len(me.message)]
            me.message_packets += 1
            if (
                transport != "tcp"
                or len(me.message) >= MESSAGE_BYTES
                or me.message_packets >= MESSAGE_PACKETS
            ):
                self._close_message(f, app, me, from_client, transport)
        elif me.packets > INSPECT_PACKETS:
            pass  # followed for the session check only
        elif protocol == "http":
            if from_client and payload.startswith(HTTP_METHODS):
                self._structure(f, "http", payload, transport, True, number, ts)
        elif protocol == "ftp" or (protocol == "smtp" and not from_client):
            # Control lines only, never content: each packet is whole commands or replies.
            self._structure(f, protocol, payload, transport, from_client, number, ts)
        if me.packets >= INSPECT_PACKETS and not self._followed(app, me, every):
            if me.message_open:
                self._close_message(f, app, me, from_client, transport)
            f.app_open &= ~(1 if from_client else 2)  # this direction has been looked at enough

    def _new_protocol(
        self,
        f: Flow,
        app: AppState,
        me: Direction,
        found: str,
        ts: float,
        number: int,
        transport: str,
        from_client: bool,
    ) -> None:
        """The packet is in another protocol than the direction's so far (or the first one)."""
        if me.protocol is None:
            me.protocol = found
            self._first_protocol(f, app, found, ts, number, transport, from_client)
            return
        if me.message_open and me.message_packets:
            # what was gathered so far is the old protocol's message: judge it as such
            self._close_message(f, app, me, from_client, transport)
        if found in UPGRADES.get(me.protocol, frozenset()) and (
            me.protocol != "http" or app.connect
        ):
            me.protocol = found  # STARTTLS, AUTH TLS, a CONNECT tunnel: allowed
            return
        f.flag(
            "protocol_change",
            number,
            ts,
            f"{_name(found)} after {_name(me.protocol)} from the "
            f"{'client' if from_client else 'server'} in one {transport} flow",
            found,
        )
        me.protocol = found

    @staticmethod
    def _followed(app: AppState, me: Direction, every: bool) -> bool:
        """Is this direction still looked at past INSPECT_PACKETS?"""
        if every:
            limit = EVERY_DATAGRAM[me.protocol or ""]
            return limit is None or me.packets < limit
        session = app.session
        return session is not None and not session.finished and me.packets < SESSION_PACKETS

    def _first_protocol(
        self,
        f: Flow,
        app: AppState,
        found: str,
        ts: float,
        number: int,
        transport: str,
        from_client: bool,
    ) -> None:
        """A direction's protocol is known: compare it with the port and the other direction."""
        other = app.server if from_client else app.client
        if app.protocol is None:
            app.protocol = found
            app.session = self.inspector.session(found)
            registered = registered_protocol(transport, f.rport)
            if registered and registered != found:
                f.flag(
                    "protocol_port_mismatch",
                    number,
                    ts,
                    f"{_name(found)} on {transport}/{f.rport}, registered to {_name(registered)}",
                    found,
                )
            if (
                not from_client
                and transport == "tcp"
                and f.hist.startswith("S")  # seen from its handshake: the client's start is here
                and _other_protocol_asked(found, other.binary_start)
            ):
                f.flag(
                    "protocol_change",
                    number,
                    ts,
                    f"the server answers in {_name(found)} a client that did not speak it",
                    found,
                )
        elif (
            other.protocol
            and other.protocol != found
            and found not in UPGRADES.get(other.protocol, frozenset())
        ):
            client, server = (found, other.protocol) if from_client else (other.protocol, found)
            f.flag(
                "protocol_change",
                number,
                ts,
                f"{_name(client)} from the client but {_name(server)} from the server",
                found,
            )

    def _close_message(
        self, f: Flow, app: AppState, d: Direction, from_client: bool, transport: str
    ) -> None:
        d.message_open = False
        if d.protocol and d.message:
            self._structure(f, d.protocol, d.message, transport, from_client, d.number, d.ts)
            if from_client and app.domain is None:
                app.domain = self.inspector.server_name(d.protocol, d.message)
        d.message = b""

    def _structure(
        self,
        f: Flow,
        protocol: str,
        payload: bytes,
        transport: str,
        from_client: bool,
        number: int,
        ts: float,
    ) -> None:
        for name, detail in self.inspector.structure_problems(
            protocol, payload, transport, from_client
        ):
            f.flag(name, number, ts, detail, protocol)

    def finish(self, f: Flow) -> None:
        """At the flow's end: check what is still gathered; judge a port that carried nothing known."""
        app = f.app
        if app is None:
            return
        transport = f.transport
        for d, from_client in ((app.client, True), (app.server, False)):
            if d.message_open and d.message_packets:
                self._close_message(f, app, d, from_client, transport)
        registered = registered_protocol(transport, f.rport)
        handshake_seen = transport != "tcp" or f.seen & 1  # the originator's SYN
        if (
            registered
            and app.protocol is None
            and handshake_seen
            and app.client.bytes >= UNIDENTIFIED_MIN_BYTES
        ):
            f.flag(
                "port_protocol_unidentified",
                app.client.number or f.number,
                app.client.ts or f.first,
                f"{transport}/{f.rport} is registered to {_name(registered)}, but the "
                f"{app.client.bytes} bytes the client sent are no protocol lurewatch recognises",
            )
