"""Streaming reader of pcap and pcapng files: each packet handed to the analysis, problems as
rejects.

The file is read in chunks and never held whole, so a capture of any size reads in flat memory.
Each packet is handed to a packet handler as the chunk's bytes, the frame's place in them and
its lengths, number and time: frames are not copied out of the chunk and nothing is built per
packet. After each chunk the reader yields the time it reached, so idle flows are finished as
the capture goes on.

What cannot be read is collected in `problems` (one `Reject` per cause, one line each) and the
caller reports them after the packets: a wrong magic number stops before any packet, a file cut
short stops after the last complete packet, and packets of an unknown link type are counted per
interface.
"""

from __future__ import annotations

import stat
import struct
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from lurewatch.net.pcap.compressed import open_capture, stream_damage
from lurewatch.net.pcap.linktypes import ETHERNET, SUPPORTED_LINK_TYPES
from lurewatch.net.pcap.pcapng_interface import TIME_MAX, TIME_MIN, interface, safe_high_word
from lurewatch.net.pcap.shard import ETHER_PAIR, Shard, pair_of
from lurewatch.net.pcap.tunnels import UDP_TUNNEL_PORTS
from lurewatch.readers.records import Reject

# Bytes read at a time. Small enough that a chunk just read is still in the CPU's cache when the
# loop walks its records (a third less time per record than 4 MiB chunks); a longer record is
# read whole by reading more (at least doubling what is held, so a few reads suffice).
CHUNK = 256 << 10
MAX_RECORD = 1 << 24  # a packet or block larger than this means the file is damaged

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"

SHB, IDB, SPB, EPB, OLD_PB = 0x0A0D0D0A, 1, 3, 6, 2
# What a packet is handed to: (the chunk's bytes, the frame's offset in them, captured length,
# wire length, link type, packet number from 1, time in seconds)
PacketHandler = Callable[[bytes, int, int, int, int, int, float], None]


def looks_like_pcap(head: bytes) -> bool:
    """Whether the first bytes of a file are a pcap or pcapng magic number."""
    return head[:4] in PCAP_MAGICS or (head[:4] == PCAPNG_MAGIC and len(head) >= 12)


