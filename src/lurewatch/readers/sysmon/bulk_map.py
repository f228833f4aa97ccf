"""Sysmon records mapped in bulk by DuckDB: a column of JSON documents in, column batches of
`process`, `proc_net` and `proc_dns` rows out.

This is rows.py (the record-at-a-time mapper, which stays the reference) written as one SQL
statement, for JSON lines read by the million: DuckDB parses the JSON and
converts the values, and the rows never become Python objects. It takes the
three shapes whose fields sit where rows.py looks for them — flattened dictionaries (top-level
`EventID`), Winlogbeat with raw `winlog.event_data`, and `{"Event": {"System", "EventData"}}`.
Every other document (an Elasticsearch `_source` wrapper, dotted ECS keys, Sysmon fields moved
into ECS names, JSON that is not an object) is marked `python` and the caller maps it with
rows.py, so nothing the record path reads is lost here.

A document's status says what becomes of it: a table name (a row), `unused` (counted under its
provider and event ID), `python`, or a reject kind (`invalid`, `no_eid`, `no_time`, `missing`:
a record without EventData is one of the last two) for the caller to reject with rows.py's
own reason. `event.id` holds what identifies the record, joined exactly as rows.py joins it,
for the store to hash (`content_id_sql`).
"""

from __future__ import annotations

import duckdb
import numpy as np
import orjson
import pyarrow as pa

from lurewatch.readers.sysmon import sql_values as sv
from lurewatch.readers.sysmon.fields import IDENTITY, REQUIRED, SYSMON_PROVIDERS, TABLES
from lurewatch.schema import TABLES as STORE_TABLES
from lurewatch.store.db import lit, q

REJECTS = ("invalid", "no_eid", "no_time", "missing")
# Below this many documents, planning the statement (tens of milliseconds) costs more than
# mapping them one by one with rows.py.
BULK_MIN = 3000
_SYSMON = "Microsoft-Windows-Sysmon"

# Where each shape keeps the record's header fields, as paths into the parsed document.
_HEADER: dict[str, tuple[str, ...]] = {
    "f_eid": ("EventID",),
    "f_source": ("SourceName",),
    "f_provider_name": ("ProviderName",),
    "f_provider": ("Provider",),
    "f_channel": ("Channel",),
    "f_hostname": ("Hostname",),
    "f_computer": ("Computer",),
    "f_computer_name": ("ComputerName",),
    "f_computer_name2": ("computer_name",),
    "f_record_number": ("RecordNumber",),
    "f_event_record_id": ("EventRecordID",),
    "f_record_id": ("RecordID",),
    "f_record_id2": ("record_id",),
    "f_created": ("TimeCreated",),
    "timestamp": ("@timestamp",),
    "w_eid": ("winlog", "event_id"),
    "w_provider": ("winlog", "provider_name"),
    "w_channel": ("winlog", "channel"),
    "w_computer": ("winlog", "computer_name"),
    "w_record": ("winlog", "record_id"),
    "w_code": ("event", "code"),
    "w_host": ("host", "name"),
    "e_eid": ("Event", "System", "EventID"),
    "e_provider": ("Event", "System", "Provider", "#attributes", "Name"),
    "e_channel": ("Event", "System", "Channel"),
    "e_computer": ("Event", "System", "Computer"),
    "e_record": ("Event", "System", "EventRecordID"),
    "e_created": ("Event", "System", "TimeCreated", "#attributes", "SystemTime"),
}
# The header fields a block of each shape reads, and where its EventData sits. A block is
# parsed into one structure for the shape of its first document (DuckDB matches names without
# regard to case, so `event.code` and `Event` cannot share one); documents of another shape go
# to rows.py.
_SHAPE_FIELDS = {
    "F": [k for k in _HEADER if k.startswith("f_")] + ["timestamp", "w_eid"],
    "W": [k for k in _HEADER if k.startswith("w_")] + ["timestamp"],
    "E": [k for k in _HEADER if k.startswith("e_")] + ["f_eid", "w_eid"],
}
_DATA = {"F": (), "W": ("winlog", "event_data"), "E": ("Event", "EventData")}

