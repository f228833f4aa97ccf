"""A Zeek TSV conn.log loaded straight into `flow` by DuckDB's CSV reader.

conn.log is the one log that runs to hundreds of millions of lines; turning each line into a
Python dict and back into columns costs more than everything else an ingest does. When a file
is a single-header TSV conn.log, DuckDB reads, types and inserts it in one statement instead
(when the store already holds flows, a pass of its own first looks for the log's ids among
them: `_stored_ids`), with the same row content and the same `event.id` as the
record-by-record path in `zeek_net` (so the two never store one connection twice). Anything
unusual — JSON, several header blocks, values that do not convert — returns None, and the
record-by-record reader, which reports each problem exactly, takes the file.

Lines with the wrong number of columns become Rejects with their line numbers; comment lines
Zeek writes at the end (`#close`) are not records. `log.offset` stays empty on this path: the
connection's uid (`flow.id`) identifies it in the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import orjson

from lurewatch.readers.records import Reject
from lurewatch.readers.zeek_conn_head import ConnHeader, count_data_lines, read_header
from lurewatch.readers.zeek_names import normalize_service_sql
from lurewatch.readers.zeek_net import CONN_MAPPED
from lurewatch.schema import column_names
from lurewatch.store.db import Store, lit, q

KIND = "zeek"


@dataclass
class BulkResult:
    read: int
    added: int
    rejects: list[Reject] = field(default_factory=list)


# Zeek types as the types DuckDB's CSV reader converts to while reading: a value that does not
# convert makes its line a reject (with its line number), like a line with too few columns.
# Times and intervals are decimals of 64 bits, so "nan", "inf" and values past 10^12 seconds
# are rejected with their line. Microseconds are worked out through a double, as the record
# reader does: a double holds every six-decimal epoch time exactly (its error stays under
# 0.13 µs until the year 2242), at a third of the cost of 128-bit decimal arithmetic.
_SQL_TYPES = {
    "time": "DECIMAL(18,6)",
    "interval": "DECIMAL(18,6)",
    "count": "BIGINT",
    "int": "BIGINT",
    "port": "INTEGER",
    "double": "DOUBLE",
    # T, F, 1 and 0 as the record reader reads them (DuckDB also takes true, yes and the like,
    # which the record reader rejects: no sensor writes them)
    "bool": "BOOLEAN",
}
# Element types of sets and vectors written as JSON lists, with the SQL type of an element (None:
# text). Others (times, intervals, doubles) stay the field's text: rare in conn.log.
_LIST_ELEMENTS = {
    "string": None, "addr": None, "enum": None, "subnet": None, "pattern": None,
    "count": "BIGINT", "int": "BIGINT", "port": "BIGINT",
}  # fmt: skip
# Columns whose "-" is not "unset" to the reader: a record must have them, so "-" fails to
# convert and becomes a reject instead of a row without a time.
_REQUIRED_VALUES = ("ts", "uid")


def _read_csv(path: Path, h: ConnHeader, types: list[str], options: str) -> str:
    """DuckDB's reader over the log's records, each field read as the type given."""
    columns = ", ".join(f"{lit(f)}: {lit(t)}" for f, t in zip(h.fields, types, strict=True))
    return (
        f"read_csv({lit(str(path))}, delim='\\t', header=false, skip={h.lines}, "
        f"quote='', escape='', columns={{{columns}}}, auto_detect=false, compression='auto', "
        f"max_line_size=10000000, {options})"
    )


def _source(path: Path, h: ConnHeader, rejects_table: str) -> str:
    required = ", ".join(lit(c) for c in _REQUIRED_VALUES)
    return _read_csv(
        path,
        h,
        [_SQL_TYPES.get(t, "VARCHAR") for t in h.types],
        f"nullstr={lit(h.unset)}, force_not_null=[{required}], store_rejects=true, "
        f"rejects_table={lit(rejects_table)}, "
        f"rejects_scan={lit(rejects_table + '_scan')}",
    )


def _stored_ids(store: Store, path: Path, h: ConnHeader, table: str) -> int:
    """Write the ids of the log's connections that `flow` already holds into `table`; returns
    how many. Read before the insert, so the insert checks nothing when there are none (the
    usual case) and only against these when there are.

    Only the fields of the id are converted. A conn record's id holds its start time, and a
    stored row with that id was stored with that time (`@timestamp`), so the join asks for
    both: DuckDB then reads only the stored row groups whose times lie within the log's, by
    the least and greatest time of the log it pushes into the scan. A line the insert will
    reject may add an id to look for, never take one away."""
    types = ["DECIMAL(18,6)" if f in ("ts", "duration") else "VARCHAR" for f in h.fields]
    options = f"nullstr={lit(h.unset)}, ignore_errors=true"
    start_us = _micros(q("ts"))
    dur_us = _micros(q("duration")) if "duration" in h.fields else "NULL"
    ids = (
        f"SELECT concat('zeek:', {q('uid')}, ':', {start_us}, ':', {dur_us}) AS id, "
        f"make_timestamp({start_us}) AS ts FROM {_read_csv(path, h, types, options)}"
    )
    store.execute(
        f'CREATE OR REPLACE TEMP TABLE {q(table)} AS SELECT DISTINCT t."event.id" AS id '
        f'FROM flow t JOIN ({ids}) b ON t."@timestamp" = b.ts AND t."event.id" = b.id'
    )
    return int(store.scalar(f"SELECT count(*) FROM {q(table)}"))


def _micros(expr: str) -> str:
    return f"CAST(round(CAST({expr} AS DOUBLE) * 1000000) AS BIGINT)"


def _row_select(path: Path, h: ConnHeader) -> str:
    """The SELECT that turns raw conn.log columns into `flow` rows, as `zeek_net.conn_row`."""
    types = dict(zip(h.fields, h.types, strict=True))

    def col(name: str) -> str:
        if name not in types:
            return "NULL"
        if name in _SQL_TYPES.get(types[name], "") or types[name] in _SQL_TYPES:
            return q(name)
        return f"nullif({q(name)}, {lit(h.empty)})"

    def count(name: str) -> str:
        return f"TRY_CAST({col(name)} AS BIGINT)"

    def flag(name: str) -> str:  # only a field typed bool is one, as in the record reader
        return q(name) if types.get(name) == "bool" else "NULL"

    start_us = _micros(q("ts"))
    dur_us = _micros(col("duration")) if "duration" in types else "NULL"
    extra = _extra_json([(f, col(f), types[f]) for f in h.fields if f not in CONN_MAPPED], h)
    values = {
        # One concat (NULL parts skipped: no duration leaves the last part empty) builds the
        # text once, where a chain of || builds every prefix.
        "event.id": f"concat('zeek:', {q('uid')}, ':', {start_us}, ':', {dur_us})",
        "@timestamp": f"make_timestamp({start_us})",
        "event.end": f"make_timestamp({start_us} + coalesce({dur_us}, 0))",
        "log.file.path": lit(str(path)),
        "log.offset": "NULL",
        "observer.type": "'zeek'",
        "flow.id": q("uid"),
        "network.transport": f"nullif(lower({q('proto')}), '')",
        "network.protocol": normalize_service_sql(col("service")),
        "source.ip": q("id.orig_h"),
        "source.port": q("id.orig_p"),
        "destination.ip": q("id.resp_h"),
        "destination.port": q("id.resp_p"),
        "destination.domain": "NULL",
        "flow.duration": f"TRY_CAST({col('duration')} AS DOUBLE)",
        "source.bytes": count("orig_bytes"),
        "destination.bytes": count("resp_bytes"),
        "source.packets": count("orig_pkts"),
        "destination.packets": count("resp_pkts"),
        "flow.state": col("conn_state"),
        "flow.history": col("history"),
        "flow.missed_bytes": count("missed_bytes"),
        "source.ip_bytes": count("orig_ip_bytes"),
        "destination.ip_bytes": count("resp_ip_bytes"),
        "source.local": flag("local_orig"),
        "destination.local": flag("local_resp"),
        "event.extra": extra,
    }
    return ", ".join(f"{values[c]} AS {q(c)}" for c in column_names("flow"))


def _extra_json(members: list[tuple[str, str, str]], h: ConnHeader) -> str:
    """The fields with no column of their own, as one JSON object of those set (NULL when none
    is), from (field, value expression, Zeek type).

    One concat() builds the object: it skips NULL parts, so a field that is unset adds neither
    its key nor its value. Each key is a constant chosen by a CASE (with the object's opening
    brace when no field before it is set, else a comma), so no text is built per member and
    joined again: joining members built apiece cost twice as much (0.42 against 0.24 s per 2
    million records)."""
    if not members:
        return "NULL"
    pieces: list[str] = []
    before: list[str] = []
    for name, value, zeek_type in members:
        key = orjson_key(name)
        first = lit("{" + key)
        if before:
            none_before = " AND ".join(f"{b} IS NULL" for b in before)
            head = (
                f"CASE WHEN {value} IS NULL THEN NULL WHEN {none_before} THEN {first} "
                f"ELSE {lit(',' + key)} END"
            )
        else:
            head = f"CASE WHEN {value} IS NOT NULL THEN {first} END"
        pieces += [head, _json_value(value, zeek_type, h)]
        before.append(value)
    return f"nullif(concat({', '.join(pieces)}, '}}'), '}}')"


def _json_value(expr: str, zeek_type: str, h: ConnHeader) -> str:
    """A field's value as JSON text, as the record reader writes it. Integers are their own
    text (to_json costs several times more, over millions of rows), and so are booleans; a
    set or vector of names or integers is a list (an unset element null, an empty one "")."""
    if zeek_type in ("count", "int", "port", "bool"):
        return f"CAST({expr} AS VARCHAR)"  # a bool is read as one: true or false
    head, _, inner = zeek_type.partition("[")
    element = inner.removesuffix("]")
    if head in ("set", "vector", "table") and element in _LIST_ELEMENTS:
        x = f"CASE WHEN x = {lit(h.unset)} THEN NULL"
        if _LIST_ELEMENTS[element]:
            x += f" ELSE TRY_CAST(x AS {_LIST_ELEMENTS[element]}) END"
        else:
            x += f" WHEN x = {lit(h.empty)} THEN '' ELSE x END"
        split = f"string_split({expr}, {lit(h.set_sep)})"
        return f"to_json(list_transform({split}, lambda x: {x}))"
    return f"to_json({expr})"


def orjson_key(name: str) -> str:
    """`"name":` as JSON writes an object key."""
    return orjson.dumps(name).decode() + ":"


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
    """Load one conn.log into `flow` in bulk; None when the file needs the record-by-record path.

    One pass: DuckDB reads, converts and inserts; lines it cannot read or convert are kept in
    a rejects table and returned as Rejects. (When the store holds flows, the ids it already
    holds are looked for first, and left out.) The records are counted (and a second header
    looked for) in a thread of its own while DuckDB, which releases the interpreter, inserts:
    the insert is undone when the count finds the file is several logs in one."""
    header = read_header(path)
    if header is None or not _types_supported(header):
        return None
    table, stored = "lw_conn_rejects", "lw_conn_stored_ids"
    cols = ", ".join(q(c) for c in column_names("flow"))
    # Flows have no order of their own. Kept in the file's order, DuckDB's parallel reader
    # hands the insert small ordered pieces, written as many partly filled row groups: a third
    # more CPU and a store 45% larger than in any order. (The setting is the database's, so it
    # is changed outside the transaction.)
    with (
        store.setting("preserve_insertion_order", "false"),
        ThreadPoolExecutor(1, thread_name_prefix="lurewatch-conn-count") as pool,
    ):
        counting = pool.submit(count_data_lines, path)
        store.execute("BEGIN TRANSACTION")
        try:
            # Into an empty store nothing can repeat: nothing to look for.
            repeats = ""
            if store.has_rows("flow") and _stored_ids(store, path, header, stored):
                repeats = f' WHERE b."event.id" NOT IN (SELECT id FROM {q(stored)})'
            inserted = store.execute(
                f"INSERT INTO flow ({cols}) SELECT {cols} FROM "
                f"(SELECT {_row_select(path, header)} FROM {_source(path, header, table)}) b"
                + repeats
            )
            rejects = list(_line_rejects(store, path, table))
            data_lines = counting.result()
        except duckdb.InvalidInputException:
            # A line DuckDB's reader cannot walk at all (a CR inside a line stops its CSV state
            # machine, whatever errors it is told to skip): the record-by-record reader reads
            # the file instead, and names each line it cannot read.
            store.execute("ROLLBACK")
            return None
        except BaseException:
            store.execute("ROLLBACK")
            raise
        finally:
            for name in (table, table + "_scan", stored):
                store.execute(f"DROP TABLE IF EXISTS {q(name)}")
        if data_lines is None:
            store.execute("ROLLBACK")
            return None
        store.execute("COMMIT")
    return BulkResult(data_lines - len(rejects), int(inserted[0][0]), rejects)


def _types_supported(h: ConnHeader) -> bool:
    """Every type is a scalar the reader converts, or text; containers stay text too."""
    return all(
        t in _SQL_TYPES
        or t in ("string", "addr", "subnet", "enum", "bool", "pattern")
        or t.startswith(("set[", "vector["))
        for t in h.types
    )
