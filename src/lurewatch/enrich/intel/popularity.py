"""Popularity lists: registrable domains known to be widely used, with their rank.

A link whose registrable domain is on no such list, and that the organization never saw
before, is "uncategorized" (AN1955's newly seen or uncategorized sites). Every entry is kept as
its registrable domain (`www.google.com` counts for `google.com`), so ask with one.

Popularity is a fact about a registrable domain, not about a customer's site on it: where the
registrable domain is a hosting platform that is not in the Public Suffix List
(`x.weebly.com` has `weebly.com`), a popular answer says nothing about the site. Judge free
hosting on its own (see `shared_hosts`).

Formats, told apart by content:

- the npm `top-sites` JSON: `[{"rank": 1, "rootDomain": "www.google.com", ...}, ...]`;
- a Tranco CSV: `rank,domain` lines without a header (Cisco Umbrella's top list has the same
  shape; a Majestic-style header naming `domain` and `globalrank` is read too);
- a plain list: one domain a line, '#' comments, no ranks.

Using Tranco (https://tranco-list.eu/): download the current list ("Download the list" gives
`top-1m.csv.zip`; a permanent list has an ID, `https://tranco-list.eu/download/<ID>/1000000`),
keep the zip as it is (or gzip the CSV), and name it in `lurewatch.toml`:

    [intel]
    popular = ["/var/lib/lurewatch/tranco-top-1m.csv.zip"]

The lower ranks of a million-entry list include abused and even malicious domains, so
`load(..., max_rank=100_000)` keeps only the head (the file is sorted, so reading stops there).
Pin a list ID to make results reproducible, and refresh it monthly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from lurewatch.enrich.intel.csvio import csv_rows, header_map
from lurewatch.enrich.intel.jsonio import read_records
from lurewatch.enrich.intel.model import Tally
from lurewatch.enrich.intel.source import head, iter_lines
from lurewatch.errors import InputError
from lurewatch.util.domains import registrable_domain

__all__ = ["PopularityList", "load_popularity"]

FORMATS = ("top-sites", "tranco", "plain")
_UNRANKED = 1 << 62  # sorts after every rank, so merging keeps the best one
_RANKED_ROW = re.compile(rb"^\s*\d+\s*,")
_VALID = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)+$")


def _key(entry: object) -> str | None:
    if not isinstance(entry, str):
        return None
    rd = registrable_domain(entry)
    return rd if rd and _VALID.match(rd) else None


class PopularityList:
    """Registrable domains with their best rank (None for lists without ranks)."""

    def __init__(self, ranks: dict[str, int] | None = None) -> None:
        self._ranks: dict[str, int] = ranks if ranks is not None else {}
        self.results: dict[str, Tally] = {}  # per file: entries read and skipped, with reasons

    def __len__(self) -> int:
        return len(self._ranks)

    def __iter__(self) -> Iterator[str]:
        """The registrable domains on the list."""
        return iter(self._ranks)

    def __contains__(self, domain: object) -> bool:
        return isinstance(domain, str) and self.contains(domain)

    def _lookup(self, domain: str) -> int | None:
        found = self._ranks.get(domain)
        if found is None:
            key = _key(domain)
            found = self._ranks.get(key) if key is not None and key != domain else None
        return found

    def contains(self, registered_domain: str) -> bool:
        """True when the registrable domain (a host is reduced to one) is on the list."""
        return self._lookup(registered_domain) is not None

    def rank(self, domain: str) -> int | None:
        """The best rank of `domain`'s registrable domain; None when it is absent or the lists
        that hold it have no ranks. Ranks of different lists are not comparable: a merged list
        reports the smallest number it was given."""
        found = self._lookup(domain)
        return None if found is None or found == _UNRANKED else found

    def add(self, domain: str, rank: int | None = None) -> bool:
        """Add one entry; False when it is not a domain name."""
        key = _key(domain)
        if key is None:
            return False
        value = _UNRANKED if rank is None else rank
        if value < self._ranks.get(key, _UNRANKED + 1):
            self._ranks[key] = value
        return True

    @classmethod
    def merge(cls, lists: Iterable[PopularityList]) -> PopularityList:
        out = cls()
        for lst in lists:
            for key, value in lst._ranks.items():
                if value < out._ranks.get(key, _UNRANKED + 1):
                    out._ranks[key] = value
            out.results.update(lst.results)
        return out

    def __or__(self, other: PopularityList) -> PopularityList:
        return PopularityList.merge([self, other])

    @classmethod
    def load(
        cls, path: Path | str, format: str | None = None, *, max_rank: int | None = None
    ) -> PopularityList:
        """Read one list (gzip or zip allowed). `format` is one of FORMATS, else detected."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path}: no such popularity list")
        fmt = format or _detect(path)
        if fmt not in FORMATS:
            raise InputError(f"{path}: unknown popularity format {fmt!r} (use {FORMATS})")
        out = cls()
        tally = Tally()
        if fmt == "top-sites":
            _load_top_sites(path, out, tally, max_rank)
        elif fmt == "tranco":
            _load_ranked_csv(path, out, tally, max_rank)
        else:
            _load_plain(path, out, tally)
        if tally.read == 0:
            tally.note("no-records")
        out.results[str(path)] = tally
        return out


