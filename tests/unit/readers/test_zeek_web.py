"""Zeek http and dns records as http_request and dns_query rows; other log types counted."""

from __future__ import annotations

import datetime as dt
import gzip
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
from tests.unit.readers.test_zeek_reader import CONN_FIELDS, CONN_ROWS, CONN_TYPES, tsv, words

from lurewatch.readers.records import Reject
from lurewatch.readers.zeek import ZeekRecord, read_zeek
from lurewatch.readers.zeek_web import rows_from_zeek, split_host
from lurewatch.schema import column_names

HTTP_FIELDS = words(
    "ts uid id.orig_h id.orig_p id.resp_h id.resp_p trans_depth method host uri referrer "
    "user_agent status_code username tags"
)
HTTP_TYPES = words(
    "time string addr port addr port count string string string string string count string "
    "set[enum]"
)
HTTP_ROWS = [
    "187.535914\tCdcB2k1JTIu3hNzVse\t192.168.1.116\t49161\t67.55.121.97\t80\t1\tGET"
    "\tGatyfus.COM:8080\t/login.php?u=1#top\t-\tMozilla/4.0\t302\t-\t(empty)",
    "188.0\tCtD2CusBi0bYv3GXf\t192.168.1.116\t49162\t10.0.0.3\t3128\t1\tCONNECT"
    "\tmail.example.org:443\tmail.example.org:443\t-\tcurl/8\t200\talice\t(empty)",
    "189.0\tCxyz\t192.168.1.116\t49163\t10.0.0.3\t3128\t1\tGET"
    "\t-\thttp://Proxy.Example.net/a/b?c=d\t-\t-\t200\tbob\t(empty)",
    "190.0\tCabc\t192.168.1.116\t49164\t10.0.0.4\t80\t2\t-\t-\t-\t-\t-\t-\t-\t(empty)",
]
DNS_FIELDS = words(
    "ts uid id.orig_h id.orig_p id.resp_h id.resp_p query qtype qtype_name rcode rcode_name answers"
)
DNS_TYPES = words("time string addr port addr port string count string count string vector[string]")
DNS_ROWS = [
    "13.184015\tCaBhzn4douRRoJ519a\t192.168.1.116\t50814\t8.8.8.8\t53\tDNS.MsftNCSI.com.\t1\tA"
    "\t0\tNOERROR\t131.107.255.255,dns.example.",
    "14.0\tCuJjU1u6XyGQ4tfBi\t192.168.1.116\t63558\t8.8.8.8\t53\tnx.example\t65\t-\t3\tNXDOMAIN\t-",
]


def rows(path: Path, skipped: Counter[str] | None = None) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for item in rows_from_zeek(path, skipped):
        assert not isinstance(item, Reject), item
        out.append(item)
    return out


def test_http_records_become_http_request_rows(tmp_path: Path) -> None:
    log = tmp_path / "http.log"
    log.write_text(tsv("http", HTTP_FIELDS, HTTP_TYPES, HTTP_ROWS))
    got = rows(log)
    assert {t for t, _ in got} == {"http_request"}
    assert all(list(r) == column_names("http_request") for _, r in got)
    plain, connect, absolute, bare = (r for _, r in got)
    assert plain["@timestamp"] == dt.datetime(1970, 1, 1, 0, 3, 7, 535914)
    assert (plain["log.file.path"], plain["log.offset"]) == (str(log), 9)
    assert plain["observer.type"] == "zeek"
    assert (plain["source.ip"], plain["destination.ip"], plain["destination.port"]) == (
        "192.168.1.116",
        "67.55.121.97",
        80,
    )
    assert plain["url.domain"] == "gatyfus.com"  # lower case, port stripped
    assert plain["url.full"] == "http://gatyfus.com:8080/login.php?u=1#top"
    assert plain["url.path"] == "/login.php"
    assert plain["http.request.method"] == "GET"
    assert plain["http.response.status_code"] == 302
    assert plain["user_agent.original"] == "Mozilla/4.0" and plain["user.name"] is None
    # CONNECT: the tunnel's target is the domain; there is no URL to rebuild
    assert connect["url.domain"] == "mail.example.org"
    assert connect["url.full"] is None and connect["url.path"] is None
    assert connect["user.name"] == "alice"
    # an absolute request target (a proxied request) is the URL itself
    assert absolute["url.domain"] == "proxy.example.net"
    assert absolute["url.full"] == "http://Proxy.Example.net/a/b?c=d"
    assert absolute["url.path"] == "/a/b"
    # a record Zeek logged without a request: no method, host or URL, still a row
    assert bare["http.request.method"] is None and bare["url.domain"] is None
    assert bare["url.full"] is None and bare["http.response.status_code"] is None


