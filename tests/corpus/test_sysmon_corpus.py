"""The real Sysmon EVTX logs (EVTX-ATTACK-SAMPLES): every record read, counted per event ID
against the parser's own XML rendering, and network events tied to the processes behind them.

Run with `-s` to see the per-file counts.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import evtx
import pytest
from tests.conftest import data_dir

from lurewatch.readers.dispatch import sniff_format
from lurewatch.readers.records import Reject
from lurewatch.readers.sysmon import read_sysmon_evtx
from lurewatch.schema import column_names

pytestmark = pytest.mark.corpus

TABLE_OF = {1: "process", 3: "proc_net", 22: "proc_dns"}
# Services started at boot, before any of these captures began: their EID 1 is not in the logs.
BOOT_PROCESSES = {"svchost.exe", "system"}


@pytest.fixture(scope="module")
def evtx_files() -> list[Path]:
    data = data_dir()
    root = data / "sysmon" / "evtx" if data else None
    if root is None or not root.is_dir():
        pytest.skip(
            "Sysmon corpus not found: set LUREWATCH_DATA or place the data at "
            "../shared/data (expects sysmon/evtx/)"
        )
    files = sorted(root.glob("*.evtx"))
    assert len(files) == 15, f"{root} should hold the 15 EVTX-ATTACK-SAMPLES logs"
    return files


@pytest.fixture(scope="module")
def corpus(
    evtx_files: list[Path],
) -> dict[Path, tuple[dict[str, list[dict[str, Any]]], Counter[str]]]:
    out = {}
    for path in evtx_files:
        rows: dict[str, list[dict[str, Any]]] = {}
        unused: Counter[str] = Counter()
        rejects = []
        for item in read_sysmon_evtx(path, unused):
            if isinstance(item, Reject):
                rejects.append(item)
            else:
                rows.setdefault(item[0], []).append(item[1])
        assert rejects == [], path.name
        out[path] = (rows, unused)
    return out


def independent_counts(path: Path) -> Counter[str]:
    """Per event ID, from the parser's XML rendering rather than the reader's JSON path."""
    counts: Counter[str] = Counter()
    for record in evtx.PyEvtxParser(str(path)).records():
        xml = record["data"]
        eid = int(re.search(r"<EventID[^>]*>(\d+)</EventID>", xml).group(1))  # type: ignore[union-attr]
        assert 'Name="Microsoft-Windows-Sysmon"' in xml
        counts[TABLE_OF.get(eid, f"sysmon:{eid}")] += 1
    return counts


def test_every_record_is_read_and_counted(corpus: dict[Path, Any]) -> None:
    totals: Counter[str] = Counter()
    print()
    for path, (rows, unused) in corpus.items():
        counts = Counter({t: len(r) for t, r in rows.items()})
        assert counts + unused == independent_counts(path), path.name
        assert sniff_format(path) == "sysmon-evtx"
        totals += counts + unused
        shown = ", ".join(f"{k} {v}" for k, v in sorted((counts + unused).items()))
        print(f"{path.name[:60]:60s} {shown}")
    print(f"{'total':60s} {dict(sorted(totals.items()))}")
    assert (totals["process"], totals["proc_net"], totals["proc_dns"]) == (686, 84, 0)
    assert sum(totals.values()) == 958


def test_rows_are_complete(corpus: dict[Path, Any]) -> None:
    ids: set[str] = set()
    for rows, _ in corpus.values():
        for table, table_rows in rows.items():
            for row in table_rows:
                assert set(row) == set(column_names(table))
                assert row["@timestamp"] is not None and row["host.name"]
                assert row["process.entity_id"] and row["process.name"]
                ids.add(row["event.id"])
            if table == "process":
                for r in table_rows:  # one capture logged SHA1 only
                    hashes = r["process.hashes"]
                    assert hashes
                    sha = r["process.hash.sha256"]
                    assert (sha is not None) == ("SHA256=" in hashes)
                    assert sha is None or (len(sha) == 64 and f"SHA256={sha.upper()}" in hashes)
            if table == "proc_net":
                assert all(r["destination.ip"] and r["network.transport"] for r in table_rows)
                assert all(r["network.initiated"] is not None for r in table_rows)
    assert len(ids) == sum(len(r) for rows, _ in corpus.values() for r in rows.values())


def test_network_events_join_the_processes_behind_them(corpus: dict[Path, Any]) -> None:
    started: set[tuple[str, str]] = set()
    connections = []
    for rows, _ in corpus.values():
        started |= {(r["host.name"], r["process.entity_id"]) for r in rows.get("process", [])}
        connections += rows.get("proc_net", [])
    joined = [(r["host.name"], r["process.entity_id"]) in started for r in connections]
    print(
        f"\nEID 3 rows joined to an EID 1 row by (host, ProcessGuid): {sum(joined)}/{len(joined)}"
    )
    assert sum(joined) / len(joined) >= 0.25
    # Every connection of a process started during a capture is tied to its process creation.
    for row, ok in zip(connections, joined, strict=True):
        assert ok or row["process.name"] in BOOT_PROCESSES, row


def test_ingest_in_worker_processes_stores_what_one_process_stores(
    evtx_files: list[Path], tmp_path: Path
) -> None:
    from lurewatch.config import Settings
    from lurewatch.enrich.dns import OfflineResolver
    from lurewatch.pipeline.ingest import ingest_paths
    from lurewatch.store import Store

    stored = []
    for workers in (1, 2):
        with Store(tmp_path / f"w{workers}.duckdb") as store:
            summary = ingest_paths(store, evtx_files, Settings(), OfflineResolver(), workers)
            ids = {
                t: sorted(r[0] for r in store.execute(f'SELECT "event.id" FROM {t}'))
                for t in ("process", "proc_net", "proc_dns")
            }
            stored.append((ids, summary.rejected, dict(summary.unused), dict(summary.read)))
    assert stored[0] == stored[1]
    assert len(stored[0][0]["process"]) > 100
