"""URL extraction from message bodies: plain text, every HTML element kind, and bad input."""

from __future__ import annotations

import time
from email.message import EmailMessage
from urllib.parse import quote

from lurewatch.enrich.urls import FoundUrl, extract_urls, urls_in_text
from lurewatch.enrich.urls.extract import MAX_URLS
from lurewatch.readers.email_parse import ParsedEmail, parse_email
from lurewatch.readers.records import RawMessage


def message(text: str | None = None, html: str | None = None) -> EmailMessage:
    m = EmailMessage()
    m["From"] = "Sender <sender@news.example>"
    m["To"] = "user@corp.example"
    m["Subject"] = "links"
    if text is not None:
        m.set_content(text)
        if html is not None:
            m.add_alternative(html, subtype="html")
    elif html is not None:
        m.set_content(html, subtype="html")
    return m


def parse(m: EmailMessage) -> ParsedEmail:
    return parse_email(RawMessage(data=m.as_bytes(), path="test.eml"))


def body_only(text: str = "", html: str = "") -> ParsedEmail:
    """A parsed message whose bodies skip the reader's caps, to test the extractor's own."""
    row = {"email.body.text": text, "email.body.html": html, "email.attachments": "[]"}
    return ParsedEmail(raw=b"", message=EmailMessage(), row=row, hops=[])


def rows(found: list[FoundUrl]) -> list[tuple[str, str, str | None]]:
    return [(f.source, f.normal.full if f.normal else f"!{f.error}", f.link_text) for f in found]


def test_plain_text() -> None:
    text = (
        "Please verify at https://login.evil.example/verify?user=bob&step=2.\n"
        "Old site (www.corp.example/help), or <http://intranet.corp.example/a>.\n"
        'Quoted: "https://quoted.example/x", and https://en.wikipedia.org/wiki/Foo_(bar).\n'
        "Unicode host: https://bücher.example/katalog! Done.\n"
        "Not URLs: email user@corp.example, file.txt, httpx://nope, and ftp://files.example/f.\n"
    )
    found = extract_urls(parse(message(text=text)))
    assert rows(found) == [
        ("text", "https://login.evil.example/verify?user=bob&step=2", None),
        ("text", "http://www.corp.example/help", None),
        ("text", "http://intranet.corp.example/a", None),
        ("text", "https://quoted.example/x", None),
        ("text", "https://en.wikipedia.org/wiki/Foo_(bar)", None),
        ("text", "https://xn--bcher-kva.example/katalog", None),
        ("text", "ftp://files.example/f", None),
    ]
    assert [f.position for f in found] == list(range(len(found)))
    assert found[5].normal is not None and found[5].normal.host_unicode == "bücher.example"
    assert found[0].original == "https://login.evil.example/verify?user=bob&step=2"


def test_text_finder_edges() -> None:
    assert urls_in_text("") == []
    assert urls_in_text("see https://a.example/x;") == ["https://a.example/x"]
    assert urls_in_text("「https://a.example/x」") == ["https://a.example/x"]
    assert urls_in_text("https://a.example/x&amp;y=1") == ["https://a.example/x&y=1"]
    assert urls_in_text("HTTPS://A.EXAMPLE and WWW.B.EXAMPLE") == [
        "HTTPS://A.EXAMPLE",
        "WWW.B.EXAMPLE",
    ]
    assert urls_in_text("xhttps://a.example wwwx.example") == []


HTML = """<html><head>
<base href="https://base.example/dir/">
<meta http-equiv="Refresh" content="0; URL='https://refresh.example/go'">
<link rel="stylesheet" href="https://cdn.example/s.css">
</head><body background="bg.png">
<a href="https://paypal.com.evil.example/login?a=1&amp;b=2">  Your   <b>PayPal</b>
account </a>
<a href="relative/page.html">Relative</a>
<a href="mailto:help@corp.example">mail</a> <a href="tel:+15555550100">call</a>
<a href="#section">jump</a> <img src="cid:logo@corp"> <a href="">empty</a>
<img src="https://img.example/pixel.gif" srcset="https://img.example/a.png 1x,b.png 2x">
<form action="https://harvest.example/post.php" method="post"><input name="p">
<button formaction="https://harvest.example/alt">Go</button></form>
<map name="m"><area shape="rect" coords="0,0,1,1" href="https://area.example/"></map>
<iframe src="https://frame.example/"></iframe>
<object data="https://object.example/x.swf"></object>
<a href="javascript:window.location='https://js.example/'">script</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>
<a href="WWW.NoScheme.Example/a">no scheme</a>
</body></html>"""


