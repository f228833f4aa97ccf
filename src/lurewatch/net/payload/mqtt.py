"""MQTT 3.1, 3.1.1 and 5.0 control packets (OASIS MQTT v3.1.1 and v5.0, §2 and §3).

A packet is a fixed header (type in the high nibble, flags in the low one), a Remaining Length
in one to four 7-bit groups, then the rest. Checked here: the client's first packet must be
CONNECT and only one CONNECT is allowed; the server's first packet must be CONNACK; packet type
0 is reserved; each direction sends only the types it may; PUBLISH never has QoS 3; the flags
of the other types are fixed (from 3.1.1 on); CONNECT names a protocol and level that agree;
and in MQTT 5 the property lengths must fit inside their packet.
"""

from __future__ import annotations

from lurewatch.net.payload.session import Session

MALFORMED = "protocol_malformed"
MAX_PACKETS = 64  # packets per direction before the conversation is left alone
MAX_BUFFER = 65536  # bytes of one packet kept to check it; longer bodies are skipped
CONNECT, CONNACK, PUBLISH, SUBSCRIBE, UNSUBSCRIBE, AUTH = 1, 2, 3, 8, 10, 15
CLIENT_ONLY = frozenset({CONNECT, SUBSCRIBE, UNSUBSCRIBE, 12})  # 12: PINGREQ
SERVER_ONLY = frozenset({CONNACK, 9, 11, 13})  # SUBACK, UNSUBACK, PINGRESP
FLAGS_0010 = frozenset({6, SUBSCRIBE, UNSUBSCRIBE})  # PUBREL, SUBSCRIBE, UNSUBSCRIBE
NAMES = {
    1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL", 7: "PUBCOMP",
    8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK", 12: "PINGREQ",
    13: "PINGRESP", 14: "DISCONNECT", 15: "AUTH", 0: "reserved type 0",
}  # fmt: skip
LEVELS = {b"MQTT": (4, 5), b"MQIsdp": (3,)}


def varint(data: bytes, pos: int) -> tuple[int, int] | None:
    """(value, position after it) of a Variable Byte Integer; None when cut or over 4 bytes."""
    value = 0
    for i in range(4):
        if pos + i >= len(data):
            return None
        b = data[pos + i]
        value |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            return value, pos + i + 1
    return None


def looks_like_mqtt(p: bytes) -> bool:
    """A CONNECT packet: type 1 with no flags, a Remaining Length, then "MQTT" or "MQIsdp"."""
    if p[:1] != b"\x10" or len(p) < 10:
        return False
    header = varint(p, 1)
    if header is None:
        return False
    pos = header[1]
    return p[pos : pos + 6] == b"\x00\x04MQTT" or p[pos : pos + 8] == b"\x00\x06MQIsdp"


