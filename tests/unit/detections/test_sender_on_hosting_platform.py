"""Which sender domains are project names on a hosting platform, and the domain helpers
behind it (public suffixes with the private section, known top-level domains)."""

from __future__ import annotations

import pytest

from lurewatch.detections.email_sender_on_hosting_platform import platform_of
from lurewatch.util.domains import known_tld, public_suffix


@pytest.mark.parametrize(
    ("domain", "platform"),
    [
        ("xskye1.firebaseapp.com", "firebaseapp.com"),
        ("Market-28B39.FirebaseApp.com.", "firebaseapp.com"),
        ("my-shop.netlify.app", "netlify.app"),
        ("cgbedugt.onmicrosoft.com", "onmicrosoft.com"),
        ("firebaseapp.com", None),  # the platform itself
        ("wix.com", None),  # a site builder's own mail: not a per-customer suffix
        ("mail.wix.com", None),
        ("dropbox.com", None),  # a file host sending its own mail
        ("corp.example", None),
    ],
)
def test_platform_of(domain: str, platform: str | None) -> None:
    assert platform_of(domain) == platform


def test_configured_platforms_count_for_their_subdomains_only() -> None:
    extra = ("apps.hoster.example",)
    assert platform_of("shop.apps.hoster.example", extra) == "apps.hoster.example"
    assert platform_of("apps.hoster.example", extra) is None


def test_public_suffix_includes_the_private_section() -> None:
    assert public_suffix("a.firebaseapp.com") == "firebaseapp.com"
    assert public_suffix("shop.co.uk") == "co.uk"
    assert public_suffix("") is None


@pytest.mark.parametrize(
    ("label", "known"),
    [
        ("com", True),
        ("UK", True),
        ("xn--p1ai", True),
        ("za", True),  # the list has co.za, edu.za, ... but no rule for za itself
        ("zzz", False),
        ("local", False),
    ],
)
def test_known_tld(label: str, known: bool) -> None:
    assert known_tld(label) is known


def test_a_domain_under_a_second_level_suffix_is_an_internet_domain() -> None:
    from lurewatch.detections.email_malformed_from import internet_domain

    assert internet_domain("lovedale.edu.za")
    assert not internet_domain("correios")
