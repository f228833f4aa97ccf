"""Free mailbox providers: the bundled list, registrable-domain matching, caller additions."""

from __future__ import annotations

import pytest

from lurewatch.enrich.freemail import freemail_domains, is_freemail, parse_domain_list
from lurewatch.util.domains import registrable_domain


@pytest.mark.parametrize(
    "domain",
    [
        "gmail.com",
        "GMail.COM",
        "googlemail.com",
        "outlook.com",
        "hotmail.co.uk",
        "live.fr",
        "yahoo.co.jp",
        "aol.com",
        "icloud.com",
        "me.com",
        "mail.ru",
        "yandex.ru",
        "gmx.de",
        "web.de",
        "proton.me",
        "protonmail.com",
        "zoho.com",
        "qq.com",
        "163.com",
        "126.com",
        "naver.com",
        "mailinator.com",
        "mx1.gmail.com",  # a host counts as its registrable domain
        "smtp.mail.yahoo.com.",  # trailing dot of a fully qualified name
        "alice@gmail.com",  # a whole address is accepted too
        "Alice <alice@Outlook.com>",
    ],
)
def test_free_mailbox_providers_are_recognized(domain: str) -> None:
    assert is_freemail(domain)


@pytest.mark.parametrize(
    "domain",
    [
        "microsoft.com",
        "paypal.com",
        "example.com",
        "gmail.co",  # a look-alike of a provider is not the provider
        "yahoo.support",  # regional variants are listed, not matched by pattern
        "mygmail.com",
        "gmail.com.evil.example",
        "",
        "   ",
        "bob@",
    ],
)
def test_other_domains_are_not_freemail(domain: str) -> None:
    assert not is_freemail(domain)


def test_caller_can_add_providers_in_any_spelling() -> None:
    assert not is_freemail("regional-isp.example")
    assert is_freemail("regional-isp.example", extra=["Regional-ISP.example."])
    assert is_freemail("mail.regional-isp.example", extra=("regional-isp.example",))
    assert is_freemail("bob@regional-isp.example", extra=frozenset({"mx.regional-isp.example"}))
    assert is_freemail("regional-isp.example", extra={"regional-isp.example"})
    # Additions extend the bundled list; they never replace it.
    assert is_freemail("gmail.com", extra=frozenset({"regional-isp.example"}))
    assert not is_freemail("other.example", extra=frozenset({"regional-isp.example"}))


def test_bundled_list_is_substantial_and_registrable() -> None:
    domains = freemail_domains()
    assert len(domains) >= 150
    not_registrable = sorted(d for d in domains if registrable_domain(d) != d)
    assert not_registrable == []


def test_domain_list_parsing_skips_comments_and_normalizes() -> None:
    text = "# providers\nGmail.com\n\n  web.de.  # trailing comment\n#ignored.example\n"
    assert parse_domain_list(text) == frozenset({"gmail.com", "web.de"})
