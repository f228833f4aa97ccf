"""Zeek's network logs as flows, anomalies and sessions: both conn.log paths agree, bad lines
become rejects, states and services become N1/N2 findings, flows get server names."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from lurewatch.config import Settings
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.net.flow_state_anomalies import derive_flow_state_anomalies
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.readers import zeek_conn_head
from lurewatch.readers.records import Reject
from lurewatch.readers.zeek_conn_bulk import bulk_load_conn
from lurewatch.readers.zeek_names import normalize_service, normalize_service_sql, weird_anomaly
from lurewatch.readers.zeek_web import rows_from_zeek
from lurewatch.schema import column_names
from lurewatch.store import Store

FIELDS = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "local_orig",
    "missed_bytes",
    "history",
    "orig_pkts",
    "resp_pkts",
    "tunnel_parents",
    "label",
]
TYPES = [
    "time",
    "string",
    "addr",
    "port",
    "addr",
    "port",
    "enum",
    "string",
    "interval",
    "count",
    "count",
    "string",
    "bool",
    "count",
    "string",
    "count",
    "count",
    "set[string]",
    "string",
]


def conn_line(
    uid: str,
    history: str,
    state: str = "SF",
    service: str = "-",
    proto: str = "tcp",
    dport: int = 443,
    ts: str = "1655071198.444458",
    obytes: str = "1596",
    rbytes: str = "4039",
    label: str = "Benign",
    src: str = "10.0.0.5",
    dst: str = "40.74.108.123",
    duration: str = "1.135424",
    tunnels: str = "(empty)",
) -> str:
    return "\t".join(
        [ts, uid, src, "62771", dst, str(dport), proto, service, duration, obytes, rbytes,
         state, "T", "0", history, "14", "16", tunnels, label]
    )  # fmt: skip


def conn_log(rows: list[str], extra_lines: list[str] | None = None, close: bool = True) -> str:
    lines = [
        "#separator \\x09",
        "#set_separator\t,",
        "#empty_field\t(empty)",
        "#unset_field\t-",
        "#path\tconn",
        "#open\t2022-06-17-00-00-07",
        "#fields\t" + "\t".join(FIELDS),
        "#types\t" + "\t".join(TYPES),
        *rows,
        *(extra_lines or []),
    ]
    if close:
        lines.append("#close\t2022-06-17-01-00-00")
    return "\n".join(lines) + "\n"


ROWS = [
    conn_line("CAAA1", "ShADadFf", service="ssl"),
    conn_line("CAAA2", "S", state="S0", service="-", obytes="-", rbytes="-", label="Malicious"),
    conn_line("CAAA3", "Dd", state="SF", service="dns", proto="udp", dport=53),
]


def python_rows(path: Path) -> list[dict[str, Any]]:
    return [
        row for item in rows_from_zeek(path) if not isinstance(item, Reject) for _, row in [item]
    ]


def test_bulk_and_record_paths_store_the_same_flows(tmp_path: Path) -> None:
    log = tmp_path / "conn.log"
    unanswered = conn_line(
        "CAAA4", "S", state="S0", duration="-", obytes="-", rbytes="-", tunnels="CX1,CX2"
    )
    log.write_text(conn_log([*ROWS, unanswered]))
    by_record = {r["event.id"]: r for r in python_rows(log)}
    with Store(tmp_path / "bulk.duckdb") as store:
        result = bulk_load_conn(store, log)
        assert result is not None and result.read == 4 and result.added == 4
        assert result.rejects == []
        stored = {r["event.id"]: r for r in store.rows("SELECT * FROM flow")}
    assert stored.keys() == by_record.keys()
    for eid, row in stored.items():
        other = by_record[eid]
        for col in column_names("flow"):
            if col in ("log.offset", "event.extra"):
                continue  # the bulk path has no line numbers; extras are compared as JSON below
            assert row[col] == other[col], (col, row[col], other[col])
        assert orjson.loads(row["event.extra"]) == orjson.loads(other["event.extra"])
    tls = next(r for r in stored.values() if r["flow.id"] == "CAAA1")
    assert tls["network.protocol"] == "tls" and tls["source.packets"] == 14
    # Zeek's standard counters and locality have columns of their own, not JSON.
    assert tls["source.local"] is True and tls["flow.missed_bytes"] == 0
    assert tls["destination.local"] is None and tls["source.ip_bytes"] is None
    assert orjson.loads(tls["event.extra"]) == {"label": "Benign"}


def test_zeek_counters_and_locality_are_columns_on_both_paths(tmp_path: Path) -> None:
    """missed_bytes, orig_ip_bytes, resp_ip_bytes, local_orig and local_resp are typed columns
    whichever path reads the log; a bool field only counts when the header types it bool."""
    fields = [*FIELDS[:7], "missed_bytes", "orig_ip_bytes", "resp_ip_bytes", "local_orig",
              "local_resp"]  # fmt: skip
    base = conn_line("CCNT1", "S").split("\t")[:7]
    head = conn_log([]).split("#fields")[0]
    for types, values in (
        (["count", "count", "count", "bool", "bool"], ["12", "612", "1040", "F", "T"]),
        (["count", "string", "count", "string", "bool"], ["-", "612", "-", "T", "-"]),
    ):
        log = tmp_path / "conn.log"
        log.write_text(
            head
            + "#fields\t" + "\t".join(fields) + "\n#types\t" + "\t".join(TYPES[:7] + types)
            + "\n" + "\t".join([*base, *values]) + "\n"
        )  # fmt: skip
        (by_record,) = python_rows(log)
        with Store(tmp_path / f"bulk{types[1]}.duckdb") as store:
            result = bulk_load_conn(store, log)
            assert result is not None and result.added == 1, result
            (stored,) = store.rows("SELECT * FROM flow")
        columns = ("flow.missed_bytes", "source.ip_bytes", "destination.ip_bytes",
                   "source.local", "destination.local")  # fmt: skip
        got = [stored[c] for c in columns]
        assert got == [by_record[c] for c in columns]
        assert stored["event.extra"] is None and by_record["event.extra"] is None
        if types[1] == "count":
            assert got == [12, 612, 1040, False, True]
        else:  # a number written as text is still a number; a flag written as text is not one
            assert got == [None, 612, None, None, None]


def test_bulk_path_writes_sets_and_vectors_as_the_record_path_does(tmp_path: Path) -> None:
    """Containers in the extra fields are JSON lists on both paths, with Zeek's set separator,
    unset elements as null and numbers as numbers."""
    fields = [*FIELDS[:7], "vlans", "apps"]
    types = [*TYPES[:7], "vector[count]", "set[string]"]
    head = conn_log([]).split("#fields")[0].replace("#set_separator\t,", "#set_separator\t|")
    base = conn_line("CSET1", "S").split("\t")[:7]
    log = tmp_path / "conn.log"
    log.write_text(
        head
        + "#fields\t" + "\t".join(fields) + "\n#types\t" + "\t".join(types) + "\n"
        + "\t".join([*base, "10|-|20", "a,b|c"]) + "\n"
        + "\t".join([*base[:1], "CSET2", *base[2:], "(empty)", "-"]) + "\n"
    )  # fmt: skip
    by_record = {r["flow.id"]: r["event.extra"] for r in python_rows(log)}
    with Store(tmp_path / "bulk.duckdb") as store:
        result = bulk_load_conn(store, log)
        assert result is not None and result.added == 2, result
        stored = dict(store.execute('SELECT "flow.id", "event.extra" FROM flow'))
    assert orjson.loads(stored["CSET1"]) == {"vlans": [10, None, 20], "apps": ["a,b", "c"]}
    assert orjson.loads(by_record["CSET1"]) == orjson.loads(stored["CSET1"])
    assert stored["CSET2"] is None and by_record["CSET2"] is None


def test_bulk_path_writes_every_mix_of_set_and_unset_extra_fields_as_json(
    tmp_path: Path,
) -> None:
    """The extra fields' object opens with whichever field is the first set, whatever the mix."""
    extras = {"seen": ("bool", "F"), "ip_proto": ("count", "7"),
              "tunnel_parents": ("set[string]", "CX9"), "label": ("string", "Benign")}  # fmt: skip
    head = conn_log([]).split("#fields")[0]
    rows = [
        "#fields\t" + "\t".join([*FIELDS[:7], *extras]),
        "#types\t" + "\t".join([*TYPES[:7], *(t for t, _ in extras.values())]),
    ]
    for mask in range(1 << len(extras)):
        values = [v if mask >> bit & 1 else "-" for bit, (_, v) in enumerate(extras.values())]
        rows.append("\t".join([*conn_line(f"CMIX{mask}", "S").split("\t")[:7], *values]))
    log = tmp_path / "conn.log"
    log.write_text(head + "\n".join(rows) + "\n")
    by_record = {r["flow.id"]: r["event.extra"] for r in python_rows(log)}
    with Store(tmp_path / "bulk.duckdb") as store:
        result = bulk_load_conn(store, log)
        assert result is not None and result.added == 1 << len(extras), result
        stored = dict(store.execute('SELECT "flow.id", "event.extra" FROM flow'))
    assert stored["CMIX0"] is None and by_record["CMIX0"] is None
    for mask in range(1, 1 << len(extras)):
        uid = f"CMIX{mask}"
        assert orjson.loads(stored[uid]) == orjson.loads(by_record[uid]), uid
        assert len(orjson.loads(stored[uid])) == bin(mask).count("1")