# EventData names any table reads, and UtcTime.
_NAMES = list(dict.fromkeys(["UtcTime"] + [n for _, spec in TABLES.values() for _, n, _ in spec]))


def _path(parts: tuple[str, ...]) -> str:
    return ".".join(["j", *(q(p) for p in parts)])


def _h(name: str) -> str:
    return _path(_HEADER[name])


def _d(name: str) -> str:
    return f"d.{q(name)}"


def structure(shape: str) -> str:
    """The JSON structure `json_transform` parses a block of this shape into: every value as
    text (objects as their JSON), absent ones NULL."""
    tree: dict[str, object] = {}

    def put(parts: tuple[str, ...]) -> None:
        node = tree
        for p in parts[:-1]:
            node = node.setdefault(p, {})  # type: ignore[assignment]
        node.setdefault(parts[-1], "VARCHAR")

    for name in _SHAPE_FIELDS[shape]:
        put(_HEADER[name])
    for name in _NAMES:
        put((*_DATA[shape], name))
    return orjson.dumps(tree).decode()


def _first(*names: str) -> str:
    """The first present, non-empty value (json_shapes._first)."""
    return "coalesce(" + ", ".join(f"nullif({_h(n)}, '')" for n in names) + ")"


def _provider_of(provider: str, channel: str) -> str:
    return (
        f"coalesce(nullif({provider}, ''), "
        f"CASE WHEN contains({channel}, '/') THEN split_part({channel}, '/', 1) END)"
    )


def _unwrap(value: str) -> str:
    """EventID with qualifiers, {"#attributes": ..., "#text": 3}, as its text."""
    return (
        f"CASE WHEN starts_with({value}, '{{') "
        f"THEN json_extract_string({value}, '$.\"#text\"') ELSE {value} END"
    )


def _header_columns(shape: str, numbered: bool) -> str:
    """Provider, event ID, computer, record number and event time of a block's shape. With
    `numbered`, `line` is the record's number in its file (EVTX), which stands in for a missing
    EventRecordID as it does on the record path."""
    if shape == "W":
        provider = _provider_of(_h("w_provider"), _h("w_channel"))
        raw_eid = f"coalesce({_h('w_eid')}, {_h('w_code')})"
        computer = f"coalesce(nullif({_h('w_computer')}, ''), {_h('w_host')})"
        record, created = _h("w_record"), _h("timestamp")
        eid = _h("w_eid")
    elif shape == "E":
        provider = _provider_of(_h("e_provider"), _h("e_channel"))
        raw_eid = eid = _unwrap(_h("e_eid"))
        computer = _h("e_computer")
        record = _h("e_record")
        if numbered:
            record = f"coalesce({record}, CAST(line AS VARCHAR))"
        created = _h("e_created")
    else:
        source = _first("f_source", "f_provider_name", "f_provider")
        provider = (
            f"coalesce({_provider_of(source, _h('f_channel'))}, CASE WHEN "
            f"{_d('ProcessGuid')} IS NOT NULL AND {_d('UtcTime')} IS NOT NULL "
            f"THEN {lit(_SYSMON)} END)"
        )
        raw_eid = eid = _unwrap(_h("f_eid"))
        computer = _first("f_hostname", "f_computer", "f_computer_name", "f_computer_name2")
        record = _first("f_record_number", "f_event_record_id", "f_record_id", "f_record_id2")
        created = _first("f_created", "timestamp")
    digits = f"trim({eid})"
    providers = ", ".join(lit(p) for p in SYSMON_PROVIDERS)
    restorable = f"{_h('w_provider')} IN ({providers})" if shape == "W" else "false"
    return f"""
        {provider} AS provider,
        {raw_eid} AS raw_eid,
        CASE WHEN regexp_full_match({digits}, '[0-9]+')
            THEN TRY_CAST({digits} AS INTEGER) END AS number,
        {computer} AS computer,
        {record} AS record_id,
        {created} AS created,
        {_d("UtcTime")} AS utc,
        {restorable} AS restorable"""


