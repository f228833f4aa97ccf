"""An export that is many files: a folder, or the ZIP archive the platform hands out.

Slack delivers a workspace export as a ZIP of users.json, channels.json and one folder of
daily JSON files per conversation; people often unpack it first. Both are read the same way,
one member at a time, with the size of each member checked before it is read.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

__all__ = ["Bundle", "find_root", "is_slack_export", "open_bundle"]

SLACK_MARKERS = ("users.json", "channels.json")
_MAX_MEMBERS = 2_000_000


class Bundle:
    """Member names are POSIX paths relative to the bundle."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._sizes: dict[str, int] = {}
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if f.is_file() and not f.name.startswith("."):
                    self._sizes[f.relative_to(path).as_posix()] = f.stat().st_size
                    if len(self._sizes) >= _MAX_MEMBERS:
                        break
        else:
            self._zip = zipfile.ZipFile(path)
            for info in self._zip.infolist()[:_MAX_MEMBERS]:
                if not info.is_dir():
                    self._sizes[info.filename] = info.file_size

    def names(self) -> list[str]:
        return list(self._sizes)

    def size(self, name: str) -> int:
        return self._sizes[name]

    def read(self, name: str, limit: int) -> bytes:
        """The member's bytes; at most `limit` + 1 are read, so a lying archive cannot grow."""
        if self._zip is not None:
            with self._zip.open(name) as fh:
                return fh.read(limit + 1)
        with (self.path / name).open("rb") as fh:
            return fh.read(limit + 1)

    def label(self, name: str) -> str:
        """Where a member came from, as rows and rejects name it."""
        return str(self.path / name) if self._zip is None else f"{self.path}:{name}"

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def open_bundle(path: Path) -> Bundle:
    return Bundle(path)


def find_root(names: list[str]) -> str | None:
    """The folder prefix ("" or "export/") holding the Slack markers, or None."""
    found: dict[str, set[str]] = {}
    for n in names:
        p = PurePosixPath(n)
        if p.name in SLACK_MARKERS and len(p.parts) <= 2:
            prefix = "" if len(p.parts) == 1 else p.parts[0] + "/"
            found.setdefault(prefix, set()).add(p.name)
    for prefix in sorted(found, key=len):
        if found[prefix] >= set(SLACK_MARKERS):
            return prefix
    return None


def is_slack_export(path: Path) -> bool:
    """A folder holding users.json and channels.json, or a ZIP holding them at its top or one
    folder down."""
    try:
        if path.is_dir():
            return all((path / m).is_file() for m in SLACK_MARKERS)
        if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                return find_root(zf.namelist()[:_MAX_MEMBERS]) is not None
    except (OSError, zipfile.BadZipFile):
        return False
    return False
