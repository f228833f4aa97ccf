"""Redirects written in pages: refresh values, script assignments, bounded body decoding."""

from __future__ import annotations

import gzip
import zlib

import pytest

from lurewatch.enrich.urls.meta import (
    decode_body,
    find_page_redirect,
    refresh_target,
    script_target,
)


@pytest.mark.parametrize(
    ("value", "target"),
    [
        ("0; url=https://e.test/a", "https://e.test/a"),
        ("0;URL='https://e.test/a'", "https://e.test/a"),
        ('5 ; url = "/next" trailing', "/next"),
        ("0, url=/x", "/x"),
        ("3;https://e.test/plain", "https://e.test/plain"),
        (".5; url=/half", "/half"),
        ("0; 'quoted'", "quoted"),
        ("0;urlx", "urlx"),
        ("0", None),
        ("0;  ", None),
        ("soon; url=/x", None),
        ("5x; url=/x", None),
        ("", None),
    ],
)
def test_refresh_values(value: str, target: str | None) -> None:
    assert refresh_target(value) == target


@pytest.mark.parametrize(
    ("code", "target"),
    [
        ('location = "https://a.test/1";', "https://a.test/1"),
        ("location.href='https://a.test/2'", "https://a.test/2"),
        ('window.location.replace("https:\\/\\/a.test\\/3")', "https://a.test/3"),
        ("window.location.assign('/4')", "/4"),
        ("document.location=`/5`;", "/5"),
        ("top.location.href = '/6'\nother()", "/6"),
        ("if (x) { self.location = '/7'; }", "/7"),
        ("location.href = '\\x2f8'", "/8"),
    ],
)
def test_plain_script_assignments_are_found(code: str, target: str) -> None:
    assert script_target(code) == target


@pytest.mark.parametrize(
    "code",
    [
        "if (location == '/no') {}",
        "if (location.href === '/no') {}",
        "location = '/no' + suffix;",
        "location.href = base;",
        "mylocation = '/no';",
        "foo.location = '/no';",
        "var u = location.href.replace('a', 'b');",
        "location = `/no/${id}`;",
        "console.log('location = \"/no\"')",
    ],
)
def test_computed_or_unrelated_code_is_left_alone(code: str) -> None:
    assert script_target(code) is None


def test_meta_refresh_is_preferred_and_base_href_is_kept() -> None:
    page = (
        b"<html><head><base href='https://cdn.test/dir/'>"
        b"<META HTTP-EQUIV='refresh' CONTENT='1;URL=land.html'></head>"
        b"<body><script>location.href='/from-script'</script></body></html>"
    )
    found = find_page_redirect(page, "text/html")
    assert found is not None
    assert (found.target, found.via, found.base) == (
        "land.html",
        "meta-refresh",
        "https://cdn.test/dir/",
    )


def test_script_and_onload_redirects_and_non_html_bodies() -> None:
    found = find_page_redirect(b"<body><script>location='/s'</script></body>", None)
    assert found is not None and (found.target, found.via) == ("/s", "script-assignment")
    onload = find_page_redirect(b"<body onload=\"window.location.replace('/o')\">", "text/html")
    assert onload is not None and onload.target == "/o"
    external = b'<script src="https://x.test/a.js"></script><p>location = "/no"</p>'
    assert find_page_redirect(external, "text/html") is None
    assert find_page_redirect(b"<script>location='/s'</script>", "application/json") is None


def test_charset_is_honoured() -> None:
    page = '<meta http-equiv="refresh" content="0;url=/ä">'.encode("utf-16")
    found = find_page_redirect(page, "text/html; charset=utf-16")
    assert found is not None and found.target == "/ä"


def test_compressed_bodies_never_inflate_past_the_limit() -> None:
    bomb = gzip.compress(b"\0" * 20_000_000)
    assert len(decode_body(bomb, "gzip", 4096)) == 4096
    assert decode_body(zlib.compress(b"<p>hi</p>"), "deflate", 4096) == b"<p>hi</p>"
    assert decode_body(b"plain", None, 4096) == b"plain"
    assert decode_body(b"\x00garbage", "br", 4096) == b""