def test_html_every_element_kind() -> None:
    found = extract_urls(parse(message(html=HTML)))
    assert rows(found) == [
        ("html:base", "https://base.example/dir/", None),
        ("html:meta-refresh", "https://refresh.example/go", None),
        ("html:href", "https://cdn.example/s.css", None),
        ("html:src", "https://base.example/dir/bg.png", None),
        ("html:href", "https://paypal.com.evil.example/login?a=1&b=2", "Your PayPal account"),
        ("html:href", "https://base.example/dir/relative/page.html", "Relative"),
        ("html:src", "https://img.example/pixel.gif", None),
        ("html:srcset", "https://img.example/a.png", None),
        ("html:srcset", "https://base.example/dir/b.png", None),
        ("html:form", "https://harvest.example/post.php", None),
        ("html:form", "https://harvest.example/alt", None),
        ("html:area", "https://area.example/", None),
        ("html:src", "https://frame.example/", None),
        ("html:src", "https://object.example/x.swf", None),
        ("html:href", "javascript:window.location='https://js.example/'", "script"),
        (
            "html:href",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "data",
        ),
        ("html:href", "http://www.noscheme.example/a", "no scheme"),
    ]
    # entities are decoded in what is reported as found
    assert found[4].original == "https://paypal.com.evil.example/login?a=1&b=2"


def test_relative_links_without_base_are_skipped() -> None:
    html = '<a href="page.html">x</a><img src="/logo.png"><a href="//cdn.example/a">y</a>'
    assert rows(extract_urls(parse(message(html=html)))) == [
        ("html:href", "http://cdn.example/a", "y"),
    ]


def test_wrapped_links_are_judged_by_their_target() -> None:
    inner = "https://evil.example/login?id=7"
    wrapped = (
        "https://nam02.safelinks.protection.outlook.com/?url="
        f"{quote(inner, safe='')}&amp;data=05%7C01&amp;reserved=0"
    )
    found = extract_urls(parse(message(html=f'<a href="{wrapped}">Open document</a>')))
    assert len(found) == 1
    f = found[0]
    assert f.normal is not None and f.normal.full == inner
    assert f.unwrapped_from == "safelinks"
    assert f.original.startswith("https://nam02.safelinks.protection.outlook.com/?url=")
    assert f.link_text == "Open document"


def test_duplicates_are_kept_once_per_source_and_text() -> None:
    text = "https://a.example/x and again https://a.example/x and HTTPS://A.EXAMPLE/x"
    html = (
        '<a href="https://a.example/x">One</a><a href="https://a.example/x">One</a>'
        '<a href="https://a.example/x">Two</a><img src="https://a.example/x">'
    )
    found = extract_urls(parse(message(text=text, html=html)))
    assert rows(found) == [
        ("text", "https://a.example/x", None),
        ("html:href", "https://a.example/x", "One"),
        ("html:href", "https://a.example/x", "Two"),
        ("html:src", "https://a.example/x", None),
    ]
    assert [f.position for f in found] == [0, 1, 2, 3]


def test_malformed_urls_are_reported_with_a_reason() -> None:
    html = (
        '<a href="http://exa mple.example/">space</a>'
        '<a href="https://ok.example:99999/">port</a>'
        '<a href="http://[::1/">bracket</a>'
    )
    found = extract_urls(parse(message(html=html)))
    assert [(f.normal, f.link_text) for f in found] == [
        (None, "space"),
        (None, "port"),
        (None, "bracket"),
    ]
    assert [f.error for f in found] == [
        "host holds characters no host name may have",
        "invalid port",
        "unclosed IPv6 bracket",
    ]
    assert found[0].original == "http://exa mple.example/"


def test_html_that_never_closes() -> None:
    html = '<html><body><a href="https://open.example/a">never closed <div><table><tr><td>'
    html += "<a href=https://unquoted.example/b?x=1>unquoted</a>"
    html += '<a href="https://broken.example/c"" onclick=>broken attr</a>'
    html += '<a href=>empty</a><a href="https://tail.example/d'  # cut off inside a value
    found = extract_urls(parse(message(html=html)))
    fulls = [f.normal.full for f in found if f.normal]
    assert fulls[:3] == [
        "https://open.example/a",
        "https://unquoted.example/b?x=1",
        "https://broken.example/c",
    ]
    assert found[0].link_text is not None and found[0].link_text.startswith("never closed")


def test_huge_bodies_are_bounded() -> None:
    anchors = "".join(
        f'<a href="https://host{i % 5000}.example/p{i}">link {i}</a>' for i in range(200_000)
    )
    html = "<html><body>" + anchors  # about 10 MB, never closed
    text = " ".join(f"https://t{i}.example/" for i in range(400_000))  # about 8 MB
    start = time.process_time()
    found = extract_urls(body_only(text=text, html=html))
    elapsed = time.process_time() - start
    assert len(found) == MAX_URLS
    assert all(f.source == "text" for f in found)  # text comes first and fills the cap
    found = extract_urls(body_only(html=html), max_urls=50)
    assert len(found) == 50 and found[-1].normal is not None
    assert elapsed < 30  # generous: this guards against a hang, not for speed


def test_garbage_bodies() -> None:
    for html in ["", "<", "<a href", "<<<>>>" * 1000, "\x00\x01<a href='\x00'>x</a>", "=" * 10_000]:
        assert extract_urls(body_only(html=html)) == []
    found = extract_urls(body_only(text="http:// https://? www. http://[::1"))
    assert all(f.normal is None and f.error for f in found)
