"""PhishTank JSON and CSV, URLhaus CSV: columns, verification, comments, damage."""

from __future__ import annotations

import gzip
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import orjson

from lurewatch.enrich.intel import load_file

PT_HEADER = "phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target"


def _pt_row(i: int, url: str, verified: str = "yes", target: str = "PayPal") -> str:
    return (
        f"{i},{url},http://www.phishtank.com/phish_detail.php?phish_id={i},"
        f"2025-01-1{i % 9}T10:00:00+00:00,{verified},2025-01-18T10:00:00+00:00,yes,{target}"
    )


def test_phishtank_csv(tmp_path: Path) -> None:
    lines = [
        PT_HEADER,
        _pt_row(1, "http://paypal.example-login.com/"),
        _pt_row(2, '"http://quoted.example.com/a,b"'),  # a comma inside a quoted URL
        _pt_row(3, "http://unverified.example.com/", verified="no"),
        "4,http://short-row.example.com/,only,four",
        _pt_row(5, "not-a-url"),
        _pt_row(6, "http://other.example.com/", target="Other"),
        "",
    ]
    p = tmp_path / "verified_online.csv"
    p.write_text("\n".join(lines))
    r = load_file(p)
    assert (r.format, r.feed) == ("phishtank-csv", "phishtank")
    assert (r.read, r.skipped) == (6, 3)
    assert r.reasons == {"not-verified": 1, "wrong-column-count": 1, "not-a-url": 1}
    assert [i.value for i in r.indicators] == [
        "http://paypal.example-login.com/",
        "http://quoted.example.com/a,b",
        "http://other.example.com/",
    ]
    first = r.indicators[0]
    assert first.first_seen == datetime(2025, 1, 11, 10, 0, tzinfo=UTC)
    assert first.reference == "http://www.phishtank.com/phish_detail.php?phish_id=1"
    assert first.target == "PayPal" and first.category == "phishing"
    assert r.indicators[2].target is None  # "Other" names no brand


def test_phishtank_csv_without_header_takes_the_documented_order(tmp_path: Path) -> None:
    p = tmp_path / "pt.csv"
    p.write_text(_pt_row(1, "http://a.example.com/") + "\n")
    r = load_file(p, "phishtank-csv")
    assert (r.read, r.skipped, len(r.indicators)) == (1, 0, 1)


def test_phishtank_json_array_and_lines(tmp_path: Path) -> None:
    entries = [
        {
            "phish_id": 1,
            "url": "http://a.example.com/x",
            "verified": "yes",
            "submission_time": "2025-01-10T01:02:03+00:00",
            "target": "Chase",
            "phish_detail_url": "http://www.phishtank.com/phish_detail.php?phish_id=1",
        },
        {"phish_id": 2, "url": "http://b.example.com/", "verified": "no"},
        {"phish_id": 3},
        42,
    ]
    p = tmp_path / "online-valid.json"
    p.write_bytes(orjson.dumps(entries))
    r = load_file(p)
    assert r.format == "phishtank-json"
    assert (r.read, r.skipped) == (4, 3)
    assert r.reasons == {"not-verified": 1, "missing-url": 1, "not-an-object": 1}
    assert r.indicators[0].target == "Chase"
    assert r.indicators[0].first_seen == datetime(2025, 1, 10, 1, 2, 3, tzinfo=UTC)

    lines = tmp_path / "pt.jsonl"
    lines.write_text(
        '{"phish_id": 1, "url": "http://a.example.com/x", "verified": "yes"}\n'
        '{"phish_id": 2, "url": "http://b.example.com/", \n'
        '{"phish_id": 3, "url": "http://c.example.com/", "verified": true}\n'
    )
    r = load_file(lines)
    assert r.format == "phishtank-json"
    assert (r.read, r.skipped, r.reasons) == (3, 1, {"invalid-json-line": 1})
    assert [i.value for i in r.indicators] == ["http://a.example.com/x", "http://c.example.com/"]


