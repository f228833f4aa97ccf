"""The real OpenPhish JSON and npm top-sites list: every entry read, matching that holds up on
real shared hosting, and the cost of matching (printed, never asserted).

Run with `-s` or look for the "intel:" lines to see the figures.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lurewatch.enrich.intel import (
    IntelIndex,
    LoadResult,
    PopularityList,
    load_intel,
    load_popularity,
)
from lurewatch.enrich.urls.normalize import NormalUrl, normalize_url

OPENPHISH = "openphish-2025-01.json"
TOP_SITES = "top-sites.json"


@pytest.fixture(scope="module")
def intel_dir() -> Path:
    from tests.conftest import data_dir

    data = data_dir()
    if data is None or not (data / "intel" / OPENPHISH).is_file():
        pytest.skip(
            f"real intel not found: need intel/{OPENPHISH} under $LUREWATCH_DATA or ../shared/data"
        )
    return data / "intel"


@pytest.fixture(scope="module")
def loaded(intel_dir: Path) -> tuple[IntelIndex, LoadResult]:
    path = intel_dir / OPENPHISH
    index, results = load_intel([path])
    return index, results[str(path)]


@pytest.fixture(scope="module")
def popular(intel_dir: Path) -> PopularityList:
    if not (intel_dir / TOP_SITES).is_file():
        pytest.skip(f"real popularity list not found: need intel/{TOP_SITES}")
    return load_popularity([intel_dir / TOP_SITES])


def _hits(index: IntelIndex, link: str) -> list[tuple[str, str]]:
    n = normalize_url(link)
    return [(m.kind, m.indicator.value) for m in index.match(n.full, n.host, n.registered_domain)]


def test_every_openphish_url_is_read(loaded: tuple[IntelIndex, LoadResult]) -> None:
    index, result = loaded
    assert result.format == "openphish-json"
    assert (result.read, result.skipped, len(result.indicators)) == (8802, 0, 8802)
    assert not result.notes
    # 29 pages are listed under both http:// and https://; the index compares them as one.
    assert index.counts == {"url": 8773} and not index.set_aside
    times = [i.first_seen for i in result.indicators]
    assert all(t is not None for t in times)
    assert min(t for t in times if t) >= datetime(2025, 1, 1, tzinfo=UTC)
    assert max(t for t in times if t) < datetime(2025, 1, 19, tzinfo=UTC)


def test_real_matches(loaded: tuple[IntelIndex, LoadResult]) -> None:
    index, _ = loaded
    listed = "https://pub-40c0d7c71b0f4861a56766078cb6f223.r2.dev/index.html"
    assert _hits(index, listed) == [("exact-url", listed)]
    assert _hits(index, listed.replace("index.html", "other.html")) == [("host", listed)]
    assert _hits(index, "http://mxjsdn.weebly.com/") == [("exact-url", "http://mxjsdn.weebly.com/")]
    assert _hits(index, "https://mxjsdn.weebly.com/contact") == [
        ("host", "http://mxjsdn.weebly.com/")
    ]
    ipfs = "http://ipfs.io/ipfs/QmbX1ccVty6eY3aPfYLp7hnMWw5sFU6WhTiKzA9iCCyoNY"
    assert _hits(index, ipfs) == [("exact-url", ipfs)]


@pytest.mark.parametrize(
    "link",
    [
        "http://a-florist-nobody-reported.weebly.com/",  # 400+ weebly.com URLs in the feed
        "https://weebly.com/",
        "https://sites.google.com/view/a-school-site",
        "https://ipfs.io/ipfs/QmSomethingElse",
        "https://tinyurl.com/y2k-not-listed",
        "https://www.google.com/",
        "https://pub-00000000000000000000000000000000.r2.dev/index.html",
    ],
)
def test_shared_hosting_neighbours_stay_clean(
    loaded: tuple[IntelIndex, LoadResult], link: str
) -> None:
    assert _hits(loaded[0], link) == []


def test_top_sites(popular: PopularityList, intel_dir: Path) -> None:
    tally = popular.results[str(intel_dir / TOP_SITES)]
    assert (tally.read, tally.skipped) == (500, 0)
    assert len(popular) == 450  # entries such as www.google.com and docs.google.com are one
    assert popular.rank("youtube.com") == 2 and popular.rank("www.google.com") == 1
    assert popular.contains("linkedin.com") and not popular.contains("mxjsdn-phish.example")


def test_no_popular_home_page_matches(
    loaded: tuple[IntelIndex, LoadResult], popular: PopularityList
) -> None:
    index = IntelIndex.build(loaded[1].indicators, popular=popular)
    for domain in popular:
        assert _hits(index, f"https://{domain}/") == [], domain
        assert _hits(index, f"https://www.{domain}/") == [], domain


def _links(result: LoadResult, popular: PopularityList, count: int) -> list[NormalUrl]:
    """A day's worth of links: mostly popular sites, 1% listed phishing, 1% other pages on
    listed hosts."""
    rng = random.Random(7)
    listed = [i.value for i in result.indicators]
    domains = list(popular)
    out: list[NormalUrl] = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.01:
            out.append(normalize_url(rng.choice(listed)))
        elif roll < 0.02:
            out.append(normalize_url(rng.choice(listed).rstrip("/") + f"/page{i}"))
        else:
            sub = rng.choice(("www.", "mail.", "cdn.", ""))
            out.append(normalize_url(f"https://{sub}{rng.choice(domains)}/p/{i}?utm={i % 97}"))
    return out


def test_matching_speed(
    loaded: tuple[IntelIndex, LoadResult], popular: PopularityList, intel_dir: Path
) -> None:
    start = time.perf_counter()
    index, _ = load_intel([intel_dir / OPENPHISH])
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    IntelIndex.build(loaded[1].indicators)
    build_s = time.perf_counter() - start

    links = [(n.full, n.host, n.registered_domain) for n in _links(loaded[1], popular, 100_000)]
    start = time.perf_counter()
    hits = sum(1 for full, host, rd in links if index.match(full, host, rd))
    match_s = time.perf_counter() - start
    print(
        f"\nintel: load+index 8,802 URLs {load_s * 1000:.0f} ms (index alone {build_s * 1000:.0f} ms); "
        f"match 100,000 links {match_s * 1000:.0f} ms = {match_s * 10:.2f} us/link "
        f"({len(links) / match_s:,.0f} links/s), {hits:,} with a match"
    )
    assert 1_000 < hits < 3_000  # 1% exact, 1% host-level (less the shared hosts)