def _shape_test(shape: str) -> str:
    """SQL true for a document of `shape` (json_shapes.unpack's order of tests)."""
    winlog = "j.winlog IS NOT NULL"
    if shape == "W":
        return winlog
    if shape == "F":
        return f"NOT {winlog} AND {_h('f_eid')} IS NOT NULL"
    return f"NOT {winlog} AND {_h('f_eid')} IS NULL AND j.{q('Event')}.{q('System')} IS NOT NULL"


def _columns() -> dict[str, str]:
    """Each store column any table fills, as SQL over the EventData values `d`."""
    out: dict[str, str] = {}
    for _, spec in TABLES.values():
        for column, name, convert in spec:
            out.setdefault(column, sv.CONVERTERS[convert](_d(name)))
    return out


def _status() -> str:
    used = ", ".join(str(n) for n in TABLES)
    tables = " ".join(f"WHEN {n} THEN {lit(t)}" for n, (t, _) in TABLES.items())
    missing = " ".join(
        f"WHEN number = {n} AND "
        + " AND ".join(f"{q(c)} IS NULL" for c in REQUIRED[t][0])
        + " THEN 'missing'"
        for n, (t, _) in TABLES.items()
    )
    return f"""
        CASE
            WHEN shape = 'blank' THEN 'blank'
            WHEN shape = 'bad' THEN 'invalid'
            WHEN shape = 'P' THEN 'python'
            WHEN product IS NULL THEN 'unused'
            WHEN number IS NULL THEN 'no_eid'
            WHEN number NOT IN ({used}) THEN 'unused'
            WHEN restorable AND process_guid IS NULL THEN 'python'
            WHEN ts IS NULL THEN 'no_time'
            {missing}
            ELSE CASE number {tables} END
        END"""


def documents_sql(source: str, shape: str, numbered: bool = False) -> str:
    """Each document of `source(seq, line, path, doc)` with its shape, header fields, product
    and EventData values (`d`), all from one parse."""
    data = _path(_DATA[shape]) if _DATA[shape] else "j"
    products = " ".join(f"WHEN {lit(p.lower())} THEN {lit(v)}" for p, v in SYSMON_PROVIDERS.items())
    return f"""
    SELECT *, CASE lower(provider) {products} END AS product FROM (
        SELECT seq, line, path, shape, d, {_d("ProcessGuid")} AS process_guid,
            {_header_columns(shape, numbered)}
        FROM (
            SELECT *, {data} AS d, CASE
                WHEN j IS NULL THEN CASE WHEN regexp_full_match(doc, '[ \t\r\n]*')
                    THEN 'blank' ELSE 'bad' END
                WHEN {_shape_test(shape)} THEN {lit(shape)}
                ELSE 'P' END AS shape
            FROM (
                SELECT seq, line, path, doc,
                    try(json_transform(doc, {lit(structure(shape))})) AS j
                FROM {source}
            )
        )
    )"""


def mapping_sql(source: str, shape: str, numbered: bool = False) -> str:
    """The statement mapping `source(seq, line, path, doc)` to one row per document: the
    store's columns converted, the event time and the status."""
    computed = ",\n        ".join(f"{sql} AS {q(c)}" for c, sql in _columns().items())
    return f"""
    SELECT * EXCLUDE (d), {_status()} AS status FROM (
        SELECT *,
            coalesce({sv.timestamp("utc")}, {sv.timestamp("created")}) AS ts,
            {computed}
        FROM ({documents_sql(source, shape, numbered)})
    )"""


def _part(sql: str | None) -> str:
    return f"coalesce(CAST({sql} AS VARCHAR), 'None')"


