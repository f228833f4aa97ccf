"""Brand catalogue: names found in display names and subjects, and the brands' own domains."""

from __future__ import annotations

import pytest

from lurewatch.enrich.brands import (
    BrandCatalogue,
    brand_for_domain,
    brand_named_alone,
    brands_named_in,
    catalogue,
    is_brand_domain,
)
from lurewatch.enrich.folding import confusables, fold
from lurewatch.errors import ConfigError
from lurewatch.util.domains import registrable_domain


def ids(text: str) -> list[str]:
    return [b.id for b in brands_named_in(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # plain mentions
        ("Microsoft Account Team", ["microsoft"]),
        ("Office 365 Administrator", ["microsoft"]),
        ("Your OneDrive storage is full", ["microsoft"]),
        ("SharePoint Online", ["microsoft"]),
        ("PayPal", ["paypal"]),
        ("paypal service", ["paypal"]),
        ("DHL Express", ["dhl"]),
        ("Wells Fargo Online", ["wellsfargo"]),
        ("Bank of America Alert", ["bankofamerica"]),
        ("HM Revenue & Customs", ["hmrc"]),
        ("Société Générale", ["societegenerale"]),
        ("SOCIETE GENERALE", ["societegenerale"]),
        ("AT&T Billing", ["att"]),
        ("U.S. Bank", ["usbank"]),
        ("N26 Support", ["n26"]),
        ("eBay", ["ebay"]),
        ("Amazon.com", ["amazon"]),
        ("Booking.com Reservations", ["booking"]),
        # trick spellings
        ("M i c r o s o f t", ["microsoft"]),
        ("M.i.c.r.o.s.o.f.t Support", ["microsoft"]),
        ("Micro soft Teams", ["microsoft"]),
        ("Micr\u043esoft", ["microsoft"]),  # Cyrillic o
        ("\u0420\u0430\u0443\u0420\u0430l", ["paypal"]),  # Cyrillic P, a, y
        ("Pay\u200bPal", ["paypal"]),  # zero-width space
        ("Pay\u00adPal", ["paypal"]),  # soft hyphen
        ("P\u0332a\u0332y\u0332P\u0332a\u0332l\u0332", ["paypal"]),  # combining underline
        ("\uff30\uff41\uff59\uff30\uff41\uff4c", ["paypal"]),  # fullwidth
        ("\U0001d40f\U0001d41a\U0001d432\U0001d40f\U0001d41a\U0001d425", ["paypal"]),  # math bold
        ("\u1d18\u1d00\u028f\u1d18\u1d00\u029f", ["paypal"]),  # small capitals
        ("P\u00e1yP\u00e1l", ["paypal"]),  # accents
        ("Micr0soft", ["microsoft"]),
        ("PayPa1 Security", ["paypal"]),
        ("\U0001f512PayPal\U0001f512", ["paypal"]),  # emoji around the name
        ("PayPalService", ["paypal"]),  # run into another word by case
        ("WellsFargo", ["wellsfargo"]),
        ("BankOfAmerica", ["bankofamerica"]),
        ("Netflix4U", ["netflix"]),
        ("Microsoft\u2122", ["microsoft"]),
        # ordinary words only in brand phrases, capitalised forms or with a qualifier
        ("Apple", ["apple"]),
        ("Apple ID locked", ["apple"]),
        ("APPLE ID", ["apple"]),
        ("iCloud Storage", ["apple"]),
        ("Amazon", ["amazon"]),
        ("Chase Bank", ["chase"]),
        ("Chase Online Banking", ["chase"]),
        ("JPMorgan Chase", ["chase"]),
        ("Outlook Team", ["microsoft"]),
        ("Zoom Meeting invitation", ["zoom"]),
        ("Best Buy", ["bestbuy"]),
        ("UPS", ["ups"]),
        ("ING Bank", ["ing"]),
        ("IRS", ["irs"]),
        # several brands: order of first mention, each once
        ("PayPal and Microsoft: PayPal again", ["paypal", "microsoft"]),
        ("DocuSign via Dropbox", ["docusign", "dropbox"]),
    ],
)
def test_brand_mentions_are_found(text: str, expected: list[str]) -> None:
    assert ids(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "John Smith",
        "Re: meeting notes for Q3 planning",
        # Decision: a bare "Chase" is a first name as often as a bank, so only "Chase Bank",
        # "Chase Online", "JPMorgan Chase" and the like count.
        "Chase Smith",
        "Chase Miller (Finance)",
        "chase the deadline",
        "purchase order 4471",
        "apple pie recipe",
        "Pineapple",
        "grapple",
        "amazon rainforest tour",
        "Q3 outlook update",
        "Market Outlook 2025",
        "Best buy of the year",
        "cash app",
        "ups and downs",
        "pending approval",
        "General Ledger reconciliation",
        "Visa application support",
        "Discover more",
        "Orange juice",
        "Zoom in on results",
        "Slack time",
        "Steam cleaning service",
        "Meta-analysis results",
        "Office party",
        "Windows and doors",
        "our teams support you",
        "Norton Smith",
        "Att: John",
    ],
)
def test_ordinary_words_are_not_brands(text: str) -> None:
    assert ids(text) == []


