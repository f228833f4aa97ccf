"""The Zeek log reader: TSV and JSON, plain and gzip, typed values, and damage reported by line."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import orjson

from lurewatch.readers.records import Reject
from lurewatch.readers.zeek import (
    ZeekRecord,
    log_type_from_name,
    looks_like_zeek,
    read_zeek,
    zeek_log_type,
)


def words(text: str) -> list[str]:
    return text.split()


CONN_FIELDS = words(
    "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes "
    "resp_bytes conn_state local_orig missed_bytes history tunnel_parents"
)
CONN_TYPES = words(
    "time string addr port addr port enum string interval count count string bool count "
    "string set[string]"
)
CONN_ROWS = [
    "1655071198.444458\tCHLXQF2OBY4onAR0Ug\t10.0.0.5\t62771\t40.74.108.123\t443\ttcp\tssl"
    "\t1.135424\t1596\t4039\tSF\tT\t0\tShADdaFf\t(empty)",
    "1655071231.749548\tCEL3aLvvNGvO6Ecoa\t193.201.9.232\t46563\t10.0.0.5\t3933\ttcp\t-"
    "\t-\t-\t-\tS0\tF\t0\tS\tCabc,Cdef",
]


def tsv(path: str, fields: list[str], types: list[str], rows: list[str], close: bool = True) -> str:
    """One Zeek TSV header block with its rows, as Zeek's ASCII writer lays it out."""
    lines = [
        "#separator \\x09",
        "#set_separator\t,",
        "#empty_field\t(empty)",
        "#unset_field\t-",
        f"#path\t{path}",
        "#open\t2022-06-17-00-00-07",
        "#fields\t" + "\t".join(fields),
        "#types\t" + "\t".join(types),
        *rows,
    ]
    if close:
        lines.append("#close\t2022-06-17-01-00-00")
    return "\n".join(lines) + "\n"


def split(items: list[ZeekRecord | Reject]) -> tuple[list[ZeekRecord], list[Reject]]:
    records = [i for i in items if isinstance(i, ZeekRecord)]
    rejects = [i for i in items if isinstance(i, Reject)]
    assert len(records) + len(rejects) == len(items)
    return records, rejects


def test_tsv_values_are_typed_from_the_types_header(tmp_path: Path) -> None:
    log = tmp_path / "conn.log"
    log.write_text(tsv("conn", CONN_FIELDS, CONN_TYPES, CONN_ROWS))
    records, rejects = split(list(read_zeek(log)))
    assert rejects == []
    first, second = records
    assert (first.path, first.file, first.line) == ("conn", str(log), 9)
    f = first.fields
    assert list(f) == CONN_FIELDS
    assert f["ts"] == dt.datetime(2022, 6, 12, 21, 59, 58, 444458)  # UTC, no tzinfo
    assert f["ts"].tzinfo is None
    assert f["id.orig_p"] == 62771 and f["id.resp_p"] == 443
    assert f["duration"] == 1.135424 and f["orig_bytes"] == 1596
    assert f["local_orig"] is True and f["tunnel_parents"] == []
    s = second.fields
    assert s["service"] is None and s["duration"] is None and s["orig_bytes"] is None
    assert s["local_orig"] is False
    assert s["tunnel_parents"] == ["Cabc", "Cdef"]


def test_escapes_unset_and_empty_strings_follow_zeek(tmp_path: Path) -> None:
    # Zeek escapes a separator inside a value as \x09, raw bytes as \xNN, and a value that
    # would read as the unset or empty marker by escaping its first character.
    fields = ["ts", "uri", "literal_dash", "literal_empty", "empty", "tags", "counts"]
    types = ["time", "string", "string", "string", "string", "set[string]", "vector[count]"]
    row = "1.5\t/a\\x09b/caf\\xc3\\xa9\t\\x2d\t\\x28empty)\t(empty)\tx\\x2cy,z\t1,-,3"
    log = tmp_path / "http.log"
    log.write_text(tsv("http", fields, types, [row]))
    (rec,) = split(list(read_zeek(log)))[0]
    assert rec.fields == {
        "ts": dt.datetime(1970, 1, 1, 0, 0, 1, 500000),
        "uri": "/a\tb/café",
        "literal_dash": "-",
        "literal_empty": "(empty)",
        "empty": "",
        "tags": ["x,y", "z"],
        "counts": [1, None, 3],
    }


