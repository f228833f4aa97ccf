"""Mail ingest under its memory bound: large messages are stored, and a failing run ends."""

from __future__ import annotations

import random
import string
import threading
from pathlib import Path

import pytest

from lurewatch.config import Settings
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline import ingest, writer
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.store import Store


def write_messages(folder: Path, count: int, body_bytes: int) -> None:
    rnd = random.Random(7)
    folder.mkdir()
    for i in range(count):
        body = "".join(rnd.choices(string.ascii_letters + " \n", k=body_bytes))
        (folder / f"m{i}.eml").write_text(
            f"From: sender{i}@example.com\nTo: someone@example.org\nSubject: large {i}\n"
            f"Message-ID: <{i}@example.com>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\n{body}\n"
        )


@pytest.mark.parametrize(("count", "body_bytes"), [(40, 2_000_000), (150, 600_000)])
def test_large_messages_beyond_the_smallest_bound_are_stored(
    tmp_path: Path, count: int, body_bytes: int
) -> None:
    """More text than the bound holds, in strings of megabytes: DuckDB's own checkpoint of them
    under the bound would fail and invalidate the database."""
    write_messages(tmp_path / "mail", count, body_bytes)
    settings = Settings()
    settings.store.mail_memory_mb = 64
    with Store(tmp_path / "s.duckdb") as store:
        summary = ingest_paths(store, [tmp_path / "mail"], settings, OfflineResolver(), workers=1)
        assert summary.rejected == 0
        assert store.count("email") == count
        assert store.scalar("SELECT current_setting('memory_limit')") != "61.0 MiB"
    with Store(tmp_path / "s.duckdb") as store:  # and the file reopens whole
        assert store.count("email") == count


def test_a_failing_write_ends_the_run_with_its_error_instead_of_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers keep messages in flight; when writing fails the run must stop them, not wait
    for the main process to take results it will never take."""
    write_messages(tmp_path / "mail", 60, 200)
    monkeypatch.setattr(ingest, "IN_FLIGHT_PER_WORKER", 1)

    def fail(self: writer.Writer, table: str, row: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(writer.Writer, "add", fail)
    outcome: list[BaseException] = []

    def run() -> None:
        with Store(tmp_path / "s.duckdb") as store:
            try:
                ingest_paths(store, [tmp_path / "mail"], Settings(), OfflineResolver(), workers=2)
            except RuntimeError as exc:
                outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "ingest waited for workers after a failed write"
    assert [str(e) for e in outcome] == ["the disk is full"]


def test_few_messages_in_flight_still_reach_every_worker_and_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Messages go to the workers in chunks; fewer slots than a chunk would starve the pool."""
    write_messages(tmp_path / "mail", 25, 200)
    monkeypatch.setattr(ingest, "IN_FLIGHT_PER_WORKER", 1)
    stored: list[int] = []

    def run() -> None:
        with Store(tmp_path / "s.duckdb") as store:
            summary = ingest_paths(
                store, [tmp_path / "mail"], Settings(), OfflineResolver(), workers=2
            )
            stored.extend([summary.read["email"], store.count("email")])

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the pool waited for a chunk the slots could not hold"
    assert stored == [25, 25]
