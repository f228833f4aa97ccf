"""Look-alike domains: each technique, the domains that must stay quiet, and the index."""

from __future__ import annotations

import random

import pytest

from lurewatch.enrich.edit_distance import osa_distance
from lurewatch.enrich.lookalike import (
    LookalikeIndex,
    default_protected,
    host_imitates,
    lookalike_of,
    skeleton,
)

ORG = ("example-corp.com", "acmebank.de", "ibm.com")
PROTECTED = default_protected(ORG)
INDEX = LookalikeIndex(PROTECTED)


@pytest.mark.parametrize(
    ("candidate", "imitates", "technique", "distance"),
    [
        # confusable: same skeleton, other characters
        ("p\u0430ypal.com", "paypal.com", "confusable", 0),  # Cyrillic a
        ("xn--pypal-4ve.com", "paypal.com", "confusable", 0),  # the same, as punycode
        ("p\u0430yp\u0430l.net", "paypal.com", "confusable", 0),  # and under another suffix
        ("g\u043e\u043egle.com", "google.com", "confusable", 0),  # Cyrillic o o
        ("payp\u00e1l.com", "paypal.com", "confusable", 0),  # accent
        ("paypa1.com", "paypal.com", "confusable", 0),  # digit one for l
        ("micros0ft.com", "microsoft.com", "confusable", 0),  # digit zero for o
        ("rnicrosoft.com", "microsoft.com", "confusable", 0),  # rn for m
        ("vvellsfargo.com", "wellsfargo.com", "confusable", 0),  # vv for w
        ("bardays.co.uk", "barclays.co.uk", "confusable", 0),  # d for cl, same suffix kept
        ("app1e.com", "apple.com", "confusable", 0),  # ambiguous labels still count here
        ("examp1e-corp.com", "example-corp.com", "confusable", 0),
        # tld-swap: same label, another public suffix
        ("paypal.co", "paypal.com", "tld-swap", 0),
        ("paypal.net", "paypal.com", "tld-swap", 0),
        ("microsoft.xyz", "microsoft.com", "tld-swap", 0),
        ("example-corp.net", "example-corp.com", "tld-swap", 0),
        ("acmebank.com", "acmebank.de", "tld-swap", 0),
        # edit-distance between skeletons
        ("paypall.com", "paypal.com", "edit-distance", 1),
        ("paypl.com", "paypal.com", "edit-distance", 1),
        ("micorsoft.com", "microsoft.com", "edit-distance", 1),  # transposition
        ("amazom.com", "amazon.com", "edit-distance", 1),
        ("pay-pal.com", "paypal.com", "edit-distance", 1),
        ("acme-bank.de", "acmebank.de", "edit-distance", 1),
        ("microsoftonlin.com", "microsoftonline.com", "edit-distance", 1),
        ("micrsoftonlne.com", "microsoftonline.com", "edit-distance", 2),  # 10+ letters: up to 2
        ("wellfargos.com", "wellsfargo.com", "edit-distance", 2),
        # brand-in-label
        ("paypal-secure-login.com", "paypal.com", "brand-in-label", 0),
        ("microsoft-support.net", "microsoft.com", "brand-in-label", 0),
        ("login-microsoftonline.xyz", "microsoftonline.com", "brand-in-label", 0),
        ("securepaypallogin.com", "paypal.com", "brand-in-label", 0),
        ("wellsfargo-alerts.com", "wellsfargo.com", "brand-in-label", 0),
        ("amazon-deals.top", "amazon.com", "brand-in-label", 0),
        ("paypal2fa.com", "paypal.com", "brand-in-label", 0),
        ("apple-id-verify.com", "apple.com", "brand-in-label", 0),
        ("chase-online-banking.com", "chase.com", "brand-in-label", 0),
        ("sparkasse-sicherheit.de", "sparkasse.de", "brand-in-label", 0),
        ("outlook-secure.com", "outlook.com", "brand-in-label", 0),
        ("email-telekom.de", "telekom.de", "brand-in-label", 0),
        ("paypall-login.com", "paypal.com", "brand-in-label", 1),  # misspelt between hyphens
    ],
)
def test_lookalikes_are_found(candidate: str, imitates: str, technique: str, distance: int) -> None:
    hit = lookalike_of(candidate, INDEX)
    assert hit is not None, candidate
    assert (hit.imitates, hit.technique, hit.distance) == (imitates, technique, distance)


