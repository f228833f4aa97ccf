"""URL normalization: the form a browser requests, and the parts detections judge."""

from __future__ import annotations

import random
import time

import pytest

from lurewatch.enrich.urls import NormalUrl, UrlError, normalize_url, trim_url, try_normalize_url
from lurewatch.enrich.urls.normalize import MAX_URL_CHARS
from lurewatch.errors import RecordError


@pytest.mark.parametrize(
    ("raw", "full"),
    [
        # case and default ports
        ("HTTP://WWW.Example.COM/Path", "http://www.example.com/Path"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80", "http://example.com/"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("ftp://files.example.com:21/x", "ftp://files.example.com/x"),
        # percent-encoding: unreserved decoded, hex upper-cased, reserved kept encoded
        ("https://x.example/%7euser/%2f%3a%41?q=%3d%2D", "https://x.example/~user/%2F%3AA?q=%3D-"),
        ("https://x.example/a b?c=d e", "https://x.example/a%20b?c=d%20e"),
        ("https://x.example/straße", "https://x.example/stra%C3%9Fe"),
        ("https://x.example/%zz%", "https://x.example/%zz%"),
        # entities left by extraction, once or twice escaped
        ("https://x.example/?a=1&amp;b=2", "https://x.example/?a=1&b=2"),
        ("https://x.example/?a=1&amp;amp;b=2", "https://x.example/?a=1&b=2"),
        ("https://x.example/?a=1&#38;b=2", "https://x.example/?a=1&b=2"),
        ("https://x.example/?copy=1", "https://x.example/?copy=1"),  # no entity: untouched
        # trailing punctuation and wrapping characters
        ("https://x.example/page.", "https://x.example/page"),
        ("https://x.example/page,", "https://x.example/page"),
        ("https://x.example/page)", "https://x.example/page"),
        ("https://x.example/wiki/A_(b)", "https://x.example/wiki/A_(b)"),
        ("(https://x.example/wiki/A_(b))", "https://x.example/wiki/A_(b)"),
        ("<https://x.example/a>", "https://x.example/a"),
        ('"https://x.example/a"', "https://x.example/a"),
        ("'https://x.example/a'", "https://x.example/a"),
        ("https://x.example/a!?", "https://x.example/a"),
        ("<URL:https://x.example/a>", "https://x.example/a"),
        ("https://x.example/a」", "https://x.example/a%E3%80%8D"),
        # line breaks from quoted-printable or wrapping
        ("https://x.example/very/lo=\r\nng/path", "https://x.example/very/long/path"),
        ("https://x.example/a\n/b\tc", "https://x.example/a/bc"),
        ("  https://x.example/a  ", "https://x.example/a"),
        # scheme-less forms
        ("www.x.example/path", "http://www.x.example/path"),
        ("WWW2.x.example", "http://www2.x.example/"),
        ("//cdn.x.example/a.png", "http://cdn.x.example/a.png"),
        # dot segments and browser-style slashes
        ("https://x.example/a/./b/../c", "https://x.example/a/c"),
        ("https://x.example/a/b/../../c", "https://x.example/c"),
        ("https:///x.example/a", "https://x.example/a"),  # browsers skip any run of slashes
        ("http:/\\x.example/a", "http://x.example/a"),
        ("http:x.example/a", "http://x.example/a"),
        ("http://x.example\\a\\b?c\\d", "http://x.example/a/b?c\\d"),
        # fragments kept, empty query dropped
        ("https://x.example/a?#top", "https://x.example/a#top"),
    ],
)
def test_normal_form(raw: str, full: str) -> None:
    assert normalize_url(raw).full == full


@pytest.mark.parametrize(
    ("raw", "host", "host_unicode", "registered", "flags"),
    [
        ("https://münchen.de/", "xn--mnchen-3ya.de", "münchen.de", "xn--mnchen-3ya.de", ()),
        ("https://MÜNCHEN.de/", "xn--mnchen-3ya.de", "münchen.de", "xn--mnchen-3ya.de", ()),
        ("https://xn--mnchen-3ya.de/", "xn--mnchen-3ya.de", "münchen.de", "xn--mnchen-3ya.de", ()),
        # a Cyrillic look-alike of apple.com, both ways
        ("https://аррӏе.com/", "xn--80ak6aa92e.com", "аррӏе.com", "xn--80ak6aa92e.com", ()),
        ("http://xn--80ak6aa92e.com", "xn--80ak6aa92e.com", "аррӏе.com", "xn--80ak6aa92e.com", ()),
        ("https://ｅｘａｍｐｌｅ.com/", "example.com", "example.com", "example.com", ()),
        ("https://mail.例え.jp/", "mail.xn--r8jz45g.jp", "mail.例え.jp", "xn--r8jz45g.jp", ()),
        # invalid IDNA: kept and flagged, never an error
        (
            "http://xn--zz.example/",
            "xn--zz.example",
            "xn--zz.example",
            "xn--zz.example",
            ("idna-invalid",),
        ),
        # emoji are not IDNA2008, but browsers still reach them through IDNA2003
        ("https://💩.la/", "xn--ls8h.la", "💩.la", "xn--ls8h.la", ("idna-invalid",)),
        ("https://example.com./", "example.com", "example.com", "example.com", ("trailing-dot",)),
    ],
)
def test_idna_both_ways(
    raw: str, host: str, host_unicode: str, registered: str, flags: tuple[str, ...]
) -> None:
    url = normalize_url(raw)
    assert (url.host, url.host_unicode, url.registered_domain) == (host, host_unicode, registered)
    assert url.flags == flags
    assert url.full.isascii() or "idna-invalid" in url.flags


@pytest.mark.parametrize(
    ("raw", "host", "obfuscated"),
    [
        ("http://192.168.1.1/", "192.168.1.1", False),
        ("http://3232235777/", "192.168.1.1", True),  # one decimal number
        ("http://0xC0A80101/", "192.168.1.1", True),  # one hex number
        ("http://0300.0250.01.01/", "192.168.1.1", True),  # octal parts
        ("http://0x7f.1/", "127.0.0.1", True),  # hex, then the rest in one part
        ("http://127.1/", "127.0.0.1", True),
        ("http://0/", "0.0.0.0", True),
        ("http://[::1]:8080/", "[::1]", False),
        ("http://[2001:DB8:0:0::1]/", "[2001:db8::1]", False),
    ],
)
def test_ip_literals_in_odd_forms(raw: str, host: str, obfuscated: bool) -> None:
    url = normalize_url(raw)
    assert url.is_ip
    assert url.host == host
    assert url.registered_domain is None
    assert ("ip-obfuscated" in url.flags) is obfuscated


def test_a_name_is_not_an_ip() -> None:
    url = normalize_url("https://1password.com/")
    assert not url.is_ip and url.registered_domain == "1password.com"


@pytest.mark.parametrize(
    ("raw", "userinfo", "host"),
    [
        ("https://bank.com@evil.example/", "bank.com", "evil.example"),
        ("https://user:pa%73s@evil.example/", "user:pass", "evil.example"),
        ("https://a@b@evil.example/", "a@b", "evil.example"),  # the last '@' ends the user part
        ("http://evil.example\\@bank.com/", "", "evil.example"),  # a backslash ends the host
        ("https://www.bank.com.evil.example/", "", "www.bank.com.evil.example"),
    ],
)
def test_userinfo_and_the_real_host(raw: str, userinfo: str, host: str) -> None:
    url = normalize_url(raw)
    assert (url.userinfo, url.host) == (userinfo, host)


def test_parts_are_named() -> None:
    url = normalize_url("HTTPS://User@Login.Example.co.uk:8443/a/b?x=1&y=2#frag")
    assert url == NormalUrl(
        full="https://User@login.example.co.uk:8443/a/b?x=1&y=2#frag",
        scheme="https",
        host="login.example.co.uk",
        host_unicode="login.example.co.uk",
        port=8443,
        path="/a/b",
        query="x=1&y=2",
        fragment="frag",
        userinfo="User",
        registered_domain="example.co.uk",
        is_ip=False,
        original="HTTPS://User@Login.Example.co.uk:8443/a/b?x=1&y=2#frag",
        flags=(),
    )


@pytest.mark.parametrize(
    ("raw", "scheme"),
    [
        ("javascript:alert(document.cookie)", "javascript"),
        ("data:text/html;base64,PHNjcmlwdD4=", "data"),
        ("JavaScript:void(0)", "javascript"),
        ("mailto:someone@example.com", "mailto"),
    ],
)
def test_opaque_schemes_are_kept(raw: str, scheme: str) -> None:
    url = normalize_url(raw)
    assert url.scheme == scheme and url.host == "" and url.registered_domain is None
    assert url.full.lower() == raw.lower()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("example.com/login", "no scheme"),
        ("not a url at all", "no scheme"),
        ("foo:bar", "unknown scheme"),
        ("http://", "no host"),
        ("https://?q=1", "no host"),
        ("http://exa mple.com/", "host holds"),
        ("http://evil<script>.com/", "host holds"),
        ("http://example.com:99999/", "invalid port"),
        ("http://example.com:8o/", "invalid port"),
        ("http://[::1/", "unclosed"),
        ("http://[zz::1]/", "IPv6"),
        ("http://1.2.3.4.5/", "not an IPv4"),
        ("http://example.123/", "not an IPv4"),
    ],
)
def test_hopeless_input_says_why(raw: str, reason: str) -> None:
    with pytest.raises(UrlError, match=reason):
        normalize_url(raw)
    assert try_normalize_url(raw) is None