def test_bulk_load_twice_adds_nothing_and_gzip_works(tmp_path: Path) -> None:
    log = tmp_path / "conn.log.gz"
    log.write_bytes(gzip.compress(conn_log(ROWS).encode()))
    with Store(tmp_path / "s.duckdb") as store:
        first = bulk_load_conn(store, log)
        again = bulk_load_conn(store, log)
        assert first is not None and first.added == 3
        assert again is not None and again.read == 3 and again.added == 0


def test_connections_the_record_reader_stored_are_not_stored_again_in_bulk(tmp_path: Path) -> None:
    log = tmp_path / "conn.log"
    unanswered = conn_line("CAAA4", "S", state="S0", duration="-", obytes="-", rbytes="-")
    log.write_text(conn_log([*ROWS, unanswered]))
    with Store(tmp_path / "s.duckdb") as store:
        store.insert("flow", python_rows(log)[1:])  # all but the first, by the other path
        result = bulk_load_conn(store, log)
        assert result is not None and result.read == 4 and result.added == 1
        assert store.count("flow") == 4


def test_a_later_log_and_an_overlapping_one_add_only_their_new_connections(
    tmp_path: Path,
) -> None:
    def log(name: str, uids_and_times: list[tuple[str, str]]) -> Path:
        path = tmp_path / name
        rows = [conn_line(uid, "ShADadFf", ts=ts) for uid, ts in uids_and_times]
        path.write_text(conn_log([*rows, "not a record"]))
        return path

    first = log("a.log", [("C1", "1655071000.000001"), ("C2", "1655071100.000002")])
    later = log("b.log", [("C3", "1655080000.000003")])
    overlapping = log(
        "c.log",
        [("C0", "1655070000.000000"), ("C2", "1655071100.000002"), ("C4", "1655090000.0")],
    )
    with Store(tmp_path / "s.duckdb") as store:
        added = [bulk_load_conn(store, p) for p in (first, later, overlapping, overlapping)]
        assert [r.added if r else None for r in added] == [2, 1, 2, 0]
        assert all(r is not None and len(r.rejects) == 1 for r in added)
        uids = sorted(r[0] for r in store.execute('SELECT "flow.id" FROM flow'))
    assert uids == ["C0", "C1", "C2", "C3", "C4"]


