"""Squid native access.log lines as http_request rows; damaged lines rejected by line number."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

from lurewatch.readers.records import Reject
from lurewatch.readers.squid import looks_like_squid, rows_from_squid
from lurewatch.readers.zeek import looks_like_zeek
from lurewatch.schema import column_names

LINES = [
    "1286536309.450    120 192.168.0.68 TCP_MISS/200 507 GET http://WWW.Example.com/index.html?q=1"
    " - HIER_DIRECT/93.184.216.34 text/html",
    "1286536310.001     35 192.168.0.68 TCP_TUNNEL/200 1234 CONNECT login.example.net:443"
    " CORP%5Calice HIER_DIRECT/203.0.113.9 -",
    "1286536311.999      0 192.168.0.69 TCP_DENIED/403 3900 GET https://blocked.example:8443/x"
    " bob HIER_NONE/- text/html",
    "1286536312.000      0 192.168.0.70 NONE_NONE/000 0 NONE error:invalid-request - HIER_NONE/- -",
]


def read(path: Path) -> tuple[list[dict[str, object]], list[Reject]]:
    rows, rejects = [], []
    for item in rows_from_squid(path):
        if isinstance(item, Reject):
            rejects.append(item)
        else:
            table, row = item
            assert table == "http_request"
            rows.append(row)
    return rows, rejects


def test_native_lines_become_http_request_rows(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text("\n".join(LINES) + "\n")
    rows, rejects = read(log)
    assert rejects == []
    assert all(list(r) == column_names("http_request") for r in rows)
    get, connect, denied, invalid = rows
    assert get["@timestamp"] == dt.datetime(2010, 10, 8, 11, 11, 49, 450000)
    assert (get["log.file.path"], get["log.offset"]) == (str(log), 1)
    assert get["observer.type"] == "squid"
    assert get["source.ip"] == "192.168.0.68" and get["destination.ip"] == "93.184.216.34"
    assert get["destination.port"] == 80
    assert get["url.domain"] == "www.example.com"
    assert get["url.full"] == "http://WWW.Example.com/index.html?q=1"
    assert get["url.path"] == "/index.html"
    assert get["http.request.method"] == "GET" and get["http.response.status_code"] == 200
    assert get["user.name"] is None and get["user_agent.original"] is None
    # CONNECT carries host:port; the user name is URL-decoded
    assert connect["url.domain"] == "login.example.net" and connect["destination.port"] == 443
    assert connect["url.full"] is None and connect["http.request.method"] == "CONNECT"
    assert connect["user.name"] == "CORP\\alice"
    assert denied["destination.ip"] is None and denied["destination.port"] == 8443
    assert denied["http.response.status_code"] == 403 and denied["user.name"] == "bob"
    # a request Squid could not parse is still an event, with nothing to say about the URL
    assert invalid["url.domain"] is None and invalid["http.response.status_code"] is None


def test_garbage_lines_are_rejected_with_line_numbers(tmp_path: Path) -> None:
    log = tmp_path / "access.log.1.gz"
    lines = [
        LINES[0],
        "garbage that is not a log line at all",
        "",
        "yesterday 120 192.168.0.68 TCP_MISS/200 507 GET http://a.example/ - DIRECT/1.2.3.4 -",
        "1286536309.450 120 192.168.0.68 TCP_MISS 507 GET http://a.example/ - DIRECT/1.2.3.4 -",
        "1286536309.450 120 192.168.0.68 TCP_MISS/200 many GET http://a.example/ - DIRECT/- -",
        LINES[1],
    ]
    log.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    rows, rejects = read(log)
    assert [r["log.offset"] for r in rows] == [1, 7]
    assert [(r.kind, r.offset) for r in rejects] == [
        ("squid", 2),
        ("squid", 4),
        ("squid", 5),
        ("squid", 6),
    ]
    assert "fields where the native format has 10" in rejects[0].reason
    assert "not epoch seconds" in rejects[1].reason
    assert "not CODE/status" in rejects[2].reason
    assert "not a number" in rejects[3].reason


def test_same_line_gives_the_same_event_id_from_any_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text("\n".join(LINES) + "\n")
    b.write_text("\n" + "\n".join(LINES) + "\n")  # shifted by a line
    ids_a = [r["event.id"] for r in read(a)[0]]
    assert ids_a == [r["event.id"] for r in read(b)[0]]
    assert len(set(ids_a)) == len(LINES)


def test_truncated_gzip_keeps_the_lines_before_the_damage(tmp_path: Path) -> None:
    data = gzip.compress(("\n".join(LINES * 3000) + "\n").encode())
    log = tmp_path / "access.log.gz"
    log.write_bytes(data[: len(data) // 2])
    rows, rejects = read(log)
    assert len(rows) > 100 and len(rejects) == 1
    assert rejects[0].offset == len(rows) + 1
    assert "compressed stream ends early" in rejects[0].reason


def test_sniffing_tells_squid_from_zeek() -> None:
    head = ("\n".join(LINES) + "\n").encode()
    assert looks_like_squid(head) and looks_like_squid(gzip.compress(head))
    assert not looks_like_zeek(head)
    assert not looks_like_squid(b"#separator \\x09\n#set_separator\t,\n")
    assert not looks_like_squid(b'{"ts": 1.0, "uid": "C1"}\n')
    assert not looks_like_squid(b'192.168.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0"')