class CaptureReader:
    """Reads one capture file; iterate `packets_to()`, then look at `problems`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Reject] = []
        self.packets = 0  # packets handed out
        self.snapped = 0  # of them, those cut by the snap length
        self.unknown_links: Counter[tuple[int, int]] = Counter()  # (interface, link type)
        self.bad_times = 0  # packets skipped for a time stamp outside TIME_MIN..TIME_MAX
        self.shard: Shard | None = None

    def _reject(self, offset: int | None, reason: str) -> None:
        self.problems.append(Reject("pcap", str(self.path), offset, reason))

    def stream_damaged(self, fh: BinaryIO) -> bool:
        """Report a compressed capture whose stream ended early; whether it did."""
        why = stream_damage(fh)
        if why:
            self._reject(None, why)
        return why is not None

    def packets_to(self, handle: PacketHandler, shard: Shard | None = None) -> Iterator[float]:
        """Hand every packet of the file (of `shard`'s share of its address pairs, when given)
        to `handle`; after each chunk read that had some, yield the time of its last one."""
        self.shard = shard if shard is not None and shard.parts > 1 else None
        try:
            fh = open_capture(self.path)
        except OSError as exc:
            self._reject(None, f"cannot open: {exc.strerror or exc}")
            return
        with fh:
            head = fh.read(4)
            if head in PCAP_MAGICS:
                yield from self._pcap(fh, head, handle)  # its records report any damage
            elif head == PCAPNG_MAGIC:
                yield from self._pcapng(fh, head, handle)  # so does the block loop
            elif not self.stream_damaged(fh):
                self._reject(0, f"not a pcap/pcapng file: magic {head.hex() or '(empty)'}")
        for (iface, link), count in sorted(self.unknown_links.items()):
            what = (
                "was never described by an interface block"
                if link < 0
                else f"has link type {link}, which is not supported"
            )
            self._reject(None, f"interface {iface} {what}: {count} packet(s) skipped")
        if self.bad_times:
            self._reject(
                None,
                f"{self.bad_times} packet(s) skipped: their time stamps lie outside the years "
                "1-9999 (damaged)",
            )

    # -- classic pcap ------------------------------------------------------------------------

    def classic(self) -> PcapRecords | None:
        """The record stream of a classic pcap file whose link type lurewatch reads, for a
        caller that walks the records itself; None for anything else (read it with
        `packets_to()`, which reports why it cannot be read)."""
        try:
            if not stat.S_ISREG(self.path.stat().st_mode):
                return None  # a pipe or device can be read only once: leave it to packets_to()
            fh = open_capture(self.path)
        except OSError:
            return None
        head = fh.read(24)
        if len(head) == 24 and head[:4] in PCAP_MAGICS:
            records = PcapRecords(self, fh, head)
            if records.link in SUPPORTED_LINK_TYPES:
                return records
        fh.close()
        return None

    def _pcap(self, fh: BinaryIO, magic: bytes, handle: PacketHandler) -> Iterator[float]:
        rest = fh.read(20)
        if len(rest) < 20:
            self._reject(0, "pcap file header cut short: fewer than 24 bytes")
            return
        records = PcapRecords(self, fh, magic + rest)
        link, scale = records.link, records.scale
        supported = link in SUPPORTED_LINK_TYPES
        unpack_from = records.record.unpack_from
        shard = self.shard
        mine, parts = shard if shard is not None else (0, 1)
        buf, pos, number = b"", 0, 0
        ts = 0.0
        snapped = handed = 0
        try:
            while buf := records.refill(buf, pos, number):
                pos, end = 0, len(buf)
                while pos + 16 <= end:
                    sec, frac, caplen, wirelen = unpack_from(buf, pos)
                    stop = pos + 16 + caplen
                    if stop > end:
                        if caplen > MAX_RECORD:
                            records.damaged(pos, number, caplen)
                            return
                        break
                    number += 1
                    if not supported:
                        self.unknown_links[(0, link)] += 1
                    elif shard is None or pair_of(buf, pos + 16, caplen, link) % parts == mine:
                        ts = sec + frac * scale
                        if caplen < wirelen:
                            snapped += 1
                        handle(buf, pos + 16, caplen, wirelen, link, number, ts)
                        handed += 1
                    pos = stop
                if handed:
                    self.packets += handed
                    handed = 0
                    yield ts  # the chunk's last time: idle flows are looked for
        finally:
            self.packets += handed
            self.snapped += snapped

    # -- pcapng ------------------------------------------------------------------------------

    def _pcapng(self, fh: BinaryIO, magic: bytes, handle: PacketHandler) -> Iterator[float]:
        shard = self.shard
        mine, parts = shard if shard is not None else (0, 1)
        ether_pair = ETHER_PAIR.unpack_from
        seekable = fh.seekable()
        order = "<"
        head = struct.Struct("<II")  # block type, block length
        # An Enhanced Packet Block's head, with the interface, time (high, low) and lengths:
        # most blocks are these, read in one unpack.
        epb = struct.Struct("<IIIIIII")
        # per interface: link type, seconds per timestamp unit, offset seconds, supported, and
        # the high word of a time stamp below which its time is surely in range (safe_high_word)
        interfaces: list[tuple[int, float, float, bool, int]] = []
        buf = magic + fh.read(CHUNK)
        base = pos = number = snapped = handed = 0
        ts = 0.0
        try:
            while True:
                end = len(buf)
                while pos + 12 <= end:
                    if pos + 28 <= end:
                        btype, blen, iface, hi, lo, caplen, wirelen = epb.unpack_from(buf, pos)
                    else:
                        btype, blen = head.unpack_from(buf, pos)
                    if btype == SHB:  # a section header (the same bytes either way round)
                        bom = buf[pos + 8 : pos + 12]
                        if bom == b"\x4d\x3c\x2b\x1a":
                            order = "<"
                        elif bom == b"\x1a\x2b\x3c\x4d":
                            order = ">"
                        else:
                            self._reject(
                                base + pos,
                                f"pcapng section at byte {base + pos} has a bad byte-order magic {bom.hex()}; reading stopped",
                            )
                            return
                        head = struct.Struct(order + "II")
                        epb = struct.Struct(order + "IIIIIII")
                        interfaces = []
                        btype, blen = head.unpack_from(buf, pos)
                    # (an Enhanced Packet Block holds at least its 32 bytes of fields)
                    if blen < 12 or blen % 4 or blen > MAX_RECORD or (btype == EPB and blen < 32):
                        self._reject(
                            base + pos,
                            f"pcapng block at byte {base + pos} has length {blen}: the file is damaged; reading stopped after {number} packet(s)",
                        )
                        return
                    if pos + blen > end:
                        break
                    if btype in (EPB, OLD_PB):
                        if btype != EPB:
                            fields = struct.unpack_from(order + "HHIIII", buf, pos + 8)
                            iface, _, hi, lo, caplen, wirelen = fields
                        number += 1
                        if caplen > blen - 32:
                            caplen = blen - 32
                        if iface >= len(interfaces):
                            self.unknown_links[(iface, -1)] += 1
                            pos += blen
                            continue
                        link, scale, shift, supported, safe_high = interfaces[iface]
                        if not supported:
                            self.unknown_links[(iface, link)] += 1
                            pos += blen
                            continue
                        if hi >= safe_high:  # a time far off: is it one a row can hold?
                            ts = ((hi << 32) | lo) * scale + shift
                            if not TIME_MIN <= ts <= TIME_MAX:
                                self.bad_times += 1
                                pos += blen
                                continue
                        if shard is not None:
                            # Ethernet, IPv4, TCP or UDP, no tunnel: the pair's bytes at fixed
                            # places (ETHER_PAIR)
                            if link == ETHERNET and caplen >= 38:
                                th, tl, vhl, proto, a, b, sp, dp = ether_pair(buf, pos + 28)
                                if (
                                    th == 8
                                    and tl == 0
                                    and vhl == 0x45
                                    and (
                                        proto == 6
                                        or proto == 17
                                        and sp not in UDP_TUNNEL_PORTS
                                        and dp not in UDP_TUNNEL_PORTS
                                    )
                                ):
                                    pair = a ^ b
                                else:
                                    pair = pair_of(buf, pos + 28, caplen, link)
                            else:
                                pair = pair_of(buf, pos + 28, caplen, link)
                            if pair % parts != mine:
                                pos += blen
                                continue
                        ts = ((hi << 32) | lo) * scale + shift
                        if caplen < wirelen:
                            snapped += 1
                        handle(buf, pos + 28, caplen, wirelen, link, number, ts)
                        handed += 1
                    elif btype == SPB:
                        number += 1
                        wirelen = head.unpack_from(buf, pos + 8)[0]
                        caplen = min(wirelen, blen - 16)
                        if not interfaces or not interfaces[0][3]:
                            self.unknown_links[(0, interfaces[0][0] if interfaces else -1)] += 1
                        elif (
                            shard is None
                            or pair_of(buf, pos + 12, caplen, interfaces[0][0]) % parts == mine
                        ):
                            # A simple packet block has no time of its own.
                            if caplen < wirelen:
                                snapped += 1
                            handle(buf, pos + 12, caplen, wirelen, interfaces[0][0], number, 0.0)
                            handed += 1
                    elif btype == IDB:
                        link, scale, shift = interface(buf[pos + 8 : pos + blen - 4], order)
                        supported = link in SUPPORTED_LINK_TYPES
                        interfaces.append(
                            (link, scale, shift, supported, safe_high_word(scale, shift))
                        )
                    pos += blen
                if handed:
                    self.packets += handed
                    handed = 0
                    yield ts  # the chunk's last time: idle flows are looked for
                joined = _read_on(fh, seekable, base, buf, pos)
                if joined is None:
                    break
                base += pos
                buf = joined
                pos = 0
        finally:
            self.packets += handed
            self.snapped += snapped
        # A damaged compressed stream is reported as the cause, not the block it cut.
        if not self.stream_damaged(fh) and pos < len(buf):
            self._reject(
                base + pos,
                f"file cut short: block after packet {number} at byte {base + pos} is "
                f"incomplete ({len(buf) - pos} bytes left); {number} complete packet(s) read",
            )


class PcapRecords:
    """The records of a classic pcap file, a chunk at a time.

    The caller walks the 16-byte record headers (`record`) through each chunk itself, with no
    object made per packet, and asks for the next chunk with the position of the first record
    it could not finish. A record longer than MAX_RECORD cannot fit in a chunk, so the caller
    needs to check the length only of a record that runs past the chunk's end.
    """

    def __init__(self, reader: CaptureReader, fh: BinaryIO, header: bytes) -> None:
        self.reader = reader
        self.fh = fh
        order, self.scale = PCAP_MAGICS[header[:4]]
        self.link: int = struct.unpack(order + "I", header[20:24])[0] & 0xFFFF
        self.record = struct.Struct(order + "IIII")  # seconds, fraction, captured, wire length
        self.base = 24  # file offset of the current chunk's first byte
        self.seekable = fh.seekable()

    def refill(self, buf: bytes, pos: int, number: int) -> bytes:
        """The bytes of `buf` from `pos` on, followed by the next chunk; empty at the end of
        the file (a record left incomplete there is reported: `number` were read)."""
        joined = _read_on(self.fh, self.seekable, self.base, buf, pos)
        if joined is None:
            left = len(buf) - pos
            # A damaged compressed stream is reported as the cause, not the record it cut.
            if not self.reader.stream_damaged(self.fh) and left:
                self.reader._reject(
                    self.base + pos,
                    f"file cut short: packet {number + 1} at byte {self.base + pos} is "
                    f"incomplete ({left} bytes left); {number} complete packet(s) read",
                )
            self.close()
            return b""
        self.base += pos
        return joined

    def damaged(self, pos: int, number: int, caplen: int) -> None:
        """A record at `pos` of the current chunk claims more than MAX_RECORD bytes."""
        offset = self.base + pos
        self.reader._reject(
            offset,
            f"packet {number + 1} at byte {offset} claims {caplen} bytes: "
            f"the file is damaged; reading stopped after {number} packet(s)",
        )
        self.close()

    def close(self) -> None:
        self.fh.close()


def _read_on(fh: BinaryIO, seekable: bool, base: int, buf: bytes, pos: int) -> bytes | None:
    """What is left of `buf` (a chunk read from file offset `base`) from `pos` on, followed by
    the next chunk; None at the end of the file. A record or block longer than a chunk is read
    whole by reading at least as much again as is left."""
    left = len(buf) - pos
    if left and seekable:
        # The unfinished record read again with the next chunk: one copy of the chunk instead
        # of two (joining the tail and the chunk copies both).
        fh.seek(base + pos)
        joined = fh.read(max(CHUNK, left) + left)
        return joined if len(joined) > left else None
    chunk = fh.read(max(CHUNK, left))
    if not chunk:
        return None
    return buf[pos:] + chunk if left else chunk