def test_bad_lines_become_rejects_with_line_numbers_and_the_rest_is_read(tmp_path: Path) -> None:
    log = tmp_path / "conn.log"
    garbage = "this is not a conn record"
    short = "\t".join(conn_line("CBAD", "S").split("\t")[:10])  # a header that disagrees
    log.write_text(conn_log([ROWS[0], garbage, ROWS[1], short, ROWS[2]]))
    with Store(tmp_path / "s.duckdb") as store:
        result = bulk_load_conn(store, log)
    assert result is not None and result.added == 3
    assert sorted(r.offset or 0 for r in result.rejects) == [10, 12]
    assert all("not a conn.log record" in r.reason for r in result.rejects)


def test_values_that_do_not_convert_are_rejected_with_their_line(tmp_path: Path) -> None:
    log = tmp_path / "conn.log"
    bad_ts = conn_line("CBADTS", "S", ts="yesterday")
    no_ts = conn_line("CNOTS", "S", ts="-")
    log.write_text(conn_log([ROWS[0], bad_ts, no_ts]))
    with Store(tmp_path / "s.duckdb") as store:
        result = bulk_load_conn(store, log)
    assert result is not None and result.read == 1 and result.added == 1
    assert [r.offset for r in result.rejects] == [10, 11]
    assert all('"ts"' in r.reason for r in result.rejects)
    items = list(rows_from_zeek(log))  # the record path rejects the same lines
    assert [i.offset for i in items if isinstance(i, Reject)] == [10, 11]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "9999999999999.5"])
