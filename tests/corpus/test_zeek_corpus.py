"""The real Zeek logs (Stratosphere captures): every record read and typed, and mapped to rows.

Each file's records are counted independently of the reader (lines that are neither headers
nor blank), so "every record read" is checked against the file itself.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import data_dir

from lurewatch.readers.records import Reject
from lurewatch.readers.zeek import looks_like_zeek, read_zeek, zeek_log_type
from lurewatch.readers.zeek_web import rows_from_zeek
from lurewatch.schema import column_names

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def zeek_files() -> list[Path]:
    data = data_dir()
    root = data / "zeek" / "stratosphere" if data else None
    if root is None or not root.is_dir():
        pytest.skip(
            "Zeek corpus not found: set LUREWATCH_DATA or place the data at "
            "../shared/data (expects zeek/stratosphere/)"
        )
    files = sorted(p for p in root.rglob("*") if p.is_file())
    assert files, f"{root} holds no files"
    return files


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(4096)


def _data_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip() and not line.startswith(b"#"))


def test_every_record_is_read_typed_and_nothing_rejected(zeek_files: list[Path]) -> None:
    per_type: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    for path in zeek_files:
        head = _head(path)
        assert looks_like_zeek(head), path
        log_type = zeek_log_type(path, head)
        records = 0
        for item in read_zeek(path):
            if isinstance(item, Reject):
                rejected[path.name] += 1
                continue
            records += 1
            per_type[item.path] += 1
            assert item.path == log_type
            assert isinstance(item.fields["ts"], dt.datetime)
            assert isinstance(item.fields["id.resp_p"], int)
        assert records == _data_lines(path), path
    print("\nZeek corpus records per log type:", dict(sorted(per_type.items())))
    print("Zeek corpus rejects:", sum(rejected.values()), dict(rejected))
    assert rejected == Counter()
    assert {"conn", "dns", "http"} <= set(per_type)


def test_http_and_dns_logs_become_rows(zeek_files: list[Path]) -> None:
    tables: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    for path in zeek_files:
        for item in rows_from_zeek(path, skipped):
            assert not isinstance(item, Reject), item
            table, row = item
            assert list(row) == column_names(table)
            tables[table] += 1
            if table in ("flow", "net_anomaly", "net_app"):
                assert row["@timestamp"] is not None and row["event.id"]
            elif table == "http_request":
                assert row["source.ip"] and row["destination.port"]
                if row["url.domain"]:  # response-only records carry no host
                    assert row["url.domain"] == row["url.domain"].lower()
                    assert (row["url.full"] or "").startswith("http://")
            else:
                name = row["dns.question.name"]
                assert name is None or (name == name.lower() and not name.endswith("."))
    lines: Counter[str | None] = Counter()
    for p in zeek_files:
        lines[zeek_log_type(p, _head(p))] += _data_lines(p)
    print(f"\nZeek corpus rows: {dict(tables)}; records not used: {dict(skipped)}")
    assert tables["http_request"] == lines["http"] and tables["dns_query"] == lines["dns"]
    assert tables["flow"] == lines["conn"] > 0
    assert tables["net_anomaly"] == lines["weird"] + lines["notice"]
    assert tables["net_app"] == lines["ssl"]
    assert lines["http"] > 0 and lines["dns"] > 0
    assert set(skipped) <= {"sip", "tunnel"}


def test_http_rows_name_the_domains_the_malware_reached(zeek_files: list[Path]) -> None:
    http = [p for p in zeek_files if p.name == "http.log"]
    if not http:
        pytest.skip("no plain http.log in this copy of the corpus")
    domains: Counter[str] = Counter()
    for item in rows_from_zeek(http[0]):
        assert isinstance(item, tuple)
        domains[item[1]["url.domain"]] += 1
    assert len(domains) > 10  # a domain-generation pattern: many distinct names
    assert all(d and "." in d for d in domains)
