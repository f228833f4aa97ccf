"""Mail sources: mbox splitting, broken separators, Maildir, and format sniffing."""

from __future__ import annotations

from pathlib import Path

from lurewatch.config import Settings
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.readers.dispatch import discover, read_messages
from lurewatch.readers.mail_sources import read_mbox
from lurewatch.readers.records import RawMessage, Reject
from lurewatch.store import Store

MSG = b"From: a@example.org\nTo: b@example.net\nSubject: s%d\n\nbody %d\n"


def test_mbox_splits_on_separators_only_after_blank_lines(tmp_path: Path) -> None:
    box = tmp_path / "box.mbox"
    box.write_bytes(
        b"From a@example.org Mon Jan  5 09:00:00 2026\n"
        + MSG % (1, 1)
        + b"From here the body goes on\n\n"
        + b"From b@example.org Mon Jan  5 10:00:00 2026\n"
        + MSG % (2, 2)
        + b">From escaped line\n"
    )
    items = list(read_mbox(box))
    assert [type(i) for i in items] == [RawMessage, RawMessage]
    first, second = items
    assert isinstance(first, RawMessage) and isinstance(second, RawMessage)
    assert b"From here the body goes on" in first.data
    assert first.offset == 0
    assert second.offset == box.read_bytes().index(b"From b@example.org")
    assert second.data.endswith(b"From escaped line\n")


def test_text_before_first_separator_is_rejected_not_dropped(tmp_path: Path) -> None:
    box = tmp_path / "broken.mbox"
    box.write_bytes(b"garbage line\nmore\n\nFrom x@y Mon Jan  5 09:00:00 2026\n" + MSG % (1, 1))
    # sniffing sees no mbox: it starts with garbage; read it as mbox on purpose
    items = list(read_mbox(box))
    assert isinstance(items[0], Reject) and "before the first" in items[0].reason
    assert isinstance(items[1], RawMessage)


def test_discover_sniffs_formats_and_maildir(tmp_path: Path) -> None:
    md = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    (md / "cur" / "1.host:2,S").write_bytes(MSG % (1, 1))
    (md / "new" / "2.host").write_bytes(MSG % (2, 2))
    (md / "tmp" / "3.host").write_bytes(MSG % (3, 3))  # being delivered: not read
    (tmp_path / "one.eml").write_bytes(b"From x@y Mon Jan  5 09:00:00 2026\n" + MSG % (4, 4))
    (tmp_path / "junk.bin").write_bytes(b"\x00\x01\x02")
    found = {p.path.name: p.format for p in discover([tmp_path])}
    assert found["one.eml"] == "mbox"  # an .eml that starts with an mbox separator
    assert found["junk.bin"] == "unknown"
    assert found["1.host:2,S"] == "eml" and found["2.host"] == "eml"
    assert "3.host" not in found
    maildir = {p.path.name for p in discover([md])}
    assert maildir == {"1.host:2,S", "2.host"}


def test_a_store_inside_the_folder_read_is_not_an_input(tmp_path: Path) -> None:
    """`lurewatch ingest .` in the folder that holds the store finds the store and its WAL."""
    (tmp_path / "one.eml").write_bytes(MSG % (1, 1))
    with Store(tmp_path / "lurewatch.duckdb") as store:
        store.execute("CREATE TABLE keep_wal_open (x INTEGER)")  # a WAL file exists now
        assert (tmp_path / "lurewatch.duckdb.wal").exists()
        summary = ingest_paths(store, [tmp_path], Settings(), OfflineResolver(), workers=1)
        assert summary.files == 1 and store.count("rejects") == 0
    assert {p.path.name for p in discover([tmp_path])} >= {"one.eml", "lurewatch.duckdb"}


def test_unknown_file_becomes_a_reject(tmp_path: Path) -> None:
    (tmp_path / "junk.bin").write_bytes(b"\x00\x01\x02")
    (inp,) = list(discover([tmp_path / "junk.bin"]))
    (item,) = list(read_messages(inp))
    assert isinstance(item, Reject) and "unknown format" in item.reason