def test_times_no_clock_can_hold_are_rejected_with_their_line(tmp_path: Path, value: str) -> None:
    log = tmp_path / "conn.log"
    log.write_text(conn_log([ROWS[0], conn_line("CODDTS", "S", ts=value)]))
    with Store(tmp_path / "s.duckdb") as store:
        result = bulk_load_conn(store, log)
        assert store.count("flow") == 1
    assert result is not None and result.read == 1 and result.added == 1
    assert [r.offset for r in result.rejects] == [10]


def test_concatenated_logs_with_two_headers_take_the_record_path(tmp_path: Path) -> None:
    log = tmp_path / "conn.log"
    log.write_text(conn_log([ROWS[0]]) + conn_log([ROWS[1]]))
    with Store(tmp_path / "s.duckdb") as store:
        assert bulk_load_conn(store, log) is None
        assert store.count("flow") == 0  # the bulk insert made while counting is undone
        assert not store.execute("SELECT 1 FROM duckdb_tables() WHERE table_name LIKE 'lw_conn%'")
    assert len(python_rows(log)) == 2


@pytest.mark.parametrize("stored_before", [False, True])
def test_a_carriage_return_inside_a_line_takes_the_record_path(
    tmp_path: Path, stored_before: bool
) -> None:
    """DuckDB's CSV reader stops at a CR inside a line whatever errors it is told to skip; the
    file is then read record by record, and the rest of it is still stored."""
    log = tmp_path / "conn.log"
    damaged = conn_line("CBADCR", "S", duration="1\r135424")
    log.write_text(conn_log([ROWS[0], damaged, ROWS[1], ROWS[2]]), newline="")
    with Store(tmp_path / "s.duckdb") as store:
        if stored_before:  # with flows in the store, the span of times is read first
            other = tmp_path / "other" / "conn.log"
            other.parent.mkdir()
            other.write_text(conn_log([conn_line("COTHER", "S", ts="1655000000.5")]))
            assert bulk_load_conn(store, other) is not None
        assert bulk_load_conn(store, log) is None
        assert store.count("flow") == (1 if stored_before else 0)
        assert not store.execute("SELECT 1 FROM duckdb_tables() WHERE table_name LIKE 'lw_conn%'")
        summary = ingest_paths(store, [log], Settings(), OfflineResolver(), workers=1)
        uids = {r[0] for r in store.execute('SELECT "flow.id" FROM flow')}
        rejects = store.execute('SELECT "log.offset", "error.message" FROM rejects')
    assert {"CAAA1", "CAAA2", "CAAA3"} <= uids and "CBADCR" not in uids
    assert summary.rejected == 1
    assert rejects == [
        (10, r"column duration (interval) holds '1\r135424', which is not an interval")
    ]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 8, 9, 10, 64])
