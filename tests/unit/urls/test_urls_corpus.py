"""URL extraction and normalization on real phishing mail and a real phishing URL feed."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from lurewatch.enrich.urls import FoundUrl, extract_urls, normalize_url
from lurewatch.errors import RecordError
from lurewatch.readers.email_parse import parse_email
from lurewatch.readers.records import RawMessage

pytestmark = pytest.mark.corpus

_SOURCE = re.compile(
    r"text|html:(href|src|form|meta-refresh|base|srcset|area)|(attachment|pdf|qr):.+"
)


def _messages(folder: Path) -> list[list[FoundUrl]]:
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    out = []
    for path in sorted(folder.glob("*.eml")):
        try:
            parsed = parse_email(RawMessage(data=path.read_bytes(), path=str(path)))
        except RecordError:
            continue  # the reader's business; counted by the mail corpus tests
        out.append(extract_urls(parsed))
    return out


def test_real_phishing_mail(real_data: Path) -> None:
    messages = _messages(real_data / "email" / "phish")
    assert len(messages) >= 150
    with_urls = [found for found in messages if found]
    assert len(with_urls) >= 0.85 * len(messages)  # phishing nearly always carries a link
    sources: Counter[str] = Counter()
    for found in messages:
        assert [f.position for f in found] == list(range(len(found)))
        keys = [(f.normal.full if f.normal else f.original, f.source, f.link_text) for f in found]
        assert len(keys) == len(set(keys))
        for f in found:
            assert _SOURCE.fullmatch(f.source), f.source
            assert (f.normal is None) == (f.error is not None)
            if f.normal is not None:
                f.normal.full.encode("utf-8")
                assert f.normal.scheme
            sources[f.source.split(":")[0]] += 1
    assert sources["html"] > sources["text"] > 0
    assert sources["pdf"] > 0  # lure PDFs in the honeypot catch
    all_found = [f for found in messages for f in found if f.normal is not None]
    # Hosts written as one hex or octal number (http://0x5fd32b32/) are read as browsers do.
    obfuscated = [f.normal for f in all_found if f.normal and "ip-obfuscated" in f.normal.flags]
    assert obfuscated
    assert all(url.is_ip and url.registered_domain is None for url in obfuscated)
    # Redirects through Google's AMP viewer are unwrapped to the phishing host.
    amp = [f for f in all_found if f.unwrapped_from == "google-amp"]
    assert amp
    assert all(f.normal is not None and "google" not in f.normal.host for f in amp)


def test_openphish_feed_normalizes(real_data: Path) -> None:
    path = real_data / "intel" / "openphish-2025-01.json"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    urls = list(json.loads(path.read_text(encoding="utf-8")))
    assert len(urls) > 5000
    changed = 0
    for raw in urls:
        url = normalize_url(raw)
        assert url.full.isascii() or "idna-invalid" in url.flags
        assert url.host and (url.is_ip or url.registered_domain)
        assert normalize_url(url.full).full == url.full
        changed += url.full != raw
    # feed URLs are already close to normal form: only default ports and edge punctuation move
    assert changed < 0.01 * len(urls)
