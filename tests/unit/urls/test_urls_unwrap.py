"""Unwrapping of gateway rewriting and open redirectors: the URL a click finally reaches."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from lurewatch.enrich.urls import (
    NormalUrl,
    Rewriter,
    normalize_url,
    query_param,
    register_rewriter,
    rewriters,
    unwrap_normal,
    unwrap_url,
)
from lurewatch.enrich.urls import unwrap as unwrap_module

_RUN_CODES = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def proofpoint_v3(url: str, hide: str = "%#") -> str:
    """A URL Defense v3 link for `url`, built the way the gateway writes one: each character
    in `hide` (and every non-ASCII one) becomes '*', runs of two or more become '**' plus a
    length letter, and the hidden characters follow as URL-safe base64 of their UTF-8."""
    out: list[str] = []
    hidden: list[str] = []
    i = 0
    while i < len(url):
        j = i
        while j < len(url) and (url[j] in hide or not url[j].isascii()) and j - i < 65:
            j += 1
        run = j - i
        if run == 0:
            out.append(url[i])
            i += 1
            continue
        out.append("*" if run == 1 else "**" + _RUN_CODES[run - 2])
        hidden.append(url[i:j])
        i = j
    encoded = base64.urlsafe_b64encode("".join(hidden).encode("utf-8")).decode().rstrip("=")
    return f"https://urldefense.com/v3/__{''.join(out)}__;{encoded}!!Fjc1LPEtn8I!Xk2Gq0Yw$"


def proofpoint_v2(url: str) -> str:
    encoded = quote(url, safe="").replace("%", "-").replace("/", "_")
    # real v2 links keep '/' as '_' rather than as an escape
    encoded = encoded.replace("-2F", "_")
    return f"https://urldefense.proofpoint.com/v2/url?u={encoded}&d=DwMFaQ&c=euGZ&r=x0&m=Yz&s=Ab&e="


def safelinks(url: str, region: str = "nam02") -> str:
    return (
        f"https://{region}.safelinks.protection.outlook.com/?url={quote(url, safe='')}"
        "&data=05%7C02%7Cuser%40corp.example%7C8f1e%7C0%7C638&sdata=Qk9%2BZ%3D&reserved=0"
    )


@pytest.mark.parametrize(
    ("wrapped", "inner", "names"),
    [
        (
            safelinks("https://evil.example/login?u=1&v=2"),
            "https://evil.example/login?u=1&v=2",
            "safelinks",
        ),
        (safelinks("https://evil.example/", "eur04"), "https://evil.example/", "safelinks"),
        (
            "https://statics.teams.cdn.office.net/evergreen-assets/safelinks/1/atp-safelinks.html"
            "?url=https%3A%2F%2Fevil.example%2Fa&locale=en-us",
            "https://evil.example/a",
            "safelinks",
        ),
        (
            "https://urldefense.proofpoint.com/v1/url?u=http://evil.example/a%3Fb%3D1"
            "&k=abc%0A&r=x&m=y&s=z",
            "http://evil.example/a?b=1",
            "proofpoint-v1",
        ),
        (
            proofpoint_v2("https://evil.example/path/page?id=7&x=y"),
            "https://evil.example/path/page?id=7&x=y",
            "proofpoint-v2",
        ),
        (
            proofpoint_v3("https://evil.example/login"),
            "https://evil.example/login",
            "proofpoint-v3",
        ),
        (
            proofpoint_v3("https://evil.example/o/owa%2Findex.html?alt=media#victim@corp.example"),
            "https://evil.example/o/owa%2Findex.html?alt=media#victim@corp.example",
            "proofpoint-v3",
        ),
        # a run of hidden characters is written with a length letter
        (
            proofpoint_v3("https://evil.example/a%%%%%b", hide="%"),
            "https://evil.example/a%%%%%b",
            "proofpoint-v3",
        ),
        (
            proofpoint_v3("https://evil.example/café/ü"),
            "https://evil.example/caf%C3%A9/%C3%BC",
            "proofpoint-v3",
        ),
        (
            "https://www.google.com/url?q=https%3A%2F%2Fevil.example%2Fx&sa=D&ust=1",
            "https://evil.example/x",
            "google-redirect",
        ),
        (
            "https://www.google.co.uk/url?sa=t&url=https://evil.example/y",
            "https://evil.example/y",
            "google-redirect",
        ),
        ("https://google.de/url?q=http://evil.example/", "http://evil.example/", "google-redirect"),
        (
            "https://www.google.com/amp/s/evil.example/page",
            "https://evil.example/page",
            "google-amp",
        ),
        ("https://www.google.com/amp/evil.example/page", "http://evil.example/page", "google-amp"),
        (
            "https://linkprotect.cudasvc.com/url?a=https%3a%2f%2fevil.example%2f&c=E,1,x",
            "https://evil.example/",
            "barracuda-linkprotect",
        ),
        (
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fevil.example%2F&h=AT0",
            "https://evil.example/",
            "facebook-redirect",
        ),
        (
            "https://www.youtube.com/redirect?q=https://evil.example/&v=x",
            "https://evil.example/",
            "youtube-redirect",
        ),
        (
            "https://www.linkedin.com/redir/redirect?url=https%3A%2F%2Fevil.example",
            "https://evil.example/",
            "linkedin-redirect",
        ),
        (
            "https://slack-redirect.slack.com/?url=https%3A%2F%2Fevil.example",
            "https://evil.example/",
            "slack-redirect",
        ),
    ],
)
def test_each_rewriter(wrapped: str, inner: str, names: str) -> None:
    result = unwrap_url(wrapped)
    assert result is not None
    assert result.url.full == inner
    assert ",".join(result.rewriters) == names


def test_real_world_v3_shape() -> None:
    # The shape URL Defense v3 writes: '%' and '#' hidden, "JSM" is base64 of "%#".
    link = (
        "https://urldefense.com/v3/__https://firebasestorage.googleapis.com/v0/b/x.appspot.com"
        "/o/owa*2Findex.html?alt=media&token=0249*vicky@corp.example__;JSM!!Fjc1LPEtn8I!Xk$"
    )
    result = unwrap_url(link)
    assert result is not None
    assert result.url.host == "firebasestorage.googleapis.com"
    assert result.url.path.endswith("/owa%2Findex.html")
    assert result.url.fragment == "vicky@corp.example"


def test_nested_wrappers_unwrap_outermost_first() -> None:
    google = "https://www.google.com/url?q=" + quote("https://evil.example/final?x=1", safe="")
    link = safelinks(proofpoint_v3(google))
    result = unwrap_url(link)
    assert result is not None
    assert result.url.full == "https://evil.example/final?x=1"
    assert result.rewriters == ("safelinks", "proofpoint-v3", "google-redirect")


def test_plain_and_lookalike_urls_are_left_alone() -> None:
    for raw in [
        "https://example.com/url?q=https://evil.example/",
        "https://nam02.safelinks.protection.outlook.com.evil.example/?url=https%3A%2F%2Fx.example",
        "https://www.google.com/search?q=https://evil.example/",
        "https://urldefense.com/v3/not-a-link",
        "javascript:alert(1)",
    ]:
        url = normalize_url(raw)
        result = unwrap_normal(url)
        assert result.url == url and result.rewriters == ()


def test_broken_inner_values_keep_the_wrapper() -> None:
    for raw in [
        "https://nam02.safelinks.protection.outlook.com/?url=not%20a%20url&data=1",
        "https://nam02.safelinks.protection.outlook.com/?data=1",
        "https://urldefense.com/v3/__https://evil.example/a*b__;A!!x$",  # not base64
        "https://urldefense.com/v3/__https://evil.example/a*b*c__;JQ!!x$",  # too few hidden
    ]:
        result = unwrap_url(raw)
        assert result is not None
        assert result.rewriters == ()
        assert result.url.full == normalize_url(raw).full


@pytest.fixture
def registry() -> Iterator[None]:
    saved = list(unwrap_module._REGISTRY)
    yield
    unwrap_module._REGISTRY[:] = saved
    unwrap_module._index()


def test_a_registered_rewriter_is_used(registry: None) -> None:
    @register_rewriter("acme-gateway", domains={"acme-mailsec.example"})
    def _acme(url: NormalUrl) -> str | None:
        return query_param(url.query, "target") if url.path == "/click" else None

    assert "acme-gateway" in [rw.name for rw in rewriters()]
    wrapped = safelinks(
        "https://eu.acme-mailsec.example/click?target=https%3A%2F%2Fevil.example%2F"
    )
    result = unwrap_url(wrapped)
    assert result is not None
    assert result.url.full == "https://evil.example/"
    assert result.rewriters == ("safelinks", "acme-gateway")


def test_extra_rewriters_per_call() -> None:
    extra = Rewriter(
        "hop", lambda url: query_param(url.query, "to") if url.host == "hop.example" else None
    )
    url = normalize_url("https://hop.example/?to=https%3A%2F%2Fevil.example%2F")
    assert unwrap_normal(url).rewriters == ()
    assert unwrap_normal(url, extra=[extra]).url.full == "https://evil.example/"


def test_depth_is_bounded_and_failures_are_ignored(registry: None) -> None:
    @register_rewriter("endless", domains={"loop.example"})
    def _endless(url: NormalUrl) -> str | None:
        n = int(url.query or "0")
        return f"https://loop.example/?{n + 1}"

    @register_rewriter("raises", domains={"loop.example"})
    def _raises(url: NormalUrl) -> str | None:
        raise ValueError("bad input")

    result = unwrap_url("https://loop.example/?0")
    assert result is not None
    assert result.url.full == "https://loop.example/?5"
    assert result.rewriters == ("endless",) * 5
    assert len(unwrap_normal(result.url, max_depth=2).rewriters) == 2


def test_query_param() -> None:
    assert query_param("a=1&url=https%3A%2F%2Fx&b=2", "url") == "https://x"
    assert query_param("a=1&b=2", "url") is None
    assert query_param("urlx=1&url=2", "url") == "2"
    assert query_param("q&url", "url") is None