def test_rotated_logs_concatenated_are_read_with_each_blocks_header(tmp_path: Path) -> None:
    old = tsv("conn", CONN_FIELDS, CONN_TYPES, CONN_ROWS[:1])
    # the next block has another layout (an extra column), and no #close: the writer died
    fields = [*CONN_FIELDS, "label"]
    types = [*CONN_TYPES, "string"]
    new = tsv("conn", fields, types, [CONN_ROWS[1] + "\tMalicious"], close=False)
    dns = tsv("dns", ["ts", "query"], ["time", "string"], ["3.0\texample.org"])
    log = tmp_path / "mixed.log"
    log.write_text(old + new + dns)
    records, rejects = split(list(read_zeek(log)))
    assert rejects == []
    assert [r.path for r in records] == ["conn", "conn", "dns"]
    assert "label" not in records[0].fields and records[1].fields["label"] == "Malicious"
    assert records[2].fields == {"ts": dt.datetime(1970, 1, 1, 0, 0, 3), "query": "example.org"}


def test_damaged_lines_are_rejected_with_line_numbers_and_reading_goes_on(tmp_path: Path) -> None:
    rows = [
        CONN_ROWS[0],
        "this is not a zeek row",  # line 10: garbage
        CONN_ROWS[1] + "\textra",  # line 11: one column too many
        CONN_ROWS[0].replace("\t1596\t", "\tlots\t"),  # line 12: a count that is not one
        "",  # a blank line is no record and no reject
        CONN_ROWS[1],  # line 14
    ]
    log = tmp_path / "conn.log"
    log.write_text(tsv("conn", CONN_FIELDS, CONN_TYPES, rows) + "#bogus\theader\n")
    records, rejects = split(list(read_zeek(log)))
    assert [r.line for r in records] == [9, 14]
    assert [(r.kind, r.offset) for r in rejects] == [
        ("zeek", 10),
        ("zeek", 11),
        ("zeek", 12),
        ("zeek", 16),
    ]
    assert "1 columns where the header at line 7 declares 16" in rejects[0].reason
    assert "17 columns" in rejects[1].reason
    assert "orig_bytes (count)" in rejects[2].reason and "'lots'" in rejects[2].reason
    assert "unknown header line" in rejects[3].reason


def test_header_that_disagrees_with_itself_rejects_its_rows_not_the_next_block(
    tmp_path: Path,
) -> None:
    bad = tsv("conn", CONN_FIELDS, CONN_TYPES[:-1], CONN_ROWS)  # one type short
    good = tsv("conn", CONN_FIELDS, CONN_TYPES, CONN_ROWS)
    log = tmp_path / "conn.log"
    log.write_text("garbage before any header\n" + bad + good)
    records, rejects = split(list(read_zeek(log)))
    assert len(records) == 2
    assert len(rejects) == 3
    assert "no #fields header above it" in rejects[0].reason
    assert all("#fields (line 8) names 16 columns" in r.reason for r in rejects[1:])
    assert all("#types (line 9) 15" in r.reason for r in rejects[1:])


def test_unknown_log_type_and_extra_columns_are_kept(tmp_path: Path) -> None:
    fields = ["ts", "uid", "gadget", "score", "label", "detailedlabel"]
    types = ["time", "string", "enum", "double", "string", "string"]
    log = tmp_path / "whatever.txt"
    log.write_text(tsv("acme_gadget", fields, types, ["10.25\tC1\tFOO::Bar\t0.5\tBenign\t-"]))
    (rec,) = split(list(read_zeek(log)))[0]
    assert rec.path == "acme_gadget"
    assert rec.fields["score"] == 0.5 and rec.fields["label"] == "Benign"
    assert rec.fields["detailedlabel"] is None


