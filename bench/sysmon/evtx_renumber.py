"""A copy of an EVTX log whose records carry other record numbers, so that reading the copy
stores new events instead of finding every one already stored.

EVTX cannot be generated (the parser needs real files), so the benchmark reads real logs many
times; renumbered, each pass is a log of its own. The record number is written three times:
in the record's header, in the first and last numbers of its chunk, and as the EventRecordID
value of the event's System element, one of the substitution values of the record's template
instance (binary XML); that value is the one read into the event. The checksums of the
chunk's header and records, and of the file header, are worked out again as the format
defines them (libevtx's "Windows XML Event Log (EVTX) format" notes).
"""

from __future__ import annotations

import struct
import zlib

FILE_MAGIC = b"ElfFile\x00"
CHUNK_MAGIC = b"ElfChnk\x00"
RECORD_MAGIC = b"\x2a\x2a\x00\x00"
CHUNK_SIZE = 65_536
HEADER_BLOCK = 4_096
CHUNK_RECORDS_AT = 512
U64 = struct.Struct("<Q")
U32 = struct.Struct("<I")


def renumbered(log: bytes, offset: int) -> bytes:
    """`log` with every record number (and the chunk and file counters) moved by `offset`."""
    if log[:8] != FILE_MAGIC:
        raise ValueError("not an EVTX file")
    out = bytearray(log)
    _add(out, 24, offset)  # the next record number the writer would use
    U32.pack_into(out, 124, zlib.crc32(out[:120]))
    for start in range(HEADER_BLOCK, len(out) - CHUNK_SIZE + 1, CHUNK_SIZE):
        if out[start : start + 8] == CHUNK_MAGIC:
            _renumber_chunk(out, start, offset)
    return bytes(out)


def _renumber_chunk(out: bytearray, chunk: int, offset: int) -> None:
    for field in (8, 16, 24, 32):  # first and last record numbers and identifiers
        _add(out, chunk + field, offset)
    free = U32.unpack_from(out, chunk + 48)[0]
    pos = chunk + CHUNK_RECORDS_AT
    end = chunk + min(free, CHUNK_SIZE)
    while pos + 24 <= end and out[pos : pos + 4] == RECORD_MAGIC:
        size = U32.unpack_from(out, pos + 4)[0]
        if size < 24 or pos + size > end:
            break
        _add(out, pos + 8, offset)
        value = _record_id_value(out, chunk, pos + 24, pos + size)
        if value is not None:
            _add(out, value, offset)
        pos += size
    U32.pack_into(out, chunk + 52, zlib.crc32(out[chunk + CHUNK_RECORDS_AT : end]))
    header = bytes(out[chunk : chunk + 120]) + bytes(out[chunk + 128 : chunk + CHUNK_RECORDS_AT])
    U32.pack_into(out, chunk + 124, zlib.crc32(header))


def _record_id_value(out: bytearray, chunk: int, at: int, end: int) -> int | None:
    """Where the template instance that opens a record's binary XML holds EventRecordID: its
    one 64-bit unsigned value (type 0x0A; keywords and logon ids are hexadecimal integers,
    process and thread ids 32-bit). None when the record does not open as event records do
    (a fragment header, then a template instance)."""
    if out[at] != 0x0F or out[at + 4] != 0x0C:
        return None
    definition = U32.unpack_from(out, at + 10)[0]
    pos = at + 14
    if chunk + definition == pos:  # the template is defined here, first use in the chunk
        pos += 24 + U32.unpack_from(out, pos + 20)[0]
    if pos + 4 > end:
        return None
    count = U32.unpack_from(out, pos)[0]
    value = pos + 4 + 4 * count
    if value > end:  # not a value list this record can hold
        return None
    for k in range(count):
        size, kind = struct.unpack_from("<HB", out, pos + 4 + 4 * k)
        if kind == 0x0A and size == 8 and value + 8 <= end:
            return value
        value += size
    return None


def _add(out: bytearray, at: int, offset: int) -> None:
    U64.pack_into(out, at, U64.unpack_from(out, at)[0] + offset)
