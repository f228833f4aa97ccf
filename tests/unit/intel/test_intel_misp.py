"""MISP events (attributes and objects), REST responses, and MISP feed folders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from lurewatch.enrich.intel import load_file, load_intel

EVENT_UUID = "5f0c1a2b-0000-4000-8000-000000000001"


def _event(uuid: str = EVENT_UUID) -> dict[str, object]:
    return {
        "Event": {
            "uuid": uuid,
            "info": "Credential phishing against Example Bank",
            "date": "2025-01-15",
            "Attribute": [
                {
                    "type": "url",
                    "category": "Network activity",
                    "to_ids": True,
                    "value": "https://login.example-bank.evil.test/signin",
                    "first_seen": "2025-01-14T08:00:00+00:00",
                },
                {"type": "domain", "to_ids": True, "value": "evil.test"},
                {"type": "hostname", "to_ids": True, "value": "cdn.bad-host.test"},
                {"type": "ip-dst", "to_ids": True, "value": "192.0.2.10"},
                {"type": "domain|ip", "to_ids": True, "value": "pair.test|192.0.2.11"},
                {"type": "ip-dst|port", "to_ids": True, "value": "192.0.2.12|8443"},
                {"type": "url", "to_ids": False, "value": "https://www.example-bank.com/"},
                {"type": "domain", "to_ids": True, "deleted": True, "value": "gone.test"},
                {"type": "domain", "to_ids": True, "value": "not a domain"},
                {"type": "url", "to_ids": True},
                {"type": "sha256", "to_ids": True, "value": "ab" * 32},
                {"type": "ip-src", "to_ids": True, "value": "203.0.113.9"},
                "garbage",
            ],
            "Object": [
                {
                    "name": "url",
                    "Attribute": [
                        {
                            "type": "url",
                            "object_relation": "url",
                            "to_ids": True,
                            "value": "http://object-url.test/pay",
                            "timestamp": "1736899200",
                        },
                        {"type": "text", "object_relation": "comment", "value": "x"},
                    ],
                },
                {
                    "name": "domain-ip",
                    "Attribute": [
                        {
                            "type": "domain",
                            "object_relation": "domain",
                            "to_ids": "1",
                            "value": "object-domain.test",
                        },
                        {
                            "type": "ip-dst",
                            "object_relation": "ip",
                            "to_ids": "0",
                            "value": "192.0.2.99",
                        },
                    ],
                },
            ],
        }
    }


def test_misp_event_attributes_and_objects(tmp_path: Path) -> None:
    p = tmp_path / "event.json"
    p.write_bytes(orjson.dumps(_event()))
    r = load_file(p)
    assert (r.format, r.feed) == ("misp", "misp")
    got = {(i.type, i.value) for i in r.indicators}
    assert got == {
        ("url", "https://login.example-bank.evil.test/signin"),
        ("domain", "evil.test"),
        ("host", "cdn.bad-host.test"),
        ("ip", "192.0.2.10"),
        ("domain", "pair.test"),
        ("ip", "192.0.2.11"),
        ("ip", "192.0.2.12"),
        ("url", "http://object-url.test/pay"),
        ("domain", "object-domain.test"),
    }
    # 10 usable-typed event attributes + 1 garbage entry + 3 typed object attributes
    assert (r.read, r.skipped) == (14, 6)
    assert r.reasons == {
        "not-to-ids": 2,
        "deleted": 1,
        "bad-value": 1,
        "missing-value": 1,
        "not-an-object": 1,
    }
    assert r.notes["ignored-type:sha256"] == 1
    assert r.notes["ignored-type:ip-src"] == 1
    assert r.notes["ignored-type:text"] == 1
    by_value = {i.value: i for i in r.indicators}
    url = by_value["https://login.example-bank.evil.test/signin"]
    assert url.first_seen == datetime(2025, 1, 14, 8, tzinfo=UTC)  # the attribute's own
    assert url.category == "Network activity"
    assert url.reference == f"MISP event {EVENT_UUID}: Credential phishing against Example Bank"
    assert by_value["evil.test"].first_seen == datetime(2025, 1, 15, tzinfo=UTC)  # event date


def test_misp_rest_response_and_broken_document(tmp_path: Path) -> None:
    p = tmp_path / "search.json"
    p.write_bytes(orjson.dumps({"response": [_event(), _event("other-uuid")]}))
    r = load_file(p)
    assert r.format == "misp" and len(r.indicators) == 18

    broken = tmp_path / "broken.json"
    broken.write_bytes(orjson.dumps(_event())[:-40])
    r = load_file(broken, "misp")
    assert (r.read, r.skipped, r.reasons, r.indicators) == (1, 1, {"invalid-json": 1}, [])


def test_misp_feed_folder(tmp_path: Path) -> None:
    feed = tmp_path / "misp-feed"
    feed.mkdir()
    manifest = {"uuid-a": {"info": "a"}, "uuid-b": {"info": "b"}, "uuid-c": {"info": "c"}}
    (feed / "manifest.json").write_bytes(orjson.dumps(manifest))
    (feed / "uuid-a.json").write_bytes(orjson.dumps(_event("uuid-a")))
    (feed / "uuid-b.json").write_text('{"Event": {"Attribute": [')
    index, results = load_intel([feed])
    r = results[str(feed)]
    assert r.format == "misp-feed"
    assert r.reasons == {"missing-event-file": 1, "invalid-json": 1} | {
        "not-to-ids": 2,
        "deleted": 1,
        "bad-value": 1,
        "missing-value": 1,
        "not-an-object": 1,
    }
    assert len(r.indicators) == 9
    assert index.counts == {"url": 2, "domain": 3, "host": 1, "ip": 3}