def table_sql(table: str) -> str:
    """The `table` rows of the mapped documents (relation `m`), as the store's columns."""
    number = next(n for n, (t, _) in TABLES.items() if t == table)
    identity = [
        "lower(" + sv.text("computer") + ")",
        "number",
        "record_id",
        "utc",
        *(q(c) for c in IDENTITY[table]),
    ]
    extra = {
        "event.id": "concat_ws(chr(31), " + ", ".join(_part(p) for p in identity) + ")",
        "@timestamp": "ts",
        "log.file.path": "path",
        "log.offset": "line",
        "host.name": "lower(" + sv.text("computer") + ")",
        "process.name": sv.basename(q("process.executable")),
        "process.hash.sha256": sv.sha256(q("process.hashes")),
        "observer.product": "product",
    }
    select = ", ".join(
        f"{extra.get(c.name, q(c.name))} AS {q(c.name)}" for c in STORE_TABLES[table]
    )
    return f"SELECT {select} FROM m WHERE status = {lit(table)} AND number = {number}"


def arrow(relation: duckdb.DuckDBPyRelation) -> pa.Table:
    """A query's result as an Arrow table (the method's name differs between DuckDB versions)."""
    fetch = getattr(relation, "to_arrow_table", None) or relation.fetch_arrow_table
    result: pa.Table = fetch()
    return result


def documents(line: pa.Array, doc: pa.Array, path: pa.Array | str) -> pa.Table:
    """The table `map_documents` reads: each document's position in it (`seq`), its line or
    record number, its file, and its text."""
    n = len(doc)
    paths = path if isinstance(path, pa.Array) else pa.repeat(pa.scalar(path, pa.string()), n)
    seq = pa.array(np.arange(n, dtype=np.int64))
    return pa.table({"seq": seq, "line": line, "path": paths, "doc": doc})


class Mapper:
    """An in-memory database for mapping, opened at its first use (times without an offset
    are UTC). `threads` bounds its cores, for a worker process that shares them."""

    def __init__(self, threads: int | None = None) -> None:
        self._con: duckdb.DuckDBPyConnection | None = None
        self.threads = threads

    def map(
        self, docs: pa.Table, shape: str, numbered: bool = False
    ) -> tuple[dict[str, pa.Table], pa.Table, pa.Table]:
        if self._con is None:
            self._con = duckdb.connect()
            self._con.execute("SET TimeZone = 'UTC'")
            if self.threads:
                self._con.execute(f"SET threads = {int(self.threads)}")
        return map_documents(self._con, docs, shape, numbered)

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


def map_documents(
    con: duckdb.DuckDBPyConnection, docs: pa.Table, shape: str, numbered: bool = False
) -> tuple[dict[str, pa.Table], pa.Table, pa.Table]:
    """Map `docs` (`documents`): rows per table, the unused counts (sysmon, provider, shown,
    n), and the documents left to the caller (seq, line, status, number, raw_eid, utc)."""
    # Batches of a few thousand documents: DuckDB scans each on a core of its own.
    con.register("lw_docs", pa.Table.from_batches(docs.to_batches(max_chunksize=4096)))
    try:
        sql = mapping_sql("lw_docs", shape, numbered)
        con.execute(f"CREATE OR REPLACE TEMP TABLE m AS {sql}")
    finally:
        con.unregister("lw_docs")
    tables = {t: arrow(con.sql(table_sql(t))) for t, _ in TABLES.values()}
    unused = arrow(
        con.sql(
            "SELECT product IS NOT NULL AS sysmon, provider, "
            "coalesce(CAST(number AS VARCHAR), left(raw_eid, 20), 'None') AS shown, count(*) AS n "
            "FROM m WHERE status = 'unused' GROUP BY ALL"
        )
    )
    rejects = ", ".join(lit(r) for r in REJECTS)
    left = arrow(
        con.sql(
            "SELECT seq, line, status, number, raw_eid, utc FROM m "
            f"WHERE status IN ('python', {rejects}) ORDER BY seq"
        )
    )
    return tables, unused, left
