"""The header of a Zeek TSV conn.log, and the count of the records it holds: what tells
whether DuckDB may load the file in bulk (lurewatch.readers.zeek_conn_bulk), and how many
records it read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lurewatch.readers.log_stream import STREAM_ERRORS, open_binary_log
from lurewatch.readers.zeek import unescape

_REQUIRED = ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto")
_HEAD_BYTES = 1 << 16
_SCAN_CHUNK = 1 << 22


@dataclass
class ConnHeader:
    lines: int  # header lines before the first record
    fields: list[str]
    types: list[str]
    unset: str = "-"
    empty: str = "(empty)"
    set_sep: str = ","


def read_header(path: Path) -> ConnHeader | None:
    """The header of a TSV conn.log that the bulk path can take, else None."""
    try:
        with open_binary_log(path) as fh:
            head = fh.read(_HEAD_BYTES)
    except (*STREAM_ERRORS, OSError):
        return None
    lines = head.split(b"\n")
    if not lines or lines[0].rstrip(b"\r") != b"#separator \\x09":
        return None
    meta: dict[str, str] = {}
    count = 0
    for raw in lines[:-1]:  # the last piece may be cut by the read size
        line = raw.decode("utf-8", "replace").rstrip("\r")
        if not line.startswith("#"):
            break
        count += 1
        key, _, value = line.partition("\t")
        meta[key] = value
    else:
        return None  # no record within the head: nothing worth a bulk load
    fields = meta.get("#fields", "").split("\t")
    types = meta.get("#types", "").split("\t")
    if meta.get("#path") != "conn" or len(fields) != len(types) or len(set(fields)) != len(fields):
        return None
    if any(f not in fields for f in _REQUIRED) or any('"' in f or "'" in f for f in fields):
        return None
    return ConnHeader(
        count,
        fields,
        types,
        unescape(meta.get("#unset_field", "-")),
        unescape(meta.get("#empty_field", "(empty)")),
        unescape(meta.get("#set_separator", ",")) or ",",
    )


def count_data_lines(path: Path) -> int | None:
    """The lines that hold records (neither comments nor blank), or None when `#fields` appears
    more than once: concatenated logs carry one header per part, for the record reader.

    Counting here, in the pass that looks for headers anyway, tells how many records the file
    holds (DuckDB's reader skips blank lines without a word). This pass runs beside DuckDB's
    insert on the same cores, so it is kept cheap: the newlines of a chunk are found once (a
    vectorised compare), which gives both the line count and the blank lines (two newlines in a
    row); comments are rare after the header, so a chunk is searched for them only when it holds
    a `#` at all."""
    lines = comments = blanks = fields = 0
    # The previous chunk's last bytes go before the next: a mark cut by the read size is still
    # found, and 8 bytes cannot hold a whole `\n#fields\t` to be counted twice. A file starts
    # as if after a newline.
    tail = b"\n"
    last = b""
    try:
        with open_binary_log(path) as fh:
            while chunk := fh.read(_SCAN_CHUNK):
                newlines = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
                lines += len(newlines)
                blanks += int(np.count_nonzero(np.diff(newlines) == 1))
                if tail.endswith(b"\n") and chunk.startswith(b"\n"):
                    blanks += 1  # a blank line whose two newlines the read size parted
                if b"#" in chunk or b"#" in tail:
                    joined = tail + chunk
                    start = len(tail) - 1  # two-byte marks may begin at the tail's last byte
                    comments += joined.count(b"\n#", start)
                    fields += joined.count(b"\n#fields\t")
                    if fields > 1:
                        return None
                tail, last = (tail + chunk[-8:])[-8:], chunk
    except (*STREAM_ERRORS, OSError):
        return None  # damaged: the record-by-record reader reports where
    if lines and not last.endswith(b"\n"):
        lines += 1  # a last line without its newline
    return lines - comments - blanks if fields == 1 else None