def test_json_lines_with_epoch_iso_and_nested_fields(tmp_path: Path) -> None:
    lines = [
        {
            "_path": "dns",
            "ts": 1596790164.509987,
            "uid": "C1",
            "id.orig_h": "10.8.0.61",
            "query": "a.example",
            "answers": ["1.2.3.4"],
            "AA": False,
        },
        {
            "ts": "2020-08-07T08:49:24.509987Z",
            "uid": "C2",
            "id.orig_h": "10.8.0.61",
            "query": "b.example",
        },
        {
            "ts": "2020-08-07T10:49:24.5+02:00",
            "uid": "C3",
            "id": {"orig_h": "10.8.0.62", "resp_p": 53},
        },
    ]
    log = tmp_path / "dns.json"
    bom = b"\xef\xbb\xbf"  # some export tools start the file with a byte-order mark
    log.write_bytes(bom + b"\n".join(orjson.dumps(x) for x in lines) + b"\n")
    records, rejects = split(list(read_zeek(log)))
    assert rejects == []
    assert [r.path for r in records] == ["dns", "dns", "dns"]  # _path, then the file name
    assert [r.fields["ts"] for r in records] == [
        dt.datetime(2020, 8, 7, 8, 49, 24, 509987),
        dt.datetime(2020, 8, 7, 8, 49, 24, 509987),
        dt.datetime(2020, 8, 7, 8, 49, 24, 500000),
    ]
    assert records[0].fields["answers"] == ["1.2.3.4"] and records[0].fields["AA"] is False
    assert records[2].fields["id.orig_h"] == "10.8.0.62"
    assert records[2].fields["id.resp_p"] == 53


def test_invalid_json_lines_are_rejected_and_the_rest_read(tmp_path: Path) -> None:
    good = b'{"ts": 1.0, "uid": "C1", "id.orig_h": "10.0.0.1"}'
    log = tmp_path / "conn.log"
    log.write_bytes(
        b"\n".join(
            [good, b'{"ts": 2.0, "uid": ', b"[1, 2]", b'{"ts": "yesterday", "uid": "C3"}', good]
        )
        + b"\n"
    )
    records, rejects = split(list(read_zeek(log)))
    assert [r.line for r in records] == [1, 5]
    assert [r.path for r in records] == ["conn", "conn"]
    assert [r.offset for r in rejects] == [2, 3, 4]
    assert rejects[0].reason.startswith("invalid JSON")
    assert "not an object" in rejects[1].reason
    assert "ts is not a time" in rejects[2].reason


def test_tsv_and_json_forms_of_a_record_read_alike(tmp_path: Path) -> None:
    (tmp_path / "conn.log").write_text(tsv("conn", CONN_FIELDS, CONN_TYPES, CONN_ROWS[:1]))
    (tsv_rec,) = split(list(read_zeek(tmp_path / "conn.log")))[0]
    as_json = {k: v for k, v in tsv_rec.fields.items() if v is not None}
    as_json["ts"] = 1655071198.444458
    (tmp_path / "conn.json").write_bytes(orjson.dumps(as_json) + b"\n")
    (json_rec,) = split(list(read_zeek(tmp_path / "conn.json")))[0]
    assert json_rec.fields == as_json | {"ts": tsv_rec.fields["ts"]}


def test_gzip_logs_are_read_like_plain_ones(tmp_path: Path) -> None:
    text = tsv("conn", CONN_FIELDS, CONN_TYPES, CONN_ROWS)
    plain, packed = tmp_path / "conn.log", tmp_path / "conn.00:00:00-01:00:00.log.gz"
    plain.write_text(text)
    packed.write_bytes(gzip.compress(text.encode()))
    read_plain = split(list(read_zeek(plain)))[0]
    read_packed = split(list(read_zeek(packed)))[0]
    assert [r.fields for r in read_packed] == [r.fields for r in read_plain]
    assert read_packed[0].path == "conn"


