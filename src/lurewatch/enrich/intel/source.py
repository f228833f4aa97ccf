"""Opening feed files: plain, gzip or single-member zip, recognised by content, not by name.

Feeds arrive compressed as often as not (URLhaus serves zip, mirrors gzip), and a download cut
short is common. A damaged archive never fails the load: everything that decompressed cleanly
is used, and the rest is counted as one lost record with the reason "truncated-input". Gzip is
inflated here rather than through `gzip.GzipFile`, which gives nothing back from a read that
runs into the cut.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lurewatch.enrich.intel.model import Counts
from lurewatch.errors import InputError

__all__ = ["SNIFF_BYTES", "chunks", "head", "iter_lines", "read_bytes"]

SNIFF_BYTES = 65536
_CHUNK = 1 << 16
_GZIP = b"\x1f\x8b"
_ZIP = b"PK\x03\x04"
_GZIP_WBITS = 16 + zlib.MAX_WBITS
# What a damaged or cut-short archive raises part-way through.
_DAMAGED = (EOFError, zlib.error, zipfile.BadZipFile)


def _magic(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(4)
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from e


def _gunzip(f: IO[bytes]) -> Iterator[bytes]:
    """Inflate every gzip member of `f`; EOFError after the last byte when it was cut short."""
    d = zlib.decompressobj(_GZIP_WBITS)
    fed = False
    while raw := f.read(_CHUNK):
        while raw:
            out = d.decompress(raw)
            fed = True
            if out:
                yield out
            if not d.eof:
                break
            raw = d.unused_data  # another member follows (concatenated gzip files)
            d = zlib.decompressobj(_GZIP_WBITS)
            fed = False
            if not raw.strip(b"\x00"):
                raw = b""  # zero padding after the last member, as tape-era tools wrote
    if fed:
        raise EOFError("compressed data ended before its end-of-stream marker")


def _plain(f: IO[bytes]) -> Iterator[bytes]:
    while raw := f.read(_CHUNK):
        yield raw


def chunks(path: Path) -> Iterator[bytes]:
    """The decompressed content of `path` in pieces. Raises one of EOFError, zlib.error or
    zipfile.BadZipFile after the last good piece when the archive is damaged."""
    magic = _magic(path)
    with path.open("rb") as f:
        if magic.startswith(_GZIP):
            yield from _gunzip(f)
            return
        if magic != _ZIP:
            yield from _plain(f)
            return
    with zipfile.ZipFile(path) as z:
        members = [m for m in z.infolist() if not m.is_dir()]
        if not members:
            raise InputError(f"{path}: the zip archive holds no file")
        # A feed archive holds one file; the largest is the data when a README rides along.
        with z.open(max(members, key=lambda m: m.file_size)) as member:
            yield from _plain(member)


def head(path: Path, size: int = SNIFF_BYTES) -> bytes:
    """Up to `size` decompressed bytes from the start, for format detection; a damaged archive
    gives what could be decompressed."""
    out = bytearray()
    try:
        for piece in chunks(path):
            out += piece
            if len(out) >= size:
                break
    except _DAMAGED:
        pass
    return bytes(out[:size])


def read_bytes(path: Path) -> tuple[bytes, bool]:
    """The whole decompressed content, and whether the archive was cut short."""
    pieces: list[bytes] = []
    try:
        for piece in chunks(path):
            pieces.append(piece)
    except _DAMAGED:
        return b"".join(pieces), True
    return b"".join(pieces), False


def iter_lines(path: Path, tally: Counts) -> Iterator[tuple[int, str]]:
    """(line number, text with its line ending) for each line, streamed.

    A line that is not UTF-8 is counted as read and skipped ("bad-encoding"). When an archive
    turns out damaged, the partial last line is dropped (a cut URL would be a wrong indicator)
    and the remainder is counted as one lost record ("truncated-input").
    """
    lineno = 0
    rest = b""
    try:
        for piece in chunks(path):
            lines = (rest + piece).split(b"\n")
            rest = lines.pop()
            for raw in lines:
                lineno += 1
                text = _decode(raw + b"\n", lineno, tally)
                if text is not None:
                    yield lineno, text
    except _DAMAGED:
        tally.lost("truncated-input", lineno + 1)
        return
    if rest:
        lineno += 1
        text = _decode(rest, lineno, tally)
        if text is not None:
            yield lineno, text


def _decode(raw: bytes, lineno: int, tally: Counts) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        tally.lost("bad-encoding", lineno)
        return None
    return text[1:] if lineno == 1 and text.startswith("\ufeff") else text