def _detect(path: Path) -> str:
    data = head(path).lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"["):
        return "top-sites"
    for line in data.splitlines()[:20]:
        if not line.strip() or line.lstrip().startswith(b"#"):
            continue
        if _RANKED_ROW.match(line) or (b"," in line and b"domain" in line.lower()):
            return "tranco"
        break
    return "plain"


def _load_top_sites(path: Path, out: PopularityList, tally: Tally, max_rank: int | None) -> None:
    def record(t: Tally, where: int, obj: object) -> None:
        t.read += 1
        domain: object
        if isinstance(obj, str):
            domain, rank = obj, where
        elif isinstance(obj, dict):
            domain = obj.get("rootDomain") or obj.get("domain")
            raw_rank = obj.get("rank")
            rank = raw_rank if isinstance(raw_rank, int) and raw_rank > 0 else where
        else:
            t.skip("not-an-entry", where)
            return
        if max_rank is not None and rank > max_rank:
            t.note("beyond-max-rank")
        elif not isinstance(domain, str) or not out.add(domain, rank):
            t.skip("not-a-domain", where)

    read_records(path, tally, record)


def _load_ranked_csv(path: Path, out: PopularityList, tally: Tally, max_rank: int | None) -> None:
    rank_at, domain_at = 0, 1
    first = True
    for lineno, row in csv_rows(path, tally):
        if first:
            first = False
            names = header_map(row, ("domain",))
            if names is not None:
                domain_at = names["domain"]
                rank_at = names.get("globalrank", names.get("rank", 0))
                continue
        tally.read += 1
        if len(row) <= max(rank_at, domain_at):
            tally.skip("wrong-column-count", lineno)
            continue
        try:
            rank = int(row[rank_at])
        except ValueError:
            tally.skip("bad-rank", lineno)
            continue
        if max_rank is not None and rank > max_rank:
            tally.read -= 1  # the list is sorted: nothing after this is wanted
            tally.note("stopped-at-max-rank")
            return
        if not out.add(row[domain_at], rank):
            tally.skip("not-a-domain", lineno)


def _load_plain(path: Path, out: PopularityList, tally: Tally) -> None:
    for lineno, line in iter_lines(path, tally):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        tally.read += 1
        if not out.add(text):
            tally.skip("not-a-domain", lineno)


def load_popularity(paths: Iterable[Path | str], *, max_rank: int | None = None) -> PopularityList:
    """All the lists in `paths`, merged; each file's tally is in `.results`."""
    return PopularityList.merge(PopularityList.load(p, max_rank=max_rank) for p in paths)