def test_truncated_gzip_keeps_what_came_before_and_rejects_the_tail(tmp_path: Path) -> None:
    rows = [CONN_ROWS[i % 2].replace("CHLX", f"C{i:05d}") for i in range(4000)]
    data = gzip.compress(tsv("conn", CONN_FIELDS, CONN_TYPES, rows).encode())
    log = tmp_path / "conn.log.gz"
    log.write_bytes(data[: len(data) // 2])
    records, rejects = split(list(read_zeek(log)))
    assert len(rejects) == 1
    assert "compressed stream ends early" in rejects[0].reason
    assert 500 < len(records) < 4000
    # every record before the damage is there, in order, and only a partial line is lost
    assert [r.line for r in records] == list(range(9, 9 + len(records)))
    assert rejects[0].offset == records[-1].line + 1


def test_columns_keeps_only_the_named_fields(tmp_path: Path) -> None:
    log = tmp_path / "conn.log"
    log.write_text(tsv("conn", CONN_FIELDS, CONN_TYPES, CONN_ROWS))
    records, _ = split(list(read_zeek(log, columns={"ts", "id.resp_p", "orig_bytes"})))
    assert [r.fields for r in records] == [
        {"ts": dt.datetime(2022, 6, 12, 21, 59, 58, 444458), "id.resp_p": 443, "orig_bytes": 1596},
        {"ts": dt.datetime(2022, 6, 12, 22, 0, 31, 749548), "id.resp_p": 3933, "orig_bytes": None},
    ]


def test_unreadable_file_is_one_reject(tmp_path: Path) -> None:
    (reject,) = list(read_zeek(tmp_path / "missing.log"))
    assert isinstance(reject, Reject) and reject.offset is None
    assert "cannot open" in reject.reason


def test_sniffing_and_log_type(tmp_path: Path) -> None:
    text = tsv("http", ["ts"], ["time"], ["1.0"]).encode()
    json_line = b'{"_path":"ssl","ts":1.0,"uid":"C1","id.orig_h":"10.0.0.1"}\n'
    assert looks_like_zeek(text) and looks_like_zeek(gzip.compress(text)[:200])
    assert looks_like_zeek(json_line)
    assert looks_like_zeek(b'{"ts":"2020-01-01T00:00:00Z","uid":"C1"}')
    assert not looks_like_zeek(b'{"timestamp": 1, "event_type": "alert"}')
    assert not looks_like_zeek(b"From: a@example.org\n")
    assert not looks_like_zeek(b"1286536309.450    1230 10.0.0.1 TCP_MISS/200 507 GET")
    assert zeek_log_type("x.log", text) == "http"
    assert zeek_log_type("x.log", gzip.compress(text)) == "http"
    assert zeek_log_type("x.log", json_line) == "ssl"
    assert zeek_log_type("dns.log", b'{"ts":1.0,"uid":"C1"}') == "dns"
    assert log_type_from_name("/logs/conn.2021-01-01-00-00-00.log.gz") == "conn"
    assert log_type_from_name("http.log.labeled") == "http"
    assert log_type_from_name("labeled-conn.log") == "conn"
    assert log_type_from_name("acme_gadget.log") == "acme_gadget"
    assert log_type_from_name("report.pdf") is None


def test_a_json_log_without_connection_fields_is_zeek_by_its_name(tmp_path: Path) -> None:
    from lurewatch.readers.dispatch import sniff_format

    record = {"ts": 1599755438.2, "host": "192.168.1.194", "software_type": "HTTP::BROWSER"}
    line = orjson.dumps(record) + b"\n"
    assert looks_like_zeek(line, "software.log")
    assert not looks_like_zeek(line, "notes.txt")
    path = tmp_path / "software.log"
    path.write_bytes(line * 3)
    assert sniff_format(path) == "zeek"
    other = tmp_path / "records.jsonl"
    other.write_bytes(line)
    assert sniff_format(other) != "eml"  # '{"ts":' is no header field
