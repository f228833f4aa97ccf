"""URL shorteners and redirectors: hosts whose links say nothing of where they lead.

A shortened link is the one kind whose target can only be learned by following it, so these
are the links that expansion spends its bounded budget on. The bundled list is
`data/shorteners.txt`; an organization adds its own with `load_domain_list` (one domain a
line, '#' comments, the format of the public url-shorteners list) passed as `extra`.

A host matches an entry when it is the entry or a subdomain of it, which covers both
registrable domains (bit.ly) and hosts listed as such (on.wsj.com).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

__all__ = ["default_shorteners", "is_shortener", "load_domain_list", "parse_domain_list"]

_MAX_LABELS = 12  # suffixes tried per host; deeper names are not shortener links


def _clean_domain(item: str) -> str | None:
    item = item.strip().strip(".").lower()
    if not item or any(c.isspace() for c in item) or "/" in item:
        return None
    if not item.isascii():
        try:
            item = item.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return item


def parse_domain_list(text: str) -> frozenset[str]:
    """Domains from one-a-line text with '#' comments, lower-case ASCII, without edge dots."""
    out: set[str] = set()
    for line in text.splitlines():
        item = _clean_domain(line.split("#", 1)[0])
        if item:
            out.add(item)
    return frozenset(out)


def load_domain_list(path: str | Path) -> frozenset[str]:
    """A user's domain list file (UTF-8; undecodable bytes are skipped with their line)."""
    return parse_domain_list(Path(path).read_text(encoding="utf-8", errors="replace"))


@cache
def default_shorteners() -> frozenset[str]:
    """The bundled list."""
    text = resources.files("lurewatch").joinpath("data/shorteners.txt").read_text("utf-8")
    return parse_domain_list(text)


def is_shortener(host: str | None, extra: frozenset[str] = frozenset()) -> bool:
    """True when `host` (a host name, any case, with or without a trailing dot) is a listed
    shortener or a subdomain of one, in the bundled list or in `extra`."""
    if not host:
        return False
    name = host.strip().rstrip(".").lower()
    if not name.isascii():
        cleaned = _clean_domain(name)
        if cleaned is None:
            return False
        name = cleaned
    bundled = default_shorteners()
    for _ in range(_MAX_LABELS):
        if name in bundled or name in extra:
            return True
        dot = name.find(".")
        if dot < 0:
            return False
        name = name[dot + 1 :]
    return False