class MqttSession(Session):
    def __init__(self) -> None:
        super().__init__()
        self.buffers = [b"", b""]  # client, server: a packet not yet complete
        self.skip = [0, 0]  # body bytes of an overlong packet still to pass over
        self.seen = [0, 0]  # packets per direction
        self.packets = [0, 0]
        self.level = 0  # from CONNECT: 3, 4 or 5

    def packet(self, payload: bytes, from_client: bool) -> None:
        side = 0 if from_client else 1
        self.packets[side] += 1
        if self.packets[side] > MAX_PACKETS:
            self.finished = True
            return
        data = payload
        if self.skip[side]:
            passed = min(self.skip[side], len(data))
            self.skip[side] -= passed
            data = data[passed:]
        data = self.buffers[side] + data
        pos = 0
        while pos < len(data) and not self.finished:
            header = varint(data, pos + 1)
            if header is None:
                if len(data) - pos >= 5:
                    self.report("length", MALFORMED, "MQTT Remaining Length longer than 4 bytes")
                    self.finished = True
                    return
                break  # the length continues in the next segment
            length, body = header
            if length > MAX_BUFFER:
                self._control(data[pos], data[body:body], from_client, length)
                self.skip[side] = max(0, body + length - len(data))
                pos = len(data)
                break
            if body + length > len(data):
                break
            self._control(data[pos], data[body : body + length], from_client, length)
            pos = body + length
        self.buffers[side] = data[pos:][:MAX_BUFFER]

    def _control(self, first: int, body: bytes, from_client: bool, length: int) -> None:
        kind, flags = first >> 4, first & 0x0F
        side = 0 if from_client else 1
        self.seen[side] += 1
        name = NAMES[kind]
        who = "client" if from_client else "server"
        if self.seen[side] == 1:
            expected = CONNECT if from_client else CONNACK
            if kind != expected:
                self.report(
                    f"first{side}",
                    MALFORMED,
                    f"the MQTT {who}'s first packet is {name}, not {NAMES[expected]} "
                    f"(MQTT-3.{expected}.0-1)",
                )
        elif kind == CONNECT and from_client:
            self.report(
                "connect2", MALFORMED, "a second MQTT CONNECT on one connection (MQTT-3.1.0-2)"
            )
        if kind == 0 or (kind == AUTH and self.level and self.level < 5):
            self.report("type", MALFORMED, f"MQTT packet type {kind} is reserved")
        elif (from_client and kind in SERVER_ONLY) or (not from_client and kind in CLIENT_ONLY):
            self.report(f"direction{kind}", MALFORMED, f"MQTT {name} sent by the {who}")
        if kind == PUBLISH:
            self._publish(flags, body, length)
        elif self.level >= 4:
            fixed = 0b0010 if kind in FLAGS_0010 else 0
            if flags != fixed:
                self.report(
                    f"flags{kind}",
                    MALFORMED,
                    f"MQTT {name} with fixed-header flags {flags:04b} (must be {fixed:04b}, MQTT-2.2.2-2)",
                )
        if len(body) < length:
            return  # an overlong packet whose body was not kept
        if kind == CONNECT:
            self._connect(body)
        elif kind == CONNACK and self.level == 5:
            self._properties(name, body, 2)

    def _publish(self, flags: int, body: bytes, length: int) -> None:
        qos = (flags >> 1) & 3
        if qos == 3:
            self.report(
                "qos", MALFORMED, "MQTT PUBLISH with QoS 3, which does not exist (MQTT-3.3.1-4)"
            )
            return
        if qos == 0 and flags & 0x08 and self.level >= 4:
            self.report("dup", MALFORMED, "MQTT PUBLISH with DUP set at QoS 0 (MQTT-3.3.1-2)")
        if len(body) < length:
            return  # an overlong body not kept: its topic was still judged by length below
        if len(body) < 2 or 2 + int.from_bytes(body[:2], "big") > len(body):
            self.report("topic", MALFORMED, "MQTT PUBLISH topic name longer than the packet")
            return
        if self.level == 5:
            self._properties(
                "PUBLISH", body, 2 + int.from_bytes(body[:2], "big") + (2 if qos else 0)
            )

    def _connect(self, body: bytes) -> None:
        if len(body) < 2:
            self.report("connect", MALFORMED, "MQTT CONNECT too short for its protocol name")
            return
        name_end = 2 + int.from_bytes(body[:2], "big")
        proto, level = body[2:name_end], body[name_end : name_end + 1]
        if not level or len(body) < name_end + 4:
            self.report("connect", MALFORMED, "MQTT CONNECT ends inside its variable header")
            return
        self.level = level[0]
        if self.level not in LEVELS.get(proto, ()):
            self.report(
                "level",
                MALFORMED,
                f"MQTT CONNECT names protocol {proto[:16]!r} at level {self.level}",
            )
        if body[name_end + 1] & 0x01:
            self.report("reserved", MALFORMED, "MQTT CONNECT reserved flag set (MQTT-3.1.2-3)")
        if self.level == 5:
            self._properties("CONNECT", body, name_end + 4)

    def _properties(self, name: str, body: bytes, pos: int) -> None:
        """MQTT 5: a Property Length, then that many bytes, all inside the packet."""
        found = varint(body, pos)
        if found is None:
            if pos < len(body):
                self.report("props", MALFORMED, f"MQTT 5 {name} property length is malformed")
            return
        size, start = found
        if start + size > len(body):
            self.report(
                "props",
                MALFORMED,
                f"MQTT 5 {name} properties of {size} bytes, but only {len(body) - start} "
                "remain in the packet",
            )