def test_url_error_is_a_record_error() -> None:
    assert issubclass(UrlError, RecordError)


def test_100kb_url_is_truncated_fast() -> None:
    raw = "https://evil.example/" + "a" * 100_000 + "?x=1"
    start = time.process_time()
    url = normalize_url(raw)
    elapsed = time.process_time() - start
    assert url.host == "evil.example"
    assert "truncated" in url.flags
    assert len(url.full) <= MAX_URL_CHARS + 20
    assert len(url.original) == MAX_URL_CHARS
    assert elapsed < 1.0  # a generous bound: this is about not being quadratic, not speed


def test_100kb_of_spaces_and_garbage() -> None:
    assert try_normalize_url(" " * 100_000) is None
    assert try_normalize_url("(" * 100_000) is None
    url = try_normalize_url("https://x.example/" + ")" * 100_000)
    assert url is not None and url.host == "x.example"


def test_surrogates_become_replacement_characters() -> None:
    url = normalize_url("https://x.example/\udcff")
    url.full.encode("utf-8")
    url.original.encode("utf-8")
    assert url.path == "/%EF%BF%BD"


def test_garbage_never_raises_anything_but_url_error() -> None:
    rng = random.Random(1955)
    alphabet = (
        "abcxyz019:/\\?#@[]%.-_~!$&'()*+,;= \t\r\n<>\"`{}|^" + "éß💩аӏ例\u200b\u202e\x00\x7f\udcff"
    )
    prefixes = ["", "http://", "https://", "www.", "//", "javascript:", "http://[", "ftp://u@"]
    for _ in range(3000):
        body = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        raw = rng.choice(prefixes) + body
        try:
            url = normalize_url(raw)
        except UrlError:
            continue
        url.full.encode("utf-8")  # every output encodes: safe to store
        assert url.scheme


def test_normalizing_is_idempotent() -> None:
    for raw in [
        "HTTP://WWW.Example.COM:80/a/%7euser/%2f?q=%3a#Frag",
        "https://münchen.de/straße?x=ä",
        "http://3232235777/a b",
        "https://bank.com@evil.example:8080/",
        "www.x.example/a/../b",
    ]:
        once = normalize_url(raw).full
        assert normalize_url(once).full == once


def test_trim_url_alone() -> None:
    assert trim_url('"https://x.example/a_(b)".') == "https://x.example/a_(b)"
    assert trim_url("https://x.example/a]") == "https://x.example/a"
    assert trim_url("[https://x.example/a]") == "https://x.example/a"
