"""Matching semantics: exact URL, host, registrable domain, IP, and shared hosting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lurewatch.enrich.intel import (
    Indicator,
    IntelIndex,
    Match,
    PopularityList,
    SharedHosts,
    first_seen_of,
    match_key,
)
from lurewatch.enrich.urls.normalize import normalize_url

T1 = datetime(2025, 1, 1, tzinfo=UTC)
T2 = datetime(2025, 1, 2, tzinfo=UTC)


def url(value: str, feed: str = "openphish", when: datetime | None = T1) -> Indicator:
    return Indicator(value, "url", feed, when, "phishing")


def match(index: IntelIndex, link: str, ip: str | None = None) -> list[tuple[str, str]]:
    n = normalize_url(link)
    return [
        (m.kind, m.indicator.value) for m in index.match(n.full, n.host, n.registered_domain, ip)
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("HTTP://Evil.Example.COM/Login", "http://evil.example.com/Login"),
        ("http://evil.example.com:80/x", "http://evil.example.com/x"),
        ("https://evil.example.com:443/x", "https://evil.example.com/x"),
        ("http://evil.example.com", "http://evil.example.com/"),
        ("http://evil.example.com/x#frag", "http://evil.example.com/x"),
        ("https://evil.example.com/x", "http://evil.example.com/x"),
        ("http://evil.example.com./x", "http://evil.example.com/x"),
        ("http://evil.example.com/a%2fb", "http://evil.example.com/a%2Fb"),
    ],
)
def test_match_key_is_consistent(a: str, b: str) -> None:
    assert match_key(a) == match_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://evil.example.com/Login", "http://evil.example.com/login"),  # path case counts
        ("http://evil.example.com/x?a=1", "http://evil.example.com/x?a=2"),
        ("http://evil.example.com:8080/x", "http://evil.example.com/x"),
        ("http://evil.example.com/x/", "http://evil.example.com/x"),
    ],
)
def test_match_key_keeps_what_matters(a: str, b: str) -> None:
    assert match_key(a) != match_key(b)


def test_exact_url_then_host() -> None:
    index = IntelIndex.build([url("http://evil.example.com/login.php?id=1")])
    assert match(index, "https://EVIL.example.com/login.php?id=1#top") == [
        ("exact-url", "http://evil.example.com/login.php?id=1")
    ]
    assert match(index, "http://evil.example.com/other") == [
        ("host", "http://evil.example.com/login.php?id=1")
    ]
    assert match(index, "http://www.evil.example.com/login.php?id=1") == []
    assert match(index, "http://example.com/") == []  # never the registrable domain


def test_raw_url_is_normalized_before_comparing() -> None:
    index = IntelIndex.build([url("http://evil.example.com/a b")])
    hits = index.match("HTTP://evil.example.com:80/a%20b#x", "evil.example.com", "example.com")
    assert [m.kind for m in hits] == ["exact-url"]


@pytest.mark.parametrize(
    ("listed", "other"),
    [
        ("http://x1.weebly.com/", "http://x2.weebly.com/"),
        ("https://sites.google.com/view/phish", "https://sites.google.com/view/school"),
        ("https://docs.google.com/forms/d/e/1/viewform", "https://docs.google.com/document/d/2"),
        ("https://pub-1.r2.dev/index.html", "https://pub-2.r2.dev/index.html"),
        ("https://phish.web.app/", "https://shop.web.app/"),
        ("https://tinyurl.com/bad1", "https://tinyurl.com/good2"),
        ("http://ipfs.io/ipfs/QmBad", "http://ipfs.io/ipfs/QmGood"),
        ("https://github.com/bad/repo", "https://github.com/good/repo"),
        ("https://contoso-my.sharepoint.com/:b:/g/x", "https://contoso-my.sharepoint.com/:b:/g/y"),
    ],
)
def test_shared_hosting_never_condemns_neighbours(listed: str, other: str) -> None:
    index = IntelIndex.build([url(listed)])
    assert [k for k, _ in match(index, listed)] == ["exact-url"]
    assert match(index, other) == []


def test_tenant_host_is_judged_but_not_the_platform() -> None:
    index = IntelIndex.build([url("http://x1.weebly.com/")])
    assert match(index, "http://x1.weebly.com/page2") == [("host", "http://x1.weebly.com/")]
    assert match(index, "http://weebly.com/") == []
    assert match(index, "http://www.weebly.com/") == []


def test_path_tenant_urls_match_exactly_only() -> None:
    index = IntelIndex.build([url("https://sites.google.com/view/phish")])
    assert match(index, "https://sites.google.com/view/phish") == [
        ("exact-url", "https://sites.google.com/view/phish")
    ]
    assert match(index, "https://sites.google.com/view/phish/page2") == []


def test_domain_indicators_cover_subdomains_down_to_the_registrable_domain() -> None:
    index = IntelIndex.build(
        [
            Indicator("evil.test", "domain", "misp"),
            Indicator("login.other.test", "domain", "stix"),
            Indicator("only.host.test", "host", "misp"),
        ]
    )
    assert match(index, "http://evil.test/") == [("registered-domain", "evil.test")]
    assert match(index, "http://a.b.evil.test/x") == [("registered-domain", "evil.test")]
    assert match(index, "http://notevil.test/") == []
    assert match(index, "http://login.other.test/") == [("host", "login.other.test")]
    assert match(index, "http://x.login.other.test/") == [("registered-domain", "login.other.test")]
    assert match(index, "http://other.test/") == []
    assert match(index, "http://only.host.test/") == [("host", "only.host.test")]
    assert match(index, "http://sub.only.host.test/") == []


def test_registered_domain_is_computed_when_not_given() -> None:
    index = IntelIndex.build([Indicator("evil.test", "domain", "misp")])
    hits = index.match("http://a.evil.test/", "a.evil.test", None)
    assert [m.kind for m in hits] == ["registered-domain"]


def test_domain_indicator_naming_a_platform_is_set_aside() -> None:
    platform = Indicator("weebly.com", "domain", "misp")
    docs = Indicator("docs.google.com", "host", "misp")
    shortener = Indicator("tinyurl.com", "domain", "misp")
    index = IntelIndex.build([platform, docs, shortener])
    assert index.set_aside == [platform, docs, shortener]
    assert len(index) == 0
    assert match(index, "http://x1.weebly.com/") == []


def test_popular_registrable_domains_are_shared_too() -> None:
    popular = PopularityList()
    popular.add("bigsite.example", 10)
    listed = [
        url("https://bigsite.example/redirect?to=evil"),
        Indicator("bigsite.example", "domain", "x"),
    ]
    index = IntelIndex.build(listed, popular=popular)
    assert match(index, "https://bigsite.example/redirect?to=evil") == [
        ("exact-url", "https://bigsite.example/redirect?to=evil")
    ]
    assert match(index, "https://bigsite.example/") == []
    assert index.set_aside == [listed[1]]


def test_popular_www_host_is_shared() -> None:
    popular = PopularityList()
    popular.add("bigsite.example", 10)
    index = IntelIndex.build([url("https://www.bigsite.example/r?to=evil")], popular=popular)
    assert match(index, "https://www.bigsite.example/other") == []
    assert [k for k, _ in match(index, "https://www.bigsite.example/r?to=evil")] == ["exact-url"]


def test_duplicates_collapse_by_comparison_key() -> None:
    index = IntelIndex.build(
        [
            url("http://EVIL.test/a", when=T2),
            url("https://evil.test/a#x", when=T1),
            Indicator("Evil.Test.", "domain", "misp"),
            Indicator("evil.test", "domain", "misp"),
        ]
    )
    assert index.counts == {"url": 1, "domain": 1}
    hits = index.match("http://evil.test/a", "evil.test", "evil.test")
    assert [(m.kind, m.first_seen) for m in hits] == [
        ("exact-url", T1),
        ("registered-domain", None),
    ]


def test_shared_host_shapes() -> None:
    shared = SharedHosts()
    assert "weebly.com" in shared and "www.weebly.com" in shared
    assert "x1.weebly.com" not in shared  # a customer's own host
    assert "bit.ly" in shared and "go.bit.ly" in shared  # a shortener, subdomains included
    assert "contoso-my.sharepoint.com" in shared
    assert "evil.example" not in shared and 7 not in shared
    assert "evil.example" not in SharedHosts(bundled=False)
    assert "tinyurl.com" in SharedHosts(bundled=False)  # the built-in core holds without files


def test_extra_shared_hosts() -> None:
    listed = url("https://my-shortener.example/abc")
    assert match(IntelIndex.build([listed]), "https://my-shortener.example/xyz") != []
    shared = SharedHosts(["my-shortener.example"])
    assert (
        match(IntelIndex.build([listed], shared=shared), "https://my-shortener.example/xyz") == []
    )


def test_ip_indicators() -> None:
    index = IntelIndex.build(
        [
            Indicator("192.0.2.10", "ip", "misp"),
            Indicator("198.51.100.0/24", "ip", "stix"),
            Indicator("2001:db8::/32", "ip", "list"),
            url("http://203.0.113.5/login"),
        ]
    )
    assert match(index, "http://192.0.2.10/anything") == [("ip", "192.0.2.10")]
    assert match(index, "http://safe.example/", ip="198.51.100.77") == [("ip", "198.51.100.0/24")]
    assert match(index, "http://[2001:db8::5]/x") == [("ip", "2001:db8::/32")]
    assert match(index, "http://safe.example/", ip="192.0.2.11") == []
    assert match(index, "http://203.0.113.5/other") == [("host", "http://203.0.113.5/login")]
    assert match(index, "http://3405803781/other") == [("host", "http://203.0.113.5/login")]


def test_each_indicator_once_strongest_first_and_feeds_kept_apart() -> None:
    index = IntelIndex.build(
        [
            url("http://evil.test/a", "openphish", T2),
            url("http://evil.test/a", "openphish", T1),  # duplicate: earliest kept
            url("http://evil.test/b", "openphish", T1),
            url("http://evil.test/a", "phishtank", T2),
            Indicator("evil.test", "domain", "misp", T2),
        ]
    )
    hits = index.match("http://evil.test/a", "evil.test", "evil.test")
    assert [(m.kind, m.feed) for m in hits] == [
        ("exact-url", "openphish"),
        ("exact-url", "phishtank"),
        ("registered-domain", "misp"),
    ]
    assert hits[0].first_seen == T1
    assert first_seen_of(hits) == T1
    # A different page on the host: one host match per feed, naming its earliest URL.
    other = index.match("http://evil.test/c", "evil.test", "evil.test")
    assert [(m.kind, m.feed, m.indicator.value) for m in other] == [
        ("host", "openphish", "http://evil.test/a"),
        ("host", "phishtank", "http://evil.test/a"),
        ("registered-domain", "misp", "evil.test"),
    ]
    assert all(isinstance(m, Match) for m in other)
    assert index.counts == {"url": 3, "domain": 1}


def test_unparseable_values_are_set_aside() -> None:
    bad = [url("not a url"), Indicator("999.1.1.1", "ip", "x")]
    index = IntelIndex.build(bad)
    assert index.set_aside == bad and len(index) == 0


def test_empty_index_matches_nothing() -> None:
    index = IntelIndex.build([])
    assert index.match("http://x.test/", "x.test", "x.test", "192.0.2.1") == []
