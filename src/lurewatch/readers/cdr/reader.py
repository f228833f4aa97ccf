"""Reading a CDR CSV file (plain or gzip) as `call` rows, in Arrow batches, streamed.

The CSV is parsed by Arrow's multi-threaded reader, only the mapped columns are converted, and
each batch is normalized a column at a time (`normalize`). A record with fewer or more fields
than the header, an unreadable start time, an unparseable number or an undecidable direction
becomes a reject with its line number and reason; the rest of the file is read on. A file whose
header lacks a required column is one reject. A file that is not all UTF-8 is read with the
bytes that are not replaced (lurewatch.util.lenient_utf8): Arrow would stop at the first one.

`read_cdr` yields Arrow tables; `call_batches` hands them to ingest, whose store hashes the event
ids; `rows_from_cdr` yields (table, row) pairs, one record at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from lurewatch.config import Settings
from lurewatch.ids import content_id_sql
from lurewatch.readers.cdr.mapping import MappingError, read_header, resolve
from lurewatch.readers.cdr.normalize import Context, normalize
from lurewatch.readers.records import Reject
from lurewatch.util.lenient_utf8 import LENIENT_UTF8, is_utf8
from lurewatch.util.prefetch import prefetch

BLOCK_BYTES = 1 << 24  # about 70,000 CUCM records or 200,000 Teams records per batch
_GZIP = b"\x1f\x8b"


def _line_numbers(first: int, start: int, count: int, invalid: np.ndarray) -> np.ndarray:
    """Line numbers of valid records start .. start+count-1 (0-based among valid records),
    given the sorted line numbers of the invalid records the CSV reader skipped."""
    n = np.arange(start, start + count, dtype=np.int64) + first
    if not len(invalid):
        return n
    shift = np.zeros(count, dtype=np.int64)
    while True:  # each pass accounts for invalid lines before the current guess
        new = np.searchsorted(invalid, n + shift, side="right")
        if np.array_equal(new, shift):
            return n + shift
        shift = new


def _open(path: Path, head: bytes) -> pa.NativeFile:
    if head.startswith(_GZIP):
        return pa.input_stream(str(path), compression="gzip")
    return pa.input_stream(str(path))


def read_cdr(path: Path, settings: Settings, hash_ids: bool = True) -> Iterator[pa.Table | Reject]:
    """Normalized `call` tables and rejects of one CDR file. With `hash_ids` False, `event.id`
    holds what identifies the record, for the store to hash (`call_batches`)."""
    where = str(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        yield Reject("call", where, None, f"cannot read file: {exc.strerror or exc}")
        return
    header = read_header(head)
    if header is None:
        yield Reject("call", where, 1, "no CSV header: the first line names no columns")
        return
    try:
        layout = resolve(header, settings.calls)
    except MappingError as exc:
        yield Reject("call", where, 1, f"columns missing: {exc}")
        return
    ctx = Context.from_settings(settings, layout.preset.endpoint_prefixes, layout.preset.channels)
    ctx.hash_ids = hash_ids
    invalid: list[tuple[int, str]] = []
    # What a record's field count is held against: the header, or the file's first record.
    expected = "the first record has" if header.headerless else "header has"

    def skip(row: Any) -> str:
        what = "missing columns" if row.actual_columns < row.expected_columns else "extra columns"
        invalid.append(
            (
                row.number or 0,
                f"{what}: {row.actual_columns} fields, {expected} {row.expected_columns}",
            )
        )
        return "skip"

    cols = layout.columns
    try:
        with _open(path, head) as stream:
            utf8 = is_utf8(stream)
    except (pa.ArrowInvalid, OSError, EOFError):
        utf8 = True  # the read below meets the same damage and reports it
    options = {
        # One parsing thread: it knows the line number of each bad record, and with the
        # conversion limited to the mapped columns it is no slower than several.
        "read_options": pcsv.ReadOptions(
            use_threads=False,
            block_size=BLOCK_BYTES,
            skip_rows=header.preamble,
            skip_rows_after_names=1 if header.type_row else 0,
            # A file without a header line (Asterisk) is named by its format.
            column_names=list(header.names) if header.headerless else None,
            # A byte that is not UTF-8 would stop Arrow's reader for the rest of the file.
            encoding="utf8" if utf8 else LENIENT_UTF8,
        ),
        "parse_options": pcsv.ParseOptions(delimiter=header.delimiter, invalid_row_handler=skip),
        "convert_options": pcsv.ConvertOptions(
            include_columns=cols,
            column_types=dict.fromkeys(cols, pa.string()),
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            null_values=[""],
        ),
    }
    # the line of the first record
    first = (1 if header.headerless else 2) + header.preamble + (1 if header.type_row else 0)
    done = 0
    reported = 0
    try:
        # Arrow's parser releases the interpreter: the next block is parsed while this one is
        # normalized.
        csv = pcsv.open_csv(_open(path, head), **options)
        for batch in prefetch(csv, name="cdr-csv-parser"):
            # Bad records arrive in file order (one parsing thread); some may already be those
            # of the next block, which have higher line numbers and do not shift these.
            seen = invalid[:]
            bad = np.array([n for n, _ in seen], dtype=np.int64)
            for number, reason in seen[reported:]:
                yield Reject("call", where, number or None, reason)
            reported = len(seen)
            lines = _line_numbers(first, done, batch.num_rows, bad)
            done += batch.num_rows
            table, rejects = normalize(batch, layout, ctx, where, lines)
            yield from rejects
            if table.num_rows:
                yield table
    except (pa.ArrowInvalid, OSError, EOFError) as exc:
        reason = str(exc).splitlines()[0][:200]
        yield Reject("call", where, None, f"cannot read the rest of the file: {reason}")
    for number, reason in invalid[reported:]:
        yield Reject("call", where, number or None, reason)


def call_batches(path: Path, settings: Settings) -> Iterator[tuple[str, pa.Table] | Reject]:
    """("call", table) batches for ingest, whose store computes the event ids
    (`CALL_ID_SQL`), and rejects."""
    for item in read_cdr(path, settings, hash_ids=False):
        yield item if isinstance(item, Reject) else ("call", item)


CALL_ID_SQL = content_id_sql("call")


def rows_from_cdr(path: Path, settings: Settings) -> Iterator[tuple[str, dict[str, Any]] | Reject]:
    """(table, row) pairs of one CDR file, for ingest's log readers."""
    for item in read_cdr(path, settings):
        if isinstance(item, Reject):
            yield item
            continue
        for row in item.to_pylist():
            yield "call", row
