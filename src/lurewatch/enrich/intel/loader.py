"""Loading intel files into an index: one entry point for every format."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from lurewatch.enrich.intel.detect import resolve_format
from lurewatch.enrich.intel.match import IntelIndex
from lurewatch.enrich.intel.misp import load_misp_event, load_misp_feed_dir
from lurewatch.enrich.intel.model import LoadResult
from lurewatch.enrich.intel.openphish import load_openphish_json, load_openphish_text
from lurewatch.enrich.intel.phishtank import load_phishtank_csv, load_phishtank_json
from lurewatch.enrich.intel.plain import load_plain
from lurewatch.enrich.intel.popularity import PopularityList
from lurewatch.enrich.intel.shared_hosts import SharedHosts
from lurewatch.enrich.intel.source import read_bytes
from lurewatch.enrich.intel.stix import load_stix
from lurewatch.enrich.intel.urlhaus import load_urlhaus_csv
from lurewatch.errors import InputError

__all__ = ["LOADERS", "load_file", "load_intel"]

LOADERS: dict[str, Callable[[Path, str | None], LoadResult]] = {
    "openphish-text": load_openphish_text,
    "openphish-json": load_openphish_json,
    "phishtank-json": load_phishtank_json,
    "phishtank-csv": load_phishtank_csv,
    "urlhaus-csv": load_urlhaus_csv,
    "misp": load_misp_event,
    "misp-feed": load_misp_feed_dir,
    "stix": load_stix,
    "plain": load_plain,
}


def load_file(path: Path | str, format: str | None = None, feed: str | None = None) -> LoadResult:
    """The indicators of one file (or MISP feed folder) with its tally. The format is detected
    from content unless given; `feed` renames the feed. An empty input loads as nothing, noted
    as "no-records". Raises InputError only for a path that cannot be read at all or whose
    content is no feed (binary, JSON of no known shape)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    fmt = resolve_format(path, format)
    if fmt is None:
        result = LoadResult(format="empty", feed=feed or "")
        if path.is_file() and read_bytes(path)[1]:
            result.lost("truncated-input", 1)  # an archive cut before any content
    else:
        result = LOADERS[fmt](path, feed)
    if result.read == 0:
        result.note("no-records")
    return result


def load_intel(
    paths: Iterable[Path | str],
    format: str | None = None,
    *,
    popular: PopularityList | None = None,
    shared: SharedHosts | None = None,
) -> tuple[IntelIndex, dict[str, LoadResult]]:
    """Load every file and index the indicators together; results are keyed by path."""
    results = {str(p): load_file(p, format) for p in paths}
    indicators = (ind for r in results.values() for ind in r.indicators)
    return IntelIndex.build(indicators, shared=shared, popular=popular), results