# Brands whose own name is an ordinary word: the bare name is not enough (see brands.toml).
NAME_IS_ORDINARY_WORD = {
    "zoom", "slack", "discord", "steam", "norton", "visa", "discover", "orange", "ledger",
    "kraken", "stripe", "halifax", "workday", "spectrum", "wise", "bt",
}  # fmt: skip


def test_every_brand_is_found_by_its_name_unless_that_name_is_an_ordinary_word() -> None:
    missed = {b.id for b in catalogue().brands if b not in brands_named_in(b.name)}
    assert missed == NAME_IS_ORDINARY_WORD


@pytest.mark.parametrize(
    ("display_name", "expected"),
    [
        ("Ledger", "ledger"),
        ("LEDGER", "ledger"),
        ("Ledger \U0001f514", "ledger"),  # an emoji beside it
        ("L\u0435dger", "ledger"),  # a Cyrillic e
        ("Discover", "discover"),
        ("ledger", None),  # lower case: a word, not a name
        ("General Ledger", None),
        ("Ledger Reports", None),
        ("Chase", None),  # the bank's name is not one word: Chase alone is a person
        ("BT", None),  # two letters: initials as often as the company
    ],
)
def test_a_display_name_of_only_a_one_word_brand_name(
    display_name: str, expected: str | None
) -> None:
    found = brand_named_alone(display_name)
    assert (found.id if found else None) == expected


def test_catalogue_is_large_consistent_and_registrable() -> None:
    cat = catalogue()
    assert len(cat.brands) >= 120
    assert len({b.id for b in cat.brands}) == len(cat.brands)
    owners: dict[str, str] = {}
    for b in cat.brands:
        assert b.domains, b.id
        assert b.keywords or b.cased or b.qualified, b.id
        for d in b.domains:
            assert registrable_domain(d) == d, (b.id, d)
            assert owners.setdefault(d, b.id) == b.id, f"{d} in {owners[d]} and {b.id}"


@pytest.mark.parametrize(
    ("brand", "domain", "expected"),
    [
        ("microsoft", "microsoft.com", True),
        ("microsoft", "mail.microsoft.com", True),
        ("microsoft", "outlook.com", True),
        ("microsoft", "office365.com", True),
        ("microsoft", "tenant.onmicrosoft.com", False),  # any tenant, free trials too
        ("microsoft", "Microsoft.COM.", True),
        ("microsoft", "microsoft-support.net", False),
        ("microsoft", "paypal.com", False),
        ("paypal", "email.paypal.co.uk", True),
        ("paypal", "paypal.co", False),
        ("amazon", "amazonses.com", False),  # a sending platform anyone can use
        ("google", "storage.googleapis.com", False),  # hosts anyone's files
        ("xfinity", "comcast.net", True),  # also free mail: see is_brand_domain
        ("hmrc", "hmrc.gov.uk", True),
        ("hmrc", "gov.uk", False),
    ],
)
def test_is_brand_domain(brand: str, domain: str, expected: bool) -> None:
    assert is_brand_domain(brand, domain) is expected
    assert is_brand_domain(catalogue().get(brand), domain) is expected


def test_unknown_brand_id_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        is_brand_domain("no-such-brand", "example.com")


def test_brand_for_domain() -> None:
    brand = brand_for_domain("notifications.docusign.net")
    assert brand is not None and brand.id == "docusign"
    assert brand_for_domain("example.com") is None


def test_fold_keeps_case_and_removes_invisible_characters() -> None:
    assert fold("PayPal") == "PayPal"
    assert fold("\uff30\uff41\uff59") == "Pay"
    assert fold("\u0410pple") == "Apple"  # Cyrillic capital A
    assert fold("Mi\u200bcro\u200dsoft\ufeff") == "Microsoft"
    assert fold("Cr\u00e9dit") == "Credit"


def test_confusables_map_lookalikes_to_latin_letters() -> None:
    rules = confusables()
    assert len(rules.text) >= 100
    for src, dst in rules.text.items():
        assert chr(src) != dst and not chr(src).isascii()
        assert dst == "" or dst.isascii() and dst.isalpha()
    assert rules.domain == {ord("0"): "o", ord("1"): "l"}
    assert set(rules.sequences) == {("rn", "m"), ("vv", "w"), ("cl", "d")}


CUSTOM = """
qualifiers = ["bank"]
ambiguous_labels = ["acme"]

[[brand]]
id = "acme"
name = "Acme"
keywords = ["acme corp"]
qualified = ["acme"]
cased = ["ACME"]
domains = ["acme.example"]
"""


def test_custom_catalogue() -> None:
    cat = BrandCatalogue.from_toml(CUSTOM)
    assert [b.id for b in brands_named_in("Acme Bank", cat)] == ["acme"]
    assert [b.id for b in brands_named_in("ACME", cat)] == ["acme"]
    assert [b.id for b in brands_named_in("A c m e C o r p", cat)] == ["acme"]
    assert brands_named_in("acme", cat) == []
    assert cat.ambiguous_labels == frozenset({"acme"})
    owner = cat.owner_of("mail.acme.example")
    assert owner is not None and owner.id == "acme"


@pytest.mark.parametrize(
    "text",
    [
        "[[brand]]\nname = 'no id'\n",
        "this is = not toml [",
        "[[brand]]\nid='a'\nkeywords=['shared name']\n[[brand]]\nid='b'\nkeywords=['shared name']\n",
    ],
)
def test_malformed_catalogue_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError):
        BrandCatalogue.from_toml(text)