def test_phishtank_json_cut_short_keeps_whole_items(tmp_path: Path) -> None:
    entries = [
        {"phish_id": i, "url": f"http://p{i}.example.com/", "verified": "yes"} for i in range(300)
    ]
    packed = gzip.compress(orjson.dumps(entries))
    p = tmp_path / "pt.json.gz"
    p.write_bytes(packed[: len(packed) * 2 // 3])
    r = load_file(p)
    assert r.format == "phishtank-json"
    assert r.reasons == {"truncated-input": 1}
    assert 0 < len(r.indicators) < 300
    assert r.read == len(r.indicators) + 1
    assert {i.value for i in r.indicators} <= {e["url"] for e in entries}


URLHAUS = """################################################################
# abuse.ch URLhaus Database Dump (CSV - recent URLs)           #
# Last updated: 2025-01-18 12:00:00 (UTC)                      #
################################################################
#
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"3361236","2025-01-18 11:57:07","http://198.51.100.7:43210/i","online","2025-01-18 11:57:07","malware_download","elf,mirai","https://urlhaus.abuse.ch/url/3361236/","abuse_ch"
"3361235","2025-01-18 11:50:00","https://files.example.net/invoice.zip","offline","","malware_download","zip","https://urlhaus.abuse.ch/url/3361235/","someone"
"3361234","2025-01-18 11:40:00","http://short.example.net/","online"
"3361233","2025-01-18 11:30:00","","online","","malware_download","","https://urlhaus.abuse.ch/url/3361233/","x"
"3361232","not a date","http://bad-date.example.net/x","online","","malware_download","","https://urlhaus.abuse.ch/url/3361232/","x"
"""


def test_urlhaus_csv(tmp_path: Path) -> None:
    p = tmp_path / "csv.txt"
    p.write_text(URLHAUS)
    r = load_file(p)
    assert (r.format, r.feed) == ("urlhaus-csv", "urlhaus")
    assert (r.read, r.skipped) == (5, 2)
    assert r.reasons == {"wrong-column-count": 1, "missing-url": 1}
    assert [j.where for j in r.rejects] == [9, 10]
    first = r.indicators[0]
    assert first.value == "http://198.51.100.7:43210/i"
    assert first.first_seen == datetime(2025, 1, 18, 11, 57, 7, tzinfo=UTC)
    assert first.category == "malware_download"
    assert first.reference == "https://urlhaus.abuse.ch/url/3361236/"
    assert r.notes["bad-time"] == 1 and r.indicators[2].first_seen is None


def test_urlhaus_zip_as_served(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("csv.txt", URLHAUS)
    p = tmp_path / "csv.txt.zip"
    p.write_bytes(buf.getvalue())
    r = load_file(p)
    assert (r.format, r.read, r.skipped, len(r.indicators)) == ("urlhaus-csv", 5, 2, 3)


def test_urlhaus_truncated_gzip_drops_the_cut_line(tmp_path: Path) -> None:
    rows = [
        f'"{i}","2025-01-18 11:00:00","http://host{i}.example.net/payload/{i}.bin","online","",'
        f'"malware_download","","https://urlhaus.abuse.ch/url/{i}/","x"'
        for i in range(2000)
    ]
    packed = gzip.compress(("# id,dateadded,url\n" + "\n".join(rows) + "\n").encode())
    p = tmp_path / "csv.txt.gz"
    p.write_bytes(packed[: len(packed) // 2])
    r = load_file(p, "urlhaus")
    assert r.format == "urlhaus-csv"
    assert r.reasons == {"truncated-input": 1}
    assert 0 < len(r.indicators) < 2000
    assert r.read == len(r.indicators) + 1
    wanted = {f"http://host{i}.example.net/payload/{i}.bin" for i in range(2000)}
    assert {i.value for i in r.indicators} <= wanted
