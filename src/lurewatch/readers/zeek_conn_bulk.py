"""A Zeek TSV conn.log loaded straight into `flow` by DuckDB's CSV reader.

conn.log is the one log that runs to hundreds of millions of lines; turning each line into a
Python dict and back into columns costs more than everything else an ingest does. When a file
is a single-header TSV conn.log, DuckDB reads, types and inserts it in one statement instead,
with the same row content and the same `event.id` as the record-by-record path in `zeek_net`
(so the two never store one connection twice). Anything unusual — JSON, several header
blocks, values that do not convert — returns None, and the record-by-record reader, which
reports each problem exactly, takes the file.

Lines with the wrong number of columns become Rejects with their line numbers; comment lines
Zeek writes at the end (`#close`) are not records. `log.offset` stays empty on this path: the
connection's uid (`flow.id`) identifies it in the log.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from lurewatch.readers.records import Reject
from lurewatch.readers.zeek import GZIP_MAGIC, STREAM_ERRORS, unescape
from lurewatch.readers.zeek_names import normalize_service_sql
from lurewatch.readers.zeek_net import CONN_MAPPED
from lurewatch.schema import column_names
from lurewatch.store.db import Store, q

KIND = "zeek"
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


@dataclass
class BulkResult:
    read: int
    added: int
    rejects: list[Reject] = field(default_factory=list)


def _open(path: Path) -> IO[bytes]:
    with path.open("rb") as probe:
        gz = probe.read(2) == GZIP_MAGIC
    if gz:
        return cast(IO[bytes], gzip.GzipFile(path, "rb"))
    return path.open("rb")


def read_header(path: Path) -> ConnHeader | None:
    """The header of a TSV conn.log that the bulk path can take, else None."""
    try:
        with _open(path) as fh:
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
    )


def single_header_block(path: Path) -> bool:
    """True when `#fields` appears once: concatenated logs carry one header per part."""
    seen = 0
    tail = b""
    try:
        with _open(path) as fh:
            while chunk := fh.read(_SCAN_CHUNK):
                seen += (tail + chunk).count(b"\n#fields\t") - tail.count(b"\n#fields\t")
                if seen > 1:
                    return False
                tail = chunk[-16:]
    except (*STREAM_ERRORS, OSError):
        return False  # damaged: the record-by-record reader reports where
    return seen == 1


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _source(path: Path, h: ConnHeader, rejects_table: str | None) -> str:
    columns = ", ".join(f"{_sql_literal(f)}: 'VARCHAR'" for f in h.fields)
    rejects = (
        f", store_rejects=true, rejects_table={_sql_literal(rejects_table)}, "
        f"rejects_scan={_sql_literal(rejects_table + '_scan')}"
        if rejects_table
        else ", ignore_errors=true"
    )
    return (
        f"read_csv({_sql_literal(str(path))}, delim='\\t', header=false, skip={h.lines}, "
        f"quote='', escape='', columns={{{columns}}}, auto_detect=false, "
        f"nullstr={_sql_literal(h.unset)}, compression='auto', max_line_size=10000000{rejects})"
    )


def _micros(expr: str) -> str:
    return f"CAST(TRY_CAST({expr} AS DECIMAL(24,6)) * 1000000 AS BIGINT)"


def _row_select(path: Path, h: ConnHeader) -> str:
    """The SELECT that turns raw conn.log columns into `flow` rows, as `zeek_net.conn_row`."""

    def col(name: str) -> str:
        return f"nullif({q(name)}, {_sql_literal(h.empty)})" if name in h.fields else "NULL"

    start_us = _micros(q("ts"))
    dur_us = _micros(col("duration")) if "duration" in h.fields else "NULL"
    extras = [f for f in h.fields if f not in CONN_MAPPED]
    extra = (
        "nullif(json_object("
        + ", ".join(f"{_sql_literal(f)}, {col(f)}" for f in extras)
        + ")::VARCHAR, '{}')"
        if extras
        else "NULL"
    )
    # json_object keeps keys whose value is NULL; strip them so the text matches conn_row's.
    extra = f"CASE WHEN {extra} IS NULL THEN NULL ELSE json_merge_patch('{{}}', {extra}) END"
    values = {
        "event.id": f"'zeek:' || {q('uid')} || ':' || {start_us} || ':' || coalesce({dur_us}::VARCHAR, '')",
        "@timestamp": f"make_timestamp({start_us})",
        "event.end": f"make_timestamp({start_us} + coalesce({dur_us}, 0))",
        "log.file.path": _sql_literal(str(path)),
        "log.offset": "NULL",
        "observer.type": "'zeek'",
        "flow.id": q("uid"),
        "network.transport": f"nullif(lower({q('proto')}), '')",
        "network.protocol": normalize_service_sql(col("service")),
        "source.ip": q("id.orig_h"),
        "source.port": f"TRY_CAST({q('id.orig_p')} AS INTEGER)",
        "destination.ip": q("id.resp_h"),
        "destination.port": f"TRY_CAST({q('id.resp_p')} AS INTEGER)",
        "destination.domain": "NULL",
        "flow.duration": f"TRY_CAST({col('duration')} AS DOUBLE)",
        "source.bytes": f"TRY_CAST({col('orig_bytes')} AS BIGINT)",
        "destination.bytes": f"TRY_CAST({col('resp_bytes')} AS BIGINT)",
        "source.packets": f"TRY_CAST({col('orig_pkts')} AS BIGINT)",
        "destination.packets": f"TRY_CAST({col('resp_pkts')} AS BIGINT)",
        "flow.state": col("conn_state"),
        "flow.history": col("history"),
        "event.extra": extra,
    }
    return ", ".join(f"{values[c]} AS {q(c)}" for c in column_names("flow"))


def _problems(store: Store, path: Path, h: ConnHeader, table: str) -> tuple[int, int]:
    """(records, records whose values would not convert), reading the file once."""
    bad = " OR ".join(
        [f"TRY_CAST({q('ts')} AS DECIMAL(18,6)) IS NULL", f"{q('uid')} IS NULL"]
        + [
            f"({q(c)} IS NOT NULL AND TRY_CAST({q(c)} AS BIGINT) IS NULL)"
            for c in (
                "id.orig_p",
                "id.resp_p",
                "orig_bytes",
                "resp_bytes",
                "orig_pkts",
                "resp_pkts",
            )
            if c in h.fields
        ]
        + (
            [f"({q('duration')} IS NOT NULL AND TRY_CAST({q('duration')} AS DOUBLE) IS NULL)"]
            if "duration" in h.fields
            else []
        )
    )
    row = store.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {bad}) FROM {_source(path, h, table)}"
    )
    return int(row[0][0]), int(row[0][1])


def _line_rejects(store: Store, path: Path, table: str) -> Iterator[Reject]:
    rows = store.execute(
        f"SELECT line, min(csv_line), max(error_type), min(error_message) FROM {q(table)} "
        "GROUP BY line ORDER BY line"
    )
    for line, text, kind, message in rows:
        if (text or "").startswith("#"):
            continue  # #close and other trailer comments
        reason = f"{message} ({kind.lower().replace('_', ' ')})" if kind else message
        yield Reject(KIND, str(path), int(line), f"not a conn.log record: {reason}")


def bulk_load_conn(store: Store, path: Path) -> BulkResult | None:
    """Load one conn.log into `flow` in bulk; None when the file needs the record-by-record path."""
    header = read_header(path)
    if header is None or not single_header_block(path):
        return None
    table = "lw_conn_rejects"
    try:
        records, bad = _problems(store, path, header, table)
        if bad:
            return None
        rejects = list(_line_rejects(store, path, table))
        before = store.count("flow")
        cols = ", ".join(q(c) for c in column_names("flow"))
        store.execute(
            f"INSERT INTO flow ({cols}) SELECT {cols} FROM "
            f"(SELECT {_row_select(path, header)} FROM {_source(path, header, None)}) b "
            'WHERE NOT EXISTS (SELECT 1 FROM flow t WHERE t."event.id" = b."event.id")'
        )
        added = store.count("flow") - before
    finally:
        store.execute(f"DROP TABLE IF EXISTS {q(table)}")
        store.execute(f"DROP TABLE IF EXISTS {q(table + '_scan')}")
    return BulkResult(records, added, rejects)
