"""Finding the inputs under the paths a user names and choosing a reader for each by content.

The extension is only a hint: a `.eml` that starts with an mbox "From " line is read as mbox,
and a Maildir is recognised by its cur/new folders.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from lurewatch.errors import InputError
from lurewatch.net.pcap import looks_like_pcap
from lurewatch.readers.cdr import looks_like_cdr
from lurewatch.readers.chat import is_slack_export, looks_like_chat_jsonl, looks_like_teams
from lurewatch.readers.log_stream import GZIP_MAGIC, text_head
from lurewatch.readers.mail_sources import (
    is_maildir,
    looks_like_mbox,
    looks_like_message,
    read_eml,
    read_mbox,
)
from lurewatch.readers.records import RawMessage, Reject
from lurewatch.readers.squid import looks_like_squid
from lurewatch.readers.suricata import looks_like_eve
from lurewatch.readers.sysmon.sniff import sniff_sysmon
from lurewatch.readers.zeek import looks_like_zeek

SKIP_NAMES = {".DS_Store", "Thumbs.db", "MANIFEST.json", "README.md", "README"}
SKIP_SUFFIXES = {".SOURCE", ".md", ".yml", ".yaml", ".key", ".pub", ".py"}


@dataclass(frozen=True)
class Input:
    path: Path
    format: str  # eml, mbox, unknown


def sniff_format(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return "unreadable"
    if looks_like_pcap(head) or (head[:2] == GZIP_MAGIC and looks_like_pcap(text_head(head))):
        return "pcap"
    if looks_like_mbox(head):
        return "mbox"
    if looks_like_zeek(head, path.name):
        return "zeek"
    if looks_like_eve(head):
        return "suricata-eve"
    if looks_like_squid(head):
        return "squid"
    sysmon = sniff_sysmon(head)
    if sysmon is not None:
        return sysmon
    if looks_like_teams(head):
        return "teams"
    if looks_like_chat_jsonl(head):
        return "chat-jsonl"
    if head.startswith(b"PK\x03\x04") and is_slack_export(path):
        return "slack"  # a Slack export as delivered: one ZIP
    if looks_like_message(head):
        return "eml"
    if looks_like_cdr(head, path.name):
        return "cdr"  # after mail: a message is never taken for a call log
    return "unknown"


def discover(paths: list[str | Path], own: Collection[Path] = ()) -> Iterator[Input]:
    """Every file under the given paths, with its sniffed format, in a stable order. Files in
    `own` or under it (the store being written, its write-ahead log and its spill folder, which
    `lurewatch ingest .` finds in the folder it reads) are not inputs."""
    own = {o.resolve() for o in own}
    own_names = {o.name for o in own}  # resolved only when a name matches: one stat, not many
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InputError(f"no such file or folder: {path}")
        if path.is_file():
            yield Input(path, sniff_format(path))
            continue
        if is_slack_export(path):
            yield Input(path, "slack")  # one input: its files only make sense together
            continue
        if is_maildir(path):
            for sub in ("cur", "new"):
                for f in sorted((path / sub).iterdir()):
                    if f.is_file() and not f.name.startswith("."):
                        yield Input(f, "eml")
            continue
        exports = [d for d in sorted(path.rglob("*")) if d.is_dir() and is_slack_export(d)]
        for e in exports:
            yield Input(e, "slack")
        for f in sorted(path.rglob("*")):
            if not f.is_file() or f.name in SKIP_NAMES or f.name.startswith("."):
                continue
            if own_names.intersection(f.parts) and any(f.resolve().is_relative_to(o) for o in own):
                continue
            if exports and any(f.is_relative_to(e) for e in exports):
                continue
            if (
                f.suffix in SKIP_SUFFIXES
                or "tmp" in f.relative_to(path).parts[:-1]
                and is_maildir(f.parent.parent)
            ):
                continue
            yield Input(f, sniff_format(f))


def read_messages(inp: Input) -> Iterator[RawMessage | Reject]:
    if inp.format == "mbox":
        yield from read_mbox(inp.path)
    elif inp.format == "eml":
        yield from read_eml(inp.path)
    elif inp.format == "unreadable":
        yield Reject("file", str(inp.path), None, "cannot read file")
    else:
        yield Reject(
            "file",
            str(inp.path),
            None,
            "unknown format: not mail, and no other reader recognises it",
        )
