"""Known-bad numbers from intel files: CSV, plain lists, STIX 2.1 and MISP, normalized to E.164."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from lurewatch.enrich.phone_intel import PhoneIntel, load_file, load_phone_intel
from lurewatch.privacy import pseudonymize

KEY = b"k" * 32


def load(path: Path, phones_only: bool = False) -> PhoneIntel:
    intel = PhoneIntel()
    load_file(path, "US", intel, phones_only=phones_only)
    return intel


def test_robocall_style_csv(tmp_path: Path) -> None:
    path = tmp_path / "robocalls.csv"
    path.write_text(
        "phone_e164,phone_pretty,scam_category,total_hits,likely_admin\n"
        "+18336317911,+1 (833) 631-7911,,26,no\n"
        "+17244428039,+1 (724) 442-8039,Utility-SupplyCharges,15,no\n"
        "+12025550100,+1 (202) 555-0100,,3,yes\n"
        "not-a-number,,,1,no\n"
    )
    intel = load(path)
    assert set(intel.entries) == {"+18336317911", "+17244428039"}
    assert intel.entries["+17244428039"][0] == {"Utility-SupplyCharges"}
    result = intel.files[0]
    assert result.format == "csv" and result.added == 2
    assert result.skipped == {"admin-number": 1, "not-a-phone-number": 1}


def test_plain_list_with_categories_and_gzip(tmp_path: Path) -> None:
    path = tmp_path / "numbers.txt.gz"
    path.write_bytes(
        gzip.compress(b"# scam numbers\n+1 833 631 7911, IRS impersonation\n(212) 555-0143\t\n\n")
    )
    intel = load(path)
    assert intel.entries["+18336317911"][0] == {"IRS impersonation"}
    assert "+12125550143" in intel.entries


def test_stix_bundle(tmp_path: Path) -> None:
    objects = [
        {
            "type": "indicator",
            "pattern": "[phone-number:value = '+18336317911' OR url:value = 'http://x.example/']",
            "pattern_type": "stix",
            "indicator_types": ["malicious-activity"],
        },
        {
            "type": "indicator",
            "pattern": "[x-phone-number:value IN ('+12125550143', '+1 650 555 0123')]",
            "pattern_type": "stix",
        },
        {
            "type": "indicator",
            "pattern": "[user-account:x_misp_phone = '+14155550199' AND user-account:user_id = '1']",
            "pattern_type": "stix",
        },
        {
            "type": "indicator",
            "pattern": "[phone-number:value = '+13125550188']",
            "pattern_type": "stix",
            "revoked": True,
        },
        {"type": "phone-number", "value": "+4930901820"},
        {
            "type": "x-misp-attribute",
            "labels": ['misp:type="phone-number"', 'misp:category="Other"'],
            "x_misp_value": "+2348031234567",
            "x_misp_comment": "vishing caller",
        },
        {
            "type": "indicator",
            "pattern": "[url:value = 'http://y.example/']",
            "pattern_type": "stix",
        },
    ]
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": objects}))
    intel = load(path)
    assert set(intel.entries) == {
        "+18336317911",
        "+12125550143",
        "+16505550123",
        "+4930901820",
        "+2348031234567",
    }
    assert intel.entries["+18336317911"][0] == {"malicious-activity"}
    assert intel.entries["+2348031234567"][0] == {"vishing caller"}
    assert intel.files[0].skipped == {"unsupported-pattern": 1, "revoked": 1}


def test_misp_event(tmp_path: Path) -> None:
    event = {
        "Event": {
            "info": "Vishing campaign against finance",
            "Attribute": [{"type": "phone-number", "value": "+18445550187"}],
            "Object": [{"Attribute": [{"type": "phone-number", "value": "+447400918273"}]}],
        }
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    intel = load(path)
    assert intel.entries["+18445550187"][0] == {"Vishing campaign against finance"}
    assert "+447400918273" in intel.entries


def test_general_feeds_give_only_their_phone_numbers(tmp_path: Path) -> None:
    feed = tmp_path / "feed.txt"
    feed.write_text("http://1800flowers.example/login\nevil.example\n+18336317911\n")
    intel = load_phone_intel([], "US", general_feeds=[feed])
    assert set(intel.entries) == {"+18336317911"}
    assert intel.files[0].skipped == {}


def test_table_is_pseudonymized_like_calls(tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    path.write_text("+18336317911\n")
    intel = load(path)
    assert intel.table(None)["phone"].to_pylist() == ["+18336317911"]
    hashed = intel.table(KEY)["phone"].to_pylist()
    assert hashed == [pseudonymize("+18336317911", KEY, "phone")] and hashed[0].startswith("phone:")