def test_dns_records_become_dns_query_rows(tmp_path: Path) -> None:
    log = tmp_path / "dns.log"
    log.write_text(tsv("dns", DNS_FIELDS, DNS_TYPES, DNS_ROWS))
    got = rows(log)
    assert [t for t, _ in got] == ["dns_query", "dns_query"]
    assert all(list(r) == column_names("dns_query") for _, r in got)
    a, nx = (r for _, r in got)
    assert a["dns.question.name"] == "dns.msftncsi.com"
    assert a["dns.question.type"] == "A" and a["dns.response_code"] == "NOERROR"
    assert a["dns.answers"] == ["131.107.255.255", "dns.example."]
    assert a["source.ip"] == "192.168.1.116" and a["observer.type"] == "zeek"
    assert a["@timestamp"] == dt.datetime(1970, 1, 1, 0, 0, 13, 184015)
    assert nx["dns.question.type"] == "TYPE65"  # no mnemonic logged: the number
    assert nx["dns.response_code"] == "NXDOMAIN" and nx["dns.answers"] == []


def test_other_log_types_are_counted_not_mapped(tmp_path: Path) -> None:
    log = tmp_path / "all.log"
    text = (
        tsv("conn", CONN_FIELDS, CONN_TYPES, CONN_ROWS)
        + tsv("dns", DNS_FIELDS, DNS_TYPES, DNS_ROWS[:1])
        + tsv("weird", ["ts", "name"], ["time", "string"], ["1.0\tbad_TCP_checksum"])
        + tsv("sip", ["ts", "uid"], ["time", "string"], ["1.0\tCsip"])
    )
    log.write_text(text)
    skipped: Counter[str] = Counter()
    got = rows(log, skipped)
    assert [t for t, _ in got] == ["flow", "flow", "dns_query", "net_anomaly"]
    assert skipped == Counter({"sip": 1})


def test_event_ids_follow_content_not_path_or_format(tmp_path: Path) -> None:
    text = tsv("http", HTTP_FIELDS, HTTP_TYPES, HTTP_ROWS)
    first, second = tmp_path / "a" / "http.log", tmp_path / "b" / "copy.log.gz"
    first.parent.mkdir()
    second.parent.mkdir()
    first.write_text(text)
    second.write_bytes(gzip.compress(text.encode()))
    ids_first = [r["event.id"] for _, r in rows(first)]
    ids_second = [r["event.id"] for _, r in rows(second)]
    assert ids_first == ids_second  # the same log again, from another path, adds nothing
    assert len(set(ids_first)) == len(ids_first)
    # the same records as Zeek JSON (unset fields left out, as Zeek writes them) hash alike
    json_log = tmp_path / "http.json"
    lines = []
    for rec in read_zeek(first):
        assert isinstance(rec, ZeekRecord)
        obj = {k: v for k, v in rec.fields.items() if v is not None}
        obj["ts"] = rec.fields["ts"].replace(tzinfo=dt.UTC).isoformat()
        lines.append(orjson.dumps(obj))
    json_log.write_bytes(b"\n".join(lines) + b"\n")
    assert [r["event.id"] for _, r in rows(json_log)] == ids_first


def test_rejects_pass_through_and_records_without_time_are_rejected(tmp_path: Path) -> None:
    log = tmp_path / "dns.log"
    no_ts = DNS_ROWS[1].replace("14.0", "-", 1)
    log.write_text(tsv("dns", DNS_FIELDS, DNS_TYPES, [DNS_ROWS[0], "garbage", no_ts]))
    items = list(rows_from_zeek(log))
    assert isinstance(items[0], tuple)
    assert isinstance(items[1], Reject) and (items[1].kind, items[1].offset) == ("zeek", 10)
    assert isinstance(items[2], Reject) and items[2].kind == "dns_query"
    assert items[2].offset == 11 and "without a ts" in items[2].reason


def test_split_host() -> None:
    assert split_host("Example.COM.:8080") == ("example.com", 8080)
    assert split_host("[2001:db8::1]:443") == ("2001:db8::1", 443)
    assert split_host("2001:db8::1") == ("2001:db8::1", None)
    assert split_host("example.org") == ("example.org", None)