@pytest.mark.parametrize(
    "candidate",
    [
        # the protected domains themselves and their hosts
        "microsoft.com",
        "mail.microsoft.com",
        "outlook.com",
        "office365.com",
        "login.microsoftonline.com",
        "paypal.co.uk",
        "example-corp.com",
        "www.example-corp.com",
        # known brand domains are never look-alikes of each other
        "gitlab.com",
        "github.com",
        "paypay.ne.jp",  # one edit from paypal, but a brand of its own
        # short labels: one edit from many unrelated names
        "ibn.com",
        "dhl.net",
        "ing.org",
        # ordinary words that happen to contain or resemble an ambiguous brand label
        "officedepot.com",
        "pineapple-recipes.com",
        "orange-county-news.com",
        "apple.org",
        "apply.com",
        "sparkasse-koelnbonn.de",  # a member savings bank, not a fake
        # seen in legitimate mail: a word glued to an ambiguous label, a place name, a provider
        "netwindows.org",
        "outlooksecure.com",
        "myoffice.com",
        "canada.com",
        "comcast.net",  # Comcast's customers' mailboxes: a brand and free-mail domain
        # a generic word is not a typo of a brand (email ~ gmail)
        "email.xyz",
        "mail-secure.net",
        # not names on the internet: words cut out of text, unknown top-level domains
        "email",
        "email.d",
        "mail.whenthefo",
        "paypa1.notatld",
        # unrelated
        "example.org",
        "wikipedia.org",
        "stackoverflow.com",
        "nytimes.com",
        "1.2.3.4",
        "",
    ],
)
def test_legitimate_and_unrelated_domains_are_not_lookalikes(candidate: str) -> None:
    assert lookalike_of(candidate, INDEX) is None


def test_both_protected_or_known_is_never_a_lookalike() -> None:
    both = LookalikeIndex(["github.com", "gitlab.com"], known=())
    assert lookalike_of("gitlab.com", both) is None
    assert lookalike_of("github.com", both) is None
    # gitlab/github are two edits apart, under the limit for 6 letters anyway; a pair one
    # edit apart shows the rule itself.
    pair = ("examplebank-online.com", "examplebank-onl1ne.com")
    assert lookalike_of(pair[1], LookalikeIndex(pair[:1], known=())) is not None
    assert lookalike_of(pair[1], LookalikeIndex(pair, known=())) is None
    assert lookalike_of(pair[1], LookalikeIndex(pair[:1], known=pair[1:])) is None
    # Brand domains are known by default; `known=()` turns that off.
    assert lookalike_of("paypay.ne.jp", LookalikeIndex(["paypal.com"])) is None
    hit = lookalike_of("paypay.ne.jp", LookalikeIndex(["paypal.com"], known=()))
    assert hit is not None and hit.technique == "edit-distance"


@pytest.mark.parametrize(
    ("host", "imitates", "technique"),
    [
        ("paypal.com.evil.example", "paypal.com", "subdomain-brand"),
        ("login.microsoftonline.com.auth.example", "microsoftonline.com", "subdomain-brand"),
        ("www.paypal.co.uk.example.net", "paypal.co.uk", "subdomain-brand"),
        ("paypal-com.evil.example", "paypal.com", "subdomain-brand"),
        ("paypal.secure-login.xyz", "paypal.com", "subdomain-brand"),
        ("paypal-login.000webhostapp.com", "paypal.com", "subdomain-brand"),
        ("www.paypal.com-account.info", "paypal.com", "subdomain-brand"),
        ("p\u0430ypal.com.evil.example", "paypal.com", "subdomain-brand"),
        # the registrable domain itself imitates: that technique is reported
        ("secure.paypa1.com", "paypal.com", "confusable"),
        ("www.microsoft-support.net", "microsoft.com", "brand-in-label"),
    ],
)
def test_hosts_imitating_protected_domains(host: str, imitates: str, technique: str) -> None:
    hit = host_imitates(host, INDEX)
    assert hit is not None, host
    assert (hit.imitates, hit.technique) == (imitates, technique)


