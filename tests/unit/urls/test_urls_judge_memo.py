"""A judge remembers what each URL string says; remembered verdicts must equal fresh ones."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lurewatch.config import Settings
from lurewatch.enrich.urls import judge as judge_module
from lurewatch.enrich.urls.judge import LinkJudge

# Inputs where normalization does real work: IDNA and confusable hosts, user-info, escapes,
# numeric and IPv6 hosts, opaque schemes, trusted and listed links, and strings that are no URL.
TRICKY = [
    "https://www.example.com/account/login?utm_source=mail",
    "https://bücher.example/Straße?q=ä",
    "https://xn--bcher-kva.example/",
    "http://pаypal.com/signin",  # Cyrillic a
    "https://paypal.com.secure-login.example/verify",
    "https://www.bank.example@evil.top/login",
    "https://user:pw@evil.top:8443/",
    "https://ex.example/%7euser/a%2fb?q=%41%2d%zz",
    "HTTPS://EX.EXAMPLE/Path/../Other/./x",
    "http://3232235777/",
    "http://0x7f.1/x.php",
    "http://192.168.1.1/admin",
    "http://[::1]:8080/x",
    "http://[2001:db8::1]/",
    "javascript:alert(1)",
    "data:text/html;base64,PGgxPg==",
    "https://mail.corp.example/inbox",
    "https://login.partner.example/verify",
    "https://listed.example/phish/index.php",
    "https://bit.ly/abc123",
    "https://someone.pages.dev/login.html",
    "www.paypa1.com/login",
    "not a url",
    "http:///nohost",
    "",
]
TEXTS = [None, "Read more", "www.paypal.com", "https://bank.example/"]


def make_judge(tmp_path: Path) -> LinkJudge:
    feed = tmp_path / "feed.txt"
    feed.write_text("https://listed.example/phish/index.php\nhttp://192.168.1.1/admin\n")
    settings = Settings()
    settings.organization.domains = ["corp.example"]
    settings.allowlist.url_domains = ["partner.example"]
    settings.intel.feeds = [str(feed)]
    return LinkJudge.from_settings(settings)


def test_remembered_verdicts_equal_fresh_ones(tmp_path: Path) -> None:
    shared = make_judge(tmp_path)
    later = dt.datetime(2024, 5, 2, tzinfo=dt.UTC)
    earlier = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    for url in TRICKY:
        for text in TEXTS:
            for first, seen in ((None, None), (later, earlier), (earlier, later)):
                fresh = make_judge(tmp_path).judge(url, text, first, seen)
                assert shared.judge(url, text, first, seen) == fresh, (url, text, first, seen)


def test_remembered_lists_are_not_shared_between_verdicts(tmp_path: Path) -> None:
    j = make_judge(tmp_path)
    url = "https://www.bank.example@evil.top/login"
    first = j.judge(url)
    first.signals.clear()
    first.known_bad.clear()
    assert j.judge(url).signals, "a caller's change to one verdict must not reach the next"


def test_memory_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(judge_module, "_URL_MEMO", 3)
    bounded, fresh = make_judge(tmp_path), make_judge(tmp_path)
    for url in TRICKY * 2:
        assert bounded.judge(url, "www.paypal.com") == fresh.judge(url, "www.paypal.com")
        assert len(bounded._urls) <= 3
