"""Format detection from content, explicit formats, and inputs that are no feed at all."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from lurewatch.enrich.intel import detect_format, load_file, load_intel
from lurewatch.errors import InputError

SAMPLES: dict[str, bytes] = {
    "openphish-text": b"http://a.test/\nhttps://b.test/x\n",
    "openphish-json": b'{\n  "http://a.test/": "2025-01-01T00:00:00Z"\n}\n',
    "phishtank-json": b'[{"phish_id": 1, "url": "http://a.test/", "verified": "yes"}]',
    "phishtank-csv": b"phish_id,url,phish_detail_url,submission_time,verified,"
    b"verification_time,online,target\n",
    "urlhaus-csv": b"# URLhaus\n# id,dateadded,url\n",
    "misp": b'{"Event": {"Attribute": []}}',
    "stix": b'{"type": "bundle", "id": "bundle--1", "objects": []}',
    "plain": b"# mine\nevil.test\n",
}


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_detect_plain_and_gzip(tmp_path: Path, fmt: str) -> None:
    p = tmp_path / "feed"
    p.write_bytes(SAMPLES[fmt])
    assert detect_format(p) == fmt
    g = tmp_path / "feed.gz"
    g.write_bytes(gzip.compress(SAMPLES[fmt]))
    assert detect_format(g) == fmt


def test_urlhaus_rows_without_comments(tmp_path: Path) -> None:
    p = tmp_path / "u.csv"
    p.write_text('"1","2025-01-18 11:57:07","http://a.test/","online","","x","","l","r"\n')
    assert detect_format(p) == "urlhaus-csv"


def test_explicit_format_and_families(tmp_path: Path) -> None:
    p = tmp_path / "urls.txt"
    p.write_bytes(SAMPLES["openphish-text"])
    r = load_file(p, "plain", feed="my-urls")
    assert (r.format, r.feed, len(r.indicators)) == ("plain", "my-urls", 2)
    assert load_file(p, "openphish").format == "openphish-text"
    j = tmp_path / "op.json"
    j.write_bytes(SAMPLES["openphish-json"])
    assert load_file(j, "OpenPhish").format == "openphish-json"
    with pytest.raises(InputError, match="unknown intel format"):
        load_file(p, "csv-of-doom")


def test_inputs_that_are_not_feeds(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_file(tmp_path / "absent.txt")
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x00\x01\x02garbage")
    with pytest.raises(InputError, match="binary"):
        load_file(binary)
    odd = tmp_path / "odd.json"
    odd.write_bytes(b'{"hello": "world"}')
    with pytest.raises(InputError, match="JSON of no known feed shape"):
        load_file(odd)
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(InputError, match="MISP feed"):
        load_file(folder)


def test_load_intel_keys_results_by_path(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_bytes(SAMPLES["openphish-text"])
    b = tmp_path / "b.txt"
    b.write_bytes(SAMPLES["plain"])
    index, results = load_intel([a, b])
    assert list(results) == [str(a), str(b)]
    assert {r.feed for r in results.values()} == {"openphish", "b"}
    assert index.counts == {"url": 2, "domain": 1}
    hits = index.match("http://a.test/", "a.test", "a.test")
    assert [(m.kind, m.feed) for m in hits] == [("exact-url", "openphish")]
