"""Popularity lists: top-sites JSON, Tranco CSV, plain lists, merging."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import orjson
import pytest

from lurewatch.enrich.intel import PopularityList, load_popularity
from lurewatch.errors import InputError

TOP_SITES = [
    {"rank": 1, "rootDomain": "www.google.com", "linkingRootDomains": 1, "domainAuthority": 100},
    {"rank": 2, "rootDomain": "youtube.com", "linkingRootDomains": 1, "domainAuthority": 100},
    {"rank": 3, "rootDomain": "docs.google.com", "linkingRootDomains": 1, "domainAuthority": 99},
    {"rank": 4, "rootDomain": "bbc.co.uk", "linkingRootDomains": 1, "domainAuthority": 99},
    {"rank": 5, "rootDomain": "not a domain", "linkingRootDomains": 1, "domainAuthority": 1},
    {"rank": 6},
    7,
]


def test_top_sites_json(tmp_path: Path) -> None:
    p = tmp_path / "top-sites.json"
    p.write_bytes(orjson.dumps(TOP_SITES))
    pop = PopularityList.load(p)
    assert len(pop) == 3  # google.com, youtube.com, bbc.co.uk
    assert pop.contains("google.com") and pop.contains("www.google.com")
    assert pop.rank("google.com") == 1  # docs.google.com's rank 3 does not replace it
    assert pop.rank("news.bbc.co.uk") == 4
    assert not pop.contains("co.uk") and not pop.contains("evil.test")
    assert pop.rank("evil.test") is None
    tally = pop.results[str(p)]
    assert (tally.read, tally.skipped) == (7, 3)
    assert tally.reasons == {"not-a-domain": 2, "not-an-entry": 1}


def test_tranco_csv_zip_and_max_rank(tmp_path: Path) -> None:
    rows = "1,google.com\n2,facebook.com\r\nx,bad-rank.com\n3\n4,microsoft.com\n5,late.example\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("top-1m.csv", rows)
    p = tmp_path / "tranco.csv.zip"
    p.write_bytes(buf.getvalue())
    pop = PopularityList.load(p)
    assert pop.rank("facebook.com") == 2 and pop.rank("late.example") == 5
    tally = pop.results[str(p)]
    assert (tally.read, tally.skipped) == (6, 2)
    assert tally.reasons == {"bad-rank": 1, "wrong-column-count": 1}

    head = PopularityList.load(p, max_rank=4)
    assert head.contains("microsoft.com") and not head.contains("late.example")
    assert head.results[str(p)].notes["stopped-at-max-rank"] == 1


def test_plain_list_has_no_ranks(tmp_path: Path) -> None:
    p = tmp_path / "ours.txt.gz"
    p.write_bytes(gzip.compress(b"# partner sites\npartner.example\nWWW.Supplier.Example.\n\n?\n"))
    pop = PopularityList.load(p)
    assert pop.contains("partner.example") and pop.contains("supplier.example")
    assert pop.rank("partner.example") is None
    assert pop.results[str(p)].reasons == {"not-a-domain": 1}


def test_merge_keeps_best_rank_and_every_tally(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_text("1,google.com\n2,example.org\n")
    b = tmp_path / "b.txt"
    b.write_text("example.org\nonly-here.example\n")
    c = tmp_path / "c.csv"
    c.write_text("rank,domain\n9,google.com\n1,example.org\n")
    pop = load_popularity([a, b, c])
    assert pop.rank("google.com") == 1 and pop.rank("example.org") == 1
    assert pop.contains("only-here.example") and pop.rank("only-here.example") is None
    assert set(pop.results) == {str(a), str(b), str(c)}
    assert "google.com" in pop and 42 not in pop
    assert len(pop | PopularityList()) == 3


def test_empty_and_missing(tmp_path: Path) -> None:
    p = tmp_path / "empty.txt"
    p.write_text("")
    pop = PopularityList.load(p)
    assert len(pop) == 0 and pop.results[str(p)].notes["no-records"] == 1
    with pytest.raises(InputError):
        PopularityList.load(tmp_path / "absent.txt")
    with pytest.raises(InputError):
        PopularityList.load(p, "alexa")
