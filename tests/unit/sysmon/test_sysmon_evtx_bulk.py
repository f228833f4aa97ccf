"""EVTX records mapped in bulk by DuckDB give exactly what the record-at-a-time reader gives —
rows with their event ids, rejects with their reasons, unused counts — for whole files, damaged
copies, and records gathered across files. Needs the real logs (the parser reads only real
EVTX); skips where they are absent."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from tests.conftest import data_dir
from tests.unit.sysmon import compare
from tests.unit.sysmon.compare import comparable

from lurewatch.readers.sysmon import bulk_map, evtx_bulk, read_sysmon_evtx
from lurewatch.readers.sysmon.evtx_bulk import EvtxBatches, sysmon_evtx_batches
from lurewatch.readers.sysmon.evtx_damage import CHUNK_SIZE, HEADER_BLOCK

MULTI_CHUNK = "AutomatedTestingTools_panache_sysmon_vs_EDRTestingScript.evtx"


@pytest.fixture(scope="module")
def logs() -> list[Path]:
    data = data_dir()
    root = data / "sysmon" / "evtx" if data else None
    if root is None or not root.is_dir() or not any(root.glob("*.evtx")):
        pytest.skip("Sysmon EVTX not found: set LUREWATCH_DATA or place the data at ../shared/data")
    return sorted(root.glob("*.evtx"))


@pytest.fixture(autouse=True)
def bulk_even_for_a_few_records(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_map, "BULK_MIN", 0)


def both(path: Path) -> tuple[Any, Any, Counter[str], Counter[str], list[Any]]:
    return compare.both(read_sysmon_evtx, sysmon_evtx_batches, path)


def test_every_real_log_maps_as_on_the_record_path(logs: list[Path]) -> None:
    tables = 0
    for path in logs:
        reference, bulk, reference_unused, bulk_unused, items = both(path)
        assert bulk == reference, path.name
        assert bulk_unused == reference_unused, path.name
        tables += sum(isinstance(i, tuple) and isinstance(i[1], pa.Table) for i in items)
    assert tables, "the records went through the database"


def damage_chunk(path: Path) -> None:
    with path.open("r+b") as fh:
        fh.seek(HEADER_BLOCK + CHUNK_SIZE)
        fh.write(b"XXXXXXXX")


def damage_record(path: Path) -> None:
    data = bytearray(path.read_bytes())
    at = HEADER_BLOCK + 512
    for _ in range(5):
        at += int.from_bytes(data[at + 4 : at + 8], "little")
    data[at + 4 : at + 16] = b"\xff" * 12
    path.write_bytes(bytes(data))


def cut_short(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: HEADER_BLOCK + 3 * CHUNK_SIZE + 30000])


@pytest.mark.parametrize("damage", [damage_chunk, damage_record, cut_short])
def test_a_damaged_copy_reads_as_on_the_record_path(
    logs: list[Path], tmp_path: Path, damage: Any
) -> None:
    path = tmp_path / MULTI_CHUNK
    shutil.copyfile(next(p for p in logs if p.name == MULTI_CHUNK), path)
    damage(path)
    reference, bulk, reference_unused, bulk_unused, _ = both(path)
    assert reference[1], "the damage is reported"
    assert bulk == reference and bulk_unused == reference_unused


def test_records_gathered_across_files_keep_their_own_file(
    logs: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evtx_bulk, "GATHER", 50)  # statements that span files and cut them
    paths = []
    for i, path in enumerate(logs):
        copy = tmp_path / f"{i}-{path.name}"
        shutil.copyfile(path, copy)
        paths.append(copy)
    reference_unused: Counter[str] = Counter()
    reference = comparable([i for p in paths for i in read_sysmon_evtx(p, reference_unused)])
    bulk_unused: Counter[str] = Counter()
    reader = EvtxBatches(threads=1)
    items = [i for p in paths for i in reader.read(p, bulk_unused)]
    items += reader.finish(bulk_unused)
    reader.close()
    assert comparable(items) == reference
    assert bulk_unused == reference_unused
    batches = [i[1] for i in items if isinstance(i, tuple) and isinstance(i[1], pa.Table)]
    files = {f for b in batches for f in b.column("log.file.path").to_pylist()}
    assert len(batches) > 2 and len(files) > 2


def test_a_few_records_are_mapped_one_by_one(
    logs: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_map, "BULK_MIN", 10_000)
    reference, bulk, _, _, items = both(logs[0])
    assert bulk == reference
    assert not any(isinstance(i, tuple) and isinstance(i[1], pa.Table) for i in items)


def test_records_of_a_statement_the_database_fails_on_are_mapped_one_by_one(
    logs: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise duckdb.OutOfMemoryException("could not allocate block of 262144 bytes")

    monkeypatch.setattr(bulk_map.Mapper, "map", fail)
    path = next(p for p in logs if p.name == MULTI_CHUNK)
    reference, bulk, reference_unused, bulk_unused, items = both(path)
    assert bulk == reference and bulk_unused == reference_unused
    assert reference[0], "the log has rows"
