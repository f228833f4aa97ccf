"""DNS (RFC 1035 and its updates): recognising a message, and walking it to check that the
header counts, names and record lengths agree with the bytes.

Over UDP a message is one datagram, so every byte is present and every disagreement counts.
Over TCP each message carries a 2-byte length (RFC 1035 §4.2.2); a message the buffer has only
part of is checked as far as it goes, and running out of bytes is then not a problem.
"""

from __future__ import annotations

import struct

MALFORMED = "dns_malformed"
HEADER = 12
MAX_NAME = 255  # RFC 1035 §2.3.4, wire octets
MAX_LABEL = 63
OPT = 41  # EDNS(0) pseudo-record, RFC 6891

# Opcodes in use: QUERY, STATUS, NOTIFY (RFC 1996), UPDATE (RFC 2136), DSO (RFC 8490).
OPCODES = {0: "QUERY", 2: "STATUS", 4: "NOTIFY", 5: "UPDATE", 6: "DSO"}
CLASSES = frozenset({1, 3, 4, 254, 255})  # IN, CH, HS, NONE, ANY
_U16X4 = struct.Struct("!HHHH")
_RR_FIXED = struct.Struct("!HHIH")  # type, class, ttl, rdlength


class _Truncated(Exception):
    """The buffer ended inside a message that continues beyond it (TCP only)."""


class _Broken(Exception):
    """The message cannot be walked further; the problem is already recorded."""


class _Walk:
    """One pass over one message, recording what breaks the standard."""

    def __init__(self, msg: bytes, size: int, framing: str) -> None:
        self.msg = msg
        self.size = size  # how long the message says it is (the datagram, or the TCP prefix)
        self.complete = len(msg) >= size
        self.framing = framing
        self.problems: list[tuple[str, str]] = []
        self.opt_seen = False

    def flag(self, detail: str) -> None:
        if (MALFORMED, detail) not in self.problems:
            self.problems.append((MALFORMED, detail))

    def need(self, end: int, what: str) -> None:
        """Bytes up to `end` must exist: past the message's size they are a problem, past
        the buffer (a TCP message the buffer has only part of) they are merely not here yet."""
        if end <= len(self.msg):
            return
        if end > self.size:
            self.flag(f"{what} runs past the end of the {self.framing}")
            raise _Broken
        raise _Truncated

    def name(self, pos: int, where: str) -> int:
        """The offset after the name at `pos`; compression pointers are followed to check
        them but the walk resumes after the first pointer."""
        msg, size = self.msg, self.size
        held = len(msg)
        after = -1
        wire = 0
        jumps: set[int] = set()
        while True:
            # (`need` is called only when the bytes are missing: its text is then worth making)
            if pos + 1 > held:
                self.need(pos + 1, f"name in {where}")
            length = msg[pos]
            kind = length & 0xC0
            if kind == 0xC0:
                if pos + 2 > held:
                    self.need(pos + 2, f"compression pointer in {where}")
                target = ((length & 0x3F) << 8) | msg[pos + 1]
                if after < 0:
                    after = pos + 2
                if target == pos or target in jumps:
                    self.flag(f"compression pointer loop in {where} (offset {pos} -> {target})")
                    raise _Broken
                if target < HEADER:
                    self.flag(
                        f"compression pointer in {where} points into the header (offset {target})"
                    )
                    raise _Broken
                if target >= size:
                    self.flag(
                        f"compression pointer in {where} points outside the message (offset {target})"
                    )
                    raise _Broken
                if target > pos:
                    self.flag(
                        f"compression pointer in {where} points forward (offset {pos} -> {target})"
                    )
                    raise _Broken
                jumps.add(target)
                pos = target
                continue
            if kind:
                self.flag(
                    f"label length byte 0x{length:02x} in {where}: over {MAX_LABEL} and not a pointer"
                )
                raise _Broken
            wire += length + 1
            if wire > MAX_NAME:
                self.flag(f"name in {where} longer than {MAX_NAME} octets")
                raise _Broken
            if length == 0:
                return after if after >= 0 else pos + 1
            pos += 1 + length

    def question(self, pos: int, index: int) -> int:
        where = f"question {index + 1}"
        pos = self.name(pos, where)
        if pos + 4 > len(self.msg):
            self.need(pos + 4, f"type and class of {where}")
        return pos + 4

    def record(self, pos: int, section: str, index: int) -> int:
        where = f"{section} record {index + 1}"
        start = pos
        pos = self.name(pos, where)
        if pos + 10 > len(self.msg):
            self.need(pos + 10, f"fixed fields of {where}")
        rtype, rclass, _ttl, rdlength = _RR_FIXED.unpack_from(self.msg, pos)
        pos += 10
        if pos + rdlength > self.size:
            self.flag(f"RDLENGTH {rdlength} of {where} overruns the {self.framing}")
            raise _Broken
        if pos + rdlength > len(self.msg):
            raise _Truncated
        if rtype == OPT:
            if section != "additional":
                self.flag(f"OPT pseudo-record in the {section} section (RFC 6891: additional only)")
            elif self.opt_seen:
                self.flag("more than one OPT pseudo-record (RFC 6891 §6.1.1)")
            if self.msg[start] != 0:
                self.flag("OPT pseudo-record with a name other than the root")
            self.opt_seen = True
        elif rclass & 0x7FFF == 1 and rtype == 1 and rdlength != 4:
            self.flag(f"A record with RDLENGTH {rdlength} instead of 4")
        elif rclass & 0x7FFF == 1 and rtype == 28 and rdlength != 16:
            self.flag(f"AAAA record with RDLENGTH {rdlength} instead of 16")
        return pos + rdlength