@pytest.mark.parametrize(
    "host",
    [
        "mail.microsoft.com",
        "secure.paypal.com",
        "outlook.office365.com",
        "paypal.zendesk.com",  # a tenant named after its customer
        "microsoft.okta.com",  # known brand domain
        "apple.orchard.example",  # ambiguous label as a subdomain
        "www.example.com",
        "192.168.1.10",
        "[2001:db8::1]",
    ],
)
def test_hosts_that_must_stay_quiet(host: str) -> None:
    assert host_imitates(host, INDEX) is None


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("paypal", "paypal"),
        ("PAYPAL", "paypal"),
        ("p\u0430yp\u0430l", "paypal"),
        ("paypa1", "paypal"),
        ("g00gle", "google"),
        ("rnicrosoft", "microsoft"),
        ("vvells", "wells"),
        ("c1oud", "doud"),  # c, l -> d after the digit is read as l
        ("\u1d18\u1d00\u028f", "pay"),
        ("cr\u00e9dit", "credit"),
    ],
)
def test_skeleton(label: str, expected: str) -> None:
    assert skeleton(label) == expected


def test_plain_collections_give_the_same_answers_as_an_index() -> None:
    as_list = list(PROTECTED)
    for candidate in ("paypal.co", "p\u0430ypal.com", "microsoft.com", "example.org"):
        assert lookalike_of(candidate, as_list) == lookalike_of(candidate, INDEX)
        assert lookalike_of(candidate, PROTECTED) == lookalike_of(candidate, INDEX)
    assert host_imitates("paypal.com.evil.example", as_list) == host_imitates(
        "paypal.com.evil.example", INDEX
    )


def test_protected_hosts_are_reduced_to_registrable_domains() -> None:
    index = LookalikeIndex(["mail.example-corp.com", "EXAMPLE-CORP.COM."], known=())
    assert lookalike_of("www.example-corp.com", index) is None
    hit = lookalike_of("example-corp.net", index)
    assert hit is not None and hit.imitates == "example-corp.com"


def _reference_osa(a: str, b: str) -> int:
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(
                d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def test_banded_distance_agrees_with_the_full_table() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        a = "".join(rng.choice("abc") for _ in range(rng.randint(0, 8)))
        b = "".join(rng.choice("abc") for _ in range(rng.randint(0, 8)))
        for limit in (1, 2):
            assert osa_distance(a, b, limit) == min(_reference_osa(a, b), limit + 1), (a, b, limit)


def test_index_finds_every_label_a_full_scan_finds() -> None:
    # Random labels over letters with no confusable rules, so only edit distance can apply.
    # The full scan measures with osa_distance, checked against the full table above.
    rng = random.Random(5)

    def label(lo: int, hi: int) -> str:
        return "".join(rng.choice("aeghkstu") for _ in range(rng.randint(lo, hi)))

    protected = sorted({label(4, 13) + ".com" for _ in range(200)})
    index = LookalikeIndex(protected, known=(), ambiguous_labels=())
    labels = [p.split(".")[0] for p in protected]
    ops = [lambda s: s[1:], lambda s: s + "u", lambda s: s[:2] + "k" + s[3:], lambda s: s[::-1]]
    found = {1: 0, 2: 0}
    for _ in range(800):
        base = rng.choice(labels)
        cand = rng.choice(ops)(rng.choice(ops)(base)) if rng.random() < 0.8 else label(4, 13)
        if not cand or cand in labels:
            continue
        scored = []
        for p in labels:
            if len(p) >= 5:
                d = osa_distance(cand, p, 2)
                if d <= (2 if len(p) >= 10 else 1):
                    scored.append((d, p))
        hit = index.match(cand + ".com")
        if scored:
            assert hit is not None and hit.technique == "edit-distance", cand
            assert (hit.distance, hit.imitates) == (min(scored)[0], min(scored)[1] + ".com")
            found[hit.distance] += 1
        else:
            assert hit is None or hit.technique == "brand-in-label", (cand, hit)
    assert found[1] > 30 and found[2] > 30, found  # the comparison was not vacuous
