"""Plain lists: one URL, domain, host or IP address (or CIDR network) a line.

'#' starts a comment at the start of a line or after a space (a URL may hold '#' itself).
The type is read from each line (see `values.classify`). Hosts-file lines (`0.0.0.0 evil.example`)
are read as their name, since many block lists are published that way. The feed is named after
the file, so matches say whose list it was.
"""

from __future__ import annotations

import re
from pathlib import Path

from lurewatch.enrich.intel.model import Indicator, LoadResult
from lurewatch.enrich.intel.source import iter_lines
from lurewatch.enrich.intel.values import classify

__all__ = ["feed_name", "load_plain"]

_COMMENT = re.compile(r"\s#")
_SINKHOLES = frozenset({"0.0.0.0", "127.0.0.1", "::", "::1"})
_SUFFIXES = (".gz", ".zip", ".txt", ".list", ".csv", ".lst")


def feed_name(path: Path) -> str:
    """The file name without the extensions a list usually carries."""
    name = path.name
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if name.lower().endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                changed = True
    return name


def load_plain(path: Path, feed: str | None = None) -> LoadResult:
    r = LoadResult(format="plain", feed=feed or feed_name(path))
    for lineno, line in iter_lines(path, r):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        m = _COMMENT.search(text)
        if m:
            text = text[: m.start()]
        r.read += 1
        fields = text.split()
        if len(fields) == 2 and fields[0] in _SINKHOLES:
            fields = fields[1:]
        if len(fields) != 1:
            r.skip("not-an-indicator", lineno)
            continue
        found = classify(fields[0])
        if found is None:
            r.skip("not-an-indicator", lineno)
            continue
        kind, value = found
        r.add(Indicator(value, kind, r.feed))
    return r