def _check_header(walk: _Walk, flags: int, qdcount: int, ident: int) -> None:
    is_response = bool(flags & 0x8000)
    opcode = (flags >> 11) & 0xF
    rcode = flags & 0xF
    if opcode == 1:
        walk.flag("opcode 1 (IQUERY), obsolete since RFC 3425")
    elif opcode not in OPCODES:
        walk.flag(f"reserved opcode {opcode}")
    if flags & 0x0040:
        walk.flag("reserved Z bit set in the header flags")
    if not is_response:
        if rcode:
            walk.flag(f"query carrying response code {rcode}")
        # Multicast DNS (RFC 6762 §6) asks several questions with ID 0; unicast asks one.
        if opcode == 0 and qdcount != 1 and not (ident == 0 and qdcount > 1):
            walk.flag(f"query with QDCOUNT {qdcount} (a standard query asks exactly one question)")


def _walk_message(msg: bytes, size: int, framing: str) -> list[tuple[str, str]]:
    walk = _Walk(msg, size, framing)
    if size < HEADER:
        walk.flag(f"{framing} of {size} bytes is shorter than the 12-byte header")
        return walk.problems
    if len(msg) < HEADER:
        return walk.problems  # the rest is in the next segment
    ident, flags = struct.unpack_from("!HH", msg, 0)
    qd, an, ns, ar = _U16X4.unpack_from(msg, 4)
    _check_header(walk, flags, qd, ident)
    pos = HEADER
    sections = (("answer", an), ("authority", ns), ("additional", ar))
    try:
        for i in range(qd):
            if pos >= size:
                walk.flag(f"QDCOUNT is {qd} but the message holds {i} question(s)")
                raise _Broken
            pos = walk.question(pos, i)
        for section, count in sections:
            for i in range(count):
                if pos >= size:
                    walk.flag(f"{section} count is {count} but the message holds {i} record(s)")
                    raise _Broken
                pos = walk.record(pos, section, i)
        if walk.complete and pos < size:
            if framing == "TCP length prefix":
                walk.flag(f"TCP length prefix says {size} bytes, the message ends after {pos}")
            else:
                walk.flag(f"{size - pos} bytes after the last record the counts announce")
    except (_Broken, _Truncated):
        pass
    if not walk.opt_seen and flags & 0x8000 and flags & 0xF >= 12:
        walk.flag(f"unassigned response code {flags & 0xF} without EDNS")
    return walk.problems


def check(payload: bytes, transport: str) -> list[tuple[str, str]]:
    """dns_malformed problems of the messages in a datagram or a TCP buffer."""
    if transport != "tcp":
        return _walk_message(payload, len(payload), "datagram")
    problems: list[tuple[str, str]] = []
    pos = 0
    for _ in range(64):  # several queries may share one connection
        if pos + 2 > len(payload):
            break
        size = (payload[pos] << 8) | payload[pos + 1]
        msg = payload[pos + 2 : pos + 2 + size]
        for p in _walk_message(msg, size, "TCP length prefix"):
            if p not in problems:
                problems.append(p)
        if size < HEADER:
            break  # framing is lost
        pos += 2 + size
    return problems


# -- recognition ---------------------------------------------------------------------------


def _name_end(msg: bytes, pos: int, limit: int) -> int:
    """Offset after an uncompressed or backward-compressed name; -1 when it does not parse."""
    wire = 0
    for _ in range(128):
        if pos >= limit:
            return -1
        length = msg[pos]
        if length & 0xC0 == 0xC0:
            target = ((length & 0x3F) << 8) | msg[pos + 1] if pos + 1 < limit else limit
            return pos + 2 if HEADER <= target < pos else -1
        if length > MAX_LABEL:
            return -1
        wire += length + 1
        if wire > MAX_NAME:
            return -1
        if length == 0:
            return pos + 1
        pos += 1 + length
    return -1


def looks_like_dns(msg: bytes, complete: bool = True) -> bool:
    """A header with sane counts and a first question (or, in a response without questions, a
    first record) that parses. Random bytes almost never pass: QDCOUNT alone is 1 in 65536."""
    if len(msg) < HEADER + 5:
        return False
    flags = (msg[2] << 8) | msg[3]
    qd, an, ns, ar = _U16X4.unpack_from(msg, 4)
    if qd > 16 or an + ns + ar > 4096:
        return False
    if complete and qd * 5 + (an + ns + ar) * 11 > len(msg) - HEADER:
        return False
    limit = len(msg)
    if qd == 0:
        if not flags & 0x8000 or an + ns + ar == 0:
            return False
        end = _name_end(msg, HEADER, limit)
        if end < 0 or end + 10 > limit:
            return False
        rtype, rclass, _ttl, rdlength = _RR_FIXED.unpack_from(msg, end)
        return (rtype == OPT or rclass & 0x7FFF in CLASSES) and (
            not complete or end + 10 + rdlength <= limit
        )
    end = _name_end(msg, HEADER, limit)
    if end < 0 or end + 4 > limit:
        return False
    qtype = (msg[end] << 8) | msg[end + 1]
    qclass = ((msg[end + 2] << 8) | msg[end + 3]) & 0x7FFF  # top bit: mDNS unicast-response
    if qtype == 0 or qclass not in CLASSES:
        return False
    # NetBIOS name service (RFC 1002) borrows the DNS layout with 32-octet encoded names.
    return not (qtype in (0x20, 0x21) and msg[HEADER] == 32)


def looks_like_dns_tcp(p: bytes) -> bool:
    if len(p) < 2 + HEADER + 5:
        return False
    size = (p[0] << 8) | p[1]
    if size < HEADER + 5:
        return False
    msg = p[2 : 2 + size]
    return looks_like_dns(msg, complete=len(msg) >= size)