def test_record_count_does_not_depend_on_where_reads_cut_the_file(
    tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Marks cut by the read size (`\\n#`, `\\n\\n`, `\\n#fields\\t`) are still counted once."""
    text = conn_log(ROWS[:3]) + "\n\n\n\n" + "#close\t2020\n" + "\n"
    log = tmp_path / "conn.log"
    log.write_text(text)
    monkeypatch.setattr(zeek_conn_head, "_SCAN_CHUNK", chunk)
    assert zeek_conn_head.count_data_lines(log) == 3
    log.write_text(text + conn_log(ROWS[:1]))
    assert zeek_conn_head.count_data_lines(log) is None


def _ingest(tmp_path: Path, files: dict[str, str]) -> Store:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    store = Store(tmp_path / "s.duckdb")
    paths: list[str | Path] = [tmp_path / n for n in files]
    ingest_paths(store, paths, Settings(), OfflineResolver(), workers=1)
    return store


def anomalies(store: Store) -> Counter[str]:
    return Counter(r[0] for r in store.execute('SELECT "anomaly.name" FROM net_anomaly'))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (conn_line("C1", "DdA", state="OTH"), "tcp_no_handshake"),
        (conn_line("C2", "h", state="OTH", obytes="0", rbytes="0"), "tcp_synack_without_syn"),
        (conn_line("C3", "R", state="OTH", obytes="0", rbytes="0"), "tcp_rst_without_connection"),
        (conn_line("C4", "F", state="SH", obytes="0", rbytes="0"), "tcp_fin_without_connection"),
        (conn_line("C5", "ShQ", state="S1"), "tcp_invalid_flags"),
        (conn_line("C6", "d", state="SHR", proto="udp", dport=53), "udp_reply_without_request"),
        (conn_line("C7", "ShADadFf", service="ssh", dport=80), "protocol_port_mismatch"),
        (conn_line("C8", "ShADadFf", service="http,ssh", dport=80), "protocol_change"),
        (conn_line("C9", "ShADadFf", service="-", dport=443), "port_protocol_unidentified"),
    ],
)
def test_connection_states_and_services_imply_anomalies(
    tmp_path: Path, line: str, expected: str
) -> None:
    with _ingest(tmp_path, {"conn.log": conn_log([line])}) as store:
        assert list(anomalies(store)) == [expected]
        assert derive_flow_state_anomalies(store) == 0  # a second run adds nothing


@pytest.mark.parametrize(
    "line",
    [
        conn_line("C1", "ShADadFf", service="ssl"),
        conn_line("C2", "ShADadFf", service="smtp,ssl", dport=25),  # STARTTLS
        conn_line("C3", "ShADadFf", service="http,ssl", dport=8080),  # CONNECT through a proxy
        conn_line("C4", "S", state="S0", obytes="0", rbytes="0"),  # an unanswered SYN
        conn_line("C5", "Dd", proto="udp", dport=53, service="dns"),
        conn_line("C6", "ShADadFf", service="-", dport=8443, obytes="5"),  # too little to judge
        conn_line("C7", "hADdaFf"),  # a full conversation whose SYN was lost counts as midstream
    ],
)
def test_ordinary_connections_imply_no_protocol_anomaly(tmp_path: Path, line: str) -> None:
    with _ingest(tmp_path, {"conn.log": conn_log([line])}) as store:
        found = anomalies(store)
        assert not any(n.startswith(("protocol", "port", "tcp_synack")) for n in found), found


def test_a_conversation_the_sensor_saw_only_in_part_is_not_unidentified(tmp_path: Path) -> None:
    """Bytes Zeek missed leave its analyzers nothing to recognise: no verdict on the port,
    whether missed_bytes is the column or, in rows stored before it had one, the JSON."""
    parts = conn_line("CGAP", "ShADadFf", service="-", dport=443).split("\t")
    parts[FIELDS.index("missed_bytes")] = "1200"
    with _ingest(tmp_path, {"conn.log": conn_log(["\t".join(parts)])}) as store:
        assert store.scalar('SELECT "flow.missed_bytes" FROM flow') == 1200
        assert not anomalies(store)
        store.execute(
            'UPDATE flow SET "flow.missed_bytes" = NULL, "event.id" = \'old\', '
            """"event.extra" = '{"missed_bytes":1200}'"""
        )
        assert derive_flow_state_anomalies(store) == 0


def zeek_log(path: str, fields: str, types: str, rows: list[str]) -> str:
    lines = [
        "#separator \\x09",
        "#set_separator\t,",
        "#empty_field\t(empty)",
        "#unset_field\t-",
        f"#path\t{path}",
        "#fields\t" + fields.replace(" ", "\t"),
        "#types\t" + types.replace(" ", "\t"),
        *rows,
    ]
    return "\n".join(lines) + "\n"


def test_weird_analyzer_notice_and_ssl_logs(tmp_path: Path) -> None:
    weird = zeek_log(
        "weird",
        "ts uid id.orig_h id.orig_p id.resp_h id.resp_p name addl notice peer",
        "time string addr port addr port string string bool string",
        ["1655076450.728560\tCAAA1\t10.0.0.5\t8943\t8.8.8.8\t53\tDNS_truncated_len_lt_hdr_len"
         "\t-\tF\tzeek"],
    )  # fmt: skip
    analyzer = zeek_log(
        "analyzer",
        "ts cause analyzer_kind analyzer_name uid fuid id.orig_h id.orig_p id.resp_h id.resp_p "
        "failure_reason failure_data",
        "time string string string string string addr port addr port string string",
        [
            "1655076451.0\tviolation\tprotocol\tHTTP\tCAAA1\t-\t10.0.0.5\t62771\t40.74.108.123"
            "\t443\tnot a http request line\t-",
            "1655076452.0\tconfirmation\tprotocol\tSSL\tCAAA1\t-\t10.0.0.5\t62771\t40.74.108.123"
            "\t443\t-\t-",
        ],
    )
    ssl = zeek_log(
        "ssl",
        "ts uid id.orig_h id.orig_p id.resp_h id.resp_p version server_name",
        "time string addr port addr port string string",
        ["1655071198.669356\tCAAA1\t10.0.0.5\t62771\t40.74.108.123\t443\tTLSv12"
         "\tSettings-Win.Data.Microsoft.com"],
    )  # fmt: skip
    files = {
        "conn.log": conn_log(ROWS),
        "weird.log": weird,
        "analyzer.log": analyzer,
        "ssl.log": ssl,
    }
    with _ingest(tmp_path, files) as store:
        found = anomalies(store)
        assert found["dns_malformed"] == 1
        assert found["protocol_violation"] == 1  # the confirmation is not an anomaly
        named = store.rows('SELECT "flow.id", "destination.domain" FROM flow')
        assert {r["flow.id"]: r["destination.domain"] for r in named}["CAAA1"] == (
            "settings-win.data.microsoft.com"
        )
        app = store.rows('SELECT "event.dataset", "destination.domain" FROM net_app')
        assert app == [
            {"event.dataset": "ssl", "destination.domain": "settings-win.data.microsoft.com"}
        ]


def test_flows_are_named_from_the_dns_answers_the_host_received(tmp_path: Path) -> None:
    dns = zeek_log(
        "dns",
        "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto query answers",
        "time string addr port addr port enum string vector[string]",
        ["1655071190.0\tCDNS1\t10.0.0.5\t5353\t10.0.0.1\t53\tudp\tcdn.example.net"
         "\tcdn-edge.example.net,40.74.108.123"],
    )  # fmt: skip
    late = conn_line("CLATE", "ShADadFf", ts="1655999999.0")  # days after the answer
    with _ingest(tmp_path, {"dns.log": dns, "conn.log": conn_log([ROWS[0], late])}) as store:
        named = {
            r[0]: r[1] for r in store.execute('SELECT "flow.id", "destination.domain" FROM flow')
        }
    assert named["CAAA1"] == "cdn.example.net"
    assert named["CLATE"] is None


@pytest.mark.parametrize(
    ("weird", "name"),
    [
        ("data_before_established", "tcp_no_handshake"),
        ("SYN_with_data", "tcp_syn_with_data"),
        ("TCP_Christmas", "tcp_invalid_flags"),
        ("DNS_truncated_len_lt_hdr_len", "dns_malformed"),
        ("fragment_overlap", "ip_fragment_anomaly"),
        ("truncated_IP", "ip_truncated"),
        ("unknown_HTTP_method", "http_malformed"),
        ("unsolicited_SYN_response", "tcp_synack_without_syn"),
        ("SSL_many_server_names", "tls_malformed"),
        ("some_future_weird", "protocol_malformed"),
    ],
)
def test_weird_names_map_to_the_vocabulary(weird: str, name: str) -> None:
    assert weird_anomaly(weird) == name


def test_services_use_lurewatch_protocol_names() -> None:
    assert normalize_service("ssl") == "tls"
    assert normalize_service("http,ssl") == "http,tls"
    assert normalize_service("-ssl,dns") == "dns"
    assert normalize_service("-") is None and normalize_service(None) is None


def test_service_names_in_sql_are_the_same_as_in_python() -> None:
    services = [
        None,
        "",
        " ",
        "-",
        "ssl",
        "SSL",
        " ssl ",
        "-ssl",
        "http",
        "quic",
        "krb_tcp",
        "http,ssl",
        "ssl,-http",
        "-ssl,-http",
        ",",
        "ssl,,dns",
        " HTTP , SSL ",
        "x-y",
        "tls",
        "dce_rpc",
        "ftp-data",
        "Smb",
    ]
    con = duckdb.connect()
    sql = normalize_service_sql("s")
    got = [
        con.execute(f"SELECT {sql} FROM (SELECT ?::VARCHAR AS s)", [v]).fetchone()[0]
        for v in services
    ]
    assert got == [normalize_service(v) for v in services]


def test_readiness_says_what_conn_logs_alone_cannot_show(tmp_path: Path) -> None:
    from lurewatch.report.coverage import coverage

    with _ingest(tmp_path, {"conn.log": conn_log(ROWS)}) as store:
        report = coverage(store, Settings())["clauses"]
    n1 = report["N1"]
    assert n1["status"] == "partial"
    assert any("syntax anomalies are blind" in r for r in n1["reasons"])
    assert n1["completeness"]["flow_sensors"] == ["zeek"]
    assert any("server name" in r for r in report["N3"]["reasons"])
    assert any("ARP and IPv6 ND spoofing" in r for r in report["N3"]["reasons"])  # no packets


def test_scanner_hosts_are_exempt_from_out_of_flow_alerts(tmp_path: Path) -> None:
    from lurewatch.detections.context import DetectionContext
    from lurewatch.detections.net_out_of_flow_packets import run

    xmas = conn_line("CX", "ShQ", state="S1")  # forbidden flags from 10.0.0.5
    with _ingest(tmp_path, {"conn.log": conn_log([xmas])}) as store:
        plain = run(DetectionContext(Settings(), store))
        scanner = Settings()
        scanner.network.host_roles = {"10.0.0.5": "scanner"}
        exempt = run(DetectionContext(scanner, store))
    assert [f.entities["anomaly"] for f in plain] == ["tcp_invalid_flags"]
    assert exempt == []
