"""OpenPhish text and JSON, and plain lists: counts, reasons, and what survives damage."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import orjson

from lurewatch.enrich.intel import load_file

OPENPHISH_MAP = {
    "http://login-bank.example.net/": "2025-01-18T11:19:06.205+00:00",
    "https://secure.example.org/verify.php?id=1": "2025-01-17T12:05:58.109+00:00",
    "http://x1.weebly.com/": "2025-01-01T00:00:00Z",
}


def _write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _pretty_mapping(entries: dict[str, str]) -> str:
    """The layout of the published OpenPhish JSON: one member a line."""
    body = ",\n".join(f'  "{url}": "{when}"' for url, when in entries.items())
    return "{\n" + body + "\n}\n"


def test_openphish_text_counts_and_reasons(tmp_path: Path) -> None:
    p = _write(
        tmp_path / "feed.txt",
        "http://a.example.com/login\n"
        "https://b.example.net/x?y=1\n"
        "\n"
        "not a url\n"
        "http://\n"
        "https://c.example.org/\n",
    )
    r = load_file(p, "openphish-text")
    assert r.format == "openphish-text" and r.feed == "openphish"
    assert (r.read, r.skipped) == (5, 2)
    assert r.reasons == {"not-a-url": 2}
    assert [j.where for j in r.rejects] == [4, 5]
    assert [i.value for i in r.indicators] == [
        "http://a.example.com/login",
        "https://b.example.net/x?y=1",
        "https://c.example.org/",
    ]
    assert all(i.type == "url" and i.first_seen is None for i in r.indicators)


def test_openphish_text_is_detected(tmp_path: Path) -> None:
    p = _write(tmp_path / "feed.txt", "http://a.example.com/\nhttps://b.example.com/x\n")
    assert load_file(p).format == "openphish-text"


def test_openphish_json_mapping_gives_first_seen(tmp_path: Path) -> None:
    p = _write(tmp_path / "op.json", _pretty_mapping(OPENPHISH_MAP))
    r = load_file(p)
    assert r.format == "openphish-json"
    assert (r.read, r.skipped, len(r.indicators)) == (3, 0, 3)
    first = r.indicators[0]
    assert first.value == "http://login-bank.example.net/"
    assert first.first_seen == datetime(2025, 1, 18, 11, 19, 6, 205000, tzinfo=UTC)
    assert r.indicators[2].first_seen == datetime(2025, 1, 1, tzinfo=UTC)


def test_openphish_json_broken_lines_cost_only_themselves(tmp_path: Path) -> None:
    text = _pretty_mapping(OPENPHISH_MAP)
    lines = text.splitlines()
    lines.insert(2, '  "http://broken.example.com/: "2025-01-01T00:00:00Z",')  # lost quote
    lines.insert(3, '  "not a url": "2025-01-01T00:00:00Z",')
    lines.insert(4, '  "http://bad-time.example.com/": "yesterday",')
    r = load_file(_write(tmp_path / "op.json", "\n".join(lines)), "openphish-json")
    assert r.reasons == {"invalid-json-line": 1, "not-a-url": 1}
    assert (r.read, r.skipped) == (6, 2)
    assert len(r.indicators) == 4
    assert r.notes["bad-time"] == 1
    bad_time = next(i for i in r.indicators if "bad-time" in i.value)
    assert bad_time.first_seen is None


def test_openphish_json_object_records(tmp_path: Path) -> None:
    records = [
        {
            "url": "http://paypal-login.example.com/",
            "brand": "PayPal",
            "discover_time": "2025-01-02T03:04:05Z",
        },
        {"url": 17},
        {"brand": "x"},
        "just a string",
    ]
    r = load_file(_write(tmp_path / "op.json", orjson.dumps(records)), "openphish-json")
    assert (r.read, r.skipped, len(r.indicators)) == (4, 3, 1)
    assert r.reasons == {"missing-url": 1, "not-a-url": 1, "not-an-object": 1}
    assert r.indicators[0].target == "PayPal"


def test_openphish_json_truncated_gzip_keeps_complete_lines(tmp_path: Path) -> None:
    entries = {f"http://site{i}.example.com/login/{i}": "2025-01-18T11:19:06Z" for i in range(400)}
    packed = gzip.compress(_pretty_mapping(entries).encode())
    p = _write(tmp_path / "op.json.gz", packed[: len(packed) // 2])
    r = load_file(p)
    assert r.format == "openphish-json"
    assert r.reasons == {"truncated-input": 1}
    assert r.skipped == 1
    assert 0 < len(r.indicators) < 400
    assert r.read == len(r.indicators) + 1
    # Every indicator is one of the real entries: a cut line never becomes a shorter URL.
    assert {i.value for i in r.indicators} <= set(entries)


def test_gzip_whole_file_reads_like_plain(tmp_path: Path) -> None:
    p = _write(tmp_path / "op.json.gz", gzip.compress(_pretty_mapping(OPENPHISH_MAP).encode()))
    r = load_file(p)
    assert (r.format, r.read, r.skipped) == ("openphish-json", 3, 0)


def test_empty_file(tmp_path: Path) -> None:
    p = _write(tmp_path / "empty.json", b"")
    r = load_file(p)
    assert (r.read, r.skipped, r.indicators) == (0, 0, [])
    assert r.notes["no-records"] == 1
    r2 = load_file(p, "openphish-json")
    assert (r2.read, r2.skipped, r2.notes["no-records"]) == (0, 0, 1)


def test_plain_list_infers_each_type(tmp_path: Path) -> None:
    p = _write(
        tmp_path / "blocklist.txt.gz",
        gzip.compress(
            b"# my list\n"
            b"evil.example\n"
            b"login.evil-two.example  # a subdomain: exactly this host\n"
            b"x1.weebly.com\n"
            b"*.wild.example\n"
            b"203.0.113.7\n"
            b"198.51.100.0/24\n"
            b"2001:db8::/32\n"
            b"http://phish.example/a#frag\n"
            b"phish2.example/path\n"
            b"0.0.0.0 sinkholed.example\n"
            b"127.0.0.1 localhost\n"
            b"two words\n"
            b"\xff\xfe not utf-8\n"
        ),
    )
    r = load_file(p)
    assert r.format == "plain" and r.feed == "blocklist"
    got = {(i.type, i.value) for i in r.indicators}
    assert got == {
        ("domain", "evil.example"),
        ("host", "login.evil-two.example"),
        ("host", "x1.weebly.com"),
        ("domain", "wild.example"),
        ("ip", "203.0.113.7"),
        ("ip", "198.51.100.0/24"),
        ("ip", "2001:db8::/32"),
        ("url", "http://phish.example/a#frag"),
        ("url", "http://phish2.example/path"),
        ("domain", "sinkholed.example"),
    }
    assert r.reasons == {"not-an-indicator": 2, "bad-encoding": 1}
    assert (r.read, r.skipped) == (13, 3)


def test_defanged_values_are_read(tmp_path: Path) -> None:
    p = _write(tmp_path / "shared-by-cert.txt", "hxxps://evil[.]example/login\nbad[.]example\n")
    r = load_file(p, "plain")
    assert {(i.type, i.value) for i in r.indicators} == {
        ("url", "https://evil.example/login"),
        ("domain", "bad.example"),
    }


def test_archive_cut_before_any_content(tmp_path: Path) -> None:
    packed = gzip.compress(b"http://a.example.com/\n" * 50)
    p = _write(tmp_path / "feed.txt.gz", packed[:8])
    r = load_file(p)
    assert (r.read, r.skipped, r.reasons) == (1, 1, {"truncated-input": 1})
    assert r.indicators == []
