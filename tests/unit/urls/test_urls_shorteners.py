"""The shortener list: what expansion spends its budget on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lurewatch.enrich.urls import is_shortener, load_domain_list
from lurewatch.enrich.urls.shorteners import default_shorteners


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("bit.ly", True),
        ("BIT.LY.", True),
        ("tinyurl.com", True),
        ("preview.tinyurl.com", True),  # a subdomain of a listed shortener
        ("t.co", True),
        ("goo.gl", True),
        ("ow.ly", True),
        ("is.gd", True),
        ("buff.ly", True),
        ("rebrand.ly", True),
        ("cutt.ly", True),
        ("shorturl.at", True),
        ("rb.gy", True),
        ("tiny.cc", True),
        ("lnkd.in", True),
        ("t.ly", True),
        ("s.id", True),
        ("on.wsj.com", True),  # a host listed as such
        ("wsj.com", False),  # ... does not make its parent a shortener
        ("notbit.ly", False),
        ("bit.ly.evil.example", False),
        ("example.com", False),
        ("", False),
        (None, False),
    ],
)
def test_bundled_list(host: str | None, expected: bool) -> None:
    assert is_shortener(host) is expected


def test_bundled_list_is_clean_and_sizeable() -> None:
    domains = default_shorteners()
    assert len(domains) >= 150
    label = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
    for d in domains:
        assert re.fullmatch(rf"{label}(?:\.{label})+", d), d


def test_user_list_file(tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_text(
        "# our own link services\n"
        "\n"
        "Go.Corp.Example.   # the intranet shortener\n"
        "  lnk.partner.example\n"
        "kurz.bücher.example\n"
        "not a domain\n",
        encoding="utf-8",
    )
    extra = load_domain_list(path)
    assert extra == frozenset(
        {"go.corp.example", "lnk.partner.example", "kurz.xn--bcher-kva.example"}
    )
    assert is_shortener("go.corp.example", extra)
    assert is_shortener("x.lnk.partner.example", extra)
    assert is_shortener("kurz.bücher.example", extra)
    assert not is_shortener("go.corp.example")
    assert is_shortener("bit.ly", extra)  # the bundled list still applies


@pytest.mark.corpus
def test_public_shortener_list(real_data: Path) -> None:
    path = real_data / "intel" / "url-shorteners.txt"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    public = load_domain_list(path)
    assert len(public) > 1000
    assert not any(d.startswith("#") or " " in d for d in public)
    # every listed domain is recognised, and so are its subdomains
    sample = sorted(public)[:: max(1, len(public) // 200)]
    for domain in sample:
        assert is_shortener(domain, public)
        assert is_shortener("www." + domain, public)
    # most of the bundled list is confirmed by the public one
    confirmed = sum(1 for d in default_shorteners() if d in public)
    assert confirmed >= 0.7 * len(default_shorteners())
